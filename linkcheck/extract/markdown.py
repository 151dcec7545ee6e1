"""Markdown: inline, reference-style and autolinks, bare URLs; never inside code.

markdown-it-py does the parsing, so code spans, fenced and indented code blocks, escapes and
reference definitions follow CommonMark exactly. Inline tokens carry no line numbers of their
own; a paragraph's first line plus the soft and hard breaks seen so far gives them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from linkcheck.dates import find_accessed_date, parse_date
from linkcheck.extract import html as html_extract
from linkcheck.extract.parallel import mapped
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction, Placeholder
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract", "split_front_matter"]

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
# A JSX component (a capitalised tag name) with an href, as MDX writes links.
_COMPONENT_RE = re.compile(
    r"""<([A-Z][\w.]*)\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""", re.S
)
_TITLE_RE = re.compile(r"""\btitle\s*=\s*["']([^"']*)["']""")
_DATE_KEYS = ("date", "published", "citation_date", "pubDate")
# markdown-it stops parsing a block nested deeper than this, and drops the rest of it silently
# (commonmark's preset: 20, which a list 10 levels deep reaches). 100 is far beyond real
# documents and within Python's recursion limit; deeper still, the piece is also scanned plainly.
_MAX_NESTING = 100
# Footnotes (`[^1]: …`) are how academic Markdown cites; without the plugin a footnote whose
# body is one link reads as a reference definition with a nonsense target, and is lost. Kept
# where written (move_to_end=False): the plugin's tail drops definitions nothing refers to and
# the line numbers of the rest; inline notes (`^[…]`) are read where their reference stands.
_parser = MarkdownIt("commonmark", {"html": True, "maxNesting": _MAX_NESTING}).use(footnote_plugin, move_to_end=False)
# markdown-it percent-encodes and punycodes link targets for rendering; a citation must stay
# exactly as written (and the encoding costs more than the rest of the parse).
_parser.normalizeLink = lambda url: url  # type: ignore[method-assign]
_parser.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
_parser.validateLink = lambda url: True  # type: ignore[method-assign]


def _text_before(children: list[Token], index: int) -> str:
    """The text just before children[index], across a line break."""
    index -= 1
    if index >= 0 and children[index].type in ("softbreak", "hardbreak"):
        index -= 1
    return children[index].content if index >= 0 and children[index].type == "text" else ""


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, number of lines the front matter took)."""
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text, 0
    try:
        data = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError:
        data = None
    lines = match.group().count("\n")
    return (data if isinstance(data, dict) else {}), text[match.end() :], lines


class _Collector:
    def __init__(self, document: str, offset: int) -> None:
        self.document = document
        self.offset = offset
        self.citations: list[Citation] = []
        self.placeholders: list[Placeholder] = []
        self.used_references: set[str] = set()
        # The parse's inline footnotes (`^[…]`) by id: their tokens are not in the stream.
        self.footnotes: dict[int, dict[str, Any]] = {}

    def link(self, href: str, text: str, line: int, after: str = "", before: str = "") -> None:
        kind = classify_href(href)
        if kind == "placeholder":
            self.placeholders.append(Placeholder(self.document, line, text.strip()))
        elif kind == "url":
            url, fragment = normalise_url(href_to_url(href))
            # "[Report](url), accessed 3 May 2021", or APA's "Retrieved May 3, 2021, from <url>".
            date = find_accessed_date(f"{before[-80:]} {text}", after)
            self.citations.append(
                Citation(
                    url,
                    self.document,
                    line,
                    text.strip()[:200],
                    fragment=fragment,
                    date=date,
                    date_source="accessed" if date else None,
                )
            )

    def components(self, source: str, first_line: int) -> None:
        """MDX: a JSX component's `href` (`<Card href="…">`, `<Link href={"…"}>`) is a link."""
        for match in _COMPONENT_RE.finditer(source):
            href = next(g for g in match.groups()[1:] if g is not None)
            label = _TITLE_RE.search(match.group(0))
            self.link(
                html_extract.unescape(href),
                label.group(1) if label else "",
                first_line + source.count("\n", 0, match.start()),
            )

    def inline(self, token: Token) -> None:
        assert token.map is not None and token.children is not None
        self.children(token.children, token.map[0] + 1 + self.offset)

    def children(self, children: list[Token], line: int) -> int:
        """Citations in an inline token's children, the first on `line`; the line after them."""
        i = 0
        while i < len(children):
            child = children[i]
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                start_line = line
                before = _text_before(children, i)
                href = str(child.attrs.get("href", ""))
                parts: list[str] = []
                i += 1
                while i < len(children) and children[i].type != "link_close":
                    if children[i].type in ("softbreak", "hardbreak"):
                        line += 1
                        parts.append(" ")
                    elif children[i].type == "footnote_ref":
                        line = self.note(children[i], line)
                    else:
                        parts.append(children[i].content)
                    i += 1
                after = children[i + 1].content if i + 1 < len(children) else ""
                self.link(href, "".join(parts), start_line, after, before)
            elif child.type == "html_inline" and _COMPONENT_RE.match(child.content):
                self.components(child.content, line)
            elif child.type == "html_inline" and child.content.lower().startswith("<a"):
                href_match = _HREF_RE.search(child.content)
                parts = []
                i += 1
                while i < len(children) and not (
                    children[i].type == "html_inline" and children[i].content.lower().startswith("</a")
                ):
                    parts.append(children[i].content)
                    i += 1
                if href_match:
                    href = next(g for g in href_match.groups() if g is not None)
                    self.link(html_extract.unescape(href), "".join(parts), line)
            elif child.type == "text":
                self.citations.extend(cite_in_text(child.content, self.document, first_line=line))
            elif child.type == "footnote_ref":
                line = self.note(child, line)
            i += 1
        return line

    def note(self, reference: Token, line: int) -> int:
        """An inline note's (`^[…]`) citations, read where its reference stands; the line after.
        A note's id is later than those of notes it holds: no cycle."""
        note = self.footnotes.get(reference.meta.get("id", -1), {})
        return self.children(note["tokens"], line) if "tokens" in note else line


# Bodies above this are parsed in pieces: markdown-it holds every token of a document at once
# (about 80 bytes of memory per byte of a long link list), and a hostile 100,000-link document
# must not cost gigabytes.
CHUNK_CHARS = 512 * 1024
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ITEM_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]")
_REFERENCE_RE = re.compile(
    r"^ {0,3}\[((?:[^\]\\]|\\.){1,999})\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+[\"'(](.*)[\"')])?[ \t]*$", re.M
)


def _fence_after(fence: str | None, line: str) -> str | None:
    """The open code fence after `line` (None: outside code), given the one before it."""
    if (match := _FENCE_RE.match(line)) is None:
        return fence
    marker = match.group(1)
    if fence is None:
        return marker
    return None if marker[0] == fence[0] and len(marker) >= len(fence) else fence


def _pieces(body: str) -> list[tuple[str, int]]:
    """(piece, line offset): cut outside fenced code, before an unindented line that follows a
    blank line or starts a list item — where a fresh top-level block starts, or the same list
    goes on (a long link list is one block; cutting it in two changes no link)."""
    if len(body) <= CHUNK_CHARS:
        return [(body, 0)]
    pieces: list[tuple[str, int]] = []
    lines = body.splitlines(keepends=True)
    start = size = 0
    fence: str | None = None
    for index, line in enumerate(lines):
        fence = _fence_after(fence, line)
        size += len(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        boundary = (
            fence is None
            and size >= CHUNK_CHARS
            and following[:1] not in (" ", "\t", "\n", "\r", "")
            and (not line.strip() or _ITEM_RE.match(following) is not None)
        )
        if boundary:
            pieces.append(("".join(lines[start : index + 1]), start))
            start, size = index + 1, 0
    pieces.append(("".join(lines[start:]), start))
    return pieces


def _all_references(body: str) -> dict[str, dict[str, Any]]:
    """Reference definitions of the whole body, so that a piece can use one defined in another."""
    from markdown_it.common.utils import normalizeReference

    found: dict[str, dict[str, Any]] = {}
    for match in _REFERENCE_RE.finditer(body):
        line = body.count("\n", 0, match.start())
        found.setdefault(
            normalizeReference(match.group(1)),
            {"href": match.group(2), "title": match.group(3) or "", "map": [line, line + 1]},
        )
    return found


# markdown-it spends about 0.1 ms per character on text full of brackets that never close
# (`[)[[)[…`): linear, but a megabyte of it would take minutes. No written paragraph holds a
# thousand unclosed brackets, nor a line of 20,000 characters; such blocks (generated data,
# minified markup) are scanned plainly instead, with a warning.
_LONG_LINE = 20_000
_UNCLOSED = 1_000


def _set_aside(body: str) -> tuple[str, list[tuple[int, str]]]:
    """The body with pathological blocks emptied (line numbers kept), and their lines
    (0-based number, text) for a plain scan."""
    if body.count("[") - body.count("]") <= _UNCLOSED and len(body) < _LONG_LINE:
        return body, []
    lines = body.split("\n")
    aside: list[tuple[int, str]] = []
    start, fence = 0, None
    for number in range(len(lines) + 1):
        line = lines[number] if number < len(lines) else ""
        if number < len(lines):
            fence = _fence_after(fence, line)
        if number < len(lines) and (line.strip() or fence):
            continue
        block = lines[start:number]
        unclosed = sum(x.count("[") - x.count("]") for x in block)
        for offset, text in enumerate(block):
            if unclosed > _UNCLOSED or len(text) > _LONG_LINE:
                aside.append((start + offset, text))
                lines[start + offset] = ""
        start = number + 1
    return "\n".join(lines), aside


_PieceJob = tuple[str, int, dict[str, dict[str, Any]], str]  # piece, its line offset, references, document
_Read = tuple[list[Citation], list[Placeholder], list[Citation] | None, dict[str, dict[str, Any]]]

# A document of this many pieces (2 MB) has them read by worker processes: markdown-it reads
# about a megabyte a second, and one file of 100,000 links took 7 s in one process.
PARALLEL_PIECES = 4


def _read_piece(job: _PieceJob) -> _Read:
    """One piece: its citations and placeholders, what a plain scan found if parsing stopped
    at the nesting limit (None if it did not), and the reference definitions it saw."""
    piece, first_offset, references, document = job
    env: dict[str, Any] = {"references": dict(references)}
    collector = _Collector(document, first_offset)
    tokens = _parser.parse(piece, env)
    collector.footnotes = env.get("footnotes", {}).get("list", {})
    for token in tokens:
        if token.type == "inline":
            collector.inline(token)
        elif token.type == "html_block" and token.map is not None:
            first_line = token.map[0] + 1 + first_offset
            fragment = html_extract.extract(token.content, document, first_line=first_line)
            collector.citations.extend(fragment.citations)
            collector.placeholders.extend(fragment.placeholders)
            collector.components(token.content, first_line)
    fallback = None
    if any(token.level >= _MAX_NESTING - 1 for token in tokens):
        fallback = cite_in_text(piece, document, first_line=first_offset + 1)
    return collector.citations, collector.placeholders, fallback, env.get("references", {})


def _read_pieces(jobs: list[_PieceJob]) -> list[_Read]:
    """Each piece read, in order: in worker processes for a long document (not inside one of
    `collect`'s workers, which read many files at once)."""
    return list(mapped(_read_piece, jobs, at_least=PARALLEL_PIECES))


def extract(text: str, document: str, warn: Callable[[str], None] | None = None) -> Extraction:
    metadata, body, offset = split_front_matter(text)
    body, long_lines = _set_aside(body)
    pieces = _pieces(body)
    references = _all_references(body) if len(pieces) > 1 else {}
    collector = _Collector(document, offset)
    if long_lines and warn is not None:
        first = long_lines[0][0] + 1 + offset
        warn(
            f"{document}: {len(long_lines)} lines from line {first} not read as Markdown (thousands of unclosed "
            "brackets, or over 20,000 characters in a line); URLs there found by a plain scan"
        )
    for number, aside in long_lines:
        collector.citations.extend(cite_in_text(aside, document, first_line=number + 1 + offset))
    jobs = [(piece, offset + line_offset, references, document) for piece, line_offset in pieces]
    for (_, line_offset), (citations, placeholders, fallback, found) in zip(pieces, _read_pieces(jobs), strict=True):
        collector.citations.extend(citations)
        collector.placeholders.extend(placeholders)
        if fallback is not None:
            # Parsing stopped inside a construct nested too deeply: what it dropped is still
            # found by a plain scan of this piece (code blocks included, for once).
            if warn is not None:
                warn(
                    f"{document}: Markdown nested more than {_MAX_NESTING} levels deep near line "
                    f"{offset + line_offset + 1}; links there found by a plain scan of the text"
                )
            known = {c.url for c in collector.citations}
            collector.citations.extend(citation for citation in fallback if citation.url not in known)
        if len(pieces) == 1:
            references = found
    collector.offset = offset
    # A reference definition nobody uses is still a source the author wrote down.
    used = {c.url for c in collector.citations}
    for label, reference in references.items():
        href = reference.get("href", "")
        if classify_href(href) == "url":
            url, _ = normalise_url(href_to_url(href))
            if url not in used:
                line = reference["map"][0] + 1 + offset if reference.get("map") else None
                collector.link(href, reference.get("title") or label.lower(), line or 0)
    extraction = Extraction(document, "markdown", collector.citations, collector.placeholders)
    for key in _DATE_KEYS:
        if key in metadata and (date := parse_date(metadata[key])):
            extraction.date, extraction.date_source = date, "front-matter"
            break
    return extraction
