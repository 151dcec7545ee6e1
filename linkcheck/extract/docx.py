"""Word .docx: hyperlinks and URLs typed in the text, located by paragraph number.

A .docx has no stable line numbers; the paragraph's position in the body (tables included,
in reading order) is what a reader can find again, so it is recorded as the `line`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from linkcheck.dates import parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction, Placeholder
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract"]


def _paragraphs(container: object) -> Iterator[object]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            yield block
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from _paragraphs(cell)


# What a .docx may decompress to: a book-length document is a few MB of XML; the hostile-
# documents budget (500 MB resident) must hold with python-docx's tree on top.
MAX_UNCOMPRESSED = 64 * 1024 * 1024


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


def extract(data: bytes, document: str) -> Extraction:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.text.hyperlink import Hyperlink

    from linkcheck.extract import ExtractionFailed

    _check_size(data)
    try:
        word = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionFailed(f"not a valid .docx file: {exc}") from exc
    extraction = Extraction(document, "docx")
    for number, paragraph in enumerate(_paragraphs(word), start=1):
        seen: set[str] = set()
        for item in paragraph.iter_inner_content():  # type: ignore[attr-defined]
            if not isinstance(item, Hyperlink):
                continue
            address = item.address or ""
            if not address and item.fragment:
                continue  # a bookmark inside the document
            target = address + (f"#{item.fragment}" if item.fragment and address else "")
            kind = classify_href(target)
            if kind == "placeholder":
                extraction.placeholders.append(Placeholder(document, number, item.text))
            elif kind == "url":
                url, fragment = normalise_url(href_to_url(target))
                seen.add(url)
                extraction.citations.append(Citation(url, document, number, item.text[:200], fragment=fragment))
        for citation in cite_in_text(paragraph.text, document, first_line=number):  # type: ignore[attr-defined]
            if citation.url not in seen:
                extraction.citations.append(citation)
    created = word.core_properties.created
    if created and (date := parse_date(created)):
        extraction.date, extraction.date_source = date, "docx-metadata"
    return extraction
