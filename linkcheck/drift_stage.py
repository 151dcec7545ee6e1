"""The drift stage: for each link that answered with an HTML page, compare the page now with
the page as cited, and record what was found (README, "Content drift").

The page as cited is the Wayback capture chosen by `Archiver.as_cited` (the closest 2xx capture
not after the citation date, verified by replay). It is fetched once per link ever: its title
and fingerprint are kept in the registry (`drift:`), never its text, and every later run
compares against them at no cost to the archive. New captures are fetched at most `budget` per
run, so a large registry is covered over several runs. Runs inside the archive stage, on the
same archive client: every politeness rule of the archive applies.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime

from linkcheck.clock import parse_time
from linkcheck.drift import Fingerprint, Page, compare, read_page
from linkcheck.memento import MementoArchives
from linkcheck.models import Drift, Verdict
from linkcheck.registry import LinkEntry
from linkcheck.wayback import Archiver

__all__ = ["DriftRun", "NO_CAPTURE_TTL"]

# "No capture near the citation date" is asked again only after this long: the archive's past
# rarely gains captures, and each question costs archive requests from the budget.
NO_CAPTURE_TTL = 180 * 86400.0


@dataclass
class DriftRun:
    """One run's drift work: its budget of new captures, and what it did."""

    budget: int
    started: str
    now: datetime
    fetched: int = 0  # new captures fingerprinted
    compared: int = 0
    drifted: int = 0
    unknown: int = 0
    deferred: int = 0  # left for a later run: the budget was spent
    mementos: MementoArchives | None = None  # other archives, asked when the Wayback Machine has no capture as cited

    async def link(self, archiver: Archiver | None, entry: LinkEntry, page: Page, cited: date | None) -> None:
        """Compare `entry`'s page now with its page as cited; record the outcome on the entry."""
        record = entry.drift
        as_cited = _kept(record)
        if record is None or as_cited is None:  # never fetched, or damaged by a hand edit: fetched (again)
            if record is not None and record.fingerprint:
                entry.drift = None  # damaged by a hand edit: dropped
            record = await self._capture(archiver, entry, cited)
            as_cited = _kept(record)
            if record is None or as_cited is None:
                self.unknown += 1
                return
        judgement = compare(as_cited, page)
        self.compared += 1
        entry.drift = replace(
            record,
            state=judgement.state,
            reason=judgement.reason,
            similarity=judgement.similarity,
            title_similarity=judgement.title_similarity,
            checked_at=self.started,
        )
        if judgement.state == "unknown":
            self.unknown += 1
        if judgement.state == "drifted" and entry.result is not None:
            self.drifted += 1
            when = (record.capture_timestamp or "")[:8]
            day = f"{when[:4]}-{when[4:6]}-{when[6:8]}" if len(when) == 8 else "the citation date"
            error = f"{judgement.reason} (compared with the capture of {day})"
            entry.result = replace(entry.result, status=Verdict.DRIFTED, error=error)

    async def _capture(self, archiver: Archiver | None, entry: LinkEntry, cited: date | None) -> Drift | None:
        """The page as cited, fingerprinted and recorded; None when there is none (yet)."""
        record = entry.drift
        if cited is None:
            entry.drift = Drift("unknown", self.started, reason="no citation date: nothing to compare with")
            return None
        if record is not None and record.no_capture_since is not None:
            asked = parse_time(record.no_capture_since)
            if asked is not None and (self.now - asked).total_seconds() < NO_CAPTURE_TTL:
                return None  # no capture near the citation date, asked recently: kept as it is
        if archiver is None or self.budget <= 0:
            self.deferred += 1
            why = "not compared yet: this run's drift budget was spent" if archiver else "not compared yet: no archive"
            entry.drift = Drift("unknown", self.started, reason=why)
            return None
        self.budget -= 1
        found = await archiver.as_cited(entry.url, cited)
        if found.replay is None and self.mementos is not None and self.mementos.usable():
            other = await self.mementos.as_cited(entry.url, cited)
            if other.replay is not None or not other.final:
                found = other
        if found.replay is None:
            since = self.started if found.final else None
            entry.drift = Drift("unknown", self.started, reason=found.reason, no_capture_since=since)
            return None
        page = await asyncio.to_thread(read_page, found.replay.body)
        self.fetched += 1
        record = Drift(
            "unknown",
            self.started,
            capture=found.url,
            capture_timestamp=found.replay.timestamp,
            title=page.title,
            fingerprint=page.fingerprint.encode(),
            words=page.fingerprint.words,
        )
        entry.drift = record
        return record


def _kept(record: Drift | None) -> Page | None:
    """The page as cited, from the registry's record; None when there is none or it is damaged."""
    if record is None or record.fingerprint is None or record.words is None:
        return None
    try:
        return Page(record.title or "", Fingerprint.decode(record.fingerprint, record.words))
    except ValueError:
        return None
