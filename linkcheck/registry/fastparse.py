"""A fast reader for the block layout `dump` writes, for registries of 100,000 URLs.

PyYAML composes a node for every value and constructs it in Python: 25-40 s for a registry of
100,000 links. The registry's own layout is a small part of YAML (block mappings and sequences
indented by two, one scalar per line, plain or double-quoted), so this reads it directly and
gives exactly the data PyYAML would give: scalars that might be typed (numbers, booleans,
dates) are resolved by PyYAML itself. The `links:` section, the bulk, is read a line at a time
(`links`); the rest, and fields the registry does not know, with a regular expression per
entry (`_block`).

Anything outside that layout (a comment after the header, a flow collection, an anchor, a tag,
a multi-line or single-quoted scalar, other indentation, a duplicate key, a control character)
makes `read` return None, and the located loader reads the file instead: a file this reader
accepts is read as PyYAML reads it, and every error is still reported by the located loader,
with its line and column. `tests/test_fastparse.py` holds it to PyYAML on generated registries
and on mutated ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import yaml

__all__ = ["read"]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters this reader leaves to PyYAML: what YAML forbids raw, tabs, carriage returns, the
# BOM, and the characters YAML 1.1 reads as line breaks (NEL, LS, PS). The emitter escapes all.
_UNUSUAL_RE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
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


def links(lines: list[str]) -> dict[Any, Any]:
    """The `links:` mapping from its lines (each link at indent 2, its fields at 4, a record's
    or a citation's at 6), read a line at a time: the same data as PyYAML's. A field other than
    the registry's own goes to the block reader above."""
    result: dict[Any, Any] = {}
    if lines and (lines[0][:2] != "  " or lines[0][2] == " "):
        raise _Stray  # the first line must open a link: fields belong to one
    text_start, bad_last = _TEXT_START, _BAD_LAST
    heads: dict[str, Any] = {}  # "      status" → "status": the same few keys on every link
    values: dict[str, Any] = {}  # short values repeat too: "ok", "200", dates
    link: dict[Any, Any] = {}
    target: dict[Any, Any] | None = None  # where lines at indent 6 go: a record or a citation
    items: list[Any] | None = None  # a list being filled: citations, or a record's texts
    texts_key: Any = None
    block: list[str] | None = None  # the lines of an unknown field's block
    block_key: Any = None
    opened: list[Any] = []  # the link's fields opened by `key:`: with nothing under them, null
    for line in lines:
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
        link = {}
        result[url] = {} if empty else link
    if block is not None:
        link[block_key] = _block("".join(f"{x}\n" for x in block))
    _close_texts(target, texts_key)
    _finish(link, opened)
    return result


_MISS = object()


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
_TOP_LEVEL_RE = re.compile(r"\n[^ \n]")


def _ordinary(text: str) -> bool:
    """No character this reader leaves to PyYAML (checked on bytes when ASCII: 51 MB in 0.05 s)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ALLOWED_ASCII)
    return _UNUSUAL_RE.search(text) is None


def read(text: str) -> Any:
    """The data in `text` when it keeps to the registry's layout, else None."""
    if not _ordinary(text):
        return None
    start = 0
    while text.startswith(("#", "\n"), start):  # the header comment
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    body = text[start:] if text.endswith("\n") else text[start:] + "\n"
    if not body or body[0] in " -":
        return None  # the top level must be a mapping at column 1
    found = body.find("\nlinks:") + 1 if not body.startswith("links:") else 0
    try:
        if found == 0 and not body.startswith("links:"):
            return _mapping(body, 0)
        data = _mapping(body[:found], 0) if found else {}
        after = _TOP_LEVEL_RE.search(body, found)
        end = after.start() + 1 if after else len(body)
        lines = body[found : end - 1].split("\n")
        if "links" in data or lines[0] not in ("links:", "links: {}") or (lines[0] == "links: {}" and len(lines) > 1):
            return None
        data["links"] = links(lines[1:]) if len(lines) > 1 else None if lines[0] == "links:" else {}
        if end < len(body):
            for key, value in _mapping(body[end:], 0).items():
                if key in data:
                    return None
                data[key] = value
        return data
    except (_Stray, RecursionError, IndexError):
        return None
