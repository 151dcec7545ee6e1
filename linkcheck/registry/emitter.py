"""A block-style YAML writer for plain data (dicts, lists, str, int, float, bool, None).

PyYAML's representer is pure Python even with libyaml's emitter and spends about 20 µs per
node; a registry of 100,000 citations took half a minute to write. This writer produces the
same block style directly. Strings are written plain when PyYAML would read them back as the
same string, otherwise double-quoted with JSON escapes (a subset of YAML's), plus escapes for
the characters YAML forbids raw. `tests/test_yaml_emitter.py` checks that `yaml.safe_load`
reads back exactly what was written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import yaml

__all__ = ["emit", "key_line", "scalar"]

# Plain scalars: start with a letter, "/", "_" or "(" (never an indicator or a number), hold
# no ": " or " #", no control characters, and do not end in ":" or white space.
_PLAIN_RE = re.compile(
    r"[A-Za-z_/(\u00a0-\u2027\u202a-\ud7ff][^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*"
)
_NON_PRINTABLE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029\x85]"
)
# The plain words YAML 1.1 (PyYAML) reads as booleans or null.
_RESERVED_WORDS = frozenset(
    w
    for base in ("yes", "no", "true", "false", "on", "off", "null", "y", "n")
    for w in (base, base.capitalize(), base.upper())
)
# Not YAML-printable, so never plain: C0/C1 controls, line separators, the BOM, surrogates
# (a file name's undecodable bytes) and the non-characters U+FFFE and U+FFFF.
_PLAIN_TAIL_RE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*")
_NUMERIC_START = frozenset("0123456789.")
_resolver = yaml.resolver.Resolver()
_NEEDS_ESCAPE_RE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029]')
_MAX_PLAIN_KEY = 1000  # PyYAML reads an implicit key of at most 1024 characters


def _is_plain(text: str) -> bool:
    if text[0] in _NUMERIC_START:
        # "000_abc.txt" or "../docs" read back as text, "0_1" or ".5" do not: ask PyYAML.
        return (
            _PLAIN_TAIL_RE.fullmatch(text) is not None
            and ": " not in text
            and " #" not in text
            and text[-1] not in ": \t"
            and _resolver.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"  # type: ignore[no-untyped-call]
        )
    if not _PLAIN_RE.fullmatch(text) or ": " in text or " #" in text or text[-1] in ": \t":
        return False
    # _PLAIN_RE already rules out numbers, dates and other implicit types; the words remain.
    return text not in _RESERVED_WORDS


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _quoted(text: str) -> str:
    if not _NEEDS_ESCAPE_RE.search(text):
        return f'"{text}"'
    # A lone surrogate (an undecodable byte of a file name, as Python decodes it) has no YAML
    # form at all, escaped or not: it is written as U+FFFD, the replacement character.
    text = _SURROGATE_RE.sub("\ufffd", text)
    return _NON_PRINTABLE_RE.sub(_escape, json.dumps(text, ensure_ascii=False)[1:-1]).join('""')


_text_cache: dict[str, str] = {}


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        # Short values repeat (statuses, dates, timestamps of one run): decided once.
        written = _text_cache.get(value)
        if written is None:
            written = value if value and _is_plain(value) else _quoted(value)
            if len(value) < 40:
                if len(_text_cache) >= 65536:
                    _text_cache.clear()
                _text_cache[value] = written
        return written
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        text = repr(value).lower()
        if text in ("inf", "-inf", "nan"):
            return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}[text]
        if "." not in text:  # YAML 1.1 floats need a dot: 1e-05 → 1.0e-05
            text = text.replace("e", ".0e", 1) if "e" in text else text + ".0"
        return text
    if kind is dt.date or kind is dt.datetime:  # a YAML timestamp, read back as the same type
        return str(value.isoformat(" ") if kind is dt.datetime else value.isoformat())
    return _scalar(str(value))


_key_cache: dict[Any, str] = {}


def _key(key: Any, indent: str) -> str:
    """`key:` at `indent`; keys repeat on every entry, so their rendering is cached."""
    cached = _key_cache.get((key, indent)) if type(key) is str and len(key) < 40 else None
    if cached is not None:
        return cached
    text = _scalar(key)
    line = f"{indent}? {_quoted(str(key))}\n{indent}:" if len(text) > _MAX_PLAIN_KEY else f"{indent}{text}:"
    if type(key) is str and len(key) < 40 and len(_key_cache) < 4096:
        _key_cache[(key, indent)] = line
    return line


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Append `value` as the body of a block whose lines start with `indent`."""
    if type(value) is dict:
        for key, item in value.items():
            out.append(_key(key, indent))
            if type(item) is dict or type(item) is list:
                _emit_child(item, indent, out, after_key=True)
            else:
                out.append(f" {_scalar(item)}\n")
    else:
        for item in value:
            out.append(f"{indent}-")
            _emit_child(item, indent, out, after_key=False)


def _emit_child(item: Any, indent: str, out: list[str], *, after_key: bool) -> None:
    if type(item) is dict and item:
        if after_key:
            out.append("\n")
            _emit(item, indent + "  ", out)
        else:
            # "- key: value" with the rest of the mapping aligned under the first key.
            start = len(out)
            _emit(item, indent + "  ", out)
            out[start] = " " + out[start].lstrip(" ")
    elif type(item) is list and item:
        out.append("\n")
        _emit(item, indent if after_key else indent + "  ", out)
    else:
        empty = "{}" if type(item) is dict else "[]" if type(item) is list else None
        out.append(f" {empty or _scalar(item)}\n")


def emit(data: dict[str, Any], indent: str = "") -> str:
    """YAML text for `data`; `yaml.safe_load(emit(data)) == data` for plain data."""
    out: list[str] = []
    _emit(data, indent, out)
    return "".join(out)


def key_line(key: str, indent: str) -> str:
    """The line that opens `key`'s block (no value), for writers that stream their own blocks."""
    return _key(key, indent) + "\n"


scalar = _scalar
