"""Plain text, including text extracted from PDFs: every URL and DOI written in it."""

from __future__ import annotations

import bisect
import re

from linkcheck.dates import find_accessed_date
from linkcheck.models import Citation, Extraction
from linkcheck.urls import find_urls

__all__ = ["extract", "cite_in_text", "snippet"]

SNIPPET_LIMIT = 200
_SPACE_RE = re.compile(r"\s+")


def snippet(text: str, start: int, end: int, limit: int = SNIPPET_LIMIT) -> str:
    """At most `limit` characters around text[start:end], white space folded.

    The context stays inside the paragraph and stops at neighbouring lines that hold other
    URLs: in a footnote block, a URL's neighbours are not its context.
    """
    room = max(0, (limit - (end - start)) // 2)
    left = text.rfind("\n", 0, start) + 1
    while left > 0 and start - left < room:
        previous = text.rfind("\n", 0, left - 1) + 1
        line = text[previous : left - 1]
        if not line.strip() or "://" in line:
            break
        left = previous
    right = text.find("\n", end)
    right = len(text) if right < 0 else right
    while right < len(text) and right - end < room:
        following = text.find("\n", right + 1)
        following = len(text) if following < 0 else following
        line = text[right + 1 : following]
        if not line.strip() or "://" in line:
            break
        right = following
    before = text[max(left, start - room) : start]
    after = text[end : min(right, end + room)]
    return _SPACE_RE.sub(" ", before + text[start:end] + after).strip()[:limit]


def cite_in_text(
    text: str,
    document: str,
    *,
    first_line: int = 1,
    page: int | None = None,
    line_starts: list[int] | None = None,
) -> list[Citation]:
    """Citations for the bare URLs in `text`, whose first line is line `first_line`."""
    matches = find_urls(text)
    if not matches:
        return []
    if line_starts is None and page is None:
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    citations = []
    for match in matches:
        line = None
        if line_starts is not None:
            line = first_line + bisect.bisect_right(line_starts, match.start) - 1
        date = find_accessed_date(text[max(0, match.start - 60) : match.start], text[match.end : match.end + 80])
        citations.append(
            Citation(
                url=match.url,
                document=document,
                line=line,
                page=page,
                text=snippet(text, match.start, match.end),
                fragment=match.fragment,
                date=date,
                date_source="accessed" if date else None,
            )
        )
    return citations


def extract(text: str, document: str) -> Extraction:
    return Extraction(document, "text", citations=cite_in_text(text, document))
