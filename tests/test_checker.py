"""Every verdict, demonstrated against live servers on loopback."""

from __future__ import annotations

import itertools
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.config import CheckOptions, header_origin
from linkcheck.errors import ConfigError
from linkcheck.models import Verdict
from linkcheck.redirects import Cookies
from tests.helpers import check, check_one, closed_port
from tests.webserver import Reply, Web


def test_ok_and_temporary_redirect_is_ok(web: Web) -> None:
    web.routes["/a"] = Reply()
    web.routes["/tmp"] = Reply(302, headers={"Location": "/a"})
    assert check_one(web.url("/a")).status is Verdict.OK
    result = check_one(web.url("/tmp"))
    assert (result.status, result.http_status, result.final_url) == (Verdict.OK, 200, web.url("/a"))
    assert result.redirects == [web.url("/a")]


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_is_moved_with_replacement(web: Web, code: int) -> None:
    web.routes["/old"] = Reply(code, headers={"Location": "/news/new-place"})
    web.routes["/news/new-place"] = Reply()
    result = check_one(web.url("/old"))
    assert result.status is Verdict.MOVED and result.final_url == web.url("/news/new-place")


@pytest.mark.parametrize("code", [404, 410, 400])
def test_client_errors_are_broken(web: Web, code: int) -> None:
    web.routes["/gone"] = Reply(code)
    result = check_one(web.url("/gone"))
    assert (result.status, result.http_status) == (Verdict.BROKEN, code)


def test_redirect_loop_and_too_many_redirects_are_broken(web: Web) -> None:
    web.routes["/loop1"] = Reply(302, headers={"Location": "/loop2"})
    web.routes["/loop2"] = Reply(302, headers={"Location": "/loop1"})
    for i in range(20):
        web.routes[f"/chain{i}"] = Reply(302, headers={"Location": f"/chain{i + 1}"})
    loop = check_one(web.url("/loop1"))
    assert loop.status is Verdict.BROKEN and "loop" in (loop.error or "")
    chain = check_one(web.url("/chain0"))
    assert chain.status is Verdict.BROKEN and "more than 10 redirects" in (chain.error or "")


def test_cookie_wall_redirect_back_to_the_same_page_is_not_a_loop(web: Web) -> None:
    def wall(method: str, path: str, headers: dict[str, str]) -> Reply:
        if "consent=yes" in headers.get("cookie", ""):
            return Reply()
        return Reply(302, headers={"Location": "/article", "Set-Cookie": "consent=yes; Path=/; HttpOnly"})

    web.routes["/article"] = wall
    result = check_one(web.url("/article"))
    assert (result.status, result.http_status, result.redirects) == (Verdict.OK, 200, [web.url("/article")])


def test_cookies_never_go_to_another_host(web: Web) -> None:
    other = Web("127.0.0.3").start()
    try:
        other.routes["/landing"] = Reply()
        web.routes["/out"] = Reply(302, headers={"Location": other.url("/landing"), "Set-Cookie": "session=secret"})
        assert check_one(web.url("/out")).status is Verdict.OK
        assert all("cookie" not in headers for headers in other.seen_headers)
    finally:
        other.stop()


def test_redirect_to_homepage_is_soft_404(web: Web) -> None:
    web.routes["/2019/article-123"] = Reply(302, headers={"Location": "/"})
    web.routes["/"] = Reply(body=b"<title>Home</title>")
    result = check_one(web.url("/2019/article-123"))
    assert result.status is Verdict.SOFT_404 and "home page" in (result.error or "")


def test_not_found_page_served_with_200_is_soft_404(web: Web) -> None:
    web.routes["/missing"] = Reply(200, body=b"<html><title>Page not found | Example News</title></html>")
    assert check_one(web.url("/missing")).status is Verdict.SOFT_404


def test_random_url_probe_confirms_redirect_to_section(web: Web) -> None:
    # Every missing article (and the probe's random sibling) lands on the section page.
    def section_redirect(method: str, path: str, headers: dict[str, str]) -> Reply:
        if path.startswith("/news/") and path != "/news/index":
            return Reply(302, headers={"Location": "/news/index"})
        return Reply(404)

    web.fallback = section_redirect
    web.routes["/news/index"] = Reply(body=b"<title>News</title>")
    web.routes["/blog/post"] = Reply(302, headers={"Location": "/blog/post/"})
    web.routes["/blog/post/"] = Reply(body=b"<title>A real post</title>")
    result = check_one(web.url("/news/story-42"))
    assert result.status is Verdict.SOFT_404 and "missing sibling" in (result.error or "")
    assert any("linkcheck-missing-" in path for _, path in web.hits)
    assert check_one(web.url("/blog/post")).status is Verdict.OK  # a real redirect is not penalised


@pytest.mark.parametrize("code", [401, 403, 407, 451])
def test_access_refusals_are_blocked(web: Web, code: int) -> None:
    web.routes["/private"] = Reply(code)
    assert check_one(web.url("/private")).status is Verdict.BLOCKED


def test_sign_in_redirect_and_bot_challenge_are_blocked(web: Web) -> None:
    web.routes["/paper"] = Reply(302, headers={"Location": "/login?return_to=/paper"})
    web.routes["/login"] = Reply(body=b"<title>Sign in</title>")
    web.routes["/cf"] = Reply(503, body=b"<title>Just a moment...</title>")
    assert check_one(web.url("/paper")).status is Verdict.BLOCKED
    challenge = check_one(web.url("/cf"))
    assert challenge.status is Verdict.BLOCKED and "challenge" in (challenge.error or "")


def test_head_refused_falls_back_to_get(web: Web) -> None:
    web.routes["/report.pdf"] = lambda method, path, headers: Reply(405 if method == "HEAD" else 200)
    assert check_one(web.url("/report.pdf")).status is Verdict.OK
    assert web.hits[("HEAD", "/report.pdf")] == 1 and web.hits[("GET", "/report.pdf")] == 1


def test_retry_after_is_honoured_then_ok(web: Web) -> None:
    calls = []

    def limited(method: str, path: str, headers: dict[str, str]) -> Reply:
        calls.append(time.monotonic())
        return Reply(429, headers={"Retry-After": "1"}) if len(calls) == 1 else Reply()

    web.routes["/limited"] = limited
    result = check_one(web.url("/limited"))
    assert result.status is Verdict.OK
    assert calls[1] - calls[0] >= 0.95


def test_persistent_429_is_rate_limited_and_http_date_accepted(web: Web) -> None:
    web.routes["/busy"] = Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    result = check_one(web.url("/busy"))
    assert result.status is Verdict.RATE_LIMITED and web.hits[("GET", "/busy")] == 2


def test_server_errors_are_retried(web: Web) -> None:
    web.routes["/down"] = Reply(500)
    flaky = iter([Reply(503), Reply()])
    web.routes["/flaky"] = lambda m, p, h: next(flaky)
    assert check_one(web.url("/down")).status is Verdict.SERVER_ERROR
    assert web.hits[("GET", "/down")] == 2  # one try plus one retry
    assert check_one(web.url("/flaky")).status is Verdict.OK


def test_timeout(web: Web) -> None:
    web.routes["/slow"] = Reply(delay=5)
    result = check_one(web.url("/slow"), CheckOptions(timeout=0.5, retries=0))
    assert result.status is Verdict.TIMEOUT and "0.5 s" in (result.error or "")


def test_refused_connection_and_tls_failure_are_unreachable(web: Web) -> None:
    refused = check_one(f"http://127.0.0.9:{closed_port()}/x")
    assert refused.status is Verdict.UNREACHABLE and "refused" in (refused.error or "")
    # TLS to a server that answers in plain HTTP at once: the handshake fails.
    with socket.socket() as server:
        server.bind(("127.0.0.2", 0))
        server.listen()

        def answer_in_plain_text() -> None:
            server.settimeout(5)
            for _ in range(2):  # the first attempt and its retry
                connection, _ = server.accept()
                with connection:
                    connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer_in_plain_text, daemon=True)
        thread.start()
        tls = check_one(f"https://127.0.0.2:{server.getsockname()[1]}/")
        thread.join(5)
    assert tls.status is Verdict.UNREACHABLE and (tls.error or "").startswith("TLS failure"), tls.error


@pytest.mark.parametrize("url", ["ftp://example.org/file", "http:///no-host", "http://[::1/", "mailto:x@y.z"])
def test_invalid_urls(url: str) -> None:
    assert check_one(url).status is Verdict.INVALID


def test_exclude_and_include_patterns_skip(web: Web) -> None:
    options = CheckOptions(exclude=("*/private/*",), timeout=1)
    assert check_one(web.url("/private/x"), options).status is Verdict.SKIPPED
    options = CheckOptions(include=("*/public/*",), timeout=1)
    assert check_one(web.url("/other"), options).status is Verdict.SKIPPED
    assert web.hits == {}


def test_accepted_status_per_host(web: Web) -> None:
    web.routes["/teapot"] = Reply(418)
    assert check_one(web.url("/teapot"), CheckOptions(accept={"127.0.0.2": frozenset({418})})).status is Verdict.OK


def test_never_more_than_host_concurrency_in_flight(web: Web) -> None:
    other = Web("127.0.0.3").start()
    try:
        web.fallback = Reply(delay=0.1)
        other.fallback = Reply(delay=0.1)
        urls = [web.url(f"/p{i}") for i in range(40)] + [other.url(f"/p{i}") for i in range(40)]
        result = check(urls, CheckOptions(host_concurrency=4, max_concurrency=64, timeout=5))
        assert all(r.status is Verdict.OK for r in result.results.values())
        assert web.peak == 4 and other.peak == 4  # the limit is reached and never exceeded
    finally:
        other.stop()


def test_min_interval_spaces_requests(web: Web) -> None:
    stamps: list[float] = []

    def stamped(method: str, path: str, headers: dict[str, str]) -> Reply:
        stamps.append(time.monotonic())
        return Reply()

    web.fallback = stamped
    check([web.url(f"/i{i}") for i in range(4)], CheckOptions(min_interval=0.2, timeout=5))
    gaps = [b - a for a, b in itertools.pairwise(sorted(stamps))]
    assert min(gaps) >= 0.15


def test_circuit_breaker_makes_a_dead_host_cost_one_timeout(web: Web) -> None:
    web.fallback = Reply(hang=True)
    urls = [web.url(f"/dead{i}") for i in range(30)]
    started = time.monotonic()
    result = check(urls, CheckOptions(timeout=2.0, retries=1, backoff=0.05))
    elapsed = time.monotonic() - started
    # One timeout (2 s), not two: requests already out when the breaker opens are cut short
    # instead of each waiting out its own timeout.
    assert elapsed < 3.5, elapsed
    assert all(r.status is Verdict.TIMEOUT for r in result.results.values())
    assert sum("circuit breaker" in (r.error or "") for r in result.results.values()) >= 25
    assert sum(web.hits.values()) <= 8


def test_breaker_cuts_short_requests_already_in_flight(web: Web) -> None:
    # Staggered starts (min interval 0.5 s, 2 at a time): the first timeout (t=2.0) frees a slot
    # and a third request goes out; the second timeout (t=2.5) opens the breaker, which must
    # cut that third request short instead of letting it wait until t=4.0.
    web.fallback = Reply(hang=True)
    urls = [web.url(f"/dead{i}") for i in range(10)]
    options = CheckOptions(timeout=2.0, retries=0, host_concurrency=2, min_interval=0.5)
    started = time.monotonic()
    result = check(urls, options)
    elapsed = time.monotonic() - started
    assert elapsed < 3.3, elapsed
    assert sum(web.hits.values()) == 3
    assert all(r.status is Verdict.TIMEOUT for r in result.results.values())


def test_big_body_is_read_only_as_a_bounded_prefix(web: Web) -> None:
    web.routes["/huge"] = Reply(endless=True)
    result = check_one(web.url("/huge"), CheckOptions(timeout=5))
    time.sleep(0.2)
    assert result.status is Verdict.OK
    assert web.sent < 2 * 2**20, web.sent


def test_offline_when_nothing_answers() -> None:
    port = closed_port()
    result = check([f"http://127.0.0.9:{port}/a", f"http://127.0.0.9:{port}/b"])
    assert result.offline and result.responses == 0


def test_headers_go_only_to_their_own_host(web: Web) -> None:
    other = Web("127.0.0.3").start()
    try:
        web.routes["/api"] = Reply(302, headers={"Location": other.url("/elsewhere")})
        other.fallback = Reply()
        options = CheckOptions(headers={f"http://127.0.0.2:{web.port}": {"Authorization": "Bearer s3cret"}}, timeout=2)
        assert check_one(web.url("/api"), options).status is Verdict.OK
        assert web.seen_headers[0].get("authorization") == "Bearer s3cret"
        assert all("authorization" not in h for h in other.seen_headers)
        assert "linkcheck" in web.seen_headers[0]["user-agent"]
    finally:
        other.stop()


def test_headers_go_only_to_their_origin_and_over_http_only_when_named(web: Web) -> None:
    """Issue 12, item 7: headers configured for a host went to every port and scheme of it, so
    a same-host redirect from https to http carried them in clear."""
    assert header_origin("api.example.org") == "https://api.example.org:443"
    assert header_origin("API.example.org:8443") == "https://api.example.org:8443"
    assert header_origin("http://intranet.example:8080/") == "http://intranet.example:8080"
    assert header_origin("http://intranet.example") == "http://intranet.example:80"
    assert header_origin("bücher.example") == "https://xn--bcher-kva.example:443"
    for bad in ("ftp://h", "https://h/path", "https://user@h", "h:notaport", "", "https://"):
        with pytest.raises(ConfigError, match="not a host, host:port or origin"):
            header_origin(bad)
    other_port = Web("127.0.0.2").start()
    try:
        web.routes["/a"] = Reply(302, headers={"Location": other_port.url("/b")})
        other_port.fallback = Reply()
        secret = {"Authorization": "Bearer s3cret"}
        # The host alone means https: an http URL on it gets nothing (the https → http downgrade).
        for key in ("127.0.0.2", f"127.0.0.2:{web.port}", f"https://127.0.0.2:{web.port}"):
            check_one(web.url("/a"), CheckOptions(headers={header_origin(key): secret}, timeout=2))
        assert not any("authorization" in h for h in web.seen_headers + other_port.seen_headers)
        # An http origin named as one gets them; another port of the same host does not.
        options = CheckOptions(headers={header_origin(f"http://127.0.0.2:{web.port}"): secret}, timeout=2)
        assert check_one(web.url("/a"), options).status is Verdict.OK
        assert web.seen_headers[-1].get("authorization") == "Bearer s3cret"
        assert not any("authorization" in h for h in other_port.seen_headers)
    finally:
        other_port.stop()


def test_the_breaker_is_per_origin_not_per_host_name(web: Web) -> None:
    # Issue 12, item 17: two refused URLs on one port of 127.0.0.2 opened the breaker for every
    # port of 127.0.0.2, and live URLs there became `unreachable` without being asked.
    refused = closed_port("127.0.0.2")
    dead = [f"http://127.0.0.2:{refused}/a", f"http://127.0.0.2:{refused}/b", f"http://127.0.0.2:{refused}/c"]
    web.routes["/live"] = Reply()
    results = check([*dead, web.url("/live")], CheckOptions(timeout=1, retries=0)).results
    assert results[web.url("/live")].status is Verdict.OK and web.hits[("GET", "/live")] == 1
    assert all(results[url].status is Verdict.UNREACHABLE for url in dead)
    assert any("circuit breaker" in (results[url].error or "") for url in dead)


@pytest.mark.parametrize(
    ("setter", "domain", "receiver", "sent"),
    [
        ("a.example.org", "example.org", "b.example.org", True),
        ("a.example.org", ".example.org", "example.org", True),
        ("a.example.org", "other.org", "other.org", False),
        # Issue 12, item 6: IP addresses and public suffixes never widen a cookie's reach.
        ("127.0.0.3", "3", "127.0.1.3", False),
        ("127.0.0.3", "0.0.3", "127.1.0.3", False),
        ("127.0.0.3", "127.0.0.3", "127.0.0.3", True),
        ("news.example.co.uk", "co.uk", "shop.example2.co.uk", False),
        ("a.example", "example", "b.example", False),
        ("a.example.co.uk", "example.co.uk", "b.example.co.uk", True),
    ],
)
def test_cookie_domains_follow_the_standard_policy(setter: str, domain: str, receiver: str, sent: bool) -> None:
    jar = Cookies()
    jar.learn(setter, [f"session=1; Path=/; Domain={domain}"])
    assert (jar.header_for(receiver) == "session=1") is sent
    assert jar.header_for(setter) == "session=1"  # always back to the host that set it


def _pieces(*choices: str, least: int = 0, most: int = 6) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(choices), min_size=least, max_size=most).map("".join)


_URLS = st.tuples(
    st.sampled_from(["http", "http", "https", "HTTP", "ftp", "mailto", ""]),  # mostly what may be plain
    st.sampled_from(["://", "://", "://", ":/", ":", "///"]),
    _pieces("a", "B.example", "B.example", "-", ".", "é", "[::1]", "@", " ", "%", "_", "user:pw@", least=1, most=4),
    st.sampled_from(["", ":", ":0", ":80", ":65535", ":65536", ":99999", ":8a", "::"]),
    _pieces("/", "a", ".pdf", ".PDF", "?", "#", "%20", "%", " ", "\n", "é", "&q=1", "\\", "~", "'", ":", "@"),
).map("".join)


@settings(max_examples=2_000, deadline=None)
@given(_URLS)
def test_the_fast_path_for_plain_urls_agrees_with_the_careful_one(url: str) -> None:
    # Plain http(s) URLs skip urlsplit (5 µs a URL, half a second in 100,000): whatever
    # the fast path lets through, the careful checks would let through too, with the same path.
    from urllib.parse import urlsplit

    from linkcheck.checker import _malformed
    from linkcheck.transport import plain_path

    path = plain_path(url)
    if path is not None:
        assert _malformed(url) is None
        assert path == urlsplit(url).path


def test_a_stamp_is_now_in_utc_to_the_second() -> None:
    from datetime import UTC, datetime, timedelta

    from linkcheck.clock import now, stamp

    before = now()
    written = stamp()
    after = now()
    assert written.endswith("+00:00") and "." not in written
    assert before <= datetime.fromisoformat(written) <= after
    assert stamp(datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC) + timedelta(hours=1)) == "2026-01-02T04:04:05+00:00"
