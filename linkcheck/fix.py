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
from dataclasses import dataclass, field
from pathlib import Path

from linkcheck.models import Citation, Verdict
from linkcheck.registry import LinkEntry
from linkcheck.urls import find_urls, normalise_url

__all__ = ["Change", "DocumentPlan", "plan_document", "target", "GONE"]

GONE = frozenset({Verdict.BROKEN, Verdict.SOFT_404, Verdict.UNREACHABLE, Verdict.TIMEOUT, Verdict.SERVER_ERROR})
# PDF and Word are not rewritten; BibTeX will gain archive fields beside `url` rather than lose
# the original (not built yet), so for now its entries are listed too.
BY_HAND = frozenset({".pdf", ".docx", ".bib", ".bibtex"})
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


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding to write it back in: UTF-8 (a BOM kept), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "surrogateescape"), "utf-8-bom"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogateescape")
    return text.encode(encoding, "surrogateescape" if encoding == "utf-8" else "strict")


def plan_document(path: Path, fixes: list[tuple[Citation, LinkEntry, Target]]) -> DocumentPlan:
    """The rewritten bytes of one document for its citations' targets."""
    plan = DocumentPlan(path)
    if path.suffix.lower() in BY_HAND:
        for citation, entry, new in fixes:
            if citation.page:
                where = f"page {citation.page}"
            elif path.suffix.lower() == ".docx":
                where = f"paragraph {citation.line}"
            else:
                where = f"line {citation.line}"
            plan.by_hand.append(f"{where}: {entry.url} → {new.url}")
        return plan
    plan.original = path.read_bytes()
    text, encoding = _decode(plan.original)
    lines = text.split("\n")  # "\r" stays with its line: CRLF survives
    suffix = path.suffix.lower()
    html = suffix in (".html", ".htm", ".xhtml")
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
        if suffix in _MARKDOWN:
            definitions[entry.url] = new  # a reference-style link is fixed at its definition
        replaced = _replace_on_line(lines[number - 1], entry.url, new, html)
        if replaced is None:
            if (
                suffix in _MARKDOWN
                and _REFERENCE_USE_RE.search(lines[number - 1])
                and _has_definition(lines, entry.url)
            ):
                continue  # `[text][label]`: the URL is written at the definition, fixed below
            plan.skipped.append(
                f"line {number}: {entry.url} is no longer written there (the document changed since `extract`)"
            )
            continue
        lines[number - 1] = replaced
        plan.changes.append(Change(entry.url, number, new.url))
    for index, line in enumerate(lines):
        match = _DEFINITION_RE.match(line)
        if match is None:
            continue
        url = normalise_url(match.group(1))[0]
        if url in definitions and (index + 1, url) not in done:
            replaced = _replace_on_line(line, url, definitions[url], html=False)
            if replaced is not None:
                lines[index] = replaced
                plan.changes.append(Change(url, index + 1, definitions[url].url))
    plan.fixed = _encode("\n".join(lines), encoding)
    return plan


_MARKDOWN = frozenset({".md", ".markdown", ".mdown", ".mkd", ".qmd", ".rmd", ".mdx"})
_REFERENCE_USE_RE = re.compile(r"\]\s?\[[^\]]*\]|\[[^\]]+\](?![(:\[])")
_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)")


def _has_definition(lines: list[str], url: str) -> bool:
    return any(
        (match := _DEFINITION_RE.match(line)) is not None and normalise_url(match.group(1))[0] == url for line in lines
    )


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
