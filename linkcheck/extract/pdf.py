"""PDF: URLs in each page's text and in its link annotations, located by page number.

PDFium (pypdfium2) reads the PDFs: against pypdf and pdfminer.six on 30 generated papers
(benchmarks/pdf_bench.py) it was the one within 2× of `pdftotext` — faster than it, in fact —
while pypdf took about 5× and pdfminer.six more still; PDFium also repairs damaged files.

Typeset text is not written text, so the page text is mended before URLs are looked for:
* a URL the typesetter wrapped at the end of a line is joined to its continuation when the
  next line starts with something no sentence starts with (a lower-case path, digits, `-`, `/`,
  `.`, `_`, `~`, `?`, `=`, `&`, `#`, `%`); a DOI is joined by DOI syntax (`10.1007/978-3-642-` +
  `23456-7`), and so is `https://doi.org/10` + `.1000/x`;
* typeset characters are put back: `˜` (U+02DC, how TeX fonts set `~`) → `~`, soft hyphens
  dropped, ligatures (`ﬁ`, `ﬂ`, `ﬀ`, `ﬃ`, `ﬄ`) spelled out, control characters removed.

A link annotation's citation text is the text under it on the page (its rectangle), not a
placeholder; an annotation URI without a scheme (`research.google.com/pubs/…`) is taken as
http. An encrypted PDF is opened with the empty password when it has one (most "protected"
papers only restrict printing); otherwise it is reported as encrypted, not corrupt.

A file PDFium cannot open raises ExtractionFailed and becomes a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from linkcheck.dates import parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract", "mend_text"]

_TYPESET = str.maketrans(
    {"\u02dc": "~", "\u00ad": None, "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A line that ends inside a URL (no space after it) …
_URL_AT_END_RE = re.compile(r"(?:https?://|(?<![\w.@/:\-])www\d{0,3}\.|doi:\s*|\b10\.\d{4,9}/)\S*$", re.I)
# … and a next line that goes on with it: something no sentence starts with.
_CONTINUATION_RE = re.compile(r"^[a-z0-9\-/._~?=&#%][^\s]*")
_DOI_END_RE = re.compile(r"(?:doi\.org/|doi:\s*)10$|\b10\.\d{4,9}/\S*-$", re.I)
_SCHEMELESS_RE = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/|$)", re.I)


def mend_text(text: str) -> str:
    """Page text as written: typeset characters put back and wrapped URLs joined."""
    text = _CONTROL_RE.sub("", text.translate(_TYPESET))
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out:
            previous = out[-1].rstrip()
            end = _URL_AT_END_RE.search(previous)
            stripped = line.lstrip()
            if end is not None and stripped:
                if _continues(previous, stripped):
                    out[-1] = previous + stripped
                    continue
        out.append(line)
    return "\n".join(out)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` goes on with the URL `previous` ends in: by DOI syntax, after a hyphen,
    or when its first word is a piece of path (it holds `/`, `.`, `-`, `_`, `=`, `&`, `?`, `#`,
    `%` or a digit inside it) — a plain word ("and", "above.") is the sentence going on."""
    token = _CONTINUATION_RE.match(line)
    if token is None:
        return False
    if _DOI_END_RE.search(previous) is not None:
        return re.match(r"^[.\d]", line) is not None or previous.endswith("-")
    if previous.endswith((".", ",", ";", ":", ")", "]")):
        return False  # the URL already ended like a sentence
    if previous.endswith("-"):
        return True
    word = token.group().rstrip(".,;:)]")
    return re.search(r"[/\-_=&?#%\d.]", word) is not None


def _links(document: Any, page: Any) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(URI, rectangle) of each link on the page with a URI action."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    found: list[tuple[str, tuple[float, float, float, float]]] = []
    position, link = ctypes.c_int(0), pdfium_c.FPDF_LINK()
    while pdfium_c.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
        action = pdfium_c.FPDFLink_GetAction(link)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(document.raw, action, None, 0)
        if size <= 1 or size > 65536:
            continue
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(document.raw, action, buffer, size)
        rect = pdfium_c.FS_RECTF()
        pdfium_c.FPDFLink_GetAnnotRect(link, ctypes.byref(rect))
        uri = buffer.value.decode("utf-8", "replace").strip()
        found.append((uri, (rect.left, rect.bottom, rect.right, rect.top)))
    return found


def _annotation_url(uri: str) -> str | None:
    if classify_href(uri) == "url":
        return href_to_url(uri)
    if _SCHEMELESS_RE.match(uri):
        return "http://" + uri  # a typesetter's link without its scheme
    return None


def _open(data: bytes) -> Any:
    import pypdfium2

    from linkcheck.extract import ExtractionFailed

    try:
        return pypdfium2.PdfDocument(data)  # an empty user password is tried by PDFium itself
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionFailed("encrypted PDF: it needs a password") from exc
        raise ExtractionFailed(f"corrupt PDF: {exc}") from exc


def extract(data: bytes, document: str, warn: Callable[[str], None]) -> Extraction:
    pdf = _open(data)
    extraction = Extraction(document, "pdf")
    try:
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            try:
                textpage = page.get_textpage()
                # PDFium marks a hyphen that ends a line with U+FFFE and joins the lines: put the
                # line break back, so that mend_text decides (a URL's hyphen is a real one).
                text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n")
                links = _links(pdf, page)
                labels = {uri: " ".join(textpage.get_text_bounded(*rect).split()) for uri, rect in links}
            except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
                warn(f"{document}: page {number}: text not extractable ({type(exc).__name__})")
                text, links, labels = "", [], {}
            found = cite_in_text(mend_text(text), document, page=number)
            seen = {c.url for c in found}
            for uri, _ in links:
                href = _annotation_url(uri)
                if href is None:
                    continue
                url, fragment = normalise_url(href)
                if url in seen:
                    continue
                seen.add(url)
                label = labels.get(uri, "")[:200] or "(link annotation)"
                found.append(Citation(url, document, None, label, page=number, fragment=fragment))
            extraction.citations.extend(found)
        raw = pdf.get_metadata_dict().get("CreationDate")
    finally:
        pdf.close()
    if raw and (date := parse_date(str(raw))):
        extraction.date, extraction.date_source = date, "pdf-metadata"
    return extraction
