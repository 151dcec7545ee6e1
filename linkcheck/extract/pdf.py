"""PDF: URLs in each page's text and in its link annotations, located by page number (pypdf).

pypdf runs in non-strict mode so that a damaged cross-reference table is rebuilt rather than
fatal; a file it still cannot open raises ExtractionFailed and becomes a warning.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from linkcheck.dates import parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction
from linkcheck.urls import classify_href, href_to_url, normalise_url

__all__ = ["extract"]

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the user's business


def _annotation_uris(page: object) -> list[str]:
    uris: list[str] = []
    annotations = page.get("/Annots")  # type: ignore[attr-defined]
    if annotations is None:
        return uris
    for reference in annotations.get_object():
        annotation = reference.get_object()
        action = annotation.get("/A")
        if action is None:
            continue
        action = action.get_object()
        uri = action.get("/URI")
        if uri:
            value = uri.get_object()
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            uris.append(str(value))
    return uris


def extract(data: bytes, document: str, warn: Callable[[str], None]) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from linkcheck.extract import ExtractionFailed

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = list(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExtractionFailed(f"corrupt PDF: {exc}") from exc
    extraction = Extraction(document, "pdf")
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            warn(f"{document}: page {number}: text not extractable ({type(exc).__name__})")
            text = ""
        found = cite_in_text(text, document, page=number)
        seen = {c.url for c in found}
        try:
            uris = _annotation_uris(page)
        except Exception:  # noqa: BLE001 - malformed annotation dictionaries are common
            uris = []
        for uri in uris:
            if classify_href(uri) != "url":
                continue
            url, fragment = normalise_url(href_to_url(uri))
            if url not in seen:
                seen.add(url)
                found.append(Citation(url, document, None, "(link annotation)", page=number, fragment=fragment))
        extraction.citations.extend(found)
    try:
        metadata = reader.metadata
        raw = metadata.get("/CreationDate") if metadata else None
    except Exception:  # noqa: BLE001
        raw = None
    if raw and (date := parse_date(str(raw))):
        extraction.date, extraction.date_source = date, "pdf-metadata"
    return extraction
