"""Writing `citations.yaml`: for people as much as for the tool, so that `git diff` shows what changed.

One entry per normalised URL, keyed by it, in order of first citation; the fields a person
writes first, then the citations, then what the tool learnt. Fields this tool does not know are
carried through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from linkcheck.registry.emitter import emit, key_line, scalar
from linkcheck.registry.load import REGISTRY_VERSION
from linkcheck.registry.model import LinkEntry, Registry, effective_dates
from linkcheck.registry.schema import DRIFT, HISTORY, LAST_RUN, LOOKUP, RESULT, SNAPSHOT, to_data
from linkcheck.urls import parse_archive_url

__all__ = ["dump", "dump_pieces", "HEADER"]

HEADER = "# linkcheck registry: every URL the documents cite. Format: README.md, 'The registry'.\n"


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None and v != [] and v != {}}


def _link_lines(registry: Registry, entry: LinkEntry) -> list[str]:
    """The lines under a link's key: the fields a person writes, the citations, what the tool
    learnt. A registry's bulk has a fixed shape, so it is written directly rather than through
    the generic emitter (which stays for a person's fields and unknown ones): 100,000 links a
    second."""
    out: list[str] = []
    if (
        entry.note is not None
        or entry.ignore
        or entry.accept
        or entry.replacement is not None
        or entry.archive_url is not None
        or entry.fixed_to is not None
    ):
        human = {
            "note": entry.note,
            "ignore": entry.ignore or None,
            "accept": entry.accept and str(entry.accept),
            "replacement": entry.replacement,
            "archive_url": entry.archive_url,
            "fixed_to": entry.fixed_to,
        }
        out.append(emit(_compact(human), "    "))
    dates = effective_dates(registry, entry.citations)
    known = [(d, s) for d, s in dates if d]
    if known:
        first, how = min(known)
        out.append(f"    cited:\n      date: {scalar(first)}\n      source: {scalar(how)}\n")
    archived = parse_archive_url(entry.url)
    snapshot_of = archived and (archived.original or archived.service)
    if snapshot_of:
        out.append(f"    snapshot_of: {scalar(snapshot_of)}\n")
    if entry.citations:
        out.append("    citations:\n")
    for citation, (date, source) in zip(entry.citations, dates, strict=True):
        out.append(f"    - document: {scalar(citation.document)}\n")
        if citation.line is not None:
            out.append(f"      line: {citation.line}\n")
        if citation.page is not None:
            out.append(f"      page: {citation.page}\n")
        out.append(f"      text: {scalar(citation.text)}\n")
        if citation.fragment:
            out.append(f"      fragment: {scalar(citation.fragment)}\n")
        if date:
            out.append(f"      date: {scalar(date)}\n      date_source: {scalar(source)}\n")
    for name, fields in _RECORDS:
        record = getattr(entry, name)
        if record is not None:
            _record_rows(record, fields, out)
    if entry.extra:
        out.append(emit(entry.extra, "    "))
    return out


# Each record's key in the registry, the LinkEntry attribute holding it, and its fields'
# (attribute, line prefix, value not written, written anyway, a list of texts).
_RECORDS = tuple(
    (
        attribute,
        (
            f"    {key}:\n",
            tuple((f.name, f"      {f.name}: ", f.default, f.always, f.kind == "texts") for f in fields),
        ),
    )
    for key, attribute, fields in (
        ("check", "result", RESULT),
        ("history", "history", HISTORY),
        ("archive", "archive", SNAPSHOT),
        ("archive_lookup", "archive_lookup", LOOKUP),
        ("drift", "drift", DRIFT),
    )
)


def _record_rows(record: Any, spec: tuple[str, tuple[tuple[str, str, Any, bool, bool], ...]], out: list[str]) -> None:
    """The record's key and fields, as `to_data` gives them to the emitter; nothing when none
    has a value worth writing (as `_compact` leaves out {})."""
    opening, fields = spec
    start = len(out)
    for name, prefix, default, always, texts in fields:
        value = getattr(record, name)
        if not always and (value is None or value == default or value == [] or value == ""):
            continue
        if texts:
            out.append(f"{prefix[:-1]}\n")
            out.extend(f"      - {scalar(str(item))}\n" for item in value)
        else:
            out.append(f"{prefix}{scalar(value)}\n")
    if len(out) > start:
        out.insert(start, opening)


def _documents_data(registry: Registry) -> dict[str, Any]:
    documents = {}
    for name, doc in registry.documents.items():
        missing = [
            _compact({"line": p.line, "page": p.page, "text": p.text, "status": "missing_target"})
            for p in doc.placeholders
        ]
        documents[name] = _compact(
            {
                "format": doc.format,
                "date": doc.date,
                "detected_date": doc.detected_date,
                "detected_date_source": doc.detected_date_source,
                "missing_targets": missing,
                **doc.extra,
            }
        )
    return documents


def dump(registry: Registry) -> str:
    return "".join(dump_pieces(registry))


def dump_pieces(registry: Registry) -> Iterator[str]:
    """The registry's text in pieces (a link's entry each), for writing as they come."""
    head: dict[str, Any] = {"version": REGISTRY_VERSION, "sources": registry.sources}
    if registry.no_ignore:
        head["no_ignore"] = True
    if registry.last_run:
        head["last_run"] = to_data(registry.last_run, LAST_RUN)
    head["documents"] = _documents_data(registry)
    yield HEADER + emit(head) + ("links:\n" if registry.links else "links: {}\n")
    for url, entry in registry.links.items():
        lines = _link_lines(registry, entry)
        if not lines:
            yield key_line(url, "  ").rstrip("\n") + " {}\n"
            continue
        yield key_line(url, "  ") + "".join(lines)
    if registry.extra:
        yield emit(registry.extra)
