"""Snapshots from other public web archives, through the Memento protocol (RFC 7089).

Every archive named in `memento_timemaps` publishes, for a URL, a TimeMap: its prefix followed
by the URL as it is (`https://archive.ph/timemap/https://example.org/a`). A TimeMap in link
format (RFC 7089 section 5, the syntax of RFC 6690) lists links like

    <https://example.org/a>; rel="original",
    <https://archive.ph/20130618185742/https://example.org/a>; rel="first memento";
        datetime="Tue, 18 Jun 2013 18:57:42 GMT",
    <https://archive.ph/timemap/2/https://example.org/a>; rel="timemap"; type="application/link-format"; from="…"

A link whose `rel` holds `memento` is a capture (`first memento`, `last memento`,
`first last memento` too), dated by its `datetime`; a link with `rel="timemap"` in link format
is another page of a paged TimeMap (followed up to `memento_pages` pages). A capture counts only
once replaying it proves it: the answer, after the archive's redirects, carries
`Memento-Datetime` (the mark of a capture; an archive's own pages have none) and a 2xx status.
An archive that recorded an error page replays it with that status: not a snapshot.

Politeness, per archive: one request at a time, at most `memento_per_minute` a minute, a 429's
Retry-After honoured by every request to that archive; after `max_rate_limited` 429s or
`max_unreachable` failures in a row (no connection, a timeout, a 5xx) the archive is left alone
for the rest of the run, and the others go on.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from linkcheck.clients import AddressDenied, guarded_client
from linkcheck.config import ArchiveOptions
from linkcheck.models import LookupState
from linkcheck.retry import backoff_delay
from linkcheck.transport import network_reason
from linkcheck.wayback import (
    Answer,
    AsCited,
    Capture,
    Lookup,
    Replay,
    Service,
    as_cited_window,
    choose,
    found,
    read_answer,
)

__all__ = ["Memento", "MementoArchives", "MementoReplay", "parse_link_format", "read_timemap"]

_MAX_MEMENTOS = 20_000  # captures read from one archive's TimeMap of one URL, all pages together
_PAGE_BYTES = 8 << 20  # what one TimeMap page may weigh
_LINK_FORMAT = ("", "application/link-format")


@dataclass(frozen=True, order=True)
class Memento:
    timestamp: str  # 14 digits, UTC, from the TimeMap's `datetime`
    url: str  # the capture's address (URI-M)
    archive: str


@dataclass(frozen=True)
class MementoReplay:
    ok: bool
    reason: str = ""
    timestamp: str = ""  # from the capture's own Memento-Datetime
    body: bytes = b""


# ---------------------------------------------------------------------------- link format

_PARAM_RE = re.compile(r'\s*;\s*([^\s=;,<>"]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;,<>\s]*))?')


def parse_link_format(text: str) -> list[tuple[str, dict[str, str]]]:
    """Links of a link-format document (RFC 6690): (target, parameters) pairs, the parameters'
    names in lower case and their quotes removed. Whatever cannot be read is skipped to the next
    `<`: one broken line does not lose the rest of a TimeMap."""
    links: list[tuple[str, dict[str, str]]] = []
    position = 0
    while (start := text.find("<", position)) >= 0:
        end = text.find(">", start + 1)
        if end < 0:
            break
        target = text[start + 1 : end].strip()
        params: dict[str, str] = {}
        position = end + 1
        while match := _PARAM_RE.match(text, position):
            name, value = match[1].lower(), match[2] or ""
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params.setdefault(name, value)  # RFC 8288: a repeated parameter's first value counts
            position = match.end()
        if target:
            links.append((target, params))
    return links


def timestamp_of(http_date: str) -> str | None:
    """An HTTP date (`Tue, 18 Jun 2013 18:57:42 GMT`) as a 14-digit UTC timestamp, or None."""
    try:
        moment = email.utils.parsedate_to_datetime(http_date.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 1990 <= moment.year <= 9999:
        return None
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def read_timemap(text: str, page_url: str, archive: str) -> tuple[list[Memento], list[str]]:
    """The captures one TimeMap page lists, and the other pages of the TimeMap it links to."""
    mementos: list[Memento] = []
    pages: list[str] = []
    for target, params in parse_link_format(text):
        rels = params.get("rel", "").lower().split()
        try:
            address = urljoin(page_url, target)
            scheme = urlsplit(address).scheme
        except ValueError:  # a hostile or broken target (`http://[::1/`): skipped
            continue
        if "memento" in rels:
            timestamp = timestamp_of(params.get("datetime", ""))
            if timestamp is not None and scheme in ("http", "https"):
                mementos.append(Memento(timestamp, address, archive))
        elif "timemap" in rels and params.get("type", "").lower() in _LINK_FORMAT and address != page_url:
            pages.append(address)
    return mementos, pages


# ---------------------------------------------------------------------------- the archives


@dataclass
class _Archive:
    name: str
    prefix: str
    service: Service
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one request at a time
    failures_in_a_row: int = 0


class MementoArchives:
    """The archives of `options.timemaps`, each asked politely and on its own."""

    def __init__(self, options: ArchiveOptions, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.options = options
        self.archives = [
            _Archive(name, prefix, Service(name, options.memento_per_minute)) for name, prefix in options.timemaps
        ]
        settings: dict[str, Any] = {
            "timeout": httpx.Timeout(options.timeout),
            "follow_redirects": True,
            "max_redirects": 5,
            "headers": {"User-Agent": options.user_agent},
        }
        if transport is not None:
            self.http = httpx.AsyncClient(transport=transport, **settings)
        else:
            trusted = frozenset(_origin(prefix) for _, prefix in options.timemaps)
            self.http = guarded_client(
                deny_private=options.deny_private,
                trusted=trusted,
                max_connections=max(1, len(self.archives)),
                **settings,
            )
        self.requests = 0

    async def aclose(self) -> None:
        await self.http.aclose()

    def usable(self) -> list[_Archive]:
        return [a for a in self.archives if a.service.stopped is None]

    def notes(self) -> list[str]:
        return [a.service.stopped for a in self.archives if a.service.stopped]

    def requests_by_archive(self) -> dict[str, int]:
        return {a.name: a.service.requests for a in self.archives if a.service.requests}

    def archive_of(self, memento: Memento) -> _Archive:
        return next(a for a in self.archives if a.name == memento.archive)

    # ------------------------------------------------------------------ one request

    async def _get(self, archive: _Archive, url: str, limit: int) -> Answer | None:
        """GET `url` from `archive` (its redirects followed): the answer, or None when the
        archive could not answer (it may have been left alone meanwhile: see the docstring)."""
        attempt = 0
        async with archive.lock:
            while archive.service.stopped is None:
                await archive.service.turn(self.options.rate_window)
                archive.service.requests += 1
                self.requests += 1
                retry_after: float | None = None
                try:
                    answer = await read_answer(self.http, "GET", url, limit)
                except (AddressDenied, httpx.InvalidURL):
                    return None  # --deny-private, or an address httpx cannot send: says nothing about the archive
                except httpx.HTTPError as exc:
                    if self._failed(
                        archive, network_reason(exc) if isinstance(exc, httpx.TransportError) else str(exc)
                    ):
                        return None
                else:
                    if answer.status == 429 and not answer.memento:
                        retry_after = archive.service.rate_limited(answer.headers.get("retry-after"), self.options)
                        if retry_after is None:
                            return None
                    elif answer.status >= 500 and not answer.memento:
                        if self._failed(archive, f"HTTP {answer.status}"):
                            return None
                    else:
                        archive.failures_in_a_row = archive.service.rate_limited_in_a_row = 0
                        return answer
                if attempt >= self.options.retries:
                    return None
                attempt += 1
                await asyncio.sleep(backoff_delay(self.options.backoff, attempt, retry_after))
        return None

    def _failed(self, archive: _Archive, why: str) -> bool:
        """Count a failure; True once the archive is left alone for the run."""
        archive.failures_in_a_row += 1
        if archive.failures_in_a_row >= self.options.max_unreachable:
            archive.service.stopped = (
                f"{archive.name} failed {archive.failures_in_a_row} times in a row ({why}); "
                "it was not asked again in this run"
            )
            return True
        return False

    # ------------------------------------------------------------------ TimeMaps and replays

    async def timemap(self, archive: _Archive, url: str) -> list[Memento] | None:
        """Every capture of `url` the archive lists (paged TimeMaps followed, bounded); None
        when it could not tell. An archive answers 404 for a URL it never captured."""
        pages, seen, found = [archive.prefix + url], set[str](), list[Memento]()
        while pages and len(seen) < self.options.memento_pages and len(found) < _MAX_MEMENTOS:
            page = pages.pop(0)
            if page in seen:
                continue
            seen.add(page)
            answer = await self._get(archive, page, _PAGE_BYTES)
            if answer is None:
                return found or None
            if answer.status in (404, 410):
                continue
            if answer.status != 200:
                return found or None
            mementos, more = read_timemap(answer.body.decode("utf-8", "replace"), answer.url, archive.name)
            found += mementos
            pages += [p for p in more if p not in seen]
        return found[:_MAX_MEMENTOS]

    async def captures(self, url: str) -> tuple[list[Memento], list[str]]:
        """The captures of `url` in every archive still asked, and the archives that could not
        tell (asked side by side: each archive's own limits apply)."""
        archives = self.usable()
        answers = await asyncio.gather(*(self.timemap(a, url) for a in archives))
        found = [m for answer in answers if answer for m in answer]
        silent = [a.name for a, answer in zip(archives, answers, strict=True) if answer is None]
        return found, silent

    async def replay(self, memento: Memento, limit: int) -> MementoReplay:
        """Replay a capture: ok with `Memento-Datetime` and a 2xx status after the archive's
        redirects; `limit` bytes of its body are kept."""
        archive = self.archive_of(memento)
        answer = await self._get(archive, memento.url, limit)
        if answer is None:
            return MementoReplay(False, f"{archive.name} could not replay it")
        stamped = answer.headers.get("memento-datetime")
        if stamped is None:
            return MementoReplay(
                False, f"{archive.name} answered {answer.status} without Memento-Datetime: not a capture"
            )
        if not 200 <= answer.status < 300:
            return MementoReplay(False, f"the capture is an archived HTTP {answer.status} page")
        return MementoReplay(True, timestamp=timestamp_of(stamped) or memento.timestamp, body=answer.body)

    # ------------------------------------------------------------------ the choice

    async def widen(self, lookup: Lookup, url: str, cited: date | None, cited_source: str | None) -> Lookup:
        """The Wayback Machine's `lookup`, weighed against every other archive: asked when it
        found nothing, or a capture farther than `memento_gap` from the citation date. The same
        rule chooses across all of them — the closest capture not after the citation date, else
        the nearest after — and the first that replays is the snapshot."""
        if not self.usable():
            return lookup
        kept = lookup.snapshot if lookup.state is LookupState.FOUND else None
        if kept is not None and (cited is None or (kept.gap_days or 0) * 86400 <= self.options.memento_gap):
            return lookup
        mementos, silent = await self.captures(url)
        by_capture = {Capture(m.timestamp, m.url, 200): m for m in mementos}
        wayback = Capture(kept.timestamp, kept.url, 200) if kept is not None else None
        failures: list[str] = []
        for capture in choose([*by_capture, *([wayback] if wayback else [])], cited)[: self.options.candidates]:
            if capture == wayback:
                return lookup
            memento = by_capture[capture]
            replayed = await self.replay(memento, self.options.replay_bytes)
            if replayed.ok:
                return found(url, memento.url, replayed.timestamp, cited, cited_source, "memento", memento.archive)
            failures.append(f"{memento.archive} {memento.timestamp}: {replayed.reason}")
        if kept is not None:
            return lookup
        asked = [a.name for a in self.archives if a.name not in silent and a.service.requests]
        words = [lookup.detail or str(lookup.state)]
        if failures:
            words.append("no capture in another archive replays (" + "; ".join(failures[:3]) + ")")
        elif asked:
            words.append(f"none in {', '.join(asked)} either")
        if silent:
            words.append(f"{', '.join(silent)} could not be asked")
        state = LookupState.UNKNOWN if failures and lookup.state is LookupState.NOT_ARCHIVED else lookup.state
        return Lookup(url, state, detail="; ".join(words), via=lookup.via)

    async def as_cited(self, url: str, cited: date) -> AsCited:
        """For content drift, when the Wayback Machine has no capture as cited: the capture
        closest to, not after, the citation day and at most `drift_window` before it, in any
        other archive, replayed with its body."""
        first, latest = as_cited_window(cited, self.options.drift_window)
        mementos, silent = await self.captures(url)
        near = sorted((m for m in mementos if first <= m.timestamp <= latest), reverse=True)
        for memento in near[: self.options.candidates]:
            replayed = await self.replay(memento, self.options.drift_body)
            if replayed.ok and replayed.timestamp <= latest:
                return AsCited(Replay(True, replayed.timestamp, url, body=replayed.body), memento.url)
        if near:
            return AsCited(
                None, reason="no capture from before the citation date replays in another archive", final=False
            )
        return AsCited(None, reason="no capture as cited in another archive either", final=not silent)


def _origin(prefix: str) -> tuple[str, int]:
    parts = urlsplit(prefix)
    return (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
