"""A fast reader for the block layout `dump` writes, for registries of 100,000 URLs.

PyYAML composes a node for every value and constructs it in Python: 25-40 s for a registry of
100,000 links. The registry's own layout is a small part of YAML (block mappings and sequences
indented by two, one scalar per line, plain or double-quoted), so this reads it directly and
gives exactly the data PyYAML would give: scalars that might be typed (numbers, booleans,
dates) are resolved by PyYAML itself. The `links:` section, the bulk, is read a line at a time
(`links`); the rest, and fields the registry does not know, with a regular expression per
entry (`_block`).

Anything outside that layout (a comment, a flow collection, an anchor, a tag, a multi-line
or single-quoted scalar, other indentation, a duplicate key, a control character) makes `read`
return None. `read_parts`, which `load.parse` uses, instead hands just the part it is in —
one link, or the top-level keys before or after `links:` — to the located loader and reads on
fast after it, so a registry a person has edited here and there loads as fast as one linkcheck
wrote; a part that cannot be read alone (a line that ends the document, a construct that runs
into the next link, any error) sends the whole file to the located loader, which reports every
error with its line and column. `tests/test_fastparse.py` holds both to PyYAML on generated
registries, on mutated ones and on ones with hand-written YAML inserted.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["NotYAML", "Reading", "Slow", "links", "read", "read_parts"]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters this reader leaves to PyYAML: what YAML forbids raw, tabs, carriage returns, the
# BOM, and the characters YAML 1.1 reads as line breaks (NEL, LS, PS). The emitter escapes all.
_UNUSUAL = "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"


@functools.cache
def _unusual_re() -> re.Pattern[str]:
    """Compiled when first needed (a text that is not ASCII): 5 ms, a check's start-up spared."""
    return re.compile(_UNUSUAL)


# A plain scalar as the emitter writes it: no indicator first, no ": " or " #" inside, nothing
# after the last word (trailing blanks are allowed on the line and are not part of the value).
_PLAIN = r"""(?:[^\s\-?:,\[\]{}#&*!|>'"%@`]|-(?=\S))(?:[^\s:#]++|:(?=\S)|(?<=\S)#|[ ]++(?=[^\s#:]))*+"""
_QUOTED = r'"(?:[^"\\\n]++|\\[^\n])*+"'
_SCALAR = rf"(?:{_PLAIN}|{_QUOTED}|\{{\}}|\[\])"
_KEY = rf"(?:{_PLAIN}|{_QUOTED})"
_ENTRY_HEAD_RE = re.compile(rf"({_KEY}):(?:[ \t]+({_SCALAR}))?[ \t]*\Z")
_SCALAR_RE = re.compile(rf"({_SCALAR})[ \t]*\Z")
_MAX_KEY = 1000  # PyYAML refuses an implicit key longer than 1024 characters
# First characters of the plain scalars YAML 1.1 may read as something other than text
# (bool, null, int, float, timestamp, merge, value); any other plain scalar is text.
_MAYBE_TYPED = frozenset("yYnNtTfFoO~-+0123456789.<=")
_FLOAT_RE = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


class _Stray(Exception):
    """The text leaves the registry's layout: the located loader reads it."""


@functools.lru_cache(maxsize=8)
def _entry_re(indent: int) -> re.Pattern[str]:
    """One mapping entry at `indent`: key, inline value, and the lines of its block."""
    return re.compile(
        rf" {{{indent}}}({_KEY}):(?:[ \t]+({_SCALAR}))?[ \t]*\n((?: {{{indent + 1}}}.*\n| {{{indent}}}-(?: .*)?\n)*)"
    )


@functools.lru_cache(maxsize=8)
def _leaf_re(indent: int) -> re.Pattern[str]:
    """A whole line `key: value` at `indent`."""
    return re.compile(rf"^ {{{indent}}}({_KEY}):[ \t]+({_SCALAR})[ \t]*$", re.M)


@functools.lru_cache(maxsize=8)
def _item_re(indent: int) -> re.Pattern[str]:
    """One sequence item at `indent`: its first line and the lines under it."""
    return re.compile(rf" {{{indent}}}-(?:[ \t]+(.*))?\n((?: {{{indent + 2}}}.*\n)*)")


_typed: dict[str, Any] = {}
_PLAIN_TYPES = (str, int, float, bool, type(None), dt.date, dt.datetime)


def _typed_scalar(token: str) -> Any:
    """What PyYAML makes of a plain scalar that might not be text (cached: these repeat)."""
    if token in _typed:
        return _typed[token]
    if token[0] in "<=":  # merge keys and the value tag change a mapping's meaning
        raise _Stray
    try:
        value = yaml.load(token, Loader=_BaseLoader)
    except (yaml.YAMLError, ValueError, OverflowError):
        raise _Stray from None
    if type(value) not in _PLAIN_TYPES:
        raise _Stray
    if len(token) < 40 and len(_typed) < 10_000:
        _typed[token] = value
    return value


def _scalar(token: str) -> Any:
    """A token the scalar expression matched, as PyYAML reads it."""
    first = token[0]
    if first == '"':
        if "\\" not in token:
            return token[1:-1]
        try:
            return yaml.load(token, Loader=_BaseLoader)
        except yaml.YAMLError:
            raise _Stray from None
    if token == "{}":
        return {}
    if token == "[]":
        return []
    if first not in _MAYBE_TYPED:
        return token
    if first in "0123456789":
        if _small_int(token):
            return int(token)
        if _FLOAT_RE.fullmatch(token):
            return float(token)
    return _typed_scalar(token)


def _small_int(token: str) -> bool:
    """A decimal whole number YAML 1.1 and Python read alike (a leading 0 is octal in YAML 1.1;
    very long ones go to PyYAML, which reports what Python refuses)."""
    return token.isdigit() and token.isascii() and (token[0] != "0" or len(token) == 1) and len(token) < 19


def _key(token: str) -> Any:
    if len(token) > _MAX_KEY:
        raise _Stray
    return _scalar(token)


def _block(text: str) -> Any:
    """The mapping or sequence whose lines are `text` (each ending in a newline)."""
    indent = len(text) - len(text.lstrip(" "))
    if text.startswith("-", indent):
        return _sequence(text, indent)
    return _mapping(text, indent)


def _mapping(text: str, indent: int) -> dict[Any, Any]:
    nested = " " * indent
    if f"\n{nested} " not in text and f"\n{nested}-" not in text:  # no line opens a block
        leaf = _leaf_re(indent).findall(text)
        if len(leaf) != text.count("\n"):
            raise _Stray
        result = {_key(k): _scalar(v) for k, v in leaf}
        if len(result) != len(leaf):
            raise _Stray  # a duplicate key: the located loader says where
        return result
    entry = _entry_re(indent).match
    result = {}
    position, end = 0, len(text)
    while position < end:
        match = entry(text, position)
        if match is None:
            raise _Stray
        key_token, value, child = match.groups()
        position = match.end()
        key = _key(key_token)
        if key in result:
            raise _Stray
        if value is not None:
            if child:
                raise _Stray
            result[key] = _scalar(value)
        else:
            result[key] = _block(child) if child else None
    return result


def _sequence(text: str, indent: int) -> list[Any]:
    item = _item_re(indent).match
    result = []
    position, end = 0, len(text)
    inner = " " * (indent + 2)
    while position < end:
        match = item(text, position)
        if match is None:
            raise _Stray
        first, rest = match.groups()
        position = match.end()
        if first is None:
            result.append(_block(rest) if rest else None)
        elif _ENTRY_HEAD_RE.match(first):
            result.append(_mapping(f"{inner}{first}\n{rest}", indent + 2))
        else:
            scalar = _SCALAR_RE.match(first)
            if scalar is None or rest:
                raise _Stray
            result.append(_scalar(scalar.group(1)))
    return result


def _text_or_typed(token: str) -> Any:
    """A value token as PyYAML reads it; the common cases (plain text, quotes without escapes,
    small whole numbers) without a regular expression."""
    if not token:
        raise _Stray
    first = token[0]
    if first == '"':
        if "\\" not in token and token[-1] == '"' and len(token) > 1 and '"' not in token[1:-1]:
            return token[1:-1]
    elif first not in _MAYBE_TYPED and first not in _INDICATORS:
        if ": " not in token and " #" not in token and "\t#" not in token and token[-1] not in _BAD_LAST:
            return token
    elif _small_int(token):
        return int(token)
    scalar = _SCALAR_RE.match(token)
    if scalar is None:
        raise _Stray
    return _scalar(scalar.group(1))


_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
_BAD_LAST = frozenset(": \t")


def _leaf_key(token: str) -> Any:
    if not token or token[0] in _INDICATORS or token[-1] in _BAD_LAST or " #" in token or len(token) > _MAX_KEY:
        raise _Stray
    return _scalar(token) if token[0] in _MAYBE_TYPED else token


_RECORDS = frozenset({"cited", "check", "history", "archive", "archive_lookup", "drift"})
# First characters of a plain scalar that is text whatever follows (neither typed nor an indicator).
_TEXT_START = frozenset(chr(c) for c in range(0x21, 0x7F)) - _MAYBE_TYPED - _INDICATORS
_keys: dict[str, Any] = {}


def _field(token: str) -> Any:
    """A key token at the start of a line, as PyYAML reads it (cached: keys repeat)."""
    key = _keys.get(token)
    if key is None:
        key = _leaf_key(token)
        if len(_keys) < 4096 and len(token) < 40:
            _keys[token] = key
    return key


Slow = Callable[[str], Any]
"""Reads a part of the file (YAML text) the way the located loader does; raises on anything wrong."""


def links(
    lines: list[str], slow: Slow | None = None, first_line: int = 0, original: list[str] | None = None
) -> tuple[dict[Any, Any], list[int]]:
    """The `links:` mapping from its lines (each link at indent 2, its fields at 4, a record's
    or a citation's at 6), read a line at a time: the same data as PyYAML's. A field other than
    the registry's own goes to the block reader above. With `slow`, a link outside the layout
    (a comment, a quoted or folded value a person wrote) is read by `slow` on its own lines,
    and the lines after it fast again (`first_line`: where the first line stands in the file;
    `original`: the lines as written, where `lines` has marks in place of those the fast
    reader must not read, see `_marked`). Also returns the index of each link's first line."""
    result: dict[Any, Any] = {}
    starts: list[int] = []  # the index of each link's first line, in the order of `result`
    text_start, bad_last = _TEXT_START, _BAD_LAST
    heads: dict[str, Any] = {}  # "      status" → "status": the same few keys on every link
    values: dict[str, Any] = {}  # short values repeat too: "ok", "200", dates
    position = 0
    while True:
        link: dict[Any, Any] = {}
        target: dict[Any, Any] | None = None  # where lines at indent 6 go: a record or a citation
        items: list[Any] | None = None  # a list being filled: citations, or a record's texts
        texts_key: Any = None
        block: list[str] | None = None  # the lines of an unknown field's block
        block_key: Any = None
        opened: list[Any] = []  # the link's fields opened by `key:`: with nothing under them, null
        open_url: Any = _MISS  # the link being filled, already in `result`
        entry_start = position  # the first line of the link being read
        rest = iter(lines)
        rest.__setstate__(position)  # type: ignore[attr-defined]
        try:
            if position < len(lines) and not _is_head(lines[position]):
                raise _Stray  # the first line must open a link: fields belong to one
            for i, line in enumerate(rest, position):
                if block is not None:
                    if line.startswith("      ") or line.startswith("    -"):
                        block.append(line)
                        continue
                    link[block_key] = _block("".join(f"{x}\n" for x in block))
                    block = None
                if line[4] == " " and line[:6] == "      ":  # indent 6 or more: a record's or citation's field
                    if target is None or line[6] == " ":
                        raise _Stray
                    if line[6] == "-":
                        if texts_key is None or line[7] != " ":
                            raise _Stray
                        target[texts_key].append(_text_or_typed(line[8:]))
                        continue
                    if texts_key is not None:  # a key at this indent ends the list above
                        _close_texts(target, texts_key)
                        texts_key = None
                    head, sep, token = line.partition(": ")
                    if not sep:
                        if line[-1] != ":":
                            raise _Stray
                        key = _field(line[6:-1])
                        if key in target:
                            raise _Stray
                        target[key], texts_key = [], key  # a list may follow; empty means null
                        continue
                    key = heads.get(head)
                    if key is None:
                        key = _field(head[6:])
                        if len(head) < 60:
                            heads[head] = key
                    if key in target:
                        raise _Stray
                    if (
                        token
                        and token[0] in text_start
                        and token[-1] not in bad_last
                        and ": " not in token
                        and " #" not in token
                    ):
                        target[key] = token
                    else:
                        value = values.get(token, _MISS)
                        if value is _MISS:
                            value = _text_or_typed(token)
                            if len(token) < 40 and len(values) < 65536 and type(value) not in (dict, list):
                                values[token] = value
                        target[key] = value
                    continue
                if texts_key is not None:
                    _close_texts(target, texts_key)
                    texts_key = None
                if line[:4] == "    ":  # indent 4: a link's field, or a citation
                    first = line[4]
                    if first == "-":
                        if items is None or line[5] != " ":
                            raise _Stray
                        target = {}
                        items.append(target)
                        head, sep, token = line.partition(": ")
                        if not sep:
                            raise _Stray
                        key = heads.get(head)
                        if key is None:
                            key = heads[head] = _field(head[6:])
                        target[key] = _text_or_typed(token)
                        continue
                    if first == " ":
                        raise _Stray
                    items = target = None
                    head, sep, token = line.partition(": ")
                    if sep:
                        key = _field(head[4:])
                        if key in link:
                            raise _Stray
                        link[key] = _text_or_typed(token)
                        continue
                    if line[-1] != ":":
                        raise _Stray
                    key = heads.get(line)
                    if key is None:
                        key = _field(line[4:-1])
                        if len(line) < 60:
                            heads[line] = key
                    if key in link:
                        raise _Stray
                    opened.append(key)
                    if key == "citations":
                        link[key] = items = []
                    elif key in _RECORDS:
                        link[key] = target = {}
                    else:
                        link[key], block, block_key = None, [], key
                    continue
                # indent 2: the next link
                if line[2] == " " or line[:2] != "  ":
                    raise _Stray
                _finish(link, opened)
                items = target = None
                opened = []
                open_url, entry_start = _MISS, i
                if line.endswith(": {}"):
                    key_token, empty = line[2:-4], True
                elif line[-1] == ":":
                    key_token, empty = line[2:-1], False
                else:
                    raise _Stray
                if (
                    (key_token[0] in _INDICATORS and key_token[0] != '"')
                    or key_token[-1] in _BAD_LAST
                    or ": " in key_token
                    or " #" in key_token
                ):
                    raise _Stray
                url = _text_or_typed(key_token) if key_token[0] in _MAYBE_TYPED or key_token[0] == '"' else key_token
                if url in result or len(key_token) > _MAX_KEY:
                    raise _Stray
                link = _Closed() if empty else {}  # `url: {}` holds nothing: a field under it is not YAML
                result[url] = {} if empty else link
                starts.append(i)
                open_url = url
            if block is not None:
                link[block_key] = _block("".join(f"{x}\n" for x in block))
            _close_texts(target, texts_key)
            _finish(link, opened)
            return result, starts
        except (_Stray, IndexError):
            if slow is None:
                raise _Stray from None
            if open_url is not _MISS:  # the link read so far is read again, whole, by `slow`
                del result[open_url]
                starts.pop()
            position = _read_slowly(lines if original is None else original, entry_start, slow, result, first_line)
            starts.append(entry_start)


def _is_head(line: str) -> bool:
    """A line that opens a link: a key at indent 2 (not a comment, nor `?`, `:` or `-`, which
    open an explicit key, its value or a list item, and may belong to the line before)."""
    return line[:2] == "  " and line[2:3] not in _NOT_HEAD


_NOT_HEAD = frozenset(("", " ", "\t", "#", "?", ":", "-"))
# Line breaks to YAML 1.1 besides LF, and the byte-order mark (outside the file's start it
# ends a document): where one stands, parts read alone could differ from the whole file.
_BREAKS_RE = re.compile("[\r\x85\u2028\u2029\ufeff]")
# What stands, for the fast reader, in place of a line holding a character it leaves to PyYAML:
# it cannot read either, so the link is read by `slow`; a line that opens a link still opens one.
_MARK_HEAD = "  '\x00\x00\x00"
_MARK_LINE = "    \x00"


def _marked(lines: list[str]) -> list[str]:
    """`lines` with each line holding an unusual character (a tab, a control character)
    replaced by a mark (see above)."""
    section = "\n".join(lines)
    marked, index, before = list(lines), 0, 0
    for match in _unusual_re().finditer(section):
        index += section.count("\n", before, match.start())
        before = match.start()
        marked[index] = _MARK_HEAD if _is_head(lines[index]) else _MARK_LINE
    return marked


def _read_slowly(lines: list[str], start: int, slow: Slow, result: dict[Any, Any], line: int) -> int:
    """Read the link whose lines begin at `start` (comments and blank lines, then the line that
    opens it, then everything up to the next such line) with `slow`, as if it stood alone under
    `links:`; add it to `result`. Returns the index of the line after it."""
    head = start
    while head < len(lines) and not _is_head(lines[head]):
        if lines[head].strip() and not lines[head].lstrip().startswith("#"):
            raise _Stray  # a field before the link that would hold it: the whole file decides
        head += 1
    end = head + 1
    while end < len(lines) and not _is_head(lines[end]):
        end += 1
    if head >= len(lines):
        raise _Stray
    # Where a parser stands at this link: before the first one, or after another.
    context = "links:\n" if start == 0 else "links:\n  _: 0\n"
    data = _slowly("links:\n" + "".join(f"{x}\n" for x in lines[start:end]), slow, line + start, context)
    entries = data.get("links") if isinstance(data, dict) and len(data) == 1 else None
    if not isinstance(entries, dict) or len(entries) != 1:
        raise _Stray
    ((url, value),) = entries.items()
    if url in result:
        raise _Stray  # a duplicate: the located loader says where
    result[url] = value
    return end


_MISS = object()


class _Closed(dict):  # type: ignore[type-arg]
    """The fields of a link written `url: {}`: none may follow."""

    def __setitem__(self, key: Any, value: Any) -> None:
        raise _Stray


def _close_texts(target: dict[Any, Any] | None, key: Any) -> None:
    """A `key:` with no items under it is null, as in YAML."""
    if key is not None and target is not None and target[key] == []:
        target[key] = None


def _finish(link: dict[Any, Any], opened: list[Any]) -> None:
    """Records and lists opened with nothing under them are null, as in YAML."""
    for key in opened:
        if link[key] == {} or link[key] == []:
            link[key] = None


_ALLOWED_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
# A line that opens a top-level key (a comment at column 1 belongs to the part it stands in).
_TOP_LEVEL_RE = re.compile(r"\n[^ \t\n#]")


def _ordinary(text: str) -> bool:
    """No character this reader leaves to PyYAML (checked on bytes when ASCII: 51 MB in 0.05 s)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ALLOWED_ASCII)
    return _unusual_re().search(text) is None


def read(text: str) -> Any:
    """The data in `text` when it keeps to the registry's layout, else None."""
    reading = read_parts(text)
    return None if reading is None else reading.data


@dataclass
class Reading:
    """A registry's data, and where its links stand (0-based line numbers), for locating an error."""

    data: Any
    link_lines: list[int] = field(default_factory=list)  # where each link's lines begin, in order
    links_start: int = 0  # the lines of the `links:` section, after its first
    links_end: int = 0


def read_parts(text: str, slow: Slow | None = None) -> Reading | None:
    """As `read`; with `slow`, a part outside the layout (a link, or the top-level keys before
    or after `links:`) is read by `slow` on its own and the rest fast, as long as each part
    read alone is what it is in the whole file. None: the whole file is the located loader's."""
    dirty = not _ordinary(text)  # a tab, a control character, a BOM: their lines go to `slow`
    if dirty and (slow is None or _BREAKS_RE.search(text)):
        return None
    if slow is not None:
        slow = _Anchors(slow)
    start = 0
    while text.startswith(("#", "\n"), start):  # the header comment
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    if dirty and _unusual_re().search(text, 0, start):
        return None  # in the header comment: no part of the file to send to `slow`
    body = text[start:] if text.endswith("\n") else text[start:] + "\n"
    if not body or body[0] in " -":
        return None  # the top level must be a mapping at column 1
    found = body.find("\nlinks:") + 1 if not body.startswith("links:") else 0
    top = text.count("\n", 0, start)  # the line the body starts on
    try:
        if found == 0 and not body.startswith("links:"):
            return Reading(_part(body, slow, top, "", dirty))
        data = _part(body[:found], slow, top, "", dirty) if found else {}
        after = _TOP_LEVEL_RE.search(body, found)
        end = after.start() + 1 if after else len(body)
        lines = body[found : end - 1].split("\n")
        if "links" in data or lines[0] not in ("links:", "links: {}") or (lines[0] == "links: {}" and len(lines) > 1):
            return None
        first = top + body.count("\n", 0, found) + 1  # the line after `links:`
        reading = Reading(data, links_start=first, links_end=first + len(lines) - 1)
        if len(lines) > 1:
            entries = lines[1:]
            data["links"], starts = links(_marked(entries) if dirty else entries, slow, first, entries)
            reading.link_lines = [first + s for s in starts]
        else:
            data["links"] = None if lines[0] == "links:" else {}
        if end < len(body):
            # After `links:` with nothing under it the parser still awaits its value; else a key.
            context = "links:\n" if lines == ["links:"] else "_: 0\n"
            for key, value in _part(body[end:], slow, top + body.count("\n", 0, end), context, dirty).items():
                if key in data:
                    return None
                data[key] = value
        return reading
    except (_Stray, RecursionError, IndexError):
        return None


def _part(text: str, slow: Slow | None, line: int, context: str, dirty: bool = False) -> dict[Any, Any]:
    """A top-level part of the file (whole lines, from `line` on): fast, else (or if it holds
    a character the fast reader leaves to PyYAML) by `slow`."""
    try:
        if dirty and _unusual_re().search(text):
            raise _Stray
        return _mapping(text, 0)
    except (_Stray, RecursionError, IndexError):
        if slow is None:
            raise _Stray from None
    data = _slowly(text, slow, line, context)
    if not isinstance(data, dict):
        raise _Stray
    return data


_DOCUMENT_MARK_RE = re.compile(r"^(?:---|\.\.\.|%)", re.M)


def _slowly(text: str, slow: Slow, line: int, context: str) -> Any:
    """`slow` on a part (`text`, whose own lines begin at `line` in the file); NotYAML if it
    is not YAML (every part before it was read: the file's first such error is in it, or just
    after it), _Stray if it fails otherwise, or if the part holds a line that could end the
    document or start another (alone it could be read, in the whole file not)."""
    if _DOCUMENT_MARK_RE.search(text):
        raise _Stray
    try:
        return slow(text)
    except NotYAML:
        raise NotYAML(line, context) from None
    except Exception:  # any other error is the located loader's to report, on the whole file
        raise _Stray from None


class _Anchors:
    """`slow`, minding anchors (`&name`), which the fast reader never reads: in the whole file
    one name given twice is an error, which parts read alone cannot see. So a second part with
    an anchor sends the whole file to the located loader, and so does a part that is not YAML
    after one with an anchor (the file's first error could be that second name)."""

    _RE = re.compile(r"(?:^|[\s\[\]{},:?-])&[^\s\[\]{},]")

    def __init__(self, slow: Slow) -> None:
        self.slow, self.anchored = slow, 0

    def __call__(self, text: str) -> Any:
        try:
            data = self.slow(text)
        except NotYAML:
            if self.anchored:
                raise _Stray from None
            raise
        if self._RE.search(text):
            self.anchored += 1
            if self.anchored > 1:
                raise _Stray
        return data


class NotYAML(Exception):
    """Raised by a `Slow` reader when the part is not valid YAML (a scanner's or parser's
    error); `read_parts` raises it with the line the part begins on and `context`, lines that
    put a parser in the state it is in there (under `links:`, after a first link or not). The
    error's message can depend on what comes before and after the part: the located loader
    reads `context` and then the file from `line` to the end to say it, and stops at it."""

    def __init__(self, line: int = 0, context: str = "") -> None:
        super().__init__(line, context)
        self.line, self.context = line, context
