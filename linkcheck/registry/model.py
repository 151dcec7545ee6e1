"""The registry as plain data: one `LinkEntry` per cited URL, one `DocumentEntry` per document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linkcheck.models import (
    PROBLEM_VERDICTS,
    ArchiveLookup,
    Citation,
    Drift,
    History,
    LastRun,
    LinkResult,
    Placeholder,
    Snapshot,
    Verdict,
)

__all__ = ["DocumentEntry", "LinkEntry", "Registry", "effective_dates", "HUMAN_LINK_FIELDS", "RESULT_FIELDS"]

# Fields a person writes; carried through every run unchanged.
HUMAN_LINK_FIELDS = ("note", "ignore", "accept", "replacement", "archive_url")
# What a check (and the archive and drift stages after it) learns about a link: the fields a
# shard's results carry, and the unit in which two versions of the registry are merged.
RESULT_FIELDS = ("result", "history", "archive", "archive_lookup", "drift")


@dataclass
class LinkEntry:
    """Everything known about one cited URL."""

    url: str
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None
    ignore: bool = False
    accept: Verdict | None = None
    replacement: str | None = None
    archive_url: str | None = None
    fixed_to: str | None = None  # `fix` replaced this URL in the documents by this one
    result: LinkResult | None = None
    history: History = field(default_factory=History)
    archive: Snapshot | None = None
    archive_lookup: ArchiveLookup | None = None
    drift: Drift | None = None  # content drift of a link that answers (drift_stage.py)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def retired(self) -> bool:
        """`fix` replaced it in every document: kept for its note and history, cited no more."""
        return bool(self.fixed_to) and not self.citations

    @property
    def is_problem(self) -> bool:
        """The link's verdict needs action and was not accepted by a person."""
        result = self.result
        return result is not None and result.status in PROBLEM_VERDICTS and self.accept != result.status

    @property
    def is_new_problem(self) -> bool:
        """A problem now that was not one at the previous check (or the first check found it)."""
        previous = self.history.previous_status
        return self.is_problem and (previous is None or previous not in PROBLEM_VERDICTS)


@dataclass
class DocumentEntry:
    """A cited-from document: its dates and its citations whose target was lost."""

    name: str
    format: str | None = None
    date: str | None = None  # set by a person; wins over the detected date
    detected_date: str | None = None
    detected_date_source: str | None = None
    placeholders: list[Placeholder] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Registry:
    sources: list[str] = field(default_factory=list)
    # The sources were extracted with --no-ignore: later readings of them (an `extract` with
    # no PATH, `fix`) read what .gitignore and .ignore rules exclude too, and so keep its links.
    no_ignore: bool = False
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    links: dict[str, LinkEntry] = field(default_factory=dict)
    last_run: LastRun | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def citation_count(self) -> int:
        return sum(len(entry.citations) for entry in self.links.values())

    @property
    def placeholder_count(self) -> int:
        return sum(len(doc.placeholders) for doc in self.documents.values())


def effective_dates(registry: Registry, citations: list[Citation]) -> list[tuple[str | None, str | None]]:
    """Each citation's date and its source: a date beside the URL, else the document's."""
    out: list[tuple[str | None, str | None]] = []
    for citation in citations:
        if citation.date:
            out.append((citation.date, citation.date_source or "accessed"))
            continue
        document = registry.documents.get(citation.document)
        if document and document.date:
            out.append((document.date, "registry"))
        elif document and document.detected_date:
            out.append((document.detected_date, document.detected_date_source))
        else:
            out.append((None, None))
    return out
