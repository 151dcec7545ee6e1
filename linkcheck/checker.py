"""The checking engine: one `LinkResult` per URL, concurrently and politely.

All concurrency lives here. A global semaphore bounds requests in flight; a per-host semaphore
bounds them per host (and an optional minimum interval spaces them). Everything a host teaches
us — it is dead, it asked us to slow down — is kept in its `_Host`.

Choices a reader may question:

* **GET for pages, HEAD for files.** A "page not found" served with 200 can only be recognised
  from its body, so pages are fetched with GET, reading at most `max_body` bytes (a 200 MB
  answer costs a bounded prefix, never the whole). URLs that name files (`.pdf`, `.zip`, …)
  are asked with HEAD, since their body says nothing about whether they exist; any refusal of
  HEAD (405, 403, 501, other errors) is retried as GET.
* **Redirects are followed by hand**, so the chain is recorded, permanent and temporary hops
  are told apart (`moved` vs `ok`), loops are caught, and headers configured for one host are
  never sent to another.
* **Circuit breaker.** After `breaker_threshold` connection failures or timeouts on a host with
  no success, its remaining URLs get the same verdict at once, so a dead host costs about one
  timeout instead of one per URL.
* **Offline.** If not a single HTTP response arrived and every failure was a network failure,
  the verdicts say nothing about the links: `check_all` reports `offline=True` and the caller
  keeps the old verdicts.
"""

from __future__ import annotations

import asyncio
import email.utils
import fnmatch
import functools
import itertools
import random
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import SplitResult, urljoin, urlsplit

import httpcore

from linkcheck.models import LinkResult, Verdict
from linkcheck.transport import DeniedAddress, Exchange, HostPools, request_target

__all__ = [
    "CheckOptions",
    "CheckRun",
    "check_all",
    "make_transport",
    "network_reason",
    "parse_retry_after",
    "DEFAULT_USER_AGENT",
]

DEFAULT_USER_AGENT = "linkcheck/0.1 (citation checker; +https://github.com/linkcheck-citations/linkcheck)"
_FILE_EXTENSIONS = (
    ".pdf",
    ".zip",
    ".gz",
    ".tgz",
    ".mp4",
    ".mp3",
    ".avi",
    ".mov",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".epub",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".tar",
    ".7z",
)
_SIGN_IN_RE = re.compile(
    r"/(login|log-in|signin|sign-in|sign_in|auth|sso|account/login|users/sign_in)\b|[?&](returnurl|return_to|redirect_uri)=",
    re.I,
)
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_NOT_FOUND_TITLE_RE = re.compile(
    r"\b404\b|not\s+found|page\s+(?:does\s+not|doesn't)\s+exist|no\s+longer\s+available|страница\s+не\s+найдена|seite\s+nicht\s+gefunden|page\s+introuvable|error\s+404",
    re.I,
)
_NOT_FOUND_TEXT_RE = re.compile(
    rb"page\s+(?:you\s+(?:requested|are\s+looking\s+for)|not\s+found)|could\s+not\s+be\s+found|doesn't\s+exist|does\s+not\s+exist|404",
    re.I,
)
_CHALLENGE_RE = re.compile(
    rb"just a moment\.\.\.|cf-chl|captcha|attention required|are you a robot|ddos-guard|verify you are human", re.I
)
_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"
_BLOCKED_STATUSES = frozenset({401, 403, 407, 451})
_PERMANENT = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class CheckOptions:
    max_concurrency: int = 64
    host_concurrency: int = 4
    min_interval: float = 0.0  # seconds between requests to one host
    timeout: float = 10.0
    retries: int = 2
    user_agent: str = DEFAULT_USER_AGENT
    accept: dict[str, frozenset[int]] = field(default_factory=dict)  # host → extra ok statuses
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # host → header → value
    max_redirects: int = 10
    max_body: int = 256 * 1024
    retry_after_cap: float = 60.0
    backoff: float = 0.5
    breaker_threshold: int = 2
    soft404_probe: bool = True
    deny_private: bool = False  # refuse loopback, private, link-local and metadata addresses


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    failures: int = 0
    successes: int = 0
    breaker: LinkResult | None = None
    delay: float = 0.0  # extra spacing after a 429
    next_slot: float = 0.0
    probes: dict[str, asyncio.Task[tuple[int, str | None, str]]] = field(default_factory=dict)
    deadlines: set[asyncio.Timeout] = field(default_factory=set)  # of requests in flight

    def trip(self, result: LinkResult) -> None:
        """Open the breaker and cut short the requests still in flight: they would only wait
        out the same timeout and be answered with the breaker's verdict anyway."""
        self.breaker = result
        for deadline in self.deadlines:
            deadline.reschedule(-1.0)  # a time in the past: fires at once


@dataclass
class CheckRun:
    """What one run produced: results by URL, plus whether anything was reachable at all."""

    results: dict[str, LinkResult]
    responses: int = 0
    network_failures: int = 0
    peak_in_flight: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def offline(self) -> bool:
        return self.responses == 0 and self.network_failures > 0


class _Cookies:
    """Cookies set along one redirect chain (name=value only; enough to get past cookie walls)."""

    def __init__(self) -> None:
        self._jar: dict[tuple[str, str], str] = {}  # (domain, name) → value

    def learn(self, host: str, set_cookies: list[str]) -> None:
        for line in set_cookies:
            pair, *attributes = line.split(";")
            name, eq, value = pair.partition("=")
            if not eq or not name.strip():
                continue
            domain = host
            for attribute in attributes:
                key, _, val = attribute.partition("=")
                if key.strip().lower() == "domain" and val.strip():
                    candidate = val.strip().lstrip(".").lower()
                    if host == candidate or host.endswith("." + candidate):  # never for another site
                        domain = candidate
            self._jar[(domain, name.strip())] = value.strip()

    def header_for(self, host: str) -> str:
        return "; ".join(
            f"{name}={value}"
            for (domain, name), value in self._jar.items()
            if host == domain or host.endswith("." + domain)
        )

    def state(self) -> frozenset[tuple[tuple[str, str], str]]:
        return frozenset(self._jar.items())


class _Tripped(Exception):
    """The host's circuit breaker opened while this request waited for its turn."""


class _Attempt(Exception):
    """A failed attempt that may be retried; carries the verdict if retries run out."""

    def __init__(self, result: LinkResult, retry_after: float | None = None, network: bool = False) -> None:
        self.result, self.retry_after, self.network = result, retry_after, network


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _encode_headers(headers: dict[str, tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("ascii"), value.encode("utf-8")) for name, value in headers.values()]


def make_transport(options: CheckOptions) -> HostPools:
    """One transport for the whole run: one SSL context, one small connection pool per host."""
    return HostPools(options.host_concurrency, deny_private=options.deny_private)


@functools.lru_cache(maxsize=1 << 16)
def _split(url: str) -> SplitResult:
    """urlsplit, remembered: each URL is split several times on its way through a check."""
    return urlsplit(url)


@functools.lru_cache(maxsize=1 << 16)
def _host_of(url: str) -> str:
    try:
        return (_split(url).hostname or "").lower()
    except ValueError:
        return ""


def parse_retry_after(value: str | None, cap: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min((when - datetime.now(UTC)).total_seconds(), cap))


def network_reason(exc: BaseException) -> str:
    """A plain reason for a network failure, from the first telling exception in the chain."""
    import errno

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return f"DNS lookup failed: {seen.strerror or seen}"
        if isinstance(seen, ssl.SSLError):
            return f"TLS failure: {seen.reason or seen}"
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(seen, ConnectionResetError) or getattr(seen, "errno", None) == errno.ECONNRESET:
            return "connection reset"
        seen = seen.__cause__ or seen.__context__
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    for marker, reason in (
        ("name or service not known", "DNS lookup failed"),
        ("getaddrinfo", "DNS lookup failed"),
        ("name resolution", "DNS lookup failed"),
        ("refused", "connection refused"),
        ("ssl", "TLS failure"),
        ("certificate", "TLS failure"),
        ("reset", "connection reset"),
    ):
        if marker in lowered:
            return f"{reason}: {text}"
    return f"{type(exc).__name__}: {text}"


class Checker:
    def __init__(
        self, pools: HostPools, options: CheckOptions, progress: Callable[[str, LinkResult], None] | None = None
    ) -> None:
        # Requests go straight to per-host pools of httpx's connection layer (why: the docstring
        # of linkcheck/transport.py); redirects and cookies are handled here.
        self.pools = pools
        self.options = options
        self.progress = progress
        self.hosts: dict[str, _Host] = {}
        self.global_limit = asyncio.Semaphore(options.max_concurrency)
        self.run = CheckRun(results={})
        self._in_flight: dict[str, int] = {}
        base = {
            "user-agent": ("User-Agent", options.user_agent),
            "accept": ("Accept", _ACCEPT),
            "accept-encoding": ("Accept-Encoding", "gzip, deflate"),
        }
        self._base_headers = _encode_headers(base)
        # Headers configured for a host replace the defaults of the same name, for that host only.
        self._headers = {
            host: _encode_headers({**base, **{name.lower(): (name, value) for name, value in extra.items()}})
            for host, extra in options.headers.items()
        }

    def _host(self, host: str) -> _Host:
        state = self.hosts.get(host)
        if state is None:
            state = self.hosts[host] = _Host(asyncio.Semaphore(self.options.host_concurrency))
        return state

    # ---------------------------------------------------------------- one request

    async def _request(self, method: str, url: str, cookies: _Cookies | None = None) -> tuple[Exchange, bytes]:
        """One HTTP exchange under the global and per-host limits: the answer and its body prefix."""
        host = _host_of(url)
        state = self._host(host)
        headers = self._headers.get(host) or self._base_headers
        if cookies and (cookie := cookies.header_for(host)):
            headers = [*headers, (b"Cookie", cookie.encode("latin-1", "replace"))]
        # Host first, then global: a request queued behind its host must not hold a global slot.
        async with state.semaphore, self.global_limit:
            if state.breaker is not None:
                raise _Tripped()
            spacing = max(self.options.min_interval, state.delay)
            if spacing:
                now = time.monotonic()
                wait = state.next_slot - now
                state.next_slot = max(now, state.next_slot) + spacing
                if wait > 0:
                    await asyncio.sleep(wait)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            peak = self.run.peak_in_flight
            peak[host] = max(peak.get(host, 0), self._in_flight[host])
            deadline = asyncio.timeout(self.options.timeout * 2)
            try:
                async with deadline:
                    state.deadlines.add(deadline)
                    answer = await self.pools.exchange(
                        method,
                        url,
                        headers,
                        self.options.timeout,
                        body_limit=self.options.max_body if method == "GET" else 0,
                    )
            finally:
                state.deadlines.discard(deadline)
                self._in_flight[host] -= 1
        self.run.responses += 1
        # What a body can tell: a not-found page answering 200, or a bot challenge (403, 503).
        body = self._decode(answer) if answer.body and (answer.status < 300 or answer.status in (403, 503)) else b""
        return answer, body

    def _decode(self, answer: Exchange) -> bytes:
        """At most `max_body` decoded bytes of the body prefix. Decompression is bounded, so a
        gzip bomb decodes to `max_body` bytes, not gigabytes."""
        limit = self.options.max_body
        encoding = (answer.header("content-encoding") or "identity").lower()
        if encoding in ("identity", ""):
            return answer.body
        if encoding not in ("gzip", "x-gzip", "deflate"):
            return b""  # an encoding we did not ask for: the body then says nothing
        try:
            return zlib.decompressobj(47 if "gzip" in encoding else 15).decompress(answer.body, limit)
        except zlib.error:
            if encoding != "deflate":
                return b""
        try:  # "deflate" sent raw, without the zlib header
            return zlib.decompressobj(-15).decompress(answer.body, limit)
        except zlib.error:
            return b""

    async def _fetch(self, url: str, method: str) -> tuple[list[tuple[int, str]], Exchange, bytes]:
        """Follow redirects by hand: (chain of (status, url) hops, final response, body prefix)."""
        chain: list[tuple[int, str]] = []
        cookies = _Cookies()
        seen = {(url, cookies.state())}
        current = url
        for _ in range(self.options.max_redirects + 1):
            try:
                response, body = await self._request(method, current, cookies)
            except DeniedAddress as exc:
                if chain:
                    raise DeniedAddress(f"redirected to {current}: {exc}") from None
                raise
            location = response.header("location")
            if response.status not in _REDIRECTS or location is None:
                return chain, response, body
            # Some sites set a cookie and redirect back to the same page: carry cookies along
            # the chain, and call it a loop only when a URL comes back with nothing learnt.
            cookies.learn(_host_of(current), response.header_list("set-cookie"))
            target = urljoin(current, location)
            chain.append((response.status, target))
            scheme = urlsplit(target).scheme.lower()
            if scheme not in ("http", "https"):
                raise _Attempt(
                    self._result(
                        Verdict.BROKEN, url, chain, response.status, error=f"redirect to a non-web URL ({scheme}:)"
                    )
                )
            try:
                request_target(target)
            except ValueError as exc:
                raise _Attempt(
                    self._result(
                        Verdict.BROKEN, url, chain, response.status, error=f"redirect to a malformed URL: {exc}"
                    )
                ) from None
            if (target, cookies.state()) in seen:
                raise _Attempt(self._result(Verdict.BROKEN, url, chain, response.status, error="redirect loop"))
            seen.add((target, cookies.state()))
            current = target
        raise _Attempt(
            self._result(Verdict.BROKEN, url, chain, None, error=f"more than {self.options.max_redirects} redirects")
        )

    def _result(
        self,
        status: Verdict,
        url: str,
        chain: list[tuple[int, str]],
        http_status: int | None,
        error: str | None = None,
        final_url: str | None = None,
    ) -> LinkResult:
        return LinkResult(
            status=status,
            checked_at=_now(),
            http_status=http_status,
            final_url=final_url or (chain[-1][1] if chain else url),
            redirects=[target for _, target in chain],
            error=error,
        )

    # ---------------------------------------------------------------- classification

    async def _attempt(self, url: str) -> LinkResult:
        method = "HEAD" if _split(url).path.lower().endswith(_FILE_EXTENSIONS) else "GET"
        try:
            chain, response, body = await self._fetch(url, method)
            if method == "HEAD" and response.status >= 400 and response.status != 429:
                chain, response, body = await self._fetch(url, "GET")  # HEAD refused: ask properly
        except httpcore.TimeoutException as exc:
            raise _Attempt(
                self._result(
                    Verdict.TIMEOUT,
                    url,
                    [],
                    None,
                    error=f"no answer within {self.options.timeout:g} s ({type(exc).__name__})",
                ),
                network=True,
            ) from None
        except TimeoutError:
            raise _Attempt(
                self._result(
                    Verdict.TIMEOUT, url, [], None, error=f"the whole request took over {self.options.timeout * 2:g} s"
                ),
                network=True,
            ) from None
        except DeniedAddress as exc:
            return self._result(Verdict.SKIPPED, url, [], None, error=str(exc))
        except (httpcore.RemoteProtocolError, httpcore.LocalProtocolError) as exc:
            # Not HTTP as we know it: a garbled status line, headers too large, a broken chunk.
            raise _Attempt(
                self._result(Verdict.UNREACHABLE, url, [], None, error=f"invalid HTTP response: {exc}")
            ) from None
        except (httpcore.NetworkError, httpcore.ProxyError, httpcore.UnsupportedProtocol, OSError) as exc:
            network = isinstance(exc, (httpcore.ConnectError, OSError))
            raise _Attempt(
                self._result(Verdict.UNREACHABLE, url, [], None, error=network_reason(exc)), network=network
            ) from None
        return await self._classify(url, chain, response, body)

    async def _classify(self, url: str, chain: list[tuple[int, str]], response: Exchange, body: bytes) -> LinkResult:
        code = response.status
        host = _host_of(url)
        final = chain[-1][1] if chain else url
        if code in self.options.accept.get(host, frozenset()):
            return self._result(Verdict.OK, url, chain, code)
        if code == 429:
            retry = parse_retry_after(response.header("retry-after"), self.options.retry_after_cap)
            state = self._host(host)
            state.delay = max(state.delay * 2, retry or 1.0, 0.5)  # slow down for the rest of the run
            raise _Attempt(
                self._result(Verdict.RATE_LIMITED, url, chain, code, error="429 Too Many Requests"),
                retry_after=retry if retry is not None else None,
            )
        if code >= 500:
            if _CHALLENGE_RE.search(body):
                return self._result(Verdict.BLOCKED, url, chain, code, error="bot challenge page")
            retry = parse_retry_after(response.header("retry-after"), self.options.retry_after_cap)
            raise _Attempt(
                self._result(Verdict.SERVER_ERROR, url, chain, code, error=f"HTTP {code}"), retry_after=retry
            )
        if code in _BLOCKED_STATUSES:
            reason = "bot challenge page" if _CHALLENGE_RE.search(body) else f"HTTP {code}: access refused"
            return self._result(Verdict.BLOCKED, url, chain, code, error=reason)
        if code >= 400:
            return self._result(Verdict.BROKEN, url, chain, code, error=f"HTTP {code}")
        if 300 <= code < 400:
            return self._result(Verdict.BROKEN, url, chain, code, error=f"HTTP {code} without a usable Location")
        # 2xx from here on.
        if chain and _SIGN_IN_RE.search(urlsplit(final).path + "?" + urlsplit(final).query):
            return self._result(Verdict.BLOCKED, url, chain, code, error="redirected to a sign-in page")
        if chain and self._is_homepage_redirect(url, final):
            return self._result(Verdict.SOFT_404, url, chain, code, error="redirected to the site's home page")
        title = self._title(body)
        if title and _NOT_FOUND_TITLE_RE.search(title):
            return self._result(
                Verdict.SOFT_404, url, chain, code, error=f"a not-found page served with {code} (title: {title[:80]!r})"
            )
        if self.options.soft404_probe and (chain or _NOT_FOUND_TEXT_RE.search(body)):
            verdict = await self._probe(url, final, code, title, body)
            if verdict is not None:
                return self._result(Verdict.SOFT_404, url, chain, code, error=verdict)
        if any(status in _PERMANENT for status, _ in chain) and final.rstrip("/") != url.rstrip("/"):
            return self._result(Verdict.MOVED, url, chain, code, error=f"moved permanently to {final}")
        return self._result(Verdict.OK, url, chain, code)

    @staticmethod
    def _title(body: bytes) -> str:
        match = _TITLE_RE.search(body)
        return " ".join(match.group(1).decode("utf-8", "replace").split()) if match else ""

    @staticmethod
    def _is_homepage_redirect(url: str, final: str) -> bool:
        before, after = urlsplit(url), urlsplit(final)
        root_paths = ("", "/", "/index.html", "/index.php", "/home", "/en", "/en/", "/ru", "/ru/")
        return after.path.lower() in root_paths and before.path.lower() not in root_paths

    async def _probe(self, url: str, final: str, code: int, title: str, body: bytes) -> str | None:
        """Ask the host for a sibling that certainly does not exist; if it answers like `url`
        did (same redirect target, or same title), `url` is a not-found page in disguise."""
        parts = urlsplit(url)
        parent = parts.path.rsplit("/", 1)[0]
        key = f"{parts.scheme}://{parts.netloc}{parent}"
        state = self._host(parts.hostname or "")
        task = state.probes.get(key)
        if task is None:
            missing = f"{key}/linkcheck-missing-{random.getrandbits(48):012x}"
            task = state.probes[key] = asyncio.ensure_future(self._probe_fetch(missing))
        try:
            probe_code, probe_final, probe_title = await task
        except Exception:  # noqa: BLE001 - a failed probe proves nothing either way
            return None
        if probe_code != code:
            return None
        if final != url and probe_final == final:
            return f"a missing sibling page redirects to the same place ({final})"
        if probe_title and probe_title == title:
            return f"answers exactly like a page that cannot exist (title: {title[:80]!r})"
        return None

    async def _probe_fetch(self, url: str) -> tuple[int, str | None, str]:
        chain, response, body = await self._fetch(url, "GET")
        return response.status, (chain[-1][1] if chain else url), self._title(body)

    # ---------------------------------------------------------------- retries and breaker

    async def check(self, url: str) -> LinkResult:
        started = time.monotonic()
        result = await self._check(url)
        result.elapsed = round(time.monotonic() - started, 3)
        self.run.results[url] = result
        if self.progress is not None:
            self.progress(url, result)
        return result

    async def _check(self, url: str) -> LinkResult:
        try:
            parts = _split(url)
            scheme, host = parts.scheme.lower(), (parts.hostname or "")
            _ = parts.port
        except ValueError as exc:
            return LinkResult(Verdict.INVALID, _now(), error=f"malformed URL: {exc}")
        if scheme not in ("http", "https"):
            return LinkResult(
                Verdict.INVALID, _now(), error=f"unsupported scheme {scheme + ':' if scheme else '(none)'}"
            )
        if not host:
            return LinkResult(Verdict.INVALID, _now(), error="no host name")
        try:
            request_target(url)
        except ValueError as exc:
            return LinkResult(Verdict.INVALID, _now(), error=f"malformed URL: {exc}")
        if self.options.include and not any(fnmatch.fnmatch(url, p) for p in self.options.include):
            return LinkResult(Verdict.SKIPPED, _now(), error="not matched by any include pattern")
        if any(fnmatch.fnmatch(url, p) for p in self.options.exclude):
            return LinkResult(Verdict.SKIPPED, _now(), error="matched an exclude pattern")
        state = self._host(host.lower())
        attempt = 0
        while True:
            if state.breaker is not None:
                tripped = state.breaker
                return LinkResult(
                    tripped.status,
                    _now(),
                    error=f"{tripped.error} (circuit breaker: host {host} "
                    f"failed {state.failures} times; not contacted again)",
                )
            try:
                result = await self._attempt(url)
                state.successes += 1
                state.failures = 0
                return result
            except _Tripped:
                continue
            except _Attempt as failure:
                if state.breaker is not None:
                    continue  # the breaker opened while this request was out (and cut it short)
                if failure.network:
                    self.run.network_failures += 1
                    state.failures += 1
                    if state.successes == 0 and state.failures >= self.options.breaker_threshold:
                        state.trip(failure.result)
                        return failure.result  # the host is dead: retrying would only wait again
                else:
                    state.successes += 1
                if attempt >= self.options.retries or failure.result.status is Verdict.BROKEN:
                    return failure.result
                attempt += 1
                delay = self.options.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
                if failure.retry_after is not None:
                    delay = max(delay, failure.retry_after)
                await asyncio.sleep(delay)


async def check_all(
    urls: list[str],
    transport: HostPools,
    options: CheckOptions,
    progress: Callable[[str, LinkResult], None] | None = None,
    interruptible: bool = False,
) -> CheckRun:
    """Check every URL once; results come back keyed by URL. With `interruptible`, cancelling
    the run returns the results so far (`CheckRun.interrupted`) instead of raising."""
    checker = Checker(transport, options, progress)
    # Interleave hosts so that one host's URLs do not queue behind each other at the start.
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(_host_of(url), []).append(url)
    order = [url for group in itertools.zip_longest(*by_host.values()) for url in group if url is not None]
    try:
        await asyncio.gather(*(checker.check(url) for url in order))
    except asyncio.CancelledError:
        if not interruptible:
            raise
        # Interrupted (Ctrl-C, SIGTERM): gather has cancelled what was in flight; the results
        # gathered so far are good, and the caller keeps them.
        checker.run.interrupted = True
    return checker.run
