"""Two versions of a registry that went separate ways, merged by link: git's merge driver.

`citations.yaml` lives in git, and two branches change it side by side: a scheduled check
commits verdicts while a person commits a re-extraction or a note; two pull requests each
extract their own documents. Line by line, git sees conflicts in nearly every such merge (a
check rewrites the `check:` block of every link). By link, most of them are not conflicts at
all. Given the common ancestor (base) and the two versions (ours, theirs):

* a link, document, source or top-level field changed on one side only takes that side;
* a link's check results (`check`, `history`, `archive`, `archive_lookup`, `drift`) changed on
  both sides are one unit: the later check (its `checked_at`) wins, as it would have had the two
  runs happened one after the other; the same for `last_run`;
* a link's citations are merged document by document (each branch re-extracted its own);
* a link one side removed (no longer cited) and the other only checked stays removed;
* anything else both sides changed differently is a conflict: this side's value is kept and the
  conflict is named, for a person to decide.

Plain data in, plain data out: `merge3` never reads or writes files.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from linkcheck.clock import parse_time
from linkcheck.models import Citation, LastRun, LinkResult
from linkcheck.registry.model import HUMAN_LINK_FIELDS, RESULT_FIELDS, DocumentEntry, LinkEntry, Registry

__all__ = ["Conflict", "Merged", "merge3"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_DOCUMENT_FIELDS = ("format", "date", "detected_date", "detected_date_source", "placeholders")


@dataclass(frozen=True)
class Conflict:
    """Both sides changed `what` (a field) of `where` (a URL, a document, `registry`) differently."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where} ({self.what})"


@dataclass
class Merged:
    registry: Registry
    conflicts: list[Conflict] = field(default_factory=list)


def merge3(base: Registry, ours: Registry, theirs: Registry) -> Merged:
    """`ours` and `theirs`, both descended from `base`, merged (see the module's docstring)."""
    conflicts: list[Conflict] = []

    def pick(where: str, what: str, b: V, o: V, t: V) -> V:
        taken = _one_side(b, o, t)
        if isinstance(taken, _Both):
            conflicts.append(Conflict(where, what))
            return o
        return taken

    merged = Registry(
        sources=_ordered_union(base.sources, ours.sources, theirs.sources),
        no_ignore=pick("registry", "no_ignore", base.no_ignore, ours.no_ignore, theirs.no_ignore),
        last_run=_later_run(base.last_run, ours.last_run, theirs.last_run),
        extra=_mapping("registry", base.extra, ours.extra, theirs.extra, pick),
    )
    for name in _keys(base.documents, ours.documents, theirs.documents):
        document = _document(name, base.documents.get(name), ours.documents.get(name), theirs.documents.get(name), pick)
        if document is not None:
            merged.documents[name] = document
    for url in _keys(base.links, ours.links, theirs.links):
        link = _link(url, base.links.get(url), ours.links.get(url), theirs.links.get(url), pick)
        if link is not None:
            merged.links[url] = link
    return Merged(merged, conflicts)


Pick = Callable[[str, str, Any, Any, Any], Any]


class _Both:
    """Both sides changed a value, differently."""


def _one_side(b: V, o: V, t: V) -> V | _Both:
    """The merged value where at most one side changed it from `b` (or both alike)."""
    if o == t or t == b:
        return o
    if o == b:
        return t
    return _Both()


def _link(url: str, b: LinkEntry | None, o: LinkEntry | None, t: LinkEntry | None, pick: Pick) -> LinkEntry | None:
    if not isinstance(taken := _one_side(b, o, t), _Both):
        return taken
    if o is None or t is None:
        kept = o or t
        assert kept is not None
        if b is not None and _same_but_results(b, kept):
            return None  # no longer cited on one side, only checked on the other: gone
        pick(url, "removed on one side, changed on the other", b, o, t)
        return kept
    base = b or LinkEntry(url=url)
    merged = LinkEntry(url=url)
    for name, value in zip(RESULT_FIELDS, _later_results(base, o, t), strict=True):
        setattr(merged, name, value)
    merged.citations = _citations(url, base.citations, o.citations, t.citations, pick)
    for name in (*HUMAN_LINK_FIELDS, "fixed_to"):
        setattr(merged, name, pick(url, name, getattr(base, name), getattr(o, name), getattr(t, name)))
    merged.extra = _mapping(url, base.extra, o.extra, t.extra, pick)
    return merged


def _same_but_results(a: LinkEntry, b: LinkEntry) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(LinkEntry) if f.name not in RESULT_FIELDS)


def _results(entry: LinkEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in RESULT_FIELDS)


def _later_results(b: LinkEntry, o: LinkEntry, t: LinkEntry) -> tuple[Any, ...]:
    """The check results of one side, whole: the side that changed them, or the later check."""
    base, ours, theirs = _results(b), _results(o), _results(t)
    if not isinstance(taken := _one_side(base, ours, theirs), _Both):
        return taken
    return theirs if _when(t.result) > _when(o.result) else ours


def _when(record: LinkResult | LastRun | None) -> float:
    """A check's time as a number, 0 for none or one unreadable (a tie keeps this side's)."""
    moment = parse_time(record.checked_at) if record is not None else None
    return moment.timestamp() if moment is not None else 0.0


def _later_run(b: LastRun | None, o: LastRun | None, t: LastRun | None) -> LastRun | None:
    if not isinstance(taken := _one_side(b, o, t), _Both):
        return taken
    return t if _when(t) > _when(o) else o


def _citations(url: str, b: list[Citation], o: list[Citation], t: list[Citation], pick: Pick) -> list[Citation]:
    """Citations merged a document at a time: each side's re-extraction of its own documents."""
    if not isinstance(taken := _one_side(b, o, t), _Both):
        return taken

    def by_document(citations: list[Citation]) -> dict[str, list[Citation]]:
        grouped: dict[str, list[Citation]] = {}
        for citation in citations:
            grouped.setdefault(citation.document, []).append(citation)
        return grouped

    base, ours, theirs = by_document(b), by_document(o), by_document(t)
    merged: list[Citation] = []
    for document in _keys(base, ours, theirs):
        merged += pick(
            url, f"citations in {document}", base.get(document, []), ours.get(document, []), theirs.get(document, [])
        )
    return merged


def _document(
    name: str, b: DocumentEntry | None, o: DocumentEntry | None, t: DocumentEntry | None, pick: Pick
) -> DocumentEntry | None:
    if not isinstance(taken := _one_side(b, o, t), _Both):
        return taken
    if o is None or t is None:
        pick(name, "removed on one side, changed on the other", b, o, t)
        return o or t
    base = b or DocumentEntry(name=name)
    merged = DocumentEntry(name=name, extra=_mapping(name, base.extra, o.extra, t.extra, pick))
    for what in _DOCUMENT_FIELDS:
        setattr(merged, what, pick(name, what, getattr(base, what), getattr(o, what), getattr(t, what)))
    return merged


def _mapping(where: str, b: dict[str, Any], o: dict[str, Any], t: dict[str, Any], pick: Pick) -> dict[str, Any]:
    """Fields this tool does not know (kept as people wrote them), merged a key at a time."""
    missing = object()
    merged: dict[str, Any] = {}
    for key in _keys(b, o, t):
        value = pick(where, str(key), b.get(key, missing), o.get(key, missing), t.get(key, missing))
        if value is not missing:
            merged[key] = value
    return merged


def _ordered_union(b: list[str], o: list[str], t: list[str]) -> list[str]:
    """A list both sides may have added to or removed from: every item neither side removed."""
    keys = _keys(dict.fromkeys(b), dict.fromkeys(o), dict.fromkeys(t))
    return [item for item in keys if (item in o and item in t) or item not in b]


def _keys(b: dict[K, Any], o: dict[K, Any], t: dict[K, Any]) -> Iterable[K]:
    """Every key of either side, in order: one side's in its order (ours, unless only theirs
    reordered what the base had), each key only the other side has right after the key it
    follows there (a run of new links stays where it was written). Whether a key one side
    removed stays is the caller's to decide."""

    def order(x: dict[K, Any], y: dict[K, Any]) -> list[K]:
        return [key for key in x if key in y]

    if order(o, b) == order(b, o) and order(t, b) != order(b, t):
        o, t = t, o
    after: dict[K | None, list[K]] = {}
    previous: K | None = None
    for key in t:
        if key in o:
            previous = key
        else:
            after.setdefault(previous, []).append(key)
    yield from after.get(None, [])
    for key in o:
        yield key
        yield from after.get(key, [])
