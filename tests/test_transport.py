"""The per-host pools under the checker: request targets, keep-alive, closed and evicted connections."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Iterator

import httpcore
import pytest

from linkcheck.config import CheckOptions
from linkcheck.models import Verdict
from linkcheck.transport import ConnectFailed, Exchange, HostPools, ProtocolFailure, TimedOut, request_target
from tests.conftest import ServerFactory
from tests.helpers import check
from tests.scripted import Script, Scripted
from tests.webserver import Reply, Web

OK_HELLO = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
Start = Callable[..., Scripted]


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.50")


@pytest.fixture
def scripted() -> Iterator[Start]:
    """Start raw servers (tests/scripted.py) on 127.0.0.61, 127.0.0.62, …, stopped after the test."""
    started: list[Scripted] = []

    def start(script: Script, pause: float = 0.05, close: bool = False) -> Scripted:
        started.append(Scripted(f"127.0.0.{61 + len(started)}", script, pause, close))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def exchanges(*requests: tuple[str, str], limit: int = 1024, timeout: float = 2.0, wait: float = 0.0) -> list[Exchange]:
    """(method, url) requests sent one after another through one HostPools, `wait` s apart."""

    async def go() -> list[Exchange]:
        answers = []
        async with HostPools(1) as pools:
            for method, url in requests:
                answers.append(await pools.exchange(method, url, [], timeout=timeout, body_limit=limit))
                await asyncio.sleep(wait)
        return answers

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Example.COM", ((b"http", b"example.com", 80), b"example.com", b"/")),
        ("https://a.example:8443/x?y=1&z", ((b"https", b"a.example", 8443), b"a.example:8443", b"/x?y=1&z")),
        (
            "http://пример.рф/путь?q=ä",
            ((b"http", b"xn--e1afmkfd.xn--p1ai", 80), b"xn--e1afmkfd.xn--p1ai", b"/%D0%BF%D1%83%D1%82%D1%8C?q=%C3%A4"),
        ),
        ("http://[::1]:8080/a", ((b"http", b"::1", 8080), b"[::1]:8080", b"/a")),
        ("http://user:secret@host.example/x", ((b"http", b"host.example", 80), b"host.example", b"/x")),
        ("http://host.example/a b", ((b"http", b"host.example", 80), b"host.example", b"/a%20b")),
    ],
)
def test_request_target(url: str, expected: tuple[object, ...]) -> None:
    assert request_target(url) == expected


def test_request_target_refuses_a_port_out_of_range() -> None:
    with pytest.raises(ValueError, match="port"):
        request_target("http://host.example:99999/")


def test_an_out_of_range_port_is_invalid_not_a_crash(web: Web) -> None:
    web.routes["/go"] = Reply(302, headers={"location": "http://127.0.0.50:99999/x"})
    results = check(["http://host.example:99999/", web.url("/go")]).results
    assert results["http://host.example:99999/"].status is Verdict.INVALID
    assert results[web.url("/go")].status is Verdict.BROKEN
    assert "malformed" in (results[web.url("/go")].error or "")


def test_a_non_ascii_path_arrives_percent_encoded_with_the_right_host(web: Web) -> None:
    web.routes["/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F"] = Reply()
    url = f"http://127.0.0.50:{web.port}/статья"
    assert check([url]).results[url].status is Verdict.OK
    assert web.seen_headers[-1]["host"] == f"127.0.0.50:{web.port}"


def test_connections_are_kept_alive_and_bounded_per_host(web: Web) -> None:
    web.fallback = Reply(delay=0.02)
    urls = [web.url(f"/page/{i}") for i in range(24)]
    results = check(urls, CheckOptions(timeout=2, retries=0, host_concurrency=2)).results
    assert all(r.status is Verdict.OK for r in results.values())
    assert web.connections <= 2  # 24 requests over at most two connections


def test_a_server_that_closes_after_each_answer_without_saying_so(web: Web) -> None:
    web.fallback = Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
    urls = [web.url(f"/page/{i}") for i in range(6)]
    results = check(urls, CheckOptions(timeout=2, retries=0, host_concurrency=1)).results
    assert [r.status for r in results.values()] == [Verdict.OK] * 6
    assert web.connections == 6  # a closed connection is noticed and never reused


def test_idle_pools_beyond_the_limit_are_closed() -> None:
    webs = [Web(f"127.0.0.{51 + i}").start() for i in range(4)]
    try:

        async def go() -> None:
            async with HostPools(2, max_idle_pools=2) as pools:
                for web in webs:
                    answer = await pools.exchange("GET", web.url("/"), [], timeout=2, body_limit=1024)
                    assert answer.status == 404 and b"Not Found" in answer.body
                deadline = time.monotonic() + 2
                while sum(w.open_connections for w in webs) > 2 and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                assert [w.open_connections for w in webs] == [0, 0, 1, 1]  # least recently used went first

        asyncio.run(go())
    finally:
        for web in webs:
            web.stop()


def test_a_bounded_prefix_is_read_and_the_connection_dropped(web: Web) -> None:
    web.fallback = Reply(endless=True)

    async def go() -> tuple[int, int]:
        async with HostPools(1) as pools:
            answer = await pools.exchange("GET", web.url("/big"), [], timeout=2, body_limit=10_000)
            return len(answer.body), answer.status

    size, status = asyncio.run(go())
    assert (size, status) == (10_000, 200)
    deadline = time.monotonic() + 2
    while web.open_connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert web.open_connections == 0


def test_network_failures_are_the_transports_own_errors() -> None:
    async def go() -> None:
        async with HostPools(1) as pools:
            with pytest.raises(ConnectFailed) as caught:
                await pools.exchange("GET", "http://127.0.0.50:1/", [], timeout=2)
            assert caught.value.network and caught.value.reason == "connection refused"
            assert not isinstance(caught.value.__cause__, httpcore.ConnectError)  # translated, not wrapped

    asyncio.run(go())


def test_a_kept_alive_connection_closed_as_it_is_reused_is_replaced(scripted: Start) -> None:
    # The race of RFC 9112 §9.3.1: the server closes an idle connection just as the next
    # request arrives, so the close reaches us only after the request went out. Each of this
    # server's connections answers one request and closes, unanswered, on the second.
    server = scripted(lambda connection, request, head: OK_HELLO if request == 0 else None)
    urls = [server.url(f"/page/{i}") for i in range(4)]
    results = check(urls, CheckOptions(timeout=2, retries=0, host_concurrency=1)).results
    assert [r.status for r in results.values()] == [Verdict.OK] * 4
    assert server.connections == 4  # a new connection for each request the old one dropped
    assert len(server.requests) == 7  # three requests went out twice: once unanswered, once answered


def test_a_cancelled_tls_handshake_leaves_no_socket_open() -> None:
    # A listener that never accepts: the kernel completes TCP, nobody answers the TLS hello.
    with socket.socket() as listener:
        listener.bind(("127.0.0.60", 0))
        listener.listen(8)
        url = f"https://127.0.0.60:{listener.getsockname()[1]}/"

        async def go() -> tuple[int, int]:
            async with HostPools(1) as pools:
                before = len(os.listdir("/proc/self/fd"))
                task = asyncio.ensure_future(pools.exchange("GET", url, [], timeout=30))
                await asyncio.sleep(0.3)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                await asyncio.sleep(0.05)
                return before, len(os.listdir("/proc/self/fd"))

        before, after = asyncio.run(go())
    assert after == before


def test_a_request_the_http_layer_refuses_never_quotes_a_header_value(web: Web) -> None:
    # Issue 12, item 1: h11's message quotes the offending value, and it became the link's error.
    async def go() -> None:
        async with HostPools(1) as pools:
            with pytest.raises(ProtocolFailure) as refused:
                await pools.exchange("GET", web.url("/a"), [(b"Authorization", b" s3cr3t ")], timeout=2)
            assert "s3cr3t" not in str(refused.value) and "s3cr3t" not in refused.value.reason

    asyncio.run(go())


# Wire-level cases, each from HTTP/1.1's own rules (RFC 9112, RFC 9110) and what servers do.


def test_interim_answers_before_the_real_one_are_skipped(scripted: Start) -> None:
    # RFC 9110 §15.2: a client must accept 1xx answers before the final one (100 Continue, 103 Early Hints).
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    server = scripted(lambda c, r, head: interim + OK_HELLO)
    (answer,) = exchanges(("GET", server.url("/")))
    assert (answer.status, answer.body, answer.header("link")) == (200, b"hello", None)
    assert answer.header("content-type") == "text/html"


def test_an_answer_with_bare_line_feeds_is_read(scripted: Start) -> None:
    # RFC 9112 §2.2: a recipient MAY take a lone LF as a line end; old embedded servers send them.
    server = scripted(lambda c, r, head: b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi")
    (answer,) = exchanges(("GET", server.url("/")))
    assert (answer.status, answer.body) == (200, b"hi")


def test_a_body_that_ends_with_the_connection_is_read_to_the_end(scripted: Start) -> None:
    # RFC 9112 §6.3 (8): no Content-Length and no chunking: the body runs until the server closes.
    parts = [b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>A", b"n article</title>"]
    server = scripted(lambda c, r, head: parts, close=True)
    first, second = exchanges(("GET", server.url("/a")), ("GET", server.url("/b")))
    assert first.body == second.body == b"<title>An article</title>"
    assert server.connections == 2  # such a connection is never reused


def test_streamed_chunked_answers_keep_the_connection(scripted: Start) -> None:
    # As aiohttp and most application servers answer: the head, then the body in chunks.
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    server = scripted(lambda c, r, _: [head, b"5\r\nhello\r\n", b"6\r\n world\r\n", b"0\r\n\r\n"], pause=0.01)
    answers = exchanges(*[("GET", server.url(f"/{i}")) for i in range(3)])
    assert [a.body for a in answers] == [b"hello world"] * 3
    assert server.connections == 1


def test_a_body_sent_with_a_head_answer_does_not_reach_the_next_request(scripted: Start) -> None:
    # RFC 9110 §9.3.2: no body follows an answer to HEAD, whatever its Content-Length says. A
    # server that sends one anyway would feed it to the next request as its answer.
    def script(connection: int, request: int, head: bytes) -> bytes:
        if head.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n" + (b"HTTP/1.1 500 X" if connection == 0 else b"")
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    server = scripted(script)
    head, get = exchanges(("HEAD", server.url("/a")), ("GET", server.url("/b")))
    assert (head.status, head.body, get.status) == (200, b"", 404)
    assert server.connections == 2  # the connection that carried the stray body was dropped
    clean = scripted(script)
    exchanges(("HEAD", clean.url("/a")), ("GET", clean.url("/b")), ("HEAD", clean.url("/c")))
    assert clean.connections == 2  # connection 0 sent a stray body; connection 1 (a clean one) is kept


def test_bytes_a_server_sends_between_answers_close_the_connection(scripted: Start) -> None:
    unasked = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
    server = scripted(lambda c, r, head: [OK_HELLO, unasked] if c == 0 else OK_HELLO)
    answers = exchanges(("GET", server.url("/a")), ("GET", server.url("/b")), wait=0.3)
    assert [a.status for a in answers] == [200, 200]
    assert server.connections == 2


def test_a_prefix_of_a_complete_answer_keeps_the_connection(scripted: Start) -> None:
    body = b"x" * 5000
    server = scripted(lambda c, r, head: b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + body)
    answers = exchanges(("GET", server.url("/a")), ("GET", server.url("/b")), limit=100)
    assert [len(a.body) for a in answers] == [100, 100]
    assert server.connections == 1


def test_an_answer_that_stalls_times_out(scripted: Start) -> None:
    server = scripted(lambda c, r, head: [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"abc"])
    started = time.monotonic()
    with pytest.raises(TimedOut) as caught:
        exchanges(("GET", server.url("/")), timeout=0.5)
    assert caught.value.reason == "read timed out" and time.monotonic() - started < 2


@pytest.mark.parametrize("value", [b"abc\r\nX-Evil: 1", b"abc\nGET /x HTTP/1.1", b"abc\x00"])
def test_a_header_value_that_would_split_the_request_is_never_sent(scripted: Start, value: bytes) -> None:
    server = scripted(lambda c, r, head: OK_HELLO)

    async def go() -> None:
        async with HostPools(1) as pools:
            with pytest.raises(ProtocolFailure) as refused:
                await pools.exchange("GET", server.url("/"), [(b"X-Token", value)], timeout=2)
            assert "abc" not in refused.value.reason

    asyncio.run(go())
    assert server.requests == []


def test_a_server_that_closes_without_answering(scripted: Start) -> None:
    server = scripted(lambda c, r, head: None)
    with pytest.raises(ProtocolFailure) as caught:
        exchanges(("GET", server.url("/")))
    assert caught.value.reason == "invalid HTTP response: the server closed the connection without answering"


def test_https_answers_come_over_one_kept_alive_tls_connection() -> None:
    import ssl

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.70").configure_cert(context)
    server = Scripted("127.0.0.70", lambda c, r, head: OK_HELLO, tls=context)
    try:

        async def go() -> list[Exchange]:
            async with HostPools(1) as pools:
                authority.configure_trust(pools._ssl)
                return [
                    await pools.exchange("GET", server.url(f"/{i}"), [], timeout=2, body_limit=100) for i in range(3)
                ]

        answers = asyncio.run(go())
    finally:
        server.stop()
    assert [(a.status, a.body) for a in answers] == [(200, b"hello")] * 3
    assert server.connections == 1


def test_a_run_over_more_hosts_than_the_old_pool_budget_reuses_its_connections() -> None:
    # The work queue takes hosts in turn: with 128 idle pools, 160 hosts meant a new connection
    # for every request (100,000 URLs on 1,000 hosts: 100,000 connections).
    first, *others = [f"127.0.5.{i}" for i in range(1, 161)]
    head = Web(first).start()
    webs = [head] + [Web(host, share=head).start() for host in others]
    for web in webs:
        web.fallback = Reply()
    try:
        urls = [web.url(f"/{j}") for j in range(3) for web in webs]
        results = check(urls, CheckOptions(timeout=5, retries=0, host_concurrency=1, max_concurrency=32)).results
        assert [r.status for r in results.values()] == [Verdict.OK] * 480
        assert sum(web.connections for web in webs) == 160  # one each, kept for its three requests
    finally:
        for web in [*webs[1:], head]:
            web.stop()


# Quirks of real servers that h11 (the HTTP/1.1 layer this transport replaced) read and strict
# llhttp refuses: a link that works in a browser must not become "invalid HTTP response".


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        # RFC 9112 §5.2: obs-fold in a response is replaced by a space; old servers still fold.
        (b"HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 2\r\n\r\nhi", b"hi"),
        # Control characters in a header value (a cookie written carelessly): not ours to refuse.
        (b"HTTP/1.1 200 OK\r\nSet-Cookie: a=\x01b\r\nContent-Length: 2\r\n\r\nhi", b"hi"),
        # RFC 9112 §6.3 (3): with Transfer-Encoding and Content-Length both, the chunking wins.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", b"hi"),
        # A space after the chunk size (seen from embedded servers).
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nhi\r\n0\r\n\r\n", b"hi"),
        # Bytes after a complete answer in the same segment (a miscounted Content-Length).
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi<!-- generated -->", b"hi"),
        # A second answer nobody asked for, in the same segment: the first is the answer.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", b"hi"),
    ],
    ids=[
        "obs-fold",
        "control-char-in-value",
        "length-and-chunked",
        "chunk-size-space",
        "trailing-bytes",
        "unasked-answer",
    ],
)
def test_answers_real_servers_send_are_read_as_browsers_read_them(scripted: Start, answer: bytes, body: bytes) -> None:
    server = scripted(lambda c, r, head: answer)
    first, second = exchanges(("GET", server.url("/a")), ("GET", server.url("/b")))
    assert (first.status, first.body) == (second.status, second.body) == (200, body)
    assert first.header("content-type") is None  # the unasked answer's fields never leak in


def test_an_ambiguous_or_overlong_answer_is_not_trusted_with_the_next_request(scripted: Start) -> None:
    # Framing a server got wrong once (both lengths, bytes after the end) may be wrong again:
    # the connection is closed after such an answer instead of carrying the next request.
    quirks = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi<!-- generated -->",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
    ]
    for answer in quirks:
        server = scripted(lambda c, r, head, answer=answer: answer)
        exchanges(("GET", server.url("/a")), ("GET", server.url("/b")))
        assert server.connections == 2, answer
    clean = scripted(lambda c, r, head: b"HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 2\r\n\r\nhi")
    exchanges(("GET", clean.url("/a")), ("GET", clean.url("/b")))
    assert clean.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: x\r\ncontent-length:2\r\n\r\nhi"],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi"],
        [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", b"Content-Length: 2\r\nServer: x\r\n\r\nhi"],  # in two segments
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 2\n\nhi"],
    ],
    ids=["two-fields", "a-list", "two-segments", "after-interim-with-bare-lf"],
)
def test_a_length_said_twice_the_same_is_read_once(scripted: Start, answer: list[bytes]) -> None:
    # RFC 9110 §8.6: a recipient MAY take repeated identical Content-Length values as one
    # (browsers and h11 do; llhttp refuses); the connection is not reused after it.
    server = scripted(lambda c, r, head: answer, pause=0.05)
    first, second = exchanges(("GET", server.url("/a")), ("GET", server.url("/b")))
    assert (first.status, first.body) == (second.status, second.body) == (200, b"hi")
    assert [value for name, value in first.headers if name.lower() == b"content-length"] == [b"2"]
    assert server.connections == 2


def test_lengths_that_differ_are_refused(scripted: Start) -> None:
    server = scripted(lambda c, r, head: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!")
    with pytest.raises(ProtocolFailure, match="invalid HTTP response: Duplicate Content-Length"):
        exchanges(("GET", server.url("/a")))


def test_a_head_answer_with_a_repaired_length_is_read_and_its_connection_dropped(scripted: Start) -> None:
    server = scripted(lambda c, r, head: b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Length: 9\r\n\r\n")
    answers = exchanges(("HEAD", server.url("/a.pdf")), ("HEAD", server.url("/b.pdf")))
    assert [(a.status, a.body) for a in answers] == [(200, b""), (200, b"")]
    assert server.connections == 2


def test_a_head_is_repaired_once_at_most(scripted: Start) -> None:
    # A server dribbling one duplicate per segment would otherwise have the head read again
    # for each: one repair per answer, then the answer is invalid.
    length = b"Content-Length: 2\r\n"
    server = scripted(lambda c, r, head: [b"HTTP/1.1 200 OK\r\n" + length, length, length, b"\r\nhi"], pause=0.02)
    with pytest.raises(ProtocolFailure, match="Duplicate Content-Length"):
        exchanges(("GET", server.url("/a")))
