"""Folding a fresh extraction into the registry, keeping everything the registry knew."""

from __future__ import annotations

from dataclasses import dataclass, field

from linkcheck.clock import stamp
from linkcheck.dates import today
from linkcheck.extract import Collection
from linkcheck.models import Citation, History, LinkResult, Reason, Verdict
from linkcheck.registry.model import DocumentEntry, LinkEntry, Registry
from linkcheck.urls import unprintable_error

__all__ = ["MergeSummary", "merge"]


@dataclass
class MergeSummary:
    documents: int
    urls: int
    citations: int
    placeholders: int
    added: list[str]
    removed: list[str]
    invalid: list[str] = field(default_factory=list)  # new URLs that cannot be requested as written


def merge(registry: Registry, collection: Collection, sources: list[str] | None = None) -> MergeSummary:
    """Replace the registry's citations with a fresh extraction, keeping everything else.

    Per-URL state (human fields, check results, history, archive) stays with its URL; a URL no
    longer cited anywhere is dropped and reported in `removed`.
    """
    cited: dict[str, list[Citation]] = {}
    for extraction in collection.documents:
        for citation in extraction.citations:
            cited.setdefault(citation.url, []).append(citation)
    old_links = registry.links
    links: dict[str, LinkEntry] = {}
    first_seen = today()
    for url, citations in cited.items():
        entry = old_links.get(url)
        if entry is None:
            entry = LinkEntry(url=url, history=History(first_seen=first_seen))
            if (error := unprintable_error(url)) is not None:
                # Known at extraction: no check will ever request it as written.
                entry.result = LinkResult(Verdict.INVALID, stamp(), error=error, reason=Reason.MALFORMED_URL)
        entry.citations = citations
        links[url] = entry
    documents: dict[str, DocumentEntry] = {}
    for extraction in collection.documents:
        old = registry.documents.get(extraction.document)
        documents[extraction.document] = DocumentEntry(
            name=extraction.document,
            format=extraction.format,
            date=old.date if old else None,
            detected_date=extraction.date,
            detected_date_source=extraction.date_source,
            placeholders=list(extraction.placeholders),
            extra=old.extra if old else {},
        )
    added = [url for url in links if url not in old_links]
    invalid = [url for url in added if links[url].result is not None]
    for url, entry in old_links.items():
        if url not in links and entry.fixed_to:
            # Cited no more because `fix` replaced it: kept (notes, history) as the record of
            # what the snapshot it points to replaced.
            entry.citations = []
            links[url] = entry
    removed = [url for url in old_links if url not in links]
    registry.links = links
    registry.documents = documents
    if sources is not None:
        registry.sources = sources
    return MergeSummary(
        documents=len(documents),
        urls=len(links),
        citations=registry.citation_count,
        placeholders=registry.placeholder_count,
        added=added,
        removed=removed,
        invalid=invalid,
    )
