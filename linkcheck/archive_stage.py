"""The archive stage: decide which links need a snapshot, then (archive_run.py) look them up
through the Wayback client (wayback.py), verify cited snapshots and people's archive URLs, and
record it all in the registry as it arrives, so that an early stop keeps everything found
before it. The deciding needs no network library: a check with nothing to ask an archive
never loads one (httpx and the archive clients cost a fifth of a second of start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from linkcheck.clock import now as clock_now
from linkcheck.clock import parse_time
from linkcheck.config import ArchiveOptions
from linkcheck.models import LookupState, Verdict
from linkcheck.registry import LinkEntry, Registry, effective_dates
from linkcheck.urls import ArchivedUrl, parse_archive_url

if TYPE_CHECKING:
    import httpx

    from linkcheck.drift import Page
    from linkcheck.drift_stage import DriftRun
    from linkcheck.loop import Interrupt

__all__ = ["ArchiveOutcome", "Plan", "citation_date", "live_links", "plan_of", "run_archive"]


# Verdicts for which a snapshot is worth looking up by default: the page is not there as cited.
# `drifted` has its capture already (the drift stage's).
_NO_LOOKUP = frozenset({Verdict.OK, Verdict.MOVED, Verdict.SKIPPED, Verdict.INVALID, Verdict.DRIFTED})
# Answers the archive gives the same way for a while: not asked again before `not_found_ttl`.
_REMEMBERED = frozenset({LookupState.NOT_ARCHIVED, LookupState.ONLY_ERROR_CAPTURES, LookupState.EXCLUDED})


@dataclass
class ArchiveOutcome:
    looked_up: int = 0
    found: int = 0
    none: int = 0  # not archived, or archived only as error pages
    unknown: int = 0
    cached: int = 0  # answered from the registry (a kept snapshot, or "not archived" within the TTL)
    snapshot_links: int = 0  # cited snapshots verified
    manual: int = 0  # archive URLs written by a person, verified
    excluded: int = 0  # sites the archive excludes
    saved: int = 0
    save_refused: int = 0
    invalid_rows: int = 0  # index rows with an impossible timestamp, skipped
    stopped: str | None = None  # why lookups stopped early (unreachable, or every useful service refusing)
    notes: list[str] = field(default_factory=list)  # services left alone during the run, and why
    interrupted: bool = False
    peak_in_flight: int = 0
    requests: int = 0
    requests_by_service: dict[str, int] = field(default_factory=dict)
    drift: DriftRun | None = None  # with drift: what the drift stage did


def citation_date(registry: Registry, entry: LinkEntry) -> tuple[date | None, str | None]:
    """The earliest date any citation of this URL carries, and where that date came from."""
    known = []
    for value, source in effective_dates(registry, entry.citations):
        try:
            if value:
                known.append((date.fromisoformat(value[:10]), source))
        except ValueError:
            continue
    return min(known, key=lambda pair: pair[0]) if known else (None, None)


def _lookup_due(entry: LinkEntry, everything: bool, now: datetime, ttl: float) -> bool | None:
    """True: look up; False: not wanted; None: answered from the registry's cache."""
    result = entry.result
    if entry.ignore or entry.archive_url:
        return False
    if not everything and (result is None or result.status in _NO_LOOKUP):
        return False
    if entry.archive is not None:
        return None  # kept until the verdict changes (apply_results clears it then)
    lookup = entry.archive_lookup
    if lookup is not None and lookup.state in _REMEMBERED:
        asked = parse_time(lookup.checked_at)
        if asked is not None and (now - asked).total_seconds() < ttl:
            return None
    return True


@dataclass
class Plan:
    """What the stage will do, decided from the registry before any request."""

    snapshots: list[tuple[LinkEntry, ArchivedUrl]] = field(default_factory=list)  # cited snapshots
    manual: list[LinkEntry] = field(default_factory=list)  # a person's archive_url
    due: list[LinkEntry] = field(default_factory=list)  # links that need a lookup
    cached: int = 0  # answered from the registry
    drift: list[tuple[LinkEntry, Page]] = field(default_factory=list)  # pages that answered, to compare


def plan_of(registry: Registry, lookups: bool, everything: bool, now: datetime, ttl: float) -> Plan:
    plan = Plan()
    for url, entry in registry.links.items():
        if entry.ignore:
            continue
        if (archived := parse_archive_url(url)) is not None:
            plan.snapshots.append((entry, archived))  # a cited snapshot, of any archive
        if entry.archive_url:
            plan.manual.append(entry)
        if lookups and archived is None:
            wanted = _lookup_due(entry, everything, now, ttl)
            if wanted is None:
                plan.cached += 1
            elif wanted:
                plan.due.append(entry)
    return plan


def live_links(registry: Registry) -> list[LinkEntry]:
    """Links that answer now and are not snapshots themselves: candidates for Save Page Now."""
    return [
        e
        for e in registry.links.values()
        if e.result is not None
        and not e.ignore
        and e.result.status in (Verdict.OK, Verdict.MOVED)
        and parse_archive_url(e.url) is None
    ]


def run_archive(
    registry: Registry,
    options: ArchiveOptions,
    *,
    lookups: bool = True,
    everything: bool = False,
    save: bool = False,
    pages: dict[str, Page] | None = None,
    drift_budget: int = 0,
    environ: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[str], None] | None = None,
    interrupt: Interrupt | None = None,
) -> ArchiveOutcome:
    """Verify cited snapshots and people's archive URLs; look up snapshots for links that need
    them (every link with `everything`); with `save`, ask Save Page Now to capture live links
    that have no recent capture; with `pages` (the check's 2xx HTML pages), compare each with
    its capture as cited, fetching at most `drift_budget` new captures (drift_stage.py). Results
    are written into the registry as they arrive, so an early stop (`ArchiveStopped`) keeps
    everything found before it."""
    now = clock_now()
    plan = plan_of(registry, lookups, everything, now, options.not_found_ttl)
    outcome = ArchiveOutcome(cached=plan.cached)
    if lookups and not everything and all(e.result is None for e in registry.links.values()):
        outcome.stopped = "no link has been checked yet, so none is known to be dead: run `linkcheck check` first"
    if not (plan.snapshots or plan.manual or plan.due or pages is not None or save):
        return outcome  # nothing to ask an archive
    from linkcheck.archive_run import execute

    return execute(
        registry,
        options,
        plan,
        outcome,
        now,
        lookups=lookups,
        save=save,
        pages=pages,
        drift_budget=drift_budget,
        environ=environ,
        transport=transport,
        progress=progress,
        interrupt=interrupt,
    )
