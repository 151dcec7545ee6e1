"""Archive snapshots: the Wayback Machine capture from when a page was cited, verified.

The rule for which snapshot (README, "Archive snapshots"): among captures with status 200,
203 or 206, the one closest to but not after the citation date (the earliest date any citation
of the URL carries, counted to the end of that day); if none is that old, the nearest one after
it; with no citation date, the newest. A 3xx, 4xx or 5xx capture is never a snapshot of the
content, and a chosen capture is recorded only once its replay URL answered 200.

How it is found, cheapest first:

1. the availability API with the citation date. Its answer is the capture closest to the date on
   either side; if that is a 2xx capture at or before the date, no other 2xx capture can be
   nearer before the date, so the rule is satisfied. Any other answer — empty, after the date,
   an error status, a timeout, a 429 — means "unknown", never "not archived";
2. the CDX API, for the URL as cited and then its usual variants (trailing slash, the other
   scheme, with or without `www.`): the last few 2xx captures up to the date, else the first
   few after it. Candidates are verified in order of preference until one replays;
3. when no variant has a 2xx capture, one unfiltered CDX query tells "never archived" apart
   from "archived only as error pages", for the report.

Politeness: every request to the archive goes through one `_ArchiveClient`: at most
`max_in_flight` at once (2), at most `cdx_per_minute` CDX queries a minute (30), Retry-After
honoured, exponential backoff, and `ArchiveStopped` after `max_rate_limited` 429 answers in a
row — the Internet Archive blocks clients that keep going.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from linkcheck.clock import stamp
from linkcheck.config import ArchiveOptions, Endpoints
from linkcheck.models import LinkResult, LookupState, Reason, Snapshot, Verdict
from linkcheck.retry import backoff_delay, parse_retry_after
from linkcheck.transport import AddressDenied, guarded_client, network_reason
from linkcheck.urls import WAYBACK_RE, ArchivedUrl, parse_archive_url

__all__ = [
    "ArchiveOptions",
    "ArchiveStopped",
    "ArchivedUrl",
    "Capture",
    "Endpoints",
    "Lookup",
    "Archiver",
    "choose",
    "parse_archive_url",
    "url_variants",
]

GOOD_STATUSES = frozenset({200, 203, 206})
_GOOD_FILTER = "statuscode:20[036]"


class ArchiveStopped(Exception):
    """The archive keeps answering 429: lookups stop rather than hammer it."""


@dataclass(frozen=True, order=True)
class Capture:
    timestamp: str  # 14 digits, UTC
    original: str
    status: int | None = None


@dataclass
class Lookup:
    """What a lookup found for one URL; `state` is found, not_archived, only_error_captures or unknown."""

    url: str
    state: LookupState
    snapshot: Snapshot | None = None
    detail: str | None = None
    via: str | None = None


def url_variants(url: str) -> list[str]:
    """The URL as cited, then with the trailing slash toggled, the other scheme, and `www.` toggled."""
    parts = urlsplit(url)
    out = [url]

    def add(candidate: str) -> None:
        if candidate not in out:
            out.append(candidate)

    path = parts.path
    if not parts.query and not parts.fragment:
        add(urlunsplit(parts._replace(path=path[:-1] if path.endswith("/") and path != "/" else path + "/")))
    other = "http" if parts.scheme == "https" else "https"
    add(urlunsplit(parts._replace(scheme=other)))
    host = parts.netloc
    add(urlunsplit(parts._replace(netloc=host[4:] if host.lower().startswith("www.") else "www." + host)))
    return out


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


def _end_of_day(day: date) -> str:
    return day.strftime("%Y%m%d") + "235959"


def _parse_timestamp(timestamp: str) -> datetime:
    """A Wayback timestamp, possibly shortened (`2019`, `201906`), as a UTC datetime."""
    digits = timestamp[:14] + "00000101000000"[len(timestamp[:14]) :]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _failure(exc: httpx.HTTPError) -> str:
    """Why a request to the archive failed, in plain words (a refused address says which)."""
    return str(exc) if isinstance(exc, AddressDenied) else type(exc).__name__


def gap_days(timestamp: str, cited: date | None) -> int | None:
    if cited is None:
        return None
    return abs((_parse_timestamp(timestamp).date() - cited).days)


class _ArchiveClient:
    """Every request to the archive: bounded in flight, CDX rate-capped, 429-aware."""

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
        self.slots = asyncio.Semaphore(options.max_in_flight)
        self.cdx_times: deque[float] = deque()
        self.rate_limited_in_a_row = 0
        self.unreachable_in_a_row = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.requests = 0
        self.last_error = ""

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _cdx_turn(self) -> None:
        window, cap = self.options.rate_window, self.options.cdx_per_minute
        while True:
            now = time.monotonic()
            while self.cdx_times and now - self.cdx_times[0] >= window:
                self.cdx_times.popleft()
            if len(self.cdx_times) < cap:
                self.cdx_times.append(now)
                return
            await asyncio.sleep(self.cdx_times[0] + window - now)

    async def request(
        self, method: str, url: str, *, cdx: bool = False, follow: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request with retries; raises `httpx.HTTPError` when they run out and
        `ArchiveStopped` after too many 429 answers in a row."""
        attempt = 0
        while True:
            if self.rate_limited_in_a_row >= self.options.max_rate_limited:
                raise ArchiveStopped(
                    f"the archive answered 429 Too Many Requests {self.rate_limited_in_a_row} times in a row; "
                    "archive lookups stopped so as not to be blocked. What was found so far is kept; "
                    "run `linkcheck archive` again later."
                )
            if self.unreachable_in_a_row >= self.options.max_unreachable:
                raise ArchiveStopped(
                    f"the archive cannot be reached ({self.last_error}); archive lookups stopped. "
                    "Is this machine connected?"
                )
            if cdx:
                await self._cdx_turn()
            async with self.slots:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                self.requests += 1
                try:
                    # Replay redirects are followed inside one slot: they are one logical request.
                    response = await self.http.request(method, url, follow_redirects=follow, **kwargs)
                    self.unreachable_in_a_row = 0
                except AddressDenied:
                    raise  # --deny-private: never retried, and says nothing about the archive
                except httpx.ConnectError as exc:
                    # DNS failure or refused connection: the archive (or the network) is down for
                    # everyone, so a few in a row stop every lookup instead of each retrying.
                    self.unreachable_in_a_row += 1
                    self.last_error = network_reason(exc)
                    if attempt >= self.options.retries or self.unreachable_in_a_row >= self.options.max_unreachable:
                        raise
                    response = None
                except httpx.HTTPError:
                    if attempt >= self.options.retries:
                        raise
                    response = None
                finally:
                    self.in_flight -= 1
            retry_after = None
            if response is not None:
                if response.status_code == 429:
                    self.rate_limited_in_a_row += 1
                    retry_after = parse_retry_after(response.headers.get("retry-after"), self.options.retry_after_cap)
                else:
                    self.rate_limited_in_a_row = 0
                if response.status_code != 429 and response.status_code < 500 or attempt >= self.options.retries:
                    return response
            attempt += 1
            await asyncio.sleep(backoff_delay(self.options.backoff, attempt, retry_after))


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

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Archiver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---------------------------------------------------------------- the two APIs

    async def availability(self, url: str, cited: date | None) -> Capture | None:
        """The availability API's closest capture, or None for any answer that says nothing."""
        params = {"url": url}
        if cited is not None:
            params["timestamp"] = _end_of_day(cited)
        try:
            response = await self.client.request("GET", self.endpoints.available, params=params)
            closest = (
                response.json().get("archived_snapshots", {}).get("closest") if response.status_code == 200 else None
            )
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        if not isinstance(closest, dict) or not closest.get("available", True) or not closest.get("timestamp"):
            return None
        try:
            status = int(closest.get("status") or 0)
        except ValueError:
            status = 0
        return Capture(str(closest["timestamp"]), url, status)

    async def cdx(
        self,
        url: str,
        *,
        good_only: bool = True,
        to: str | None = None,
        from_: str | None = None,
        limit: int | None = None,
    ) -> list[Capture]:
        """Captures from the CDX API; raises `httpx.HTTPError` or ValueError when it cannot answer."""
        params: list[tuple[str, str]] = [("url", url), ("output", "json"), ("fl", "timestamp,original,statuscode")]
        if good_only:
            params.append(("filter", _GOOD_FILTER))
        if to:
            params.append(("to", to))
        if from_:
            params.append(("from", from_))
        if limit is not None:
            params.append(("limit", str(limit)))
        response = await self.client.request("GET", self.endpoints.cdx, params=params, cdx=True)
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"CDX API answered {response.status_code}", request=response.request, response=response
            )
        text = response.text.strip()
        rows = json.loads(text) if text else []
        if not rows:
            return []
        header, *data = rows
        index = {name: i for i, name in enumerate(header)}
        captures = []
        for row in data:
            status = row[index["statuscode"]] if "statuscode" in index else ""
            captures.append(
                Capture(row[index["timestamp"]], row[index["original"]], int(status) if str(status).isdigit() else None)
            )
        return captures

    # ---------------------------------------------------------------- verification

    async def verify(self, timestamp: str, original: str, exact: bool = True) -> tuple[str, str] | str:
        """Replay a capture: (timestamp, original) of what answered 200, or the reason it failed.
        With `exact`, a replay that lands on another capture does not count."""
        try:
            response = await self.client.request("GET", self.endpoints.replay(timestamp, original), follow=True)
        except httpx.HTTPError as exc:
            return f"replay failed: {_failure(exc)}"
        if response.status_code != 200:
            return f"replay answered {response.status_code}"
        landed = WAYBACK_RE.match(str(response.url).replace(self.endpoints.base, "https://web.archive.org", 1))
        if landed is None:
            return f"replay left the archive for {response.url}"
        if exact and landed["ts"] != timestamp:
            return f"replay went to another capture ({landed['ts']})"
        return landed["ts"], landed["original"]

    async def verify_url(self, url: str) -> LinkResult:
        """A snapshot as a link: ok when it answers 200 after the archive's own redirects."""
        now = stamp()
        try:
            response = await self.client.request("GET", url, follow=True)
        except AddressDenied as exc:
            return LinkResult(Verdict.SKIPPED, now, error=str(exc), reason=Reason.DENIED_ADDRESS)
        except httpx.HTTPError as exc:
            return LinkResult(Verdict.UNREACHABLE, now, error=f"the archive could not be reached: {_failure(exc)}")
        final = str(response.url)
        redirects = [str(r.headers.get("location", "")) for r in response.history]
        code = response.status_code
        if code == 200:
            return LinkResult(Verdict.OK, now, http_status=code, final_url=final, redirects=redirects)
        if code == 429:
            return LinkResult(Verdict.RATE_LIMITED, now, http_status=code, error="the archive answered 429")
        if code >= 500:
            return LinkResult(Verdict.SERVER_ERROR, now, http_status=code, error=f"the archive answered {code}")
        return LinkResult(
            Verdict.BROKEN,
            now,
            http_status=code,
            final_url=final,
            redirects=redirects,
            error=f"this snapshot does not replay (HTTP {code})",
        )

    async def verify_snapshot_link(self, url: str, archived: ArchivedUrl) -> LinkResult:
        """Check a cited Wayback snapshot as a snapshot, through the archive's endpoints."""
        assert archived.original is not None and archived.timestamp is not None
        result = await self.verify_url(self.endpoints.replay(archived.timestamp, archived.original, archived.flag))
        if result.final_url is not None:
            result.final_url = result.final_url.replace(self.endpoints.base, "https://web.archive.org", 1)
        return result

    # ---------------------------------------------------------------- the lookup

    async def lookup(self, url: str, cited: date | None, cited_source: str | None) -> Lookup:
        """The snapshot for `url` by the rule, verified; or why there is none."""
        if self.progress is not None:
            self.progress(url)
        tried: set[Capture] = set()

        def found(capture: Capture, landed: tuple[str, str], via: str) -> Lookup:
            timestamp, original = landed
            snapshot = Snapshot(
                url=self.endpoints.public_replay(timestamp, original),
                timestamp=timestamp,
                original=url,
                citation_date=cited.isoformat() if cited else None,
                citation_date_source=cited_source,
                gap_days=gap_days(timestamp, cited),
                verified_at=stamp(),
            )
            return Lookup(url, LookupState.FOUND, snapshot, via=via)

        closest = await self.availability(url, cited)
        if (
            closest is not None
            and closest.status in GOOD_STATUSES
            and (cited is None or closest.timestamp <= _end_of_day(cited))
        ):
            tried.add(closest)
            landed = await self.verify(closest.timestamp, url)
            if isinstance(landed, tuple):
                return found(closest, landed, "availability")
        failures: list[str] = []
        try:
            for variant in url_variants(url):
                candidates = await self._candidates(variant, cited)
                for capture in candidates:
                    if capture in tried:
                        continue
                    tried.add(capture)
                    landed = await self.verify(capture.timestamp, capture.original)
                    if isinstance(landed, tuple):
                        return found(capture, landed, "cdx")
                    failures.append(f"{capture.timestamp}: {landed}")
                if candidates:
                    break  # this variant is the archived one; its captures did not replay
            if failures:
                return Lookup(
                    url,
                    LookupState.UNKNOWN,
                    detail="no 2xx capture replays (" + "; ".join(failures[:3]) + ")",
                    via="cdx",
                )
            errors = await self.cdx(url, good_only=False, limit=-20)
        except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
            return Lookup(url, LookupState.UNKNOWN, detail=f"the CDX API could not answer: {exc}", via="cdx")
        if errors:
            codes = sorted({str(c.status or "?") for c in errors})
            return Lookup(
                url,
                LookupState.ONLY_ERROR_CAPTURES,
                via="cdx",
                detail=f"archived only as error pages or redirects (status {', '.join(codes)})",
            )
        return Lookup(url, LookupState.NOT_ARCHIVED, detail="no capture in the Wayback Machine", via="cdx")

    async def _candidates(self, variant: str, cited: date | None) -> list[Capture]:
        k = self.options.candidates
        if cited is None:
            return choose(await self.cdx(variant, limit=-k), None)
        before = await self.cdx(variant, to=_end_of_day(cited), limit=-k)
        after = await self.cdx(variant, from_=(cited + timedelta(days=1)).strftime("%Y%m%d"), limit=k)
        return choose(before + after, cited)

    # ---------------------------------------------------------------- Save Page Now 2

    async def recent_capture(self, url: str) -> bool:
        since = (datetime.now(UTC) - timedelta(seconds=self.options.save_if_older)).strftime("%Y%m%d%H%M%S")
        return bool(await self.cdx(url, from_=since, limit=1))

    async def save(self, url: str, access_key: str, secret_key: str) -> Lookup:
        """Submit `url` to Save Page Now 2 and wait for the capture."""
        auth = {"Authorization": f"LOW {access_key}:{secret_key}", "Accept": "application/json"}
        try:
            response = await self.client.request("POST", f"{self.endpoints.base}/save", data={"url": url}, headers=auth)
            job = response.json() if response.status_code == 200 else {}
            job_id = job.get("job_id")
            if not job_id:
                reason = job.get("message") or f"HTTP {response.status_code}"
                return Lookup(url, LookupState.UNKNOWN, detail=f"Save Page Now refused: {reason}", via="save")
            for _ in range(self.options.max_polls):
                await asyncio.sleep(self.options.poll_interval)
                status = await self.client.request("GET", f"{self.endpoints.base}/save/status/{job_id}", headers=auth)
                state = status.json() if status.status_code == 200 else {}
                if state.get("status") == "success":
                    timestamp = str(state["timestamp"])
                    snapshot = Snapshot(
                        url=self.endpoints.public_replay(timestamp, url),
                        timestamp=timestamp,
                        original=url,
                        verified_at=stamp(),
                    )
                    return Lookup(url, LookupState.FOUND, snapshot, via="save")
                if state.get("status") == "error":
                    return Lookup(
                        url, LookupState.UNKNOWN, detail=f"Save Page Now failed: {state.get('message', '')}", via="save"
                    )
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            return Lookup(url, LookupState.UNKNOWN, detail=f"Save Page Now could not answer: {exc}", via="save")
        return Lookup(url, LookupState.UNKNOWN, detail="Save Page Now did not finish in time", via="save")


def save_credentials(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    env = os.environ if environ is None else environ
    access, secret = env.get("LINKCHECK_IA_ACCESS_KEY"), env.get("LINKCHECK_IA_SECRET_KEY")
    return (access, secret) if access and secret else None
