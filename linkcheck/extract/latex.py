"""LaTeX: `\\url{…}`, `\\href{url}{text}`, `\\doi{…}`, `\\nolinkurl{…}` and URLs written in the text.

Not citations: what follows `%` on a line (a comment; `\\%` is a percent sign), and the
content of `verbatim`, `lstlisting`, `minted`, `Verbatim` and `comment` environments and of
`\\verb|…|` (code). A URL a line ends in with `%` — TeX's way to break a long line without a
space — continues on the next line and is joined.

Inside `\\url{}` the text is the URL as written (the url package reads it verbatim, `%` and `#`
included, spaces and line breaks ignored). Inside `\\href{}` TeX escapes are undone (`\\%`, `\\#`,
`\\_`, `\\&`, `\\~`). An "accessed 3 March 2021" note beside a command dates its citation, as in plain
text. Line numbers are kept: everything removed is replaced by the same number of line breaks.
"""

from __future__ import annotations

import bisect
import dataclasses
import re

from linkcheck.dates import find_accessed_date
from linkcheck.extract.text import cite_in_text, snippet
from linkcheck.models import Citation, Extraction
from linkcheck.urls import classify_href, doi_url, href_to_url, normalise_url

__all__ = ["extract"]

_CODE_ENV_RE = re.compile(
    r"\\begin\{(verbatim\*?|Verbatim\*?|lstlisting|minted|comment|BVerbatim|LVerbatim)\}.*?\\end\{\1\}", re.S
)
_VERB_RE = re.compile(r"\\verb\*?(.)(?:(?!\1).)*\1")
_COMMAND_RE = re.compile(r"\\(url|href|doi|burl|nolinkurl)\s*\{")
_ESCAPE_RE = re.compile(r"\\([%#_&~$])")


def _blank(match: re.Match[str]) -> str:
    """What removed text becomes: its line breaks only, so that line numbers stay right."""
    return "\n" * match.group().count("\n")


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The balanced `{…}` group whose `{` is at `start`: its content and the index after it."""
    depth = 0
    for index in range(start, min(len(text), start + 20_000)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif char == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index], index + 1
    return None


def _uncomment(text: str) -> str:
    """Comments removed; a line ending in `%` joined to the next (TeX reads no space there)."""
    out = []
    for line in text.split("\n"):
        cut = re.search(r"(?<!\\)%", line)
        if cut is not None:
            joined = cut.start() > 0 and not line[: cut.start()].endswith((" ", "\t")) and not line[cut.end() :].strip()
            line = line[: cut.start()] + ("\0" if joined else "")
        out.append(line)
    return "\n".join(out)


def extract(text: str, document: str) -> Extraction:
    body = _CODE_ENV_RE.sub(_blank, text)
    body = _VERB_RE.sub(_blank, body)
    citations: list[Citation] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)]

    def line_of(position: int) -> int:
        return bisect.bisect_right(line_starts, position)

    # Commands first; what they hold is then blanked out so that the prose scan skips it.
    pieces: list[str] = []
    cursor = 0
    for match in _COMMAND_RE.finditer(body):
        if match.start() < cursor or _commented(body, match.start()):
            continue
        group = _group(body, match.end() - 1)
        if group is None:
            continue
        argument, after = group
        name = match.group(1)
        label = argument
        if name == "href":
            second = re.match(r"\s*\{", body[after:])
            if second is not None and (text_group := _group(body, after + second.end() - 1)) is not None:
                label, after = text_group[0], text_group[1]
            argument = _ESCAPE_RE.sub(r"\1", argument)
        argument = re.sub(r"%\s*\n\s*", "", argument).strip()  # a URL broken over lines with `%`
        # The url package ignores spaces, a line break included, in `\url{}`; a line break in
        # another command's URL is never part of it either.
        argument = re.sub(r"\s+" if name in ("url", "burl", "nolinkurl") else r"\s*\n\s*", "", argument)
        href = doi_url(argument) if name == "doi" else argument
        if href and classify_href(href) == "url":
            url, fragment = normalise_url(href_to_url(href))
            context = label if name == "href" else snippet(body, match.start(), after)
            date = _accessed(body, max(cursor, match.start() - 80), match.start(), after)
            citations.append(
                Citation(
                    url,
                    document,
                    line_of(match.start()),
                    _plain(context)[:200],
                    fragment=fragment,
                    date=date,
                    date_source="accessed" if date else None,
                )
            )
        pieces.append(body[cursor : match.start()])
        pieces.append("\n" * body[match.start() : after].count("\n"))
        cursor = after
    pieces.append(body[cursor:])
    prose = _uncomment("".join(pieces))
    # Join what `%` joined; each joined line leaves an empty line after the join, so that the
    # lines below keep their numbers.
    lines_out: list[str] = []
    owed = 0
    for line in prose.split("\n"):
        if lines_out and lines_out[-1].endswith("\0"):
            lines_out[-1] = lines_out[-1][:-1] + line.lstrip()
            owed += 1
            continue
        lines_out.extend([""] * owed)
        owed = 0
        lines_out.append(line)
    lines_out.extend([""] * owed)
    prose_citations = cite_in_text("\n".join(line.replace("\0", "") for line in lines_out), document)
    citations.extend(dataclasses.replace(citation, text=_plain(citation.text)) for citation in prose_citations)
    citations.sort(key=lambda c: c.line or 0)
    return Extraction(document, "latex", citations=citations)


def _accessed(body: str, floor: int, start: int, end: int) -> str | None:
    """An "accessed …" note about the command at body[start:end]: after it, up to the next URL,
    or before it on its line, back to the previous command."""
    after = body[end : end + 80]
    if (following := re.search(r"://|\\(?:url|href|doi|burl|nolinkurl)\b", after)) is not None:
        after = after[: following.start()]
    before = body[max(floor, body.rfind("\n", 0, start) + 1) : start]
    return find_accessed_date(_plain(before), _plain(after))


def _commented(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return re.search(r"(?<!\\)%", text[line_start:position]) is not None


def _plain(text: str) -> str:
    """Context without TeX markup's noise: command names, braces and escapes."""
    text = re.sub(r"\\[A-Za-z@]+\*?", " ", text)
    text = _ESCAPE_RE.sub(r"\1", text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()
