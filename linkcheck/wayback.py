"""Archive snapshots: the Wayback Machine capture from when a page was cited, verified.

The rule for which snapshot (README, "Archive snapshots"): among captures with status 200,
203 or 206, the one closest to but not after the citation date (the earliest date any citation
of the URL carries, counted to the end of that day); if none is that old, the nearest one after
it; with no citation date, the newest. A 3xx, 4xx or 5xx capture is never a snapshot of the
content, and a chosen capture is recorded only once its replay proved it is one.

How it is found, cheapest first (about two requests per dead link):

1. the availability API, asked as the archive's own bot asks it: `closest=before` the end of
   the citation day, status 200, 203 or 206 only. A capture it names is the rule's answer;
   verify it. (With no citation date: the newest 2xx capture.) Any other answer — empty, an
   error, a 429 — means "look further", never "not archived": the API is known to miss captures;
2. one CDX query for the URL, which the index keys by its canonical SURT form (scheme, `www.`,
   default port, trailing slash and case do not matter there, so there is nothing to gain from
   asking for variants): the oldest `cdx_rows` captures, unfiltered, so that one answer gives
   the candidates by the rule *and* tells "never archived" from "archived only as error pages".
   Only when that page of the index is all errors does a second query, bounded by `from`, look
   for 2xx captures after the citation date. Queries are remembered per SURT for the run;
3. verification replays the capture in `id_` mode (the capture itself, no Wayback banner) and
   reads at most `replay_bytes`: it counts only with a `Memento-Datetime` header (the mark of a
   capture; the archive's own pages and redirects have none) and a 2xx status. An archived 404,
   429 or 5xx replays with that status and Memento-Datetime: that is the capture's status, final,
   never retried. A CDX 403 "Blocked Site Error", or a replay saying the URL "has been excluded
   from the Wayback Machine", means the site is excluded: the lookup state says so.

Politeness, per service — the availability API, CDX, replay and Save Page Now are separate
services with separate limits, so a streak of 429s from one never stops another: at most
`max_in_flight` requests to the archive at once (2), CDX at most `cdx_per_minute` (24) and Save
Page Now at most `save_per_minute` (6), Retry-After honoured with a pause for every request to
that service, and a service left alone for the rest of the run after `max_rate_limited` 429s in
a row (what was found is kept). Lookups stop (`ArchiveStopped`) when the archive cannot be
reached at all, or when no service that could still find a snapshot is left.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from linkcheck.clients import AddressDenied, guarded_client
from linkcheck.clock import stamp
from linkcheck.config import ArchiveOptions, Endpoints
from linkcheck.models import LinkResult, LookupState, Reason, Snapshot, Verdict
from linkcheck.retry import backoff_delay, parse_retry_after
from linkcheck.transport import network_reason
from linkcheck.urls import WAYBACK_RE, ArchivedUrl, parse_archive_url

__all__ = [
    "ArchiveOptions",
    "ArchiveStopped",
    "ArchivedUrl",
    "Capture",
    "Endpoints",
    "Lookup",
    "Archiver",
    "Service",
    "Answer",
    "as_cited_window",
    "read_answer",
    "choose",
    "parse_archive_url",
    "valid_timestamp",
]

GOOD_STATUSES = frozenset({200, 203, 206})
_EXCLUDED_MARKERS = ("AdministrativeAccessControlException", "RobotAccessControlException")
_EXCLUDED_PAGE = b"excluded from the Wayback Machine"


class ArchiveStopped(Exception):
    """Lookups cannot go on: the archive is unreachable, or every service that could still find
    a snapshot keeps answering 429."""


class ServiceStopped(Exception):
    """One of the archive's services is left alone for the rest of the run (repeated 429s)."""


class Excluded(Exception):
    """The archive says the site is excluded from the Wayback Machine."""


@dataclass(frozen=True, order=True)
class Capture:
    timestamp: str  # 14 digits, UTC
    original: str
    status: int | None = None


@dataclass
class Lookup:
    """What a lookup found for one URL; see `LookupState`."""

    url: str
    state: LookupState
    snapshot: Snapshot | None = None
    detail: str | None = None
    via: str | None = None


@dataclass(frozen=True)
class Replay:
    """What replaying a capture showed."""

    ok: bool
    timestamp: str = ""
    original: str = ""
    reason: str = ""
    excluded: bool = False
    verdict: Verdict = Verdict.BROKEN  # what a failed replay makes a cited snapshot
    body: bytes = b""  # the capture's body, read up to the replay's bound


@dataclass(frozen=True)
class AsCited:
    """The capture of a page as it was cited (content drift), with its body; or why there is none."""

    replay: Replay | None
    url: str = ""  # the capture's public address
    reason: str = ""
    final: bool = True  # the archive's answer (no capture as cited), not a failure to ask it


@dataclass(frozen=True)
class Answer:
    """One answer from the archive, its body read up to a bound."""

    status: int
    headers: httpx.Headers
    url: str
    body: bytes

    @property
    def memento(self) -> bool:
        """Whether this is a capture (an archived answer) rather than the archive's own."""
        return "memento-datetime" in self.headers

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8", "replace"))


async def read_answer(http: httpx.AsyncClient, method: str, url: str, limit: int, **kwargs: Any) -> Answer:
    """One request, its body read up to `limit` bytes: verification needs the head of a
    capture, not all of it."""
    async with http.stream(method, url, **kwargs) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= limit:
                break
        return Answer(response.status_code, response.headers, str(response.url), bytes(body[:limit]))


def valid_timestamp(timestamp: str) -> bool:
    """A 14-digit timestamp that is a real moment (the index also holds month or day `00`)."""
    if len(timestamp) != 14 or not timestamp.isdigit():
        return False
    try:
        datetime.strptime(timestamp, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def choose(captures: Iterable[Capture], cited: date | None) -> list[Capture]:
    """2xx captures in order of preference: nearest before (or on) the citation date first,
    then the nearest after it; with no date, the newest first."""
    good = sorted({c for c in captures if c.status in GOOD_STATUSES})
    if cited is None:
        return good[::-1]
    limit = _end_of_day(cited)
    before = [c for c in good if c.timestamp <= limit]
    after = [c for c in good if c.timestamp > limit]
    return before[::-1] + after


def _full(timestamp: str) -> str:
    """A capture timestamp as 14 digits (the index may give fewer), for comparing as text."""
    return timestamp.ljust(14, "0")[:14]


def as_cited_window(cited: date, window: float) -> tuple[str, str]:
    """The timestamps a capture "as cited" lies between: `window` seconds before the citation
    day, and the end of that day."""
    earliest = datetime.combine(cited, datetime.min.time()) - timedelta(seconds=window)
    return earliest.strftime("%Y%m%d%H%M%S"), _end_of_day(cited)


def _end_of_day(day: date) -> str:
    return day.strftime("%Y%m%d") + "235959"


def _parse_timestamp(timestamp: str) -> datetime:
    """A Wayback timestamp, possibly shortened (`2019`, `201906`), as a UTC datetime."""
    digits = timestamp[:14] + "00000101000000"[len(timestamp[:14]) :]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def gap_days(timestamp: str, cited: date | None) -> int | None:
    if cited is None:
        return None
    return abs((_parse_timestamp(timestamp).date() - cited).days)


def found(
    url: str,
    address: str,
    timestamp: str,
    cited: date | None,
    source: str | None,
    via: str,
    archive: str | None = None,
) -> Lookup:
    """The lookup of `url` that found a verified capture at `address`, taken at `timestamp`
    (the Wayback Machine's, or with `archive` named, another archive's)."""
    snapshot = Snapshot(
        url=address,
        timestamp=timestamp,
        original=url,
        citation_date=cited.isoformat() if cited else None,
        citation_date_source=source,
        gap_days=gap_days(timestamp, cited),
        verified_at=stamp(),
        archive=archive,
    )
    return Lookup(url, LookupState.FOUND, snapshot, via=via)


def without_default_port(url: str) -> str:
    """`http://example.org:80/a` → `http://example.org/a`: the index keeps the port as crawled."""
    parts = urlsplit(url)
    default = {"http": ":80", "https": ":443"}.get(parts.scheme.lower())
    if default and parts.netloc.endswith(default):
        return urlunsplit(parts._replace(netloc=parts.netloc[: -len(default)]))
    return url


def canonical(url: str) -> str:
    """The archive's key for a URL (SURT): the same for every variant the index treats as one."""
    import surt  # the archive's canonicaliser; imported when first needed (it costs 0.15 s at start-up)

    try:
        return str(surt.surt(url))
    except Exception:  # surt raises whatever its parser meets; the URL as it is still keys the cache
        return url


@dataclass
class Service:
    """One of the archive's services, with its own limits and its own 429 streak."""

    name: str
    per_minute: int | None = None
    times: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0
    rate_limited_in_a_row: int = 0
    stopped: str | None = None
    requests: int = 0

    def rate_limited(self, retry_after: str | None, options: ArchiveOptions) -> float | None:
        """A 429: every request to this service pauses (Retry-After, else a full window) — the
        pause is returned; after `max_rate_limited` in a row it is left alone for the run (None,
        and `stopped` says why)."""
        self.rate_limited_in_a_row += 1
        wait = parse_retry_after(retry_after, options.retry_after_cap)
        pause = wait if wait is not None else min(options.rate_window, options.retry_after_cap)
        self.paused_until = max(self.paused_until, time.monotonic() + pause)
        if self.rate_limited_in_a_row >= options.max_rate_limited:
            self.stopped = (
                f"{self.name} answered 429 Too Many Requests {self.rate_limited_in_a_row} "
                "times in a row; it was left alone for the rest of this run so as not to be blocked"
            )
            return None
        return pause

    async def turn(self, window: float) -> None:
        """Wait for a pause to end and, for a rate-limited service, for a free place in the window."""
        while True:
            now = time.monotonic()
            if self.paused_until > now:
                await asyncio.sleep(self.paused_until - now)
                continue
            if self.per_minute is None:
                return
            while self.times and now - self.times[0] >= window:
                self.times.popleft()
            if len(self.times) < self.per_minute:
                self.times.append(now)
                return
            await asyncio.sleep(self.times[0] + window - now)


class _ArchiveClient:
    """Every request to the archive: bounded in flight, per-service limits, 429-aware."""

    def __init__(self, options: ArchiveOptions, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.options = options
        settings: dict[str, Any] = {
            "timeout": httpx.Timeout(options.timeout),
            "follow_redirects": False,
            "headers": {"User-Agent": options.user_agent},
        }
        if transport is not None:  # tests: an in-process archive
            self.http = httpx.AsyncClient(transport=transport, **settings)
        else:
            self.http = guarded_client(
                deny_private=options.deny_private,
                trusted=options.endpoints.origins() if options.endpoints.configured else frozenset(),
                max_connections=options.max_in_flight,
                **settings,
            )
        self.services = {
            "availability": Service("the availability service"),
            "cdx": Service("the CDX service", options.cdx_per_minute),
            "replay": Service("the replay service"),
            "save": Service("the Save Page Now service", options.save_per_minute),
            "save_status": Service("the Save Page Now status service"),
            "other": Service("the other archives' service"),
        }
        self.slots = asyncio.Semaphore(options.max_in_flight)
        self.unreachable_in_a_row = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.requests = 0
        self.last_error = ""

    async def aclose(self) -> None:
        await self.http.aclose()

    def usable(self, name: str) -> bool:
        return self.services[name].stopped is None

    async def _send(self, service: Service, method: str, url: str, limit: int, kwargs: dict[str, Any]) -> Answer:
        async with self.slots:
            if service.stopped is not None:  # it stopped while this request waited for a slot
                raise ServiceStopped(service.stopped)
            service.requests += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.requests += 1
            try:
                return await read_answer(self.http, method, url, limit, **kwargs)
            finally:
                self.in_flight -= 1

    async def request(self, service_name: str, method: str, url: str, *, limit: int, **kwargs: Any) -> Answer:
        """One request to one service, with retries. Raises `ServiceStopped` once that service
        has answered 429 too often, `ArchiveStopped` when the archive cannot be reached at all,
        and httpx's errors when retries run out. An answer carrying `Memento-Datetime` is an
        archived one, final whatever its status."""
        service = self.services[service_name]
        attempt = 0
        while True:
            if service.stopped is not None:
                raise ServiceStopped(service.stopped)
            if self.unreachable_in_a_row >= self.options.max_unreachable:
                raise ArchiveStopped(
                    f"the archive cannot be reached ({self.last_error}); archive lookups stopped. "
                    "Is this machine connected?"
                )
            await service.turn(self.options.rate_window)
            try:
                answer = await self._send(service, method, url, limit, kwargs)
                self.unreachable_in_a_row = 0
            except AddressDenied:
                raise  # --deny-private: never retried, and says nothing about the archive
            except httpx.ConnectError as exc:
                # DNS failure or refused connection: the archive (or the network) is down for
                # every service, so a few in a row stop every lookup instead of each retrying.
                # ("other" is another archive's address: its failures say nothing of this one.)
                self.unreachable_in_a_row += service_name != "other"
                self.last_error = network_reason(exc)
                if attempt >= self.options.retries or self.unreachable_in_a_row >= self.options.max_unreachable:
                    raise
                answer = None
            except httpx.HTTPError:
                if attempt >= self.options.retries:
                    raise
                answer = None
            retry_after = None
            if answer is not None:
                if answer.status != 429 or answer.memento:
                    service.rate_limited_in_a_row = 0
                    if answer.status < 500 or answer.memento or attempt >= self.options.retries:
                        return answer
                else:
                    retry_after = service.rate_limited(answer.headers.get("retry-after"), self.options)
                    if retry_after is None:
                        raise ServiceStopped(str(service.stopped))
            attempt += 1
            await asyncio.sleep(backoff_delay(self.options.backoff, attempt, retry_after))


T = TypeVar("T")


class Archiver:
    """Lookups, verification and saving, sharing one polite client."""

    def __init__(
        self,
        options: ArchiveOptions,
        transport: httpx.AsyncBaseTransport | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.endpoints = options.endpoints
        self.client = _ArchiveClient(options, transport)
        self.progress = progress
        self.invalid_rows = 0  # index rows with an impossible timestamp, skipped
        self._memo: dict[tuple[Any, ...], asyncio.Future[Any]] = {}

    async def aclose(self) -> None:
        for task in self._memo.values():
            task.cancel()  # queries nobody waits for any more (the stage stopped)
        await self.client.aclose()

    async def __aenter__(self) -> Archiver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _once(self, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> T:
        """One request per distinct query for the whole run: URLs that share a SURT key share
        their answers (and their failures)."""
        if key not in self._memo:
            task = asyncio.ensure_future(make())
            # Its failure is every asker's; if they were all cancelled meanwhile, it is nobody's.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._memo[key] = task
        return await asyncio.shield(self._memo[key])

    def stopped(self) -> str | None:
        """Why no lookup can succeed any more, or None."""
        services = self.client.services
        if services["replay"].stopped:
            return services["replay"].stopped
        if services["availability"].stopped and services["cdx"].stopped:
            return f"{services['cdx'].stopped}; so did the availability service"
        return None

    # ---------------------------------------------------------------- the two APIs

    async def availability(self, url: str, cited: date | None) -> Capture | None:
        """The closest 2xx capture not after the end of the citation day (the newest without a
        date), as the availability API names it; None for any answer that names none."""
        params: list[tuple[str, str]] = [("url", url)]
        if cited is not None:
            params += [("timestamp", _end_of_day(cited)), ("closest", "before")]
        params += [("statuscodes", str(code)) for code in sorted(GOOD_STATUSES)]

        async def ask() -> Capture | None:
            answer = await self.client.request(
                "availability", "GET", self.endpoints.available, params=params, limit=1 << 20
            )
            if answer.status != 200:
                return None
            closest = answer.json().get("archived_snapshots", {}).get("closest")
            if not isinstance(closest, dict) or not closest.get("available", True):
                return None
            timestamp = str(closest.get("timestamp") or "")
            landed = WAYBACK_RE.match(str(closest.get("url") or ""))
            if not valid_timestamp(timestamp):
                if timestamp:
                    self.invalid_rows += 1
                return None
            try:
                status = int(closest.get("status") or 0)
            except (TypeError, ValueError):
                status = 0
            if status not in GOOD_STATUSES or (cited is not None and timestamp > _end_of_day(cited)):
                return None  # not what was asked for: the API ignored a parameter
            return Capture(timestamp, landed["original"] if landed else url, status)

        try:
            return await self._once(("availability", canonical(url), cited), ask)
        except (httpx.HTTPError, ValueError, AttributeError, ServiceStopped):
            return None

    async def cdx(self, url: str, **query: str) -> list[Capture]:
        """Captures from the CDX API (invalid rows skipped and counted). Raises `Excluded` for a
        site the archive excludes, `ServiceStopped`, httpx's errors or ValueError otherwise."""
        params = [("url", url), ("output", "json"), ("fl", "timestamp,original,statuscode"), *query.items()]

        async def ask() -> list[Capture]:
            answer = await self.client.request("cdx", "GET", self.endpoints.cdx, params=params, limit=8 << 20)
            if answer.status == 403 and _excluded(answer):
                raise Excluded("the site is excluded from the Wayback Machine (CDX: Blocked Site Error)")
            if answer.status != 200:
                raise ValueError(f"the CDX API answered {answer.status}")
            text = answer.body.decode("utf-8", "replace").strip()
            rows = json.loads(text) if text else []
            if not rows:
                return []
            header, *data = rows
            index = {name: i for i, name in enumerate(header)}
            captures = []
            for row in data:
                timestamp = str(row[index["timestamp"]])
                if not valid_timestamp(timestamp):
                    self.invalid_rows += 1
                    continue
                status = str(row[index["statuscode"]]) if "statuscode" in index else ""
                captures.append(
                    Capture(timestamp, str(row[index["original"]]), int(status) if status.isdigit() else None)
                )
            return captures

        return await self._once(("cdx", canonical(url), tuple(sorted(query.items()))), ask)

    # ---------------------------------------------------------------- verification

    async def replay(
        self, timestamp: str, original: str, *, exact: bool = True, hops: int = 3, limit: int | None = None
    ) -> Replay:
        """Replay a capture in `id_` mode: what it is, and where the archive's own redirects led.
        With `exact`, landing on another capture does not count. `limit`: the bytes of its body
        to read and keep (default: `replay_bytes`, enough to verify, not kept)."""
        url = self.endpoints.replay(timestamp, original, "id_")
        for _ in range(hops + 1):
            try:
                answer = await self.client.request("replay", "GET", url, limit=limit or self.options.replay_bytes)
            except AddressDenied as exc:
                return Replay(False, reason=str(exc), verdict=Verdict.SKIPPED)
            except ServiceStopped as exc:
                return Replay(False, reason=f"replay failed: {_failure(exc)}", verdict=Verdict.RATE_LIMITED)
            except httpx.HTTPError as exc:
                return Replay(False, reason=f"replay failed: {_failure(exc)}", verdict=Verdict.UNREACHABLE)
            location = answer.headers.get("location")
            if not answer.memento:
                if 300 <= answer.status < 400 and location:
                    url = urljoin(answer.url, location)  # the archive's redirect to a nearby capture
                    continue
                if _excluded(answer):
                    return Replay(False, reason="the site is excluded from the Wayback Machine", excluded=True)
                return Replay(False, reason=f"replay answered {answer.status} without Memento-Datetime: not a capture")
            landed = WAYBACK_RE.match(self._public(answer.url))
            if landed is None:
                return Replay(False, reason=f"replay left the archive for {answer.url}")
            if 300 <= answer.status < 400:
                return Replay(False, reason=f"the capture is a redirect (archived HTTP {answer.status})")
            if answer.status not in GOOD_STATUSES:
                return Replay(False, reason=f"the capture is an archived HTTP {answer.status} page")
            if exact and landed["ts"] != timestamp:
                return Replay(False, reason=f"replay went to another capture ({landed['ts']})")
            return Replay(True, landed["ts"], landed["original"], body=answer.body if limit else b"")
        return Replay(False, reason="the archive redirected too many times")

    def _public(self, url: str) -> str:
        return url.replace(self.endpoints.base, "https://web.archive.org", 1)

    async def verify_url(self, url: str) -> LinkResult:
        """An archive URL that is not the Wayback Machine's (archive.today, perma.cc): ok when it
        answers 200 after its redirects (bounded); broken when it replays an archived error
        page (a `Memento-Datetime` with an error status)."""
        now = stamp()
        try:
            answer = await self.client.request(
                "other", "GET", url, limit=self.options.replay_bytes, follow_redirects=True
            )
        except AddressDenied as exc:
            return LinkResult(Verdict.SKIPPED, now, error=str(exc), reason=Reason.DENIED_ADDRESS)
        except (httpx.HTTPError, ServiceStopped) as exc:
            return LinkResult(Verdict.UNREACHABLE, now, error=f"the archive could not be reached: {_failure(exc)}")
        if answer.memento and not 200 <= answer.status < 300:
            # The archive replays a page it recorded as an error, with the error's status.
            error = f"the snapshot is an archived HTTP {answer.status} page"
            return LinkResult(Verdict.BROKEN, now, http_status=answer.status, final_url=answer.url, error=error)
        if answer.status == 200:
            return LinkResult(Verdict.OK, now, http_status=200, final_url=answer.url)
        verdict = (
            Verdict.RATE_LIMITED
            if answer.status == 429
            else Verdict.SERVER_ERROR
            if answer.status >= 500
            else Verdict.BROKEN
        )
        return LinkResult(verdict, now, http_status=answer.status, error=f"the archive answered {answer.status}")

    async def verify_snapshot_link(self, url: str, archived: ArchivedUrl) -> LinkResult:
        """A cited Wayback snapshot, checked as a snapshot: it must replay a capture, and a cited
        inexact timestamp (`/web/2019/…`) must land within the time it names (at least a month
        either side), or the reader sees another time's page."""
        assert archived.original is not None and archived.timestamp is not None
        now = stamp()
        replayed = await self.replay(archived.timestamp, archived.original, exact=False)
        if not replayed.ok:
            if replayed.verdict is Verdict.SKIPPED:
                return LinkResult(Verdict.SKIPPED, now, error=replayed.reason, reason=Reason.DENIED_ADDRESS)
            if replayed.verdict is not Verdict.BROKEN:
                return LinkResult(replayed.verdict, now, error=replayed.reason)
            return LinkResult(Verdict.BROKEN, now, error=f"this snapshot does not replay: {replayed.reason}")
        final = f"https://web.archive.org/web/{replayed.timestamp}{archived.flag}/{replayed.original}"
        if not _within(replayed.timestamp, archived.timestamp):
            error = (
                f"the snapshot cited for {_period(archived.timestamp)} replays a capture from "
                f"{_parse_timestamp(replayed.timestamp).date().isoformat()}"
            )
            return LinkResult(Verdict.MOVED, now, http_status=200, final_url=final, redirects=[final], error=error)
        redirects = [final] if replayed.timestamp != archived.timestamp else []
        return LinkResult(Verdict.OK, now, http_status=200, final_url=final, redirects=redirects)

    # ---------------------------------------------------------------- the lookup

    def _found(self, url: str, cited: date | None, source: str | None, replayed: Replay, via: str) -> Lookup:
        address = self.endpoints.public_replay(replayed.timestamp, without_default_port(replayed.original))
        return found(url, address, replayed.timestamp, cited, source, via)

    async def lookup(self, url: str, cited: date | None, cited_source: str | None) -> Lookup:
        """The snapshot for `url` by the rule, verified; or why there is none."""
        if self.progress is not None:
            self.progress(url)
        if (why := self.stopped()) is not None:
            raise ArchiveStopped(why + ". What was found so far is kept; run `linkcheck archive` again later.")
        tried: set[tuple[str, str]] = set()
        if self.client.usable("availability"):
            named = await self.availability(url, cited)
            if named is not None:
                tried.add((named.timestamp, canonical(named.original)))
                replayed = await self.replay(named.timestamp, named.original)
                if replayed.ok:
                    return self._found(url, cited, cited_source, replayed, "availability")
                if replayed.excluded:
                    return Lookup(url, LookupState.EXCLUDED, detail=replayed.reason, via="replay")
        if not self.client.usable("cdx"):
            detail = self.client.services["cdx"].stopped or ""
            return Lookup(
                url, LookupState.UNKNOWN, detail=f"the availability API named no capture, and {detail}", via="cdx"
            )
        try:
            rows = await self._index(url, cited)
        except Excluded as exc:
            return Lookup(url, LookupState.EXCLUDED, detail=str(exc), via="cdx")
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError, ServiceStopped) as exc:
            return Lookup(url, LookupState.UNKNOWN, detail=f"the CDX API could not answer: {_failure(exc)}", via="cdx")
        failures: list[str] = []
        for capture in choose(rows, cited)[: self.options.candidates]:
            if (capture.timestamp, canonical(capture.original)) in tried:
                continue
            replayed = await self.replay(capture.timestamp, capture.original)
            if replayed.ok:
                return self._found(url, cited, cited_source, replayed, "cdx")
            if replayed.excluded:
                return Lookup(url, LookupState.EXCLUDED, detail=replayed.reason, via="replay")
            failures.append(f"{capture.timestamp}: {replayed.reason}")
        if failures:
            detail = "no 2xx capture replays (" + "; ".join(failures[:3]) + ")"
            return Lookup(url, LookupState.UNKNOWN, detail=detail, via="cdx")
        if rows:
            codes = sorted({str(c.status or "?") for c in rows})
            detail = f"archived only as error pages or redirects (status {', '.join(codes)})"
            return Lookup(url, LookupState.ONLY_ERROR_CAPTURES, via="cdx", detail=detail)
        return Lookup(url, LookupState.NOT_ARCHIVED, detail="no capture in the Wayback Machine", via="cdx")

    async def _index(self, url: str, cited: date | None) -> list[Capture]:
        """The captures the rule chooses from, in one CDX query as a rule: the oldest `cdx_rows`
        (a bounded read from the start of the URL's index), or the newest without a date. Only
        if that page is full and holds no 2xx capture, the 2xx captures after the date too."""
        rows = self.options.cdx_rows
        if cited is None:
            return await self.cdx(url, limit=str(-rows), fastLatest="true")
        captures = await self.cdx(url, limit=str(rows))
        if len(captures) >= rows and not choose(captures, cited):
            after = (cited + timedelta(days=1)).strftime("%Y%m%d")
            captures += await self.cdx(
                url, filter="statuscode:20[036]", **{"from": after, "limit": str(self.options.candidates)}
            )
        return captures

    # ---------------------------------------------------------------- content drift

    async def as_cited(self, url: str, cited: date) -> AsCited:
        """The 2xx capture closest to, not after, the citation day and at most `drift_window`
        before it, replayed with its body (`drift_body` bytes): the page as it was cited. The
        same services, order and politeness as `lookup`; a capture only from after the citation
        date is never taken for the cited text."""
        if (why := self.stopped()) is not None:
            raise ArchiveStopped(why + ". What was found so far is kept; run `linkcheck check --drift` again later.")
        first, latest = as_cited_window(cited, self.options.drift_window)

        def near(capture: Capture) -> bool:
            return first <= _full(capture.timestamp) <= latest

        async def replayed(capture: Capture) -> AsCited | None:
            result = await self.replay(capture.timestamp, capture.original, limit=self.options.drift_body)
            if result.ok:
                public = self.endpoints.public_replay(result.timestamp, without_default_port(result.original))
                return AsCited(result, public)
            if result.excluded:
                return AsCited(None, reason=result.reason)
            return None

        tried: set[str] = set()
        if self.client.usable("availability"):
            named = await self.availability(url, cited)
            if named is not None and near(named):
                tried.add(named.timestamp)
                if (found := await replayed(named)) is not None:
                    return found
        if not self.client.usable("cdx"):
            stopped = self.client.services["cdx"].stopped
            return AsCited(None, reason=f"the archive's index could not be asked ({stopped})", final=False)
        try:
            rows = await self._index(url, cited)
        except Excluded as exc:
            return AsCited(None, reason=str(exc))
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError, ServiceStopped) as exc:
            return AsCited(None, reason=f"the CDX API could not answer: {_failure(exc)}", final=False)
        good = choose(rows, cited)
        for capture in [c for c in good if near(c) and c.timestamp not in tried][: self.options.candidates]:
            if (found := await replayed(capture)) is not None:
                return found
        if any(near(c) for c in good):
            return AsCited(None, reason="no capture from before the citation date replays", final=False)
        later = [c for c in good if _full(c.timestamp) > latest]
        if later:
            day = _parse_timestamp(min(later).timestamp).date().isoformat()
            return AsCited(None, reason=f"no capture from before the citation date; the first is from {day}")
        if good:
            return AsCited(None, reason="no capture in the year before the citation date")
        return AsCited(None, reason="no capture of this page in the Wayback Machine")

    # ---------------------------------------------------------------- Save Page Now 2

    async def recent_capture(self, url: str) -> bool:
        since = (datetime.now(UTC) - timedelta(seconds=self.options.save_if_older)).strftime("%Y%m%d%H%M%S")
        return bool(await self.cdx(url, **{"from": since, "limit": "1"}))

    async def save(self, url: str, access_key: str, secret_key: str) -> Lookup:
        """Submit `url` to Save Page Now 2, wait for the capture, verify it. A refusal is a
        `save_refused` lookup with the service's reason (`status_ext` and message)."""
        auth = {"Authorization": f"LOW {access_key}:{secret_key}", "Accept": "application/json"}
        try:
            answer = await self.client.request(
                "save", "POST", f"{self.endpoints.base}/save", data={"url": url}, headers=auth, limit=1 << 20
            )
            job = _json_object(answer)
            job_id = job.get("job_id")
            if not job_id:
                return Lookup(url, LookupState.SAVE_REFUSED, detail=_refusal(job, answer.status), via="save")
            deadline = time.monotonic() + max(self.options.save_wait, _announced_wait(job))
            while time.monotonic() < deadline:
                await asyncio.sleep(self.options.poll_interval)
                status = await self.client.request(
                    "save_status", "GET", f"{self.endpoints.base}/save/status/{job_id}", headers=auth, limit=1 << 20
                )
                state = _json_object(status)
                if state.get("status") == "success":
                    return await self._saved(url, state)
                if state.get("status") == "error":
                    return Lookup(url, LookupState.SAVE_REFUSED, detail=_refusal(state, status.status), via="save")
        except ServiceStopped as exc:
            return Lookup(url, LookupState.SAVE_REFUSED, detail=str(exc), via="save")
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            return Lookup(
                url, LookupState.UNKNOWN, detail=f"Save Page Now could not answer: {_failure(exc)}", via="save"
            )
        return Lookup(url, LookupState.UNKNOWN, detail="Save Page Now did not finish in time", via="save")

    async def _saved(self, url: str, state: dict[str, Any]) -> Lookup:
        timestamp = str(state.get("timestamp") or "")
        original = str(state.get("original_url") or url)  # the URL the service captured, after its redirects
        if not valid_timestamp(timestamp):
            return Lookup(
                url,
                LookupState.UNKNOWN,
                detail=f"Save Page Now answered no usable timestamp ({timestamp!r})",
                via="save",
            )
        replayed = await self.replay(timestamp, original)
        if not replayed.ok:
            detail = f"saved at {timestamp}, but the capture does not replay yet: {replayed.reason}"
            return Lookup(url, LookupState.UNKNOWN, detail=detail, via="save")
        return self._found(url, None, None, replayed, "save")


def _excluded(answer: Answer) -> bool:
    error = answer.headers.get("x-archive-wayback-runtime-error", "")
    return (
        any(m in error for m in _EXCLUDED_MARKERS)
        or any(m.encode() in answer.body for m in _EXCLUDED_MARKERS)
        or (_EXCLUDED_PAGE in answer.body)
    )


def _failure(exc: BaseException) -> str:
    """Why a request to the archive failed, in plain words (a refused address says which)."""
    if isinstance(exc, (AddressDenied, ServiceStopped, ValueError)):
        return str(exc)
    return type(exc).__name__


def _json_object(answer: Answer) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _refusal(data: dict[str, Any], status: int) -> str:
    reason = " — ".join(str(data[k]) for k in ("status_ext", "message") if data.get(k))
    return f"Save Page Now refused: {reason or f'HTTP {status}'}"


_WAIT_RE = re.compile(r"(\d+)\s*(second|minute|hour)s?", re.I)


def _announced_wait(job: dict[str, Any]) -> float:
    """A delay the service announces when it accepts a job under load ("… in 7 minutes"), capped."""
    match = _WAIT_RE.search(str(job.get("message") or ""))
    if not match:
        return 0.0
    seconds = int(match.group(1)) * {"second": 1, "minute": 60, "hour": 3600}[match.group(2).lower()]
    return min(seconds + 300.0, 3 * 3600.0)


def _within(landed: str, cited: str) -> bool:
    """Whether a capture at `landed` is what a snapshot link citing `cited` (1–14 digits) shows:
    inside the period the timestamp names, widened to a month either side."""
    low = _parse_timestamp(cited)
    widths = {4: timedelta(days=366), 6: timedelta(days=31)}
    high = low + widths.get(len(cited), timedelta(days=1))
    slack = timedelta(days=31)
    moment = _parse_timestamp(landed)
    return low - slack <= moment <= high + slack


def _period(timestamp: str) -> str:
    moment = _parse_timestamp(timestamp)
    if len(timestamp) <= 4:
        return str(moment.year)
    if len(timestamp) <= 6:
        return moment.strftime("%Y-%m")
    return moment.date().isoformat()


def save_credentials(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    env = os.environ if environ is None else environ
    access, secret = env.get("LINKCHECK_IA_ACCESS_KEY"), env.get("LINKCHECK_IA_SECRET_KEY")
    return (access, secret) if access and secret else None
