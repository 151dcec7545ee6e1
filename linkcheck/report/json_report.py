"""`report.json`: the machine-readable report. Its shape is versioned by `schema_version`;
fields are only ever added within a version. Documented in README.md, "report.json"."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linkcheck.archive import parse_archive_url
from linkcheck.models import Snapshot, Verdict
from linkcheck.registry import Registry, effective_dates

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "write_json"]

REPORT_SCHEMA_VERSION = 1


def build_report(registry: Registry, generated_at: str | None = None) -> dict[str, Any]:
    links: list[dict[str, Any]] = []
    for url, entry in registry.links.items():
        result = entry.result
        dates = effective_dates(registry, entry.citations)
        snapshot = entry.archive
        links.append({
            "url": url,
            "status": str(result.status) if result else None,
            "http_status": result.http_status if result else None,
            "final_url": result.final_url if result else None,
            "redirects": list(result.redirects) if result else [],
            "error": result.error if result else None,
            "checked_at": result.checked_at if result else None,
            "accepted": bool(result and entry.accept == result.status),
            "replacement": entry.replacement or (result.final_url if result and result.status is Verdict.MOVED else None),
            "archive": _archive(snapshot) if snapshot else None,
            "archive_lookup": _lookup(entry.archive_lookup),
            "snapshot_of": _snapshot_of(url),
            "citations": [
                {"document": c.document, "line": c.line, "page": c.page, "text": c.text, "date": date}
                for c, (date, _) in zip(entry.citations, dates)
            ],
        })  # fmt: skip
    for name, document in registry.documents.items():
        for placeholder in document.placeholders:
            links.append({
                "url": None, "status": str(Verdict.MISSING_TARGET), "http_status": None, "final_url": None,
                "redirects": [], "error": "the link's target is empty or '#': the cited source was lost",
                "checked_at": None, "accepted": False, "replacement": None, "archive": None,
                "archive_lookup": None, "snapshot_of": None,
                "citations": [{"document": name, "line": placeholder.line, "page": placeholder.page,
                               "text": placeholder.text, "date": document.date or document.detected_date}],
            })  # fmt: skip
    summary = Counter(link["status"] or "unchecked" for link in links)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated_at": generated_at or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "summary": dict(sorted(summary.items())),
        "links": links,
    }


def _archive(snapshot: Snapshot) -> dict[str, Any]:
    return {"url": snapshot.url, "timestamp": snapshot.timestamp, "citation_date": snapshot.citation_date,
            "citation_date_source": snapshot.citation_date_source, "gap_days": snapshot.gap_days,
            "verified_at": snapshot.verified_at, "manual": snapshot.manual}  # fmt: skip


def _lookup(lookup: dict[str, Any] | None) -> dict[str, Any] | None:
    if not lookup:
        return None
    return {"state": lookup.get("state"), "detail": lookup.get("detail"), "checked_at": lookup.get("checked_at")}


def _snapshot_of(url: str) -> dict[str, Any] | None:
    archived = parse_archive_url(url)
    if archived is None:
        return None
    return {"service": archived.service, "original": archived.original, "timestamp": archived.timestamp}


def write_json(registry: Registry, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.json"
    fd, temporary = tempfile.mkstemp(prefix=".report.", suffix=".json", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(build_report(registry), handle, ensure_ascii=False, indent=1)
    os.replace(temporary, path)
    return path
