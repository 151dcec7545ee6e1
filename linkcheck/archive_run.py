"""The archive stage's requests (archive_stage.py decides what they are): verify cited snapshots
and people's archive URLs, look up snapshots, compare pages with their captures (drift), ask
Save Page Now — each result recorded into the registry as it arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import httpx

from linkcheck.archive_stage import ArchiveOutcome, Plan, citation_date, live_links
from linkcheck.check_stage import apply_results
from linkcheck.clock import stamp
from linkcheck.config import ArchiveOptions
from linkcheck.drift import Page
from linkcheck.drift_stage import DriftRun
from linkcheck.errors import UsageError
from linkcheck.loop import Interrupt, run_async
from linkcheck.memento import MementoArchives
from linkcheck.models import ArchiveLookup, LookupState, Snapshot, Verdict
from linkcheck.registry import LinkEntry, Registry
from linkcheck.urls import ArchivedUrl, parse_archive_url, wayback_snapshot
from linkcheck.wayback import Archiver, ArchiveStopped, Excluded, Lookup, ServiceStopped, save_credentials

__all__ = ["execute"]


def _record_lookup(entry: LinkEntry, lookup: Lookup, checked_at: str) -> None:
    if lookup.snapshot is not None:
        entry.archive = lookup.snapshot
    entry.archive_lookup = ArchiveLookup(lookup.state, checked_at, lookup.via, lookup.detail)


async def _verify_manual(archiver: Archiver, entry: LinkEntry, checked_at: str) -> None:
    """A person's archive URL is verified and kept whatever the answer."""
    assert entry.archive_url is not None
    archived = parse_archive_url(entry.archive_url)
    timestamp, error = (archived.timestamp if archived else None) or "", None
    if (wayback := wayback_snapshot(entry.archive_url)) is not None:
        assert wayback.timestamp is not None and wayback.original is not None
        replayed = await archiver.replay(wayback.timestamp, wayback.original, exact=False)
        if replayed.ok:
            timestamp = replayed.timestamp
        else:
            error = replayed.reason
    else:
        result = await archiver.verify_url(entry.archive_url)
        error = None if result.status is Verdict.OK else (result.error or str(result.status))
    entry.archive = Snapshot(
        url=entry.archive_url,
        timestamp=timestamp,
        original=entry.url,
        verified_at=None if error else checked_at,
        manual=True,
    )
    state = LookupState.MANUAL if error is None else LookupState.MANUAL_UNVERIFIED
    entry.archive_lookup = ArchiveLookup(state, checked_at, detail=error)


T = TypeVar("T")


async def _each(items: list[T], workers: int, work: Callable[[T], Awaitable[None]]) -> None:
    """`work` on every item with at most `workers` under way (a fixed number of tasks)."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:
            await work(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(workers, len(items))):
            group.create_task(worker())


@dataclass
class _ArchiveRun:
    """One run of the stage: each kind of work, recorded into the registry as it arrives."""

    registry: Registry
    archiver: Archiver
    mementos: MementoArchives | None  # the other archives (memento.py), when any are configured
    started: str
    outcome: ArchiveOutcome
    wayback_stopped: str | None = None  # the Wayback Machine stopped; the other archives are still asked

    async def drift(self, item: tuple[LinkEntry, Page]) -> None:
        assert self.outcome.drift is not None
        entry, page = item
        await self.outcome.drift.link(self.archiver, entry, page, citation_date(self.registry, entry)[0])

    async def snapshot_link(self, item: tuple[LinkEntry, ArchivedUrl]) -> None:
        entry, archived = item
        if archived.service == "wayback" and archived.original and archived.timestamp:
            result = await self.archiver.verify_snapshot_link(entry.url, archived)
        else:
            result = await self.archiver.verify_url(entry.url)
        apply_results(self.registry, {entry.url: result})
        self.outcome.snapshot_links += 1

    async def manual(self, entry: LinkEntry) -> None:
        await _verify_manual(self.archiver, entry, self.started)
        self.outcome.manual += 1

    async def lookup(self, entry: LinkEntry) -> None:
        cited, source = citation_date(self.registry, entry)
        try:
            lookup = await self.archiver.lookup(entry.url, cited, source)
        except ArchiveStopped as exc:
            if self.mementos is None or not self.mementos.usable():
                raise
            if self.wayback_stopped is None:
                self.wayback_stopped = str(exc)
                self.outcome.notes.append(f"{exc} Other archives were still asked.")
            lookup = Lookup(entry.url, LookupState.UNKNOWN, detail="the Wayback Machine could not be asked", via="cdx")
        if self.mementos is not None:
            lookup = await self.mementos.widen(lookup, entry.url, cited, source)
        _record_lookup(entry, lookup, self.started)
        self.outcome.looked_up += 1
        if lookup.state is LookupState.FOUND:
            self.outcome.found += 1
        elif lookup.state is LookupState.UNKNOWN:
            self.outcome.unknown += 1
        elif lookup.state is LookupState.EXCLUDED:
            self.outcome.excluded += 1
        else:
            self.outcome.none += 1

    async def save(self, entry: LinkEntry, credentials: tuple[str, str]) -> None:
        try:
            if await self.archiver.recent_capture(entry.url):
                return
        except Excluded:
            return  # the archive would not keep it
        except (httpx.HTTPError, ValueError, KeyError, TypeError, ServiceStopped):
            pass  # unknown whether it was captured recently: Save Page Now is still asked
        lookup = await self.archiver.save(entry.url, *credentials)
        if lookup.snapshot is not None or lookup.state is LookupState.SAVE_REFUSED:
            _record_lookup(entry, lookup, self.started)  # a refusal too, with its reason: never dropped
        if lookup.snapshot is not None:
            self.outcome.saved += 1
        elif lookup.state is LookupState.SAVE_REFUSED:
            self.outcome.save_refused += 1
        else:
            self.outcome.unknown += 1

    async def run(self, plan: Plan, credentials: tuple[str, str] | None, workers: int) -> None:
        await _each(plan.snapshots, workers, self.snapshot_link)
        await _each(plan.manual, workers, self.manual)
        await _each(plan.due, workers, self.lookup)
        await _each(plan.drift, workers, self.drift)
        if credentials is not None:
            await _each(live_links(self.registry), workers, lambda entry: self.save(entry, credentials))


def execute(
    registry: Registry,
    options: ArchiveOptions,
    plan: Plan,
    outcome: ArchiveOutcome,
    now: datetime,
    *,
    lookups: bool,
    save: bool,
    pages: dict[str, Page] | None,
    drift_budget: int,
    environ: dict[str, str] | None,
    transport: httpx.AsyncBaseTransport | None,
    progress: Callable[[str], None] | None,
    interrupt: Interrupt | None,
) -> ArchiveOutcome:
    """Carry out `plan` (archive_stage.run_archive's), recording into `outcome` and the registry."""
    credentials = save_credentials(environ) if save else None
    if save and credentials is None:
        raise UsageError(
            "--save needs the environment variables LINKCHECK_IA_ACCESS_KEY and LINKCHECK_IA_SECRET_KEY "
            "(your archive.org S3 keys: https://archive.org/account/s3.php)"
        )
    if pages is not None:
        outcome.drift = DriftRun(drift_budget if lookups else 0, stamp(now), now)
        plan.drift = [
            (entry, page)
            for url, page in pages.items()
            if (entry := registry.links.get(url)) is not None and not entry.ignore and entry.result is not None
        ]
    if not (plan.snapshots or plan.manual or plan.due or plan.drift or credentials is not None):
        return outcome

    async def go() -> None:
        archiver = Archiver(options, transport, progress)
        mementos = MementoArchives(options) if options.timemaps else None
        if outcome.drift is not None:
            outcome.drift.mementos = mementos
        # Enough work under way to keep the archive client's slots busy while a lookup waits
        # between its requests; the client itself bounds the requests in flight.
        workers = max(1, options.max_in_flight) * 4
        try:
            run = _ArchiveRun(registry, archiver, mementos, stamp(now), outcome)
            await run.run(plan, credentials, workers)
        except asyncio.CancelledError:
            if interrupt is None or interrupt.signal is None:
                raise
            outcome.interrupted = True  # what was recorded so far is kept
        finally:
            outcome.peak_in_flight = archiver.client.peak_in_flight
            outcome.requests = archiver.client.requests
            outcome.requests_by_service = {
                name: service.requests for name, service in archiver.client.services.items() if service.requests
            }
            outcome.invalid_rows = archiver.invalid_rows
            outcome.notes = [s.stopped for s in archiver.client.services.values() if s.stopped] + outcome.notes
            if mementos is not None:
                outcome.requests += mementos.requests
                outcome.requests_by_service |= {f"memento:{n}": c for n, c in mementos.requests_by_archive().items()}
                outcome.notes += mementos.notes()
                await mementos.aclose()
            await archiver.aclose()

    try:
        run_async(go(), interrupt)
    except* ArchiveStopped as group:
        outcome.stopped = str(group.exceptions[0])
    return outcome
