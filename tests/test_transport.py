"""The per-host pools under the checker: request targets, keep-alive, closed and evicted connections."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import httpcore
import pytest

import linkcheck.transport as transport_mod
from linkcheck.config import CheckOptions
from linkcheck.models import Verdict
from linkcheck.transport import ConnectFailed, HostPools, ProtocolFailure, request_target
from tests.conftest import ServerFactory
from tests.helpers import check
from tests.webserver import Reply, Web


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.50")


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


def test_a_kept_alive_connection_closed_as_it_is_reused_is_replaced(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    # The race: the server's close arrives only after the connection was taken for the next request.
    monkeypatch.setattr(
        transport_mod._Stream, "get_extra_info", lambda self, info: False if info == "is_readable" else None
    )
    web.fallback = Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
    urls = [web.url(f"/page/{i}") for i in range(4)]
    results = check(urls, CheckOptions(timeout=2, retries=0, host_concurrency=1)).results
    assert [r.status for r in results.values()] == [Verdict.OK] * 4
    assert sum(web.hits.values()) == 4  # each request answered once, on a fresh connection


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
