"""Plain text, including text extracted from PDFs: every URL and DOI written in it."""

from __future__ import annotations

import bisect
import re

from linkcheck.dates import find_accessed_date
from linkcheck.models import Citation, Extraction
from linkcheck.urls import UrlMatch, find_urls

__all__ = ["accessed_near", "extract", "cite_in_text", "snippet"]

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
    begin, finish = max(left, start - room), min(right, end + room)
    # Cut at word boundaries: a context that starts or ends mid-word reads as garbled.
    if begin > left and not text[begin - 1].isspace():
        space = _SPACE_RE.search(text, begin, start)
        begin = space.end() if space else start
    if finish < right and not text[finish].isspace():
        spaces = list(_SPACE_RE.finditer(text, end, finish))
        finish = spaces[-1].start() if spaces else end
    folded = _SPACE_RE.sub(" ", text[begin:finish]).strip()
    if len(folded) > limit:
        cut = folded.rfind(" ", 0, limit)
        folded = folded[: cut if cut > limit // 2 else limit]
    return folded


def _note_windows(text: str, matches: list[UrlMatch], index: int) -> tuple[str, str]:
    """The text where an "accessed …" note about matches[index] may stand: before it on its
    own line, after it to the end of its line (or the next, if that holds no other URL);
    never past a neighbouring URL, whose note it would be."""
    match = matches[index]
    floor = max(text.rfind("\n", 0, match.start) + 1, matches[index - 1].end if index else 0)
    ceiling = text.find("\n", match.end)
    if ceiling >= 0:
        following = text.find("\n", ceiling + 1)
        following = len(text) if following < 0 else following
        if "://" not in text[ceiling:following]:
            ceiling = following
    else:
        ceiling = len(text)
    if index + 1 < len(matches):
        ceiling = min(ceiling, matches[index + 1].start)
    return text[max(floor, match.start - 80) : match.start], text[match.end : min(ceiling, match.end + 80)]


def accessed_near(text: str, start: int, end: int) -> str | None:
    """The date of an "accessed …" note about the URL written at text[start:end], found as for
    a URL in plain text (its line and the next, never past a neighbouring URL)."""
    low = text.rfind("\n", 0, start) + 1
    high = text.find("\n", end)
    high = len(text) if high < 0 else text.find("\n", high + 1)
    window = text[low : len(text) if high < 0 else high]
    matches = find_urls(window)
    for index, match in enumerate(matches):
        if match.start <= start - low < match.end:
            return find_accessed_date(*_note_windows(window, matches, index))
    return find_accessed_date(text[max(low, start - 80) : start], text[end : end + 80])


def cite_in_text(
    text: str,
    document: str,
    *,
    first_line: int = 1,
    page: int | None = None,
    line_starts: list[int] | None = None,
    patterns_excluded: bool = False,
) -> list[Citation]:
    """Citations for the bare URLs in `text`, whose first line is line `first_line`."""
    matches = find_urls(text, patterns_excluded)
    if not matches:
        return []
    if line_starts is None and page is None:
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    citations = []
    for index, match in enumerate(matches):
        line = None
        if line_starts is not None:
            line = first_line + bisect.bisect_right(line_starts, match.start) - 1
        date = find_accessed_date(*_note_windows(text, matches, index))
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
