"""Word .docx: hyperlinks, HYPERLINK fields and URLs typed in the text — of the body (tables,
content controls and text boxes included) and of its footnotes and endnotes — located by
paragraph number.

A .docx has no stable line numbers; the paragraph's position in the body (every paragraph,
in reading order) is what a reader can find again, so it is recorded as the `line`. A
footnote's or endnote's citations are located at the body paragraph holding its reference
mark: where the reader meets the note, as Markdown's notes are read where they are referred to.
Policy papers and legal writing cite in footnotes far more than in the body.

The XML is walked directly (python-docx opens the package and resolves relationships):
python-docx reads neither notes nor fields, and yields a merged table cell once per column.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from linkcheck.dates import parse_date
from linkcheck.extract.text import accessed_near, cite_in_text
from linkcheck.models import Citation, Extraction, Placeholder
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _T, _HYPERLINK, _SIMPLE_FIELD = f"{_W}p", f"{_W}t", f"{_W}hyperlink", f"{_W}fldSimple"
_FIELD_CHAR, _INSTRUCTION, _DELETED = f"{_W}fldChar", f"{_W}instrText", f"{_W}del"
_BREAKS = {f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"}
_NOTE_REFERENCES = {f"{_W}footnoteReference": "footnote", f"{_W}endnoteReference": "endnote"}
_NOTES_RELATIONSHIPS = {
    "footnote": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes",
    "endnote": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes",
}
# `HYPERLINK "https://…" \o "tip"`; `\l "bookmark"` alone is a place inside the document.
_HYPERLINK_FIELD_RE = re.compile(r'^\s*HYPERLINK\s+(?:"([^"]*)"|([^\s\\"]\S*))', re.I)
_LOCAL_SWITCH_RE = re.compile(r'\\l\s+"([^"]*)"')

# What a .docx may decompress to: a book-length document is a few MB of XML; the hostile-
# documents budget (500 MB resident) must hold with python-docx's tree on top.
MAX_UNCOMPRESSED = 64 * 1024 * 1024


@dataclass
class _Link:
    """A link inside one paragraph: its target and where its text sits in the paragraph's."""

    target: str
    start: int
    end: int = -1


@dataclass
class _Paragraph:
    text: str
    links: list[_Link]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) of reference marks


@dataclass
class _Field:
    instruction: str = ""
    result_from: int | None = None  # where its result starts in the paragraph's text


def _own(element: Any) -> Iterator[tuple[Any, bool]]:
    """The descendants of a paragraph in document order, as (element, entering), without the
    paragraphs nested in it (a text box's) and without what Word shows in place of content
    it understands (`mc:Fallback`, which repeats a text box) or deleted revisions."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag in (_P, _FALLBACK, _DELETED):
            continue
        yield child, True
        yield from _own(child)
        yield child, False


def _paragraphs(story: Any) -> Iterator[Any]:
    """Every paragraph of a story (the body, a note) in reading order, nested ones included,
    but not the copies inside `mc:Fallback` (a text box's, repeated for older readers)."""
    for paragraph in story.iter(_P):
        if not any(ancestor.tag == _FALLBACK for ancestor in paragraph.iterancestors()):
            yield paragraph


def _read(paragraph: Any, rels: dict[str, str], fields: list[_Field]) -> _Paragraph:
    """A paragraph's shown text, its links (hyperlinks and HYPERLINK fields) and note marks.
    `fields` is the story's stack of open complex fields: one may span paragraphs."""
    parts: list[str] = []
    length = 0
    links: list[_Link] = []
    open_links: list[_Link] = []
    notes: list[tuple[str, str]] = []

    def add(text: str) -> None:
        nonlocal length
        parts.append(text)
        length += len(text)

    for element, entering in _own(paragraph):
        tag = element.tag
        if tag == _HYPERLINK:
            if entering:
                rid = element.get(f"{_R}id")
                target = rels.get(rid, "") if rid else ""
                anchor = element.get(f"{_W}anchor")
                if anchor and target:
                    target += "#" + anchor
                elif anchor:
                    target = "#" + anchor
                open_links.append(_Link(target, length))
            elif open_links:
                link = open_links.pop()
                link.end = length
                links.append(link)
        elif tag == _SIMPLE_FIELD:
            if entering:
                open_links.append(_Link(_field_target(element.get(f"{_W}instr") or ""), length))
            elif open_links:
                link = open_links.pop()
                link.end = length
                if link.target:
                    links.append(link)
        elif not entering:
            continue
        elif tag == _T and element.text:
            add(element.text)
        elif tag in _BREAKS:
            add(" ")
        elif tag in _NOTE_REFERENCES:
            notes.append((_NOTE_REFERENCES[tag], element.get(f"{_W}id") or ""))
        elif tag == _INSTRUCTION and fields:
            fields[-1].instruction += element.text or ""
        elif tag == _FIELD_CHAR:
            kind = element.get(f"{_W}fldCharType")
            if kind == "begin":
                fields.append(_Field())
            elif kind == "separate" and fields:
                fields[-1].result_from = length
            elif kind == "end" and fields:
                done = fields.pop()
                target = _field_target(done.instruction)
                if target and done.result_from is not None:
                    links.append(_Link(target, done.result_from, length))
    # A field whose result goes on in the next paragraph: its text from here on.
    for open_field in fields:
        if open_field.result_from is not None:
            open_field.result_from = 0
    return _Paragraph("".join(parts), links, notes)


def _field_target(instruction: str) -> str:
    """The target of a HYPERLINK field instruction; "" for any other field."""
    if not re.match(r"\s*HYPERLINK\b", instruction, re.I):
        return ""
    local = _LOCAL_SWITCH_RE.search(instruction)
    fragment = f"#{local.group(1)}" if local else ""
    match = _HYPERLINK_FIELD_RE.match(instruction)
    return (match.group(1) or match.group(2) if match else "") + fragment


def _hyperlink_targets(part: Any) -> dict[str, str]:
    """rId → the target of each relationship of `part` (one inside the package is a
    relative path, which cites nothing)."""
    return {rid: rel.target_ref for rid, rel in part.rels.items()}


def _cite(extraction: Extraction, paragraph: _Paragraph, line: int, document: str) -> None:
    """The paragraph's links, then the URLs typed in its text that no link already cites."""
    seen: set[str] = set()
    for link in paragraph.links:
        text = paragraph.text[link.start : link.end].strip()
        kind = classify_href(link.target)
        if kind == "placeholder":
            extraction.placeholders.append(Placeholder(document, line, text))
        elif kind == "url":
            url, fragment = normalise_url(href_to_url(link.target))
            seen.add(url)
            date = accessed_near(paragraph.text, link.start, link.end)
            shown = (text or paragraph.text.strip())[:200]
            extraction.citations.append(
                Citation(
                    url, document, line, shown, fragment=fragment, date=date, date_source="accessed" if date else None
                )
            )
    for citation in cite_in_text(paragraph.text, document, first_line=line):
        if citation.url not in seen:
            extraction.citations.append(citation)


def _check_size(data: bytes) -> None:
    """Refuse a zip that would decompress beyond `MAX_UNCOMPRESSED`, before anything is
    decompressed. The sizes in its directory bound what zipfile will read for each member."""
    from linkcheck.extract import ExtractionFailed

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractionFailed(f"not a valid .docx file: {exc}") from exc
    if total > MAX_UNCOMPRESSED:
        raise ExtractionFailed(f"decompresses to {total / 2**20:.0f} MB (more than {MAX_UNCOMPRESSED / 2**20:.0f} MB)")


def _notes(word: Any, kind: str, warn: Callable[[str], None]) -> dict[str, tuple[Any, dict[str, str]]]:
    """id → the `w:footnote`/`w:endnote` element of each note of `kind`, with its part's
    hyperlink targets; separators and continuation notices are no notes."""
    from docx.oxml.parser import parse_xml

    try:
        part = word.part.part_related_by(_NOTES_RELATIONSHIPS[kind])
    except KeyError:
        return {}
    try:
        root = parse_xml(part.blob)
    except Exception as exc:  # lxml's XMLSyntaxError and its kin: a damaged notes part
        warn(f"its {kind}s could not be read ({exc}); the body was")
        return {}
    rels = _hyperlink_targets(part)
    return {
        note.get(f"{_W}id"): (note, rels)
        for note in root.iter(f"{_W}{kind}")
        if note.get(f"{_W}type") in (None, "normal")
    }


def extract(data: bytes, document: str, warn: Callable[[str], None] | None = None) -> Extraction:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from linkcheck.extract import ExtractionFailed

    say = warn or (lambda message: None)
    _check_size(data)
    try:
        word = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionFailed(f"not a valid .docx file: {exc}") from exc
    extraction = Extraction(document, "docx")
    notes = {kind: _notes(word, kind, lambda m: say(f"{document}: {m}")) for kind in _NOTES_RELATIONSHIPS}
    rels = _hyperlink_targets(word.part)
    fields: list[_Field] = []
    line = 0
    for element in _paragraphs(word.element.body):
        line += 1
        paragraph = _read(element, rels, fields)
        _cite(extraction, paragraph, line, document)
        for kind, note_id in paragraph.notes:
            if (found := notes[kind].pop(note_id, None)) is not None:
                _cite_note(extraction, found[0], found[1], line, document)
    # Notes no mark refers to (Word removes a note with its mark; other tools may not).
    for left in notes.values():
        for note, note_rels in left.values():
            _cite_note(extraction, note, note_rels, max(line, 1), document)
    created = word.core_properties.created
    if created and (date := parse_date(created)):
        extraction.date, extraction.date_source = date, "docx-metadata"
    return extraction


def _cite_note(extraction: Extraction, note: Any, rels: dict[str, str], line: int, document: str) -> None:
    fields: list[_Field] = []
    for element in _paragraphs(note):
        _cite(extraction, _read(element, rels, fields), line, document)
