"""Reading `citations.yaml`: parse, validate, and say where (file, line, column) anything is wrong.

A registry that cannot be parsed or validated raises RegistryError and is never written over.
"""

from __future__ import annotations

import datetime as dt
import gc
import stat
from pathlib import Path
from typing import Any

import yaml

from linkcheck.dates import parse_date
from linkcheck.errors import RegistryError
from linkcheck.models import (
    ArchiveLookup,
    Citation,
    Drift,
    History,
    LastRun,
    LinkResult,
    LookupState,
    Placeholder,
    Snapshot,
    Verdict,
)
from linkcheck.registry import fastparse
from linkcheck.registry.model import DocumentEntry, LinkEntry, Registry
from linkcheck.registry.schema import DRIFT, HISTORY, LAST_RUN, LOOKUP, RESULT, SNAPSHOT, Field

__all__ = ["load", "parse", "read_text", "REGISTRY_VERSION"]

REGISTRY_VERSION = 1
# `cited` and `snapshot_of` are derived (from the citations, from the URL), written for readers, recomputed on load.
_KNOWN_LINK_FIELDS = frozenset(
    {
        "cited",
        "snapshot_of",
        "citations",
        "check",
        "history",
        "archive",
        "archive_lookup",
        "drift",
        "note",
        "ignore",
        "accept",
        "replacement",
        "archive_url",
        "fixed_to",
    }
)
_KNOWN_DOC_FIELDS = frozenset({"format", "date", "detected_date", "detected_date_source", "missing_targets"})
_KNOWN_TOP_FIELDS = frozenset({"version", "sources", "no_ignore", "documents", "links", "last_run"})


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Located(dict):  # type: ignore[type-arg]
    """A mapping that remembers where each of its values stood in the file."""

    marks: dict[Any, yaml.Mark]
    mark: yaml.Mark


class _LocatedList(list):  # type: ignore[type-arg]
    marks: list[yaml.Mark]
    mark: yaml.Mark


class _Loader(_BaseLoader):  # type: ignore[misc]
    filename = "<registry>"


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    """One value; a scalar that looks like a date or a number but is not one (2021-02-29, a
    5,000-digit integer) is a located error, not a traceback."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise _located_error(loader.filename, node.start_mark, f"cannot read this value: {exc}") from None


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    result = _Located()
    result.mark, result.marks = node.start_mark, {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        try:
            duplicate = key in result
        except TypeError:
            raise _located_error(loader.filename, key_node.start_mark, "a mapping key must be a plain value") from None
        if duplicate:
            raise _located_error(loader.filename, key_node.start_mark, f"duplicate key {key!r}")
        result[key] = _construct(loader, value_node)
        result.marks[key] = value_node.start_mark
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _LocatedList:
    result = _LocatedList(_construct(loader, child) for child in node.value)
    result.mark, result.marks = node.start_mark, [child.start_mark for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _located_error(filename: str, mark: yaml.Mark | None, message: str) -> RegistryError:
    if mark is None:
        return RegistryError(f"{filename}: {message}")
    return RegistryError(f"{filename}:{mark.line + 1}:{mark.column + 1}: {message}")


_VERDICTS = {v.value: v for v in Verdict}
_NO_LINK = object()


class _Reader:
    """Typed access to loaded YAML, turning every surprise into a located RegistryError."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.link: Any = _NO_LINK  # the link being read

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
        if value is None or type(value) is str:
            return value
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

    def lookup_state(self, container: Any, key: Any, where: str) -> LookupState | None:
        value = self.string(container, key, where)
        if value is None:
            return None
        try:
            return LookupState(value)
        except ValueError:
            choices = ", ".join(v.value for v in LookupState)
            raise self.fail(container, key, where, f"unknown state {value!r} (one of: {choices})") from None

    def verdict(self, container: Any, key: Any, where: str) -> Verdict | None:
        value = self.string(container, key, where)
        if value is None:
            return None
        known = _VERDICTS.get(value)  # Verdict(value) costs microseconds; a registry holds 100,000
        if known is not None:
            return known
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


def _refuse_aliases(root: yaml.Node, filename: str) -> None:
    """An alias (`*name`) makes one node appear many times: a few hundred bytes can expand to
    gigabytes when constructed. linkcheck never writes one, so any is refused where it stands,
    before anything is expanded (each node is visited once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            message = "this value is used again through an alias (*name): YAML aliases are not supported in a registry"
            raise _located_error(filename, node.start_mark, message)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# Plain data round-trips through the registry; these YAML-specific types would not.
_FOREIGN_TYPES = {bytes: "!!binary", set: "!!set", tuple: "!!omap or !!pairs"}


def _extra(r: _Reader, mapping: dict[Any, Any], known: frozenset[str], where: str) -> dict[str, Any]:
    """Fields this version does not know, kept as they are; a YAML-specific type among them
    is refused where it stands, rather than rewritten as something else."""
    extra = {}
    for key, value in mapping.items():
        if key in known:
            continue
        foreign = _foreign(value)
        if foreign is not None:
            raise r.fail(mapping, key, f"{where}.{key}", f"holds {foreign}, which linkcheck cannot keep as it is")
        extra[str(key)] = _plain(value)
    return extra


def _foreign(value: Any) -> str | None:
    for kind, tag in _FOREIGN_TYPES.items():
        if isinstance(value, kind):
            return tag
    if isinstance(value, dict):
        return next((t for v in value.values() if (t := _foreign(v)) is not None), None)
    if isinstance(value, list):
        return next((t for v in value if (t := _foreign(v)) is not None), None)
    return None


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


def _read_record(r: _Reader, raw: dict[Any, Any], fields: tuple[Field, ...], where: str) -> dict[str, Any]:
    """The declared fields of one record, each read and checked by its kind (fields that are
    text or whole numbers already are taken as they stand: a registry has millions of them)."""
    values, kinds = _record_shape(fields)
    values = values.copy()
    for name, value in raw.items():
        kind = kinds.get(name)
        if kind is None or value is None:
            continue
        if (kind == "text" and type(value) is str) or (kind == "int" and type(value) is int):
            values[name] = value
            continue
        at = f"{where}.{name}"
        if kind == "verdict":
            value = r.verdict(raw, name, at)
        elif kind == "lookup_state":
            value = r.lookup_state(raw, name, at)
        elif kind == "int":
            value = r.integer(raw, name, at)
        elif kind == "number":
            value = r.number(raw, name, at)
        elif kind == "bool":
            value = r.boolean(raw, name, at)
        elif kind == "texts":
            value = [str(x) for x in r.sequence(raw, name, at)]
        else:
            value = r.string(raw, name, at)
        values[name] = value
    return values


_shapes: dict[int, tuple[tuple[Field, ...], dict[str, Any], dict[str, str]]] = {}


def _record_shape(fields: tuple[Field, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """A record's defaults and each field's kind, by name (the schema's tuples are constants)."""
    shape = _shapes.get(id(fields))
    if shape is None or shape[0] is not fields:
        shape = _shapes[id(fields)] = (fields, {f.name: f.default for f in fields}, {f.name: f.kind for f in fields})
    return shape[1], shape[2]


def _read_result(r: _Reader, raw: dict[Any, Any], where: str) -> LinkResult | None:
    values = _read_record(r, raw, RESULT, where)
    return LinkResult(**values) if values["status"] is not None else None


def _read_snapshot(r: _Reader, raw: dict[Any, Any], where: str) -> Snapshot | None:
    values = _read_record(r, raw, SNAPSHOT, where)
    return Snapshot(**values) if values["url"] else None


def _read_lookup(r: _Reader, raw: dict[Any, Any], where: str) -> ArchiveLookup | None:
    values = _read_record(r, raw, LOOKUP, where)
    return ArchiveLookup(**values) if values["state"] is not None else None


def _read_drift(r: _Reader, raw: dict[Any, Any], where: str) -> Drift | None:
    values = _read_record(r, raw, DRIFT, f"{where}.drift")
    if not values["state"]:
        return None
    if values["state"] not in ("same", "drifted", "unknown"):
        raise r.fail(raw, "state", f"{where}.drift.state", "must be same, drifted or unknown")
    return Drift(**values)


def _read_last_run(r: _Reader, raw: dict[Any, Any], where: str) -> LastRun | None:
    values = _read_record(r, raw, LAST_RUN, where)
    return LastRun(**values) if raw else None


# A link's own scalar fields, read only when present (most links have none of them).
_LINK_SCALARS = (
    ("note", "string"),
    ("ignore", "boolean"),
    ("accept", "verdict"),
    ("replacement", "string"),
    ("archive_url", "string"),
    ("fixed_to", "string"),
)
_LINK_SCALAR_NAMES = frozenset(name for name, _ in _LINK_SCALARS)


def _read_link(r: _Reader, links: dict[Any, Any], url: Any) -> LinkEntry:
    where = f"links[{url!r}]"
    if not isinstance(url, str) or not url.strip():
        raise r.fail(links, url, "links", f"a link's key must be its URL, got {url!r}")
    raw = r.mapping(links, url, where)
    citations = []
    if "citations" in raw:
        citations_raw = r.sequence(raw, "citations", f"{where}.citations")
        for index, item in enumerate(citations_raw):
            item_where = f"{where}.citations[{index}]"
            if not isinstance(item, dict):
                raise r.fail(citations_raw, index, item_where, f"expected a mapping, got {_kind(item)}")
            citations.append(_read_citation(r, item, url, item_where))
    if "history" in raw:
        at = f"{where}.history"
        history = History(**_read_record(r, r.mapping(raw, "history", at), HISTORY, at))
    else:
        history = History()
    entry = LinkEntry(url=url, citations=citations, history=history)
    if not raw.keys().isdisjoint(_LINK_SCALAR_NAMES):
        for name, kind in _LINK_SCALARS:
            if name in raw:
                setattr(entry, name, getattr(r, kind)(raw, name, f"{where}.{name}"))
    if "check" in raw:
        entry.result = _read_result(r, r.mapping(raw, "check", f"{where}.check"), f"{where}.check")
    if "archive" in raw:
        entry.archive = _read_snapshot(r, r.mapping(raw, "archive", f"{where}.archive"), f"{where}.archive")
    if "archive_lookup" in raw:
        entry.archive_lookup = _read_lookup(r, r.mapping(raw, "archive_lookup", f"{where}.archive_lookup"), where)
    if "drift" in raw:
        entry.drift = _read_drift(r, r.mapping(raw, "drift", f"{where}.drift"), where)
    if len(raw) > len(_KNOWN_LINK_FIELDS) or not raw.keys() <= _KNOWN_LINK_FIELDS:
        entry.extra = _extra(r, raw, _KNOWN_LINK_FIELDS, where)
    return entry


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
        extra=_extra(r, raw, _KNOWN_DOC_FIELDS, where),
    )


def parse(text: str, filename: str = "<registry>") -> Registry:
    """Parse and validate registry YAML. Raises RegistryError naming file, line and column.

    A file in the layout linkcheck writes is read by the fast reader (fastparse.py); a link or
    a top-level part outside it (a comment, a value quoted or folded by hand) by PyYAML with
    every value's position kept, on its own, and the rest fast; a file that is not valid YAML,
    or whose parts cannot be read on their own, by PyYAML whole. An error in data read fast is
    located by reading again, with positions, only the part it is in."""
    collecting = gc.isenabled()
    gc.disable()  # the collector would walk millions of new, acyclic objects again and again
    try:
        # Line ends written by Windows (CR LF) are read by YAML as one break, as LF alone is.
        fast_text = text.replace("\r\n", "\n") if "\r" in text else text
        # A byte-order mark at the start (an editor's, on Windows) is not content to YAML.
        fast_text = fast_text[1:] if fast_text.startswith("\ufeff") else fast_text
        try:
            reading = fastparse.read_parts(fast_text, lambda part: _located_data(part, filename, part=True))
        except fastparse.NotYAML as bad:
            # The file's first YAML error is in this part or just after it: read from the part
            # on (after lines that stand for what comes before it), which stops at the error.
            rest = fast_text.split("\n", bad.line)[-1]
            error = _syntax_error("\n" * (bad.line - bad.context.count("\n")) + bad.context + rest, filename)
            if error is not None:
                raise error from None
            reading = None
        if reading is not None:
            reader = _Reader(filename)
            try:
                return _build(reading.data, filename, reader)
            except RegistryError:
                _raise_located(fast_text, filename, reading, reader.link)
        return _build(_located_data(text, filename), filename)
    finally:
        if collecting:
            gc.enable()


def _raise_located(text: str, filename: str, reading: fastparse.Reading, link: Any) -> None:
    """Raise the located error of the part of `text` where reading `reading.data` failed (in
    `link`, or outside the links): that part read again with positions, the lines around it
    left blank so that its line numbers stay. Returns if the part alone does not fail (then
    the whole file is read again)."""
    lines = text.split("\n")
    links = reading.data.get("links") or {}
    if link is not _NO_LINK and link in links:
        index = list(links).index(link)
        first = reading.link_lines[index]
        end = reading.link_lines[index + 1] if index + 1 < len(reading.link_lines) else reading.links_end
        part = "\n" * (first - 1) + "links:\n" + "\n".join(lines[first:end]) + "\n"
    else:
        start, end = reading.links_start, reading.links_end
        part = "\n".join(lines[:start] + [""] * (end - start) + lines[end:])
    _build(_located_data(part, filename), filename)


def _syntax_error(text: str, filename: str) -> RegistryError | None:
    """The first scanner's or parser's error in `text`, located; None if there is none (only
    the nodes are made, up to the error: no values, no other kind of error)."""
    loader = _Loader(text)
    try:
        loader.get_single_node()
    except (yaml.scanner.ScannerError, yaml.parser.ParserError) as exc:
        if exc.problem_mark is not None:
            return _located_error(filename, exc.problem_mark, f"not valid YAML: {exc.problem or exc.context}")
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return None


def _located_data(text: str, filename: str, part: bool = False) -> Any:
    """The data in `text`, every mapping and list knowing where its values stand. `part`: the
    text is a part of the file, and a scanner's or parser's error is NotYAML."""
    loader = _Loader(text)
    loader.filename = filename
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_aliases(node, filename)
        return loader.construct_document(node) if node is not None else None
    except RegistryError:
        raise
    except yaml.MarkedYAMLError as exc:
        if (
            part
            and exc.problem_mark is not None
            and isinstance(exc, (yaml.scanner.ScannerError, yaml.parser.ParserError))
        ):
            raise fastparse.NotYAML from None
        mark = exc.problem_mark or exc.context_mark
        raise _located_error(filename, mark, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{filename}: not valid YAML: {exc}") from None
    except RecursionError:
        raise RegistryError(f"{filename}: nested too deeply to be a registry") from None
    finally:
        loader.dispose()


def _build(data: Any, filename: str, r: _Reader | None = None) -> Registry:
    """The registry in parsed YAML data, every field checked."""
    if data is None:
        return Registry()
    r = r or _Reader(filename)
    if not isinstance(data, dict):
        raise _located_error(filename, getattr(data, "mark", None), f"expected a mapping at the top, got {_kind(data)}")
    version = r.integer(data, "version", "version")
    if version is not None and version > REGISTRY_VERSION:
        raise r.fail(data, "version", "version", f"written by a newer linkcheck (version {version})")
    sources = [str(s) for s in r.sequence(data, "sources", "sources")]
    no_ignore = r.boolean(data, "no_ignore", "no_ignore")
    documents_raw = r.mapping(data, "documents", "documents")
    links_raw = r.mapping(data, "links", "links")
    last_run = _read_last_run(r, r.mapping(data, "last_run", "last_run"), "last_run")
    documents = {str(name): _read_document(r, documents_raw, name) for name in documents_raw}
    links = {}
    for url in links_raw:
        r.link = url  # where an error was, for locating it (parse)
        links[url] = _read_link(r, links_raw, url)
    r.link = _NO_LINK
    return Registry(
        sources=sources,
        no_ignore=no_ignore,
        documents=documents,
        links=links,
        last_run=last_run,
        extra=_extra(r, data, _KNOWN_TOP_FIELDS, "registry"),
    )


def load(path: Path) -> Registry:
    """Load the registry at `path`; a file that does not exist yet is an empty registry."""
    return load_with_text(path)[0]


def load_with_text(path: Path) -> tuple[Registry, str | None]:
    """The registry and the text it was read from (None: no file yet), for a run that will
    save into it and wants to know whether someone edited it meanwhile (rebase.py)."""
    text = read_text(path)
    return (Registry(), None) if text is None else (parse(text, str(path)), text)


def read_text(path: Path) -> str | None:
    """The registry file's text (None: no file yet); RegistryError if it cannot be read, is
    not UTF-8, or is not a regular file (a link to /dev/zero would be read forever)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise RegistryError(f"{path}: not a regular file")
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
