"""`report.json`, and the report data every other format is rendered from.

Its shape is versioned by `schema_version`; fields are only ever added within a version.
Documented in README.md, "report.json".
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linkcheck.models import EXPLANATIONS, ArchiveLookup, Snapshot, Verdict
from linkcheck.registry import Registry, effective_dates, write_atomically
from linkcheck.registry.schema import LAST_RUN, LOOKUP, SNAPSHOT, to_data
from linkcheck.urls import parse_archive_url

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "write_json", "write_atomically"]

REPORT_SCHEMA_VERSION = 1
# Problems first, the worst first; then what a person should look at; then the rest.
_ORDER = [
    "broken",
    "soft_404",
    "unreachable",
    "timeout",
    "server_error",
    "invalid",
    "missing_target",
    "moved",
    "blocked",
    "rate_limited",
    "skipped",
    "ok",
]
_MISSING_ERROR = "the link's target is empty or '#': the cited source was lost"


def build_report(registry: Registry, generated_at: str | None = None) -> dict[str, Any]:
    links: list[dict[str, Any]] = []
    for url, entry in registry.links.items():
        result = entry.result
        dates = effective_dates(registry, entry.citations)
        status = str(result.status) if result else None
        links.append(
            {
                "url": url,
                "status": status,
                "http_status": result.http_status if result else None,
                "final_url": result.final_url if result else None,
                "redirects": list(result.redirects) if result else [],
                "error": result.error if result else None,
                "checked_at": result.checked_at if result else None,
                "accepted": bool(result and entry.accept == result.status),
                "replacement": entry.replacement
                or (result.final_url if result and result.status is Verdict.MOVED else None),
                "archive": _archive(entry.archive) if entry.archive else None,
                "archive_lookup": _lookup(entry.archive_lookup),
                "snapshot_of": _snapshot_of(url),
                "host": _host(url),
                "explanation": EXPLANATIONS.get(status or "", "Not checked yet."),
                "problem": entry.is_problem,
                "new": entry.is_new_problem,
                "dead_since": entry.history.first_failure,
                "note": entry.note,
                "citations": [
                    {"document": c.document, "line": c.line, "page": c.page, "text": c.text, "date": date}
                    for c, (date, _) in zip(entry.citations, dates, strict=True)
                ],
            }
        )
    for name, document in registry.documents.items():
        for placeholder in document.placeholders:
            links.append(
                {
                    "url": None,
                    "status": str(Verdict.MISSING_TARGET),
                    "http_status": None,
                    "final_url": None,
                    "redirects": [],
                    "error": _MISSING_ERROR,
                    "checked_at": None,
                    "accepted": False,
                    "replacement": None,
                    "archive": None,
                    "archive_lookup": None,
                    "snapshot_of": None,
                    "host": None,
                    "explanation": EXPLANATIONS["missing_target"],
                    "problem": True,
                    "new": False,
                    "dead_since": None,
                    "note": None,
                    "citations": [
                        {
                            "document": name,
                            "line": placeholder.line,
                            "page": placeholder.page,
                            "text": placeholder.text,
                            "date": document.date or document.detected_date,
                        }
                    ],
                }
            )
    links.sort(key=lambda link: (not link["problem"], _rank(link["status"]), link["url"] or ""))
    summary = Counter(link["status"] or "unchecked" for link in links)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated_at": generated_at or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "last_run": to_data(registry.last_run, LAST_RUN) if registry.last_run else None,
        "summary": dict(sorted(summary.items(), key=lambda item: _rank(item[0]))),
        "documents": _documents(registry, links),
        "links": links,
    }


def _rank(status: str | None) -> int:
    return _ORDER.index(status) if status in _ORDER else len(_ORDER)


def _documents(registry: Registry, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per document: verdict counts over its citations, for the health bars."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in registry.documents}
    problems: Counter[str] = Counter()
    for link in links:
        for citation in link["citations"]:
            counts.setdefault(citation["document"], Counter())[link["status"] or "unchecked"] += 1
            problems[citation["document"]] += link["problem"]
    return [
        {
            "name": name,
            "counts": dict(sorted(c.items(), key=lambda item: _rank(item[0]))),
            "citations": sum(c.values()),
            "problems": problems[name],
        }
        for name, c in sorted(counts.items())
    ]


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _archive(snapshot: Snapshot) -> dict[str, Any]:
    fields = ("url", "timestamp", "citation_date", "citation_date_source", "gap_days", "verified_at", "manual")
    return to_data(snapshot, SNAPSHOT, compact=False, only=fields)


def _lookup(lookup: ArchiveLookup | None) -> dict[str, Any] | None:
    return to_data(lookup, LOOKUP, compact=False, only=("state", "detail", "checked_at")) if lookup else None


def _snapshot_of(url: str) -> dict[str, Any] | None:
    archived = parse_archive_url(url)
    if archived is None:
        return None
    return {"service": archived.service, "original": archived.original, "timestamp": archived.timestamp}


def write_json(report: dict[str, Any], directory: Path) -> Path:
    return write_atomically(directory / "report.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
