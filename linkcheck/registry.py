"""The registry, `citations.yaml`: load, validate, merge an extraction into, and save.

The file is for people as much as for the tool: one entry per normalised URL, keyed by it,
in order of first citation, so that `git diff` shows what changed. Fields a person writes
(`note`, `ignore`, `accept`, `replacement`, `archive_url`, a document's `date`) and fields
this tool does not know are carried through every run unchanged.

Safety: a registry that cannot be parsed or validated raises RegistryError with file, line and
column and is never written over; writes go to a temporary file that is fsynced and renamed
over the old one, so a crash leaves the old file or the new one, never a mixture; and
load-modify-save happens under an exclusive lock file so that two runs never interleave.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from linkcheck.dates import parse_date, today
from linkcheck.errors import LockTimeout, RegistryError
from linkcheck.extract import Collection
from linkcheck.models import Citation, History, LinkResult, Placeholder, Snapshot, Verdict
from linkcheck.urls import parse_archive_url
from linkcheck.yaml_emitter import emit, key_line, scalar

__all__ = [
    "Registry",
    "LinkEntry",
    "DocumentEntry",
    "MergeSummary",
    "load",
    "parse",
    "dump",
    "save",
    "merge",
    "locked",
    "effective_dates",
    "REGISTRY_VERSION",
]

REGISTRY_VERSION = 1
HEADER = "# linkcheck registry: every URL the documents cite. Format: README.md, 'The registry'.\n"
HUMAN_LINK_FIELDS = ("note", "ignore", "accept", "replacement", "archive_url")
# `cited` and `snapshot_of` are derived (from the citations, from the URL), written for readers, recomputed on load.
_KNOWN_LINK_FIELDS = frozenset(
    {"cited", "snapshot_of", "citations", "check", "history", "archive", "archive_lookup", *HUMAN_LINK_FIELDS}
)
_KNOWN_DOC_FIELDS = frozenset({"format", "date", "detected_date", "detected_date_source", "missing_targets"})
_KNOWN_TOP_FIELDS = frozenset({"version", "sources", "documents", "links", "last_run"})


@dataclass
class LinkEntry:
    """Everything known about one cited URL."""

    url: str
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None
    ignore: bool = False
    accept: str | None = None
    replacement: str | None = None
    archive_url: str | None = None
    result: LinkResult | None = None
    history: History = field(default_factory=History)
    archive: Snapshot | None = None
    archive_lookup: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    links: dict[str, LinkEntry] = field(default_factory=dict)
    last_run: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def citation_count(self) -> int:
        return sum(len(entry.citations) for entry in self.links.values())

    @property
    def placeholder_count(self) -> int:
        return sum(len(doc.placeholders) for doc in self.documents.values())


# --------------------------------------------------------------------------- loading

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Located(dict):  # type: ignore[type-arg]
    """A mapping that remembers where each of its values stood in the file."""

    marks: dict[Any, yaml.Mark]
    mark: yaml.Mark


class _LocatedList(list):  # type: ignore[type-arg]
    marks: list[yaml.Mark]
    mark: yaml.Mark


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    filename = "<registry>"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    result = _Located()
    result.mark, result.marks = node.start_mark, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise _located_error(loader.filename, key_node.start_mark, "a mapping key must be a plain value") from None
        if duplicate:
            raise _located_error(loader.filename, key_node.start_mark, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.marks[key] = value_node.start_mark
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _LocatedList:
    result = _LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.mark, result.marks = node.start_mark, [child.start_mark for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _located_error(filename: str, mark: yaml.Mark | None, message: str) -> RegistryError:
    if mark is None:
        return RegistryError(f"{filename}: {message}")
    return RegistryError(f"{filename}:{mark.line + 1}:{mark.column + 1}: {message}")


class _Reader:
    """Typed access to loaded YAML, turning every surprise into a located RegistryError."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, container: Any, key: Any, where: str, message: str) -> RegistryError:
        mark = None
        marks = getattr(container, "marks", None)
        if isinstance(marks, dict):
            mark = marks.get(key)
        elif isinstance(marks, list) and isinstance(key, int) and key < len(marks):
            mark = marks[key]
        mark = mark or getattr(container, "mark", None)
        return _located_error(self.filename, mark, f"{where}: {message}")

    def mapping(self, container: Any, key: Any, where: str, *, required: bool = False) -> dict[Any, Any]:
        value = container.get(key) if isinstance(container, dict) else container[key]
        if value is None:
            if required:
                raise self.fail(container, key, where, "is missing")
            return _Located()
        if not isinstance(value, dict):
            raise self.fail(container, key, where, f"expected a mapping, got {_kind(value)}")
        return value

    def sequence(self, container: Any, key: Any, where: str) -> list[Any]:
        value = container.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(container, key, where, f"expected a list, got {_kind(value)}")
        return value

    def string(self, container: Any, key: Any, where: str) -> str | None:
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise self.fail(container, key, where, f"expected text, got {_kind(value)}")
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return str(value)

    def integer(self, container: Any, key: Any, where: str) -> int | None:
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(container, key, where, f"expected a whole number, got {_kind(value)}")
        return value

    def number(self, container: Any, key: Any, where: str) -> float | None:
        value = container.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(container, key, where, f"expected a number, got {_kind(value)}")
        return float(value)

    def boolean(self, container: Any, key: Any, where: str) -> bool:
        value = container.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(container, key, where, f"expected true or false, got {_kind(value)}")
        return value

    def date(self, container: Any, key: Any, where: str) -> str | None:
        value = container.get(key)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise self.fail(container, key, where, f"expected a date such as 2020-03-31, got {value!r}")
        return parsed

    def verdict(self, container: Any, key: Any, where: str) -> Verdict | None:
        value = self.string(container, key, where)
        if value is None:
            return None
        try:
            return Verdict(value)
        except ValueError:
            choices = ", ".join(v.value for v in Verdict)
            raise self.fail(container, key, where, f"unknown status {value!r} (one of: {choices})") from None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    return f"{value!r}"


def _extra(mapping: dict[Any, Any], known: frozenset[str]) -> dict[str, Any]:
    return {str(k): _plain(v) for k, v in mapping.items() if k not in known}


def _plain(value: Any) -> Any:
    """Strip location bookkeeping so that unknown fields dump as ordinary YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_citation(r: _Reader, raw: Any, url: str, where: str) -> Citation:
    document = r.string(raw, "document", where)
    if not document:
        raise r.fail(raw, "document", f"{where}.document", "is missing")
    fragment = r.string(raw, "fragment", where)
    source = r.string(raw, "date_source", where)
    own_date = r.date(raw, "date", where) if source == "accessed" else None
    return Citation(
        url=url,
        document=document,
        line=r.integer(raw, "line", where),
        page=r.integer(raw, "page", where),
        text=r.string(raw, "text", where) or "",
        fragment=fragment,
        date=own_date,
        date_source="accessed" if own_date else None,
    )


def _read_result(r: _Reader, raw: dict[Any, Any], where: str) -> LinkResult | None:
    status = r.verdict(raw, "status", f"{where}.status")
    if status is None:
        return None
    redirects = [str(x) for x in r.sequence(raw, "redirects", f"{where}.redirects")]
    return LinkResult(
        status=status,
        checked_at=r.string(raw, "checked_at", where) or "",
        http_status=r.integer(raw, "http_status", f"{where}.http_status"),
        final_url=r.string(raw, "final_url", where),
        redirects=redirects,
        error=r.string(raw, "error", where),
        elapsed=r.number(raw, "elapsed", f"{where}.elapsed"),
    )


def _read_snapshot(r: _Reader, raw: dict[Any, Any], where: str) -> Snapshot | None:
    url = r.string(raw, "url", where)
    if not url:
        return None
    return Snapshot(
        url=url,
        timestamp=r.string(raw, "timestamp", where) or "",
        original=r.string(raw, "original", where),
        citation_date=r.string(raw, "citation_date", where),
        citation_date_source=r.string(raw, "citation_date_source", where),
        gap_days=r.integer(raw, "gap_days", f"{where}.gap_days"),
        verified_at=r.string(raw, "verified_at", where),
        manual=r.boolean(raw, "manual", f"{where}.manual"),
    )


def _read_link(r: _Reader, links: dict[Any, Any], url: Any) -> LinkEntry:
    where = f"links[{url!r}]"
    if not isinstance(url, str) or not url.strip():
        raise r.fail(links, url, "links", f"a link's key must be its URL, got {url!r}")
    raw = r.mapping(links, url, where)
    citations_raw = r.sequence(raw, "citations", f"{where}.citations")
    citations = []
    for index, item in enumerate(citations_raw):
        item_where = f"{where}.citations[{index}]"
        if not isinstance(item, dict):
            raise r.fail(citations_raw, index, item_where, f"expected a mapping, got {_kind(item)}")
        citations.append(_read_citation(r, item, url, item_where))
    history_raw = r.mapping(raw, "history", f"{where}.history")
    lookup = r.mapping(raw, "archive_lookup", f"{where}.archive_lookup")
    return LinkEntry(
        url=url,
        citations=citations,
        note=r.string(raw, "note", f"{where}.note"),
        ignore=r.boolean(raw, "ignore", f"{where}.ignore"),
        accept=r.verdict(raw, "accept", f"{where}.accept"),
        replacement=r.string(raw, "replacement", f"{where}.replacement"),
        archive_url=r.string(raw, "archive_url", f"{where}.archive_url"),
        result=_read_result(r, r.mapping(raw, "check", f"{where}.check"), f"{where}.check"),
        history=History(
            first_seen=r.string(history_raw, "first_seen", where),
            last_ok=r.string(history_raw, "last_ok", where),
            first_failure=r.string(history_raw, "first_failure", where),
            consecutive_failures=r.integer(history_raw, "consecutive_failures", f"{where}.history") or 0,
            previous_status=r.string(history_raw, "previous_status", where),
        ),
        archive=_read_snapshot(r, r.mapping(raw, "archive", f"{where}.archive"), f"{where}.archive"),
        archive_lookup=_plain(lookup) or None,
        extra=_extra(raw, _KNOWN_LINK_FIELDS),
    )


def _read_document(r: _Reader, documents: dict[Any, Any], name: Any) -> DocumentEntry:
    where = f"documents[{name!r}]"
    if not isinstance(name, str):
        raise r.fail(documents, name, "documents", f"a document's key must be its path, got {name!r}")
    raw = r.mapping(documents, name, where)
    placeholders = []
    items = r.sequence(raw, "missing_targets", f"{where}.missing_targets")
    for index, item in enumerate(items):
        item_where = f"{where}.missing_targets[{index}]"
        if not isinstance(item, dict):
            raise r.fail(items, index, item_where, f"expected a mapping, got {_kind(item)}")
        placeholders.append(
            Placeholder(
                name,
                r.integer(item, "line", item_where),
                r.string(item, "text", item_where) or "",
                page=r.integer(item, "page", item_where),
            )
        )
    return DocumentEntry(
        name=name,
        format=r.string(raw, "format", where),
        date=r.date(raw, "date", f"{where}.date"),
        detected_date=r.date(raw, "detected_date", f"{where}.detected_date"),
        detected_date_source=r.string(raw, "detected_date_source", where),
        placeholders=placeholders,
        extra=_extra(raw, _KNOWN_DOC_FIELDS),
    )


def parse(text: str, filename: str = "<registry>") -> Registry:
    """Parse and validate registry YAML. Raises RegistryError naming file, line and column."""
    loader = _Loader(text)
    loader.filename = filename
    try:
        data = loader.get_single_data()
    except RegistryError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _located_error(filename, mark, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{filename}: not valid YAML: {exc}") from None
    except RecursionError:
        raise RegistryError(f"{filename}: nested too deeply to be a registry") from None
    finally:
        loader.dispose()
    if data is None:
        return Registry()
    r = _Reader(filename)
    if not isinstance(data, dict):
        raise _located_error(filename, getattr(data, "mark", None), f"expected a mapping at the top, got {_kind(data)}")
    version = r.integer(data, "version", "version")
    if version is not None and version > REGISTRY_VERSION:
        raise r.fail(data, "version", "version", f"written by a newer linkcheck (version {version})")
    sources = [str(s) for s in r.sequence(data, "sources", "sources")]
    documents_raw = r.mapping(data, "documents", "documents")
    links_raw = r.mapping(data, "links", "links")
    last_run = r.mapping(data, "last_run", "last_run")
    return Registry(
        sources=sources,
        documents={str(name): _read_document(r, documents_raw, name) for name in documents_raw},
        links={url: _read_link(r, links_raw, url) for url in links_raw},
        last_run=_plain(last_run) or None,
        extra=_extra(data, _KNOWN_TOP_FIELDS),
    )


def load(path: Path) -> Registry:
    """Load the registry at `path`; a file that does not exist yet is an empty registry."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Registry()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse(text, str(path))


# --------------------------------------------------------------------------- saving


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


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None and v != [] and v != {}}


def _link_fields(registry: Registry, entry: LinkEntry) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(fields before the citations, fields after them, the citation rows as YAML lines).

    Citation rows are the bulk of a registry and have a fixed shape, so they are written
    directly rather than through the generic emitter (a third of the time on 100,000 rows).
    """
    dates = effective_dates(registry, entry.citations)
    rows: list[str] = []
    for citation, (date, source) in zip(entry.citations, dates, strict=True):
        rows.append(f"    - document: {scalar(citation.document)}\n")
        if citation.line is not None:
            rows.append(f"      line: {citation.line}\n")
        if citation.page is not None:
            rows.append(f"      page: {citation.page}\n")
        rows.append(f"      text: {scalar(citation.text)}\n")
        if citation.fragment:
            rows.append(f"      fragment: {scalar(citation.fragment)}\n")
        if date:
            rows.append(f"      date: {scalar(date)}\n      date_source: {scalar(source)}\n")
    known = [(d, s) for d, s in dates if d]
    cited = dict(zip(("date", "source"), min(known), strict=True)) if known else None
    result = entry.result
    check = None
    if result is not None:
        check = _compact(
            {
                "status": str(result.status),
                "http_status": result.http_status,
                "final_url": result.final_url,
                "redirects": result.redirects,
                "error": result.error,
                "elapsed": result.elapsed,
                "checked_at": result.checked_at,
            }
        )
    history = _compact(
        {
            "first_seen": entry.history.first_seen,
            "last_ok": entry.history.last_ok,
            "first_failure": entry.history.first_failure,
            "consecutive_failures": entry.history.consecutive_failures or None,
            "previous_status": entry.history.previous_status,
        }
    )
    archive = None
    if entry.archive is not None:
        snap = entry.archive
        archive = _compact(
            {
                "url": snap.url,
                "timestamp": snap.timestamp,
                "original": snap.original,
                "citation_date": snap.citation_date,
                "citation_date_source": snap.citation_date_source,
                "gap_days": snap.gap_days,
                "verified_at": snap.verified_at,
                "manual": snap.manual or None,
            }
        )
    archived = parse_archive_url(entry.url)
    snapshot_of = archived and (archived.original or archived.service)
    before = _compact(
        {
            "note": entry.note,
            "ignore": entry.ignore or None,
            "accept": entry.accept and str(entry.accept),
            "replacement": entry.replacement,
            "archive_url": entry.archive_url,
            "cited": cited,
            "snapshot_of": snapshot_of,
        }
    )
    after = _compact({"check": check, "history": history, "archive": archive, "archive_lookup": entry.archive_lookup})
    after.update(entry.extra)
    return before, after, rows


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
    head: dict[str, Any] = {"version": REGISTRY_VERSION, "sources": registry.sources}
    if registry.last_run:
        head["last_run"] = registry.last_run
    head["documents"] = _documents_data(registry)
    out = [HEADER, emit(head)]
    if not registry.links:
        out.append("links: {}\n")
    else:
        out.append("links:\n")
    for url, entry in registry.links.items():
        before, after, rows = _link_fields(registry, entry)
        out.append(key_line(url, "  "))
        if not (before or rows or after):
            out[-1] = out[-1].rstrip("\n") + " {}\n"
            continue
        out.append(emit(before, "    "))
        if rows:
            out.append("    citations:\n")
            out.extend(rows)
        out.append(emit(after, "    "))
    if registry.extra:
        out.append(emit(registry.extra))
    return "".join(out)


def save(registry: Registry, path: Path) -> None:
    """Write atomically: a temporary file beside `path`, fsynced, then renamed over it."""
    text = dump(registry)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    # Temporary files of writers that were killed mid-write (we hold the lock: no one else writes).
    for stale in directory.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


@contextlib.contextmanager
def locked(path: Path, timeout: float = -1, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the registry's lock file (`<registry>.lock`) for a whole load-modify-save cycle.

    `timeout` < 0 waits forever; when the lock is busy, `notify` is told once that we wait.
    """
    import filelock

    lock = filelock.FileLock(f"{path}.lock")
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if notify is not None:
            wait = "until it finishes" if timeout < 0 else f"up to {timeout:g} s"
            notify(f"{path} is locked by another linkcheck run; waiting {wait}")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise LockTimeout(f"{path}: still locked by another linkcheck run after {timeout:g} s") from None
    try:
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------- merging


@dataclass
class MergeSummary:
    documents: int
    urls: int
    citations: int
    placeholders: int
    added: list[str]
    removed: list[str]


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
        entry = old_links.get(url) or LinkEntry(url=url, history=History(first_seen=first_seen))
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
    )
