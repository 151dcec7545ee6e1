"""`check` as a library call: choose what to check, run the engine, fold results into the registry.

The registry is only changed when the run learned something: an offline run (not one HTTP
response) leaves every earlier verdict as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from linkcheck.checker import CheckOptions, CheckRun, check_all, make_transport
from linkcheck.models import PROBLEM_VERDICTS, LinkResult, Verdict
from linkcheck.registry import LinkEntry, Registry

__all__ = ["CheckOutcome", "select", "run_check", "run_async", "apply_results", "problems", "FAILURE_VERDICTS"]

T = TypeVar("T")

# Verdicts that count as "dead" in the history; blocked, rate_limited and skipped do not.
FAILURE_VERDICTS = frozenset(
    {Verdict.BROKEN, Verdict.SOFT_404, Verdict.SERVER_ERROR, Verdict.TIMEOUT, Verdict.UNREACHABLE, Verdict.INVALID}
)


@dataclass
class CheckOutcome:
    checked: int = 0
    fresh: int = 0  # skipped by --max-age
    ignored: int = 0
    offline: bool = False
    run: CheckRun | None = None
    results: dict[str, LinkResult] = field(default_factory=dict)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def select(registry: Registry, max_age: float | None, now: datetime) -> tuple[list[str], list[str], list[str]]:
    """(URLs to check, URLs still fresh, URLs ignored by a person)."""
    to_check, fresh, ignored = [], [], []
    for url, entry in registry.links.items():
        if entry.ignore:
            ignored.append(url)
            continue
        result = entry.result
        if max_age is not None and result is not None and result.status in (Verdict.OK, Verdict.MOVED):
            checked = _parse_time(result.checked_at)
            if checked is not None and now - checked < timedelta(seconds=max_age):
                fresh.append(url)
                continue
        to_check.append(url)
    return to_check, fresh, ignored


def apply_results(registry: Registry, results: dict[str, LinkResult]) -> None:
    """Record verdicts and update each URL's history."""
    for url, result in results.items():
        entry = registry.links.get(url)
        if entry is None:
            continue
        _record(entry, result)


def _record(entry: LinkEntry, result: LinkResult) -> None:
    history = entry.history
    history.previous_status = str(entry.result.status) if entry.result is not None else None
    entry.result = result
    if result.status in (Verdict.OK, Verdict.MOVED):
        history.last_ok = result.checked_at
        history.first_failure = None
        history.consecutive_failures = 0
    elif result.status in FAILURE_VERDICTS:
        history.first_failure = history.first_failure or result.checked_at
        history.consecutive_failures += 1
    if entry.archive is not None and history.previous_status != str(result.status) and not entry.archive.manual:
        entry.archive = None  # a snapshot is kept only until the link's verdict changes


def problems(registry: Registry) -> list[tuple[str, LinkEntry]]:
    """Links whose verdict needs action and was not accepted by a person."""
    found = []
    for url, entry in registry.links.items():
        result = entry.result
        if result is not None and result.status in PROBLEM_VERDICTS and entry.accept != result.status:
            found.append((url, entry))
    return found


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it exists (about 15 % less CPU per check), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run_check(registry: Registry, options: CheckOptions, *, max_age: float | None = None,
              transport: httpx.AsyncBaseTransport | None = None,
              progress: Callable[[str, LinkResult], None] | None = None,
              on_start: Callable[[int], None] | None = None) -> CheckOutcome:  # fmt: skip
    """Check the registry's URLs and fold the results in, unless the run was offline.

    `on_start` learns how many URLs will be checked; `progress` hears of each result.
    """
    now = datetime.now(UTC)
    to_check, fresh, ignored = select(registry, max_age, now)
    if on_start is not None:
        on_start(len(to_check))
    outcome = CheckOutcome(checked=len(to_check), fresh=len(fresh), ignored=len(ignored))

    async def _go() -> CheckRun:
        own = transport is None
        http = transport or make_transport(options)
        try:
            return await check_all(to_check, http, options, progress)
        finally:
            if own:
                await http.aclose()

    run = run_async(_go()) if to_check else CheckRun(results={})
    outcome.run = run
    outcome.results = run.results
    if run.offline:
        outcome.offline = True
        return outcome
    stamp = now.replace(microsecond=0).isoformat()
    skipped = {url: LinkResult(Verdict.SKIPPED, stamp, error="ignored in the registry") for url in ignored}
    apply_results(registry, {**run.results, **skipped})
    registry.last_run = {"checked_at": stamp, "checked": len(to_check), "fresh": len(fresh)}
    return outcome
