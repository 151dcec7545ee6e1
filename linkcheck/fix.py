"""`linkcheck fix`: each dead citation pointed at the copy from when it was cited.

What a citation becomes (`target`): a person's `replacement:` first; a `moved` link's new URL;
for a link whose verdict says the page is gone (broken, soft_404, unreachable, timeout,
server_error) and that has a verified snapshot, the snapshot. Never for ok, blocked,
rate_limited, or a verdict a person accepted.

How a document is rewritten (`plan`, then `apply`): only on the line the registry recorded,
and only where a URL written there is, once normalised, the cited one — a document edited since
`extract` is skipped with a message, never guessed at. The replacement goes where the URL was,
inside whatever construct holds it (a Markdown target, a reST reference, `\\href{}`, a bare URL),
so every other byte stays: encoding (UTF-8, with or without BOM, or Latin-1), line endings, the
final newline. In HTML a link to a snapshot follows Robust Links, the published convention for
a link with its archived copy: `href` becomes the snapshot, `data-originalurl` the original,
`data-versiondate` the capture's date. PDF and Word files are listed to fix by hand.

The registry afterwards (commands.fix): the documents are extracted again, so the fixed
citations cite the snapshot (recognised as a snapshot of the original: `snapshot_of`), and the
original's entry is kept with `fixed_to: <snapshot>` — its notes and history are not lost.
"""

from __future__ import annotations

import difflib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from linkcheck.extract import MAX_FILE_BYTES, sniff_format
from linkcheck.models import Citation, Verdict
from linkcheck.registry import LinkEntry
from linkcheck.urls import find_urls, normalise_url

__all__ = ["Change", "DocumentPlan", "plan_document", "target", "GONE"]

GONE = frozenset({Verdict.BROKEN, Verdict.SOFT_404, Verdict.UNREACHABLE, Verdict.TIMEOUT, Verdict.SERVER_ERROR})
BY_HAND = frozenset({"pdf", "docx"})  # formats not rewritten: listed with page or paragraph
_HREF_BEFORE_RE = re.compile(r"""\bhref\s*=\s*(["']?)$""", re.I)


@dataclass(frozen=True)
class Target:
    url: str
    why: str  # "replacement", "moved" or "snapshot"
    version_date: str | None = None  # the snapshot's capture date (Robust Links)


def target(entry: LinkEntry) -> Target | None:
    """What citations of `entry` should point at instead, or None."""
    if entry.replacement:
        return Target(entry.replacement, "replacement")
    result = entry.result
    if result is None or entry.accept == result.status:
        return None
    if result.status is Verdict.MOVED and result.final_url:
        return Target(result.final_url, "moved")
    archive = entry.archive
    if result.status in GONE and archive is not None and archive.verified_at:
        stamp = archive.timestamp
        when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) >= 8 and stamp[:8].isdigit() else None
        return Target(archive.url, "snapshot", when)
    return None


@dataclass
class Change:
    url: str
    line: int
    new: str


@dataclass
class DocumentPlan:
    """What `fix` does to one document."""

    path: Path
    original: bytes = b""
    fixed: bytes = b""
    changes: list[Change] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a citation was not fixed
    by_hand: list[str] = field(default_factory=list)  # PDF and Word: what to change where

    def diff(self, name: str) -> str:
        if self.original == self.fixed:
            return ""
        before, after = _decode(self.original)[0], _decode(self.fixed)[0]
        return "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )


_BOMS = {
    b"\xef\xbb\xbf": "utf-8",
    b"\xff\xfe": "utf-16-le",
    b"\xfe\xff": "utf-16-be",
}


def _changed(number: int, url: str) -> str:
    return f"line {number}: {url} is no longer written there (the document changed since `extract`)"


def _decode(data: bytes) -> tuple[str, str, bytes]:
    """The text, the encoding to write it back in and the byte-order mark to put first:
    UTF-8 (with or without BOM), UTF-16 with its BOM, else Latin-1 (any byte decodes)."""
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "surrogateescape"), encoding, bom
    try:
        return data.decode("utf-8"), "utf-8", b""
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", b""


def _encode(text: str, encoding: str, bom: bytes) -> bytes:
    return bom + text.encode(encoding, "strict" if encoding == "latin-1" else "surrogateescape")


def plan_document(path: Path, fixes: list[tuple[Citation, LinkEntry, Target]], fmt: str | None = None) -> DocumentPlan:
    """The rewritten bytes of one document for its citations' targets; `fmt` is the format
    `extract` recorded (else the one its name says)."""
    plan = DocumentPlan(path)
    fmt = fmt or sniff_format(path, b"")
    if fmt in BY_HAND:
        for citation, entry, new in fixes:
            if citation.page:
                where = f"page {citation.page}"
            elif fmt == "docx":  # the text finds it: a note's citation is at its mark's paragraph
                shown = citation.text if len(citation.text) <= 60 else citation.text[:59] + "…"
                where = f'paragraph {citation.line} ("{shown}")' if shown else f"paragraph {citation.line}"
            else:
                where = f"line {citation.line}"
            plan.by_hand.append(f"{where}: {entry.url} → {new.url}")
        return plan
    status = path.stat()
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
        # A device, a named pipe (reading could last or wait forever), or more than extract reads.
        plan.skipped += [
            f"line {c.line}: {entry.url}: the document is not a regular file of at most {MAX_FILE_BYTES // 2**20} MB"
            for c, entry, _ in fixes
        ]
        return plan
    plan.original = path.read_bytes()
    text, encoding, bom = _decode(plan.original)
    lines = text.split("\n")  # "\r" stays with its line: CRLF survives
    html = fmt == "html"
    if fmt == "bibtex":
        _plan_bibtex(plan, lines, fixes)
        plan.fixed = _encode("\n".join(lines), encoding, bom)
        return plan
    sites = _definition_sites(lines, fmt)
    defined = {url for _, url in sites}
    done: set[tuple[int, str]] = set()  # one pass per line and URL: every occurrence there at once
    definitions: dict[str, Target] = {}
    for citation, entry, new in sorted(fixes, key=lambda f: f[0].line or 0):
        number = citation.line
        if number is None or not 1 <= number <= len(lines):
            plan.skipped.append(f"{entry.url}: no line recorded for this citation")
            continue
        if (number, entry.url) in done:
            continue
        done.add((number, entry.url))
        definitions[entry.url] = new  # a reference-style link is fixed at its definition
        replaced = _replace_on_line(lines[number - 1], entry.url, new, html)
        if replaced is None:
            use = _REFERENCE_USE.get(fmt or "")
            if entry.url in defined and use is not None and use.search(lines[number - 1]):
                continue  # `[text][label]`, `` `text`_ ``: the URL is written at the definition, fixed below
            plan.skipped.append(_changed(number, entry.url))
            continue
        lines[number - 1] = replaced
        plan.changes.append(Change(entry.url, number, new.url))
    for index, url in sites:
        if url in definitions and (index + 1, url) not in done:
            replaced = _replace_on_line(lines[index], url, definitions[url], html=False)
            if replaced is not None:
                done.add((index + 1, url))
                lines[index] = replaced
                plan.changes.append(Change(url, index + 1, definitions[url].url))
    plan.fixed = _encode("\n".join(lines), encoding, bom)
    return plan


# A reference to a target defined elsewhere: Markdown `[text][label]`, `[label]`; reST `name_`, `` `text`_ ``.
_REFERENCE_USE = {
    "markdown": re.compile(r"\]\s?\[[^\]]*\]|\[[^\]]+\](?![(:\[])"),
    "rest": re.compile(r"`[^`]+`__?|\b[\w.-]+__?(?!\w)"),
}
_MARKDOWN_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)")
# `.. _name: URL`, `.. _`name`: URL`, `.. __: URL`; the URL may be on the next, indented line.
_REST_TARGET_RE = re.compile(r"^\s*\.\.[ \t]+_(?:`[^`]*`|[^:`]*|_):[ \t]*(\S*)")


def _definition_sites(lines: list[str], fmt: str | None) -> list[tuple[int, str]]:
    """Where a link target is defined apart from its use: (line index, URL) for Markdown
    reference definitions and reST hyperlink targets, which `fix` edits at the definition."""
    sites: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if fmt == "markdown" and (match := _MARKDOWN_DEFINITION_RE.match(line)):
            sites.append((index, normalise_url(match.group(1))[0]))
        elif fmt == "rest" and (match := _REST_TARGET_RE.match(line)):
            if match.group(1):
                sites.append((index, normalise_url(match.group(1))[0]))
            elif index + 1 < len(lines) and lines[index + 1][:1].isspace() and lines[index + 1].strip():
                sites.append((index + 1, normalise_url(lines[index + 1].strip())[0]))
    return sites


def _replace_on_line(line: str, url: str, new: Target, html: bool) -> str | None:
    """`line` with each URL written there that normalises to `url` replaced, or None if none does."""
    matches = [m for m in find_urls(line) if m.url == url]
    if not matches:
        return None
    out, cursor = [], 0
    for match in matches:
        written = line[match.start : match.end]
        fragment = f"#{match.fragment}" if match.fragment and "#" not in new.url else ""
        replacement = new.url + fragment
        out.append(line[cursor : match.start])
        before = line[: match.start]
        quote = _HREF_BEFORE_RE.search(before) if html and new.why == "snapshot" else None
        closing = quote.group(1) if quote is not None else ""
        if quote is not None and line[match.end : match.end + len(closing)] == closing:
            attributes = f' data-originalurl="{written}"'
            if new.version_date:
                attributes += f' data-versiondate="{new.version_date}"'
            out.append(replacement + closing + attributes)
            cursor = match.end + len(closing)  # the attribute's closing quote is written above
        else:
            out.append(replacement)
            cursor = match.end
    out.append(line[cursor:])
    return "".join(out)


# ---------------------------------------------------------------------------- BibTeX
# A snapshot is added beside the original, never instead of it: `url` (or `doi`) stays the
# source, as bibliographies cite it. Added: `archiveurl` and `archivedate`, the names of
# Wikipedia's citation templates and of the usual biblatex data-model extension — no standard
# style prints them, so they never break a build and tools read them; and a `note` ("Archived
# at \url{…} on …"), the one field that both classic BibTeX styles and biblatex's print (an
# entry that has a note gets `addendum`, which biblatex prints at its end).
_FIELD_RE = re.compile(r"(?:^|(?<=[,{]))([ \t]*)(url|doi|howpublished|note|annote|addendum)([ \t]*)=([ \t]*)", re.I)
_ARCHIVE_FIELD_RE = re.compile(r"(?:^|[,{\s])archiveurl\s*=\s*[{\"]\s*([^}\"\s]*)", re.I)
_FIELD_NAMES_RE = re.compile(r"(?:^|[,{\s])(note|addendum)\s*=", re.I)


def _plan_bibtex(plan: DocumentPlan, lines: list[str], fixes: list[tuple[Citation, LinkEntry, Target]]) -> None:
    from linkcheck.extract import bibtex

    # From the last line up: an insertion leaves the line numbers above it as recorded.
    for citation, entry, new in sorted(fixes, key=lambda f: f[0].line or 0, reverse=True):
        number = citation.line
        if number is None or not 1 <= number <= len(lines):
            plan.skipped.append(f"{entry.url}: no line recorded for this citation")
            continue
        if new.why != "snapshot":  # a new address replaces the old one where it is written
            replaced = _replace_on_line(lines[number - 1], entry.url, new, html=False)
            if replaced is None:
                plan.skipped.append(
                    f"line {number}: {entry.url} is not written there as a URL (a DOI is changed by hand)"
                )
            else:
                lines[number - 1] = replaced
                plan.changes.append(Change(entry.url, number, new.url))
            continue
        start = next((i for i in range(number - 1, -1, -1) if lines[i].lstrip().startswith("@")), None)
        end = _entry_end(lines, start) if start is not None else None
        if start is None or end is None or end < number - 1:
            plan.skipped.append(
                f"line {number}: {entry.url} is not inside an entry (the document changed since `extract`)"
            )
            continue
        block = "\n".join(lines[start : end + 1])
        existing = _ARCHIVE_FIELD_RE.search(block)
        if existing is not None:
            if normalise_url(existing.group(1))[0] != normalise_url(new.url)[0]:
                plan.skipped.append(f"line {number}: {entry.url}: the entry has its own archiveurl, left as it is")
            continue  # fixed before: nothing to do
        if entry.url not in {c.url for c in bibtex.extract(block, plan.path.name).citations}:
            plan.skipped.append(_changed(number, entry.url))
            continue
        offset = sum(len(line) + 1 for line in lines[start : number - 1])
        field = _FIELD_RE.search(lines[number - 1])
        value_end = _value_end(block, offset + field.end()) if field is not None else None
        if field is None or value_end is None:
            plan.skipped.append(f"line {number}: {entry.url}: the field holding it could not be read; fix it by hand")
            continue
        eol = "\r\n" if lines[number - 1].endswith("\r") else "\n"
        block = block[:value_end] + _archive_fields(field, eol, new, block) + block[value_end:]
        lines[start : end + 1] = block.split("\n")
        plan.changes.append(Change(entry.url, number, new.url))


def _archive_fields(field: re.Match[str], eol: str, new: Target, block: str) -> str:
    """The fields to add after the value of `field`, laid out like it (indent, `=` aligned)."""
    indent, name, gap, after = field.group(1), field.group(2), field.group(3), field.group(4)
    width = len(name) + len(gap)
    own_line = field.start() == 0
    separator = eol + indent if own_line else " "  # an entry written on one line stays so

    def written(key: str, value: str) -> str:
        # Aligned only where the file aligns (`url       = …`); `howpublished={` sets no column.
        aligned = own_line and len(gap) > 1 and width > len(key)
        padded = key.ljust(width) if aligned else key + (" " if gap else "")
        return f",{separator}{padded}={after}{{{value}}}"

    url = new.url.replace("{", "%7B").replace("}", "%7D")
    added = written("archiveurl", url)
    if new.version_date:
        added += written("archivedate", new.version_date)
    taken = {m.group(1).lower() for m in _FIELD_NAMES_RE.finditer(block)}
    readable = next((key for key in ("note", "addendum") if key not in taken), None)
    if readable is not None:
        shown = url.replace("%", "\\%").replace("#", "\\#")
        when = f" on {new.version_date}" if new.version_date else ""
        added += written(readable, f"Archived at \\url{{{shown}}}{when}")
    return added


def _entry_end(lines: list[str], start: int) -> int | None:
    """The index of the line that closes the entry opened at `start`: `@type{…}` by its braces,
    `@type(…)` by the `)` outside any braces (a value's parentheses never count)."""
    opening = re.compile(r"\s*@\s*\w+\s*([{(])").match(lines[start])
    if opening is None:
        return None
    closer = "}" if opening.group(1) == "{" else ")"
    depth = 0  # braces inside the entry's own delimiters
    column = opening.end()
    for index in range(start, min(len(lines), start + 2000)):
        for char in lines[index][column:]:
            if char == "{":
                depth += 1
            elif char == "}" and depth > 0:
                depth -= 1
            elif char == closer and depth == 0:
                return index
        column = 0
    return None


_BARE_VALUE_RE = re.compile(r"[\w.:+/-]+")  # a number or a @string name
_CONCATENATION_RE = re.compile(r"\s*#\s*")


def _value_end(text: str, index: int) -> int | None:
    """Where a BibTeX field value starting at `index` ends: `{…}` balanced, `"…"`, a bare word
    or number, or their `#` concatenation."""
    while index < len(text):
        char = text[index]
        if char in '{"':
            depth = 0
            for position in range(index, len(text)):
                c = text[position]
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                if (char == "{" and depth == 0) or (char == '"' and c == '"' and depth == 0 and position > index):
                    index = position + 1
                    break
            else:
                return None
        else:
            match = _BARE_VALUE_RE.match(text, index)
            if match is None:
                return None
            index = match.end()
        following = _CONCATENATION_RE.match(text, index)
        if following is None or not following.group():
            return index
        index = following.end()
    return None
