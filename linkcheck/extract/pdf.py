"""PDF: URLs in each page's text and in its link annotations, located by page number (pypdf).

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

pypdf runs in non-strict mode so that a damaged cross-reference table is rebuilt rather than
fatal; a file it still cannot open raises ExtractionFailed and becomes a warning.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from typing import Any

from linkcheck.dates import parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract", "mend_text"]

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the user's business

_TYPESET = str.maketrans(
    {"\u02dc": "~", "\u00ad": None, "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A line that ends inside a URL (no space after it) …
_URL_AT_END_RE = re.compile(r"(?:https?://|doi:\s*|\b10\.\d{4,9}/)\S*$", re.I)
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


def _rect(annotation: Any) -> tuple[float, float, float, float] | None:
    try:
        left, bottom, right, top = (float(v) for v in annotation.get("/Rect"))
    except (TypeError, ValueError):
        return None
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def _annotations(page: Any) -> list[tuple[str, tuple[float, float, float, float] | None]]:
    """(URI, rectangle) of each link annotation with a URI action."""
    found: list[tuple[str, tuple[float, float, float, float] | None]] = []
    annotations = page.get("/Annots")
    if annotations is None:
        return found
    for reference in annotations.get_object():
        annotation = reference.get_object()
        action = annotation.get("/A")
        if action is None:
            continue
        uri = action.get_object().get("/URI")
        if uri:
            value = uri.get_object()
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            found.append((str(value).strip(), _rect(annotation)))
    return found


def _page_text(page: Any, want_positions: bool) -> tuple[str, list[tuple[float, float, str]]]:
    """The page's text, and (when asked) where each piece of it is set (x, y, text)."""
    pieces: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            # The text's origin on the page: the text matrix, then the current transformation.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((x, y, text))

    text = page.extract_text(visitor_text=visit if want_positions else None) or ""
    return text, pieces


def _text_under(rect: tuple[float, float, float, float], pieces: list[tuple[float, float, str]]) -> str:
    left, bottom, right, top = rect
    inside = [p for p in pieces if left - 2 <= p[0] <= right + 2 and bottom - 4 <= p[1] <= top + 2]
    return " ".join(" ".join(p[2] for p in sorted(inside, key=lambda p: (-p[1], p[0]))).split())


def _annotation_url(uri: str) -> str | None:
    if classify_href(uri) == "url":
        return href_to_url(uri)
    if _SCHEMELESS_RE.match(uri):
        return "http://" + uri  # a typesetter's link without its scheme
    return None


def _open(data: bytes) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    from linkcheck.extract import ExtractionFailed

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError) as exc:
                raise ExtractionFailed(f"encrypted PDF that cannot be opened here ({exc})") from exc
            if not opened:
                raise ExtractionFailed("encrypted PDF: it needs a password")
        reader.pages  # noqa: B018 - reading the page tree is what fails on a damaged file
    except ExtractionFailed:
        raise
    except FileNotDecryptedError as exc:
        raise ExtractionFailed("encrypted PDF: it needs a password") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExtractionFailed(f"corrupt PDF: {exc}") from exc
    return reader


def extract(data: bytes, document: str, warn: Callable[[str], None]) -> Extraction:
    reader = _open(data)
    extraction = Extraction(document, "pdf")
    for number, page in enumerate(reader.pages, start=1):
        try:
            links = _annotations(page)
        except Exception:  # noqa: BLE001 - malformed annotation dictionaries are common
            links = []
        try:
            text, pieces = _page_text(page, want_positions=bool(links))
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            warn(f"{document}: page {number}: text not extractable ({type(exc).__name__})")
            text, pieces = "", []
        found = cite_in_text(mend_text(text), document, page=number)
        seen = {c.url for c in found}
        for uri, rect in links:
            href = _annotation_url(uri)
            if href is None:
                continue
            url, fragment = normalise_url(href)
            if url in seen:
                continue
            seen.add(url)
            label = (_text_under(rect, pieces) if rect else "")[:200] or "(link annotation)"
            found.append(Citation(url, document, None, label, page=number, fragment=fragment))
        extraction.citations.extend(found)
    try:
        metadata = reader.metadata
        raw = metadata.get("/CreationDate") if metadata else None
    except Exception:  # noqa: BLE001
        raw = None
    if raw and (date := parse_date(str(raw))):
        extraction.date, extraction.date_source = date, "pdf-metadata"
    return extraction
