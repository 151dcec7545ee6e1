"""Fault injection: hostile servers on loopback. Each yields a verdict with a clear message,
never a hang or a crash."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib

import pytest

from linkcheck.checker import CheckRun, check_all, make_transport
from linkcheck.config import CheckOptions
from linkcheck.models import Verdict
from tests.conftest import ServerFactory
from tests.helpers import check_one, closed_port
from tests.webserver import Reply, Web

QUICK = CheckOptions(timeout=1.0, retries=0, backoff=0.05)


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzipped (about 1 KB per MB), made without holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(2**20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.50")


def test_endless_redirects(web: Web) -> None:
    web.fallback = lambda method, path, headers: Reply(302, headers={"Location": path + "x"})
    result = check_one(web.url("/r"), QUICK)
    assert result.status is Verdict.BROKEN and "more than 10 redirects" in (result.error or "")
    assert sum(web.hits.values()) == 11


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "data:text/html,<h1>hi</h1>", "javascript:alert(1)", "ftp://127.0.0.50/x"]
)
def test_redirect_to_a_non_web_scheme_is_not_followed(web: Web, target: str) -> None:
    web.routes["/r"] = Reply(301, headers={"Location": target})
    result = check_one(web.url("/r"), QUICK)
    scheme = target.split(":")[0]
    assert result.status is Verdict.BROKEN and f"redirect to a non-web URL ({scheme}:)" in (result.error or "")


def test_a_body_that_never_ends_is_read_as_a_bounded_prefix(web: Web) -> None:
    web.routes["/big"] = Reply(endless=True)
    started = time.monotonic()
    assert check_one(web.url("/big"), QUICK).status is Verdict.OK
    assert time.monotonic() - started < 3 and web.sent < 2 * 2**20


def test_a_server_that_trickles_bytes_forever_is_bounded_in_time(web: Web) -> None:
    web.routes["/slow"] = Reply(trickle=0.3)
    started = time.monotonic()
    result = check_one(web.url("/slow"), QUICK)  # each byte beats the 1 s read timeout; the whole request may not
    assert time.monotonic() - started < 4
    assert result.status is Verdict.TIMEOUT and "the whole request took over 2 s" in (result.error or "")


@pytest.mark.parametrize(
    "raw", [b"HTTP/1.1 OK-ish\r\n\r\n", b"SSH-2.0-OpenSSH_9.2\r\n", b"\x00\xff\xfe garbage\r\n\r\n"]
)
def test_invalid_status_line(web: Web, raw: bytes) -> None:
    web.routes["/bad"] = Reply(raw=raw)
    result = check_one(web.url("/bad"), QUICK)
    assert result.status is Verdict.UNREACHABLE and (result.error or "").startswith("invalid HTTP response")


def test_enormous_headers(web: Web) -> None:
    web.routes["/h"] = Reply(raw=b"HTTP/1.1 200 OK\r\n" + b"X-Junk: " + b"a" * 2_000_000 + b"\r\n\r\n")
    result = check_one(web.url("/h"), QUICK)
    assert result.status is Verdict.UNREACHABLE and "invalid HTTP response" in (result.error or "")


def test_gzip_bomb_decodes_to_a_bounded_prefix(web: Web) -> None:
    bomb = gzip_bomb(512)  # 512 MB of zeros in about 500 KB
    web.routes["/bomb"] = Reply(headers={"Content-Encoding": "gzip"}, body=bomb)
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = check_one(web.url("/bomb"), QUICK)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.status is Verdict.OK
    assert grown_mb < 64, grown_mb


def test_gzip_title_is_still_read(web: Web) -> None:
    page = b"<html><head><title>404 Not Found</title></head><body>gone</body></html>"
    web.routes["/gz"] = Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(page))
    result = check_one(web.url("/gz"), QUICK)
    assert result.status is Verdict.SOFT_404 and "404 Not Found" in (result.error or "")


def test_connection_closed_mid_body(web: Web) -> None:
    web.routes["/cut"] = Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort")
    result = check_one(web.url("/cut"), QUICK)
    assert result.status in (Verdict.UNREACHABLE, Verdict.OK) and result.error != ""


def test_tls_handshake_completes_and_an_untrusted_certificate_is_named() -> None:
    """A real TLS server (a test CA the system does not trust): the handshake runs to the end on
    asyncio's TLS, and the verdict names the certificate problem."""
    import socket
    import ssl
    import threading

    import trustme

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.52").configure_cert(context)
    with socket.socket() as listener:
        listener.bind(("127.0.0.52", 0))
        listener.listen()
        listener.settimeout(5)

        def serve() -> None:
            for _ in range(2):
                raw, _ = listener.accept()
                try:
                    with context.wrap_socket(raw, server_side=True):
                        pass
                except (ssl.SSLError, OSError):
                    pass  # the client hangs up when it rejects the certificate

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        result = check_one(
            f"https://127.0.0.52:{listener.getsockname()[1]}/", CheckOptions(timeout=2, retries=1, backoff=0.05)
        )
        thread.join(5)
    assert result.status is Verdict.UNREACHABLE
    assert "TLS failure" in (result.error or "") and "certificate" in (result.error or "").lower(), result.error


def test_a_redirect_to_a_dead_host_whose_breaker_is_open_ends_instead_of_looping(web: Web) -> None:
    # Issue 12, item 14: the breaker that opened belonged to the redirect's target, while the
    # retry loop looked at the link's own host and tried again, thousands of times a second.
    dead = f"http://127.0.0.9:{closed_port()}"
    web.routes["/moved"] = Reply(302, headers={"Location": f"{dead}/landing"})
    urls = [f"{dead}/a", f"{dead}/b", f"{dead}/c", web.url("/moved")]
    options = CheckOptions(timeout=1, retries=1, backoff=0.01)

    async def go() -> CheckRun:
        async with make_transport(options) as transport:
            return await asyncio.wait_for(check_all(urls, transport, options), 30)

    moved = asyncio.run(go()).results[web.url("/moved")]
    assert moved.status is Verdict.UNREACHABLE
    assert web.hits[("GET", "/moved")] <= 3


def test_a_host_answering_429_to_everything_gets_rate_limited_in_bounded_time(web: Web) -> None:
    # Issue 12, item 16: its spacing doubled without a cap while holding the host's and the
    # overall slots: 16 URLs, no verdict in 300 s.
    web.fallback = Reply(429, headers={"Retry-After": "1"})
    other = [f"http://127.0.0.51:{closed_port('127.0.0.51')}/x"]  # another host keeps its turn
    urls = [web.url(f"/p{i}") for i in range(16)] + other
    options = CheckOptions(timeout=2, retries=2, backoff=0.05, retry_after_cap=3, max_concurrency=4)

    async def go() -> CheckRun:
        async with make_transport(options) as transport:
            return await asyncio.wait_for(check_all(urls, transport, options), 60)

    started = time.monotonic()
    run = asyncio.run(go())
    assert time.monotonic() - started < 30
    assert all(run.results[url].status is Verdict.RATE_LIMITED for url in urls[:16])
    assert run.results[other[0]].status is Verdict.UNREACHABLE
