"""BibTeX and BibLaTeX: `url`, `doi`, `archiveurl`, an `eprint` of a known archive (arXiv, hdl,
JSTOR, PubMed, as biblatex links them), `howpublished = {\\url{…}}`, URLs in `note` and the like.

Values are read as BibTeX reads them: `@string` macros and `#` concatenation resolved
(`url = ctan # "pkg/x"`). An entry whose key repeats an earlier one (merged bibliographies) is
still read; an entry the parser gives up on (unbalanced braces) is scanned for URLs as plain
text, with a warning — its URLs are never lost. `@comment` and text between entries are not read.

`urldate` (BibLaTeX's "accessed on"), or an "accessed" date in `note` (as Wikipedia's BibTeX export
writes it: `[Online; accessed 12-April-2024]`), becomes the citation date of the entry's URLs.
Each citation's text is the entry's title, or its key when it has none.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from linkcheck.dates import find_accessed_date, parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction
from linkcheck.urls import doi_url, normalise_url

__all__ = ["extract"]

_URL_COMMAND_RE = re.compile(r"\\(?:url|href)\{([^}]*)\}")
_LATEX_ESCAPE_RE = re.compile(r"\\([_%#&~$])")
_KEY_RE = re.compile(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")
_TEXT_FIELDS = ("howpublished", "note", "annote", "addendum")
# biblatex's eprint types it turns into links (biblatex manual, "Electronic Publishing Information").
_EPRINT_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "hdl": "https://hdl.handle.net/{}",
    "jstor": "https://www.jstor.org/stable/{}",
    "pubmed": "https://www.ncbi.nlm.nih.gov/pubmed/{}",
}
# The parser logs a block it gives up on to stderr; the warning below says it, with what was done.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())


def _plain(value: str) -> str:
    return _LATEX_ESCAPE_RE.sub(r"\1", value).replace("{", "").replace("}", "").strip()


def _resolve(raw: str, strings: dict[str, str]) -> str:
    """A field's value as BibTeX reads it: `{…}` and `"…"` parts without their delimiters, macro
    names replaced by their `@string`, parts joined at each `#` outside braces and quotes."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    resolved = []
    for part in (p.strip() for p in parts):
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            resolved.append(part[1:-1])
        else:
            resolved.append(strings.get(part.lower(), part))
    return "".join(resolved)


def _entries(library: Any, document: str, warn: Callable[[str], None]) -> Iterator[Any]:
    """Every entry, in the order written: the parsed ones, and the second of two with one key.
    A block the parser gave up on is reported; `extract` scans it as plain text."""
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry

    yield from library.entries
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            if isinstance(block.ignore_error_block, Entry):
                yield block.ignore_error_block
        else:
            reason = str(getattr(block.error, "abort_reason", "") or type(block.error).__name__).strip()
            warn(
                f"{document}: line {(block.start_line or 0) + 1}: entry not read as BibTeX ({reason}); "
                "URLs in it found by a plain scan"
            )


def extract(text: str, document: str, warn: Callable[[str], None] | None = None) -> Extraction:
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock

    # No middleware: values stay as written, so `#` inside braces (a URL's fragment) is not a
    # concatenation, and a repeated key's entry is read the same way as the first.
    library = bibtexparser.parse_string(text, parse_stack=[])  # type: ignore[attr-defined]  # re-exported, not declared
    strings: dict[str, str] = {}
    for string in library.strings:
        strings[string.key.lower()] = _resolve(str(string.value), strings)
    extraction = Extraction(document, "bibtex")
    entries = sorted(_entries(library, document, warn or (lambda message: None)), key=lambda e: e.start_line)
    for entry in entries:
        extraction.citations.extend(_entry_citations(entry, strings, document))
    for block in library.failed_blocks:
        if not isinstance(block, DuplicateBlockKeyBlock):
            key = _KEY_RE.match(block.raw or "")
            extraction.citations.extend(
                dataclasses.replace(citation, text=key.group(1)) if key else citation
                for citation in cite_in_text(
                    _LATEX_ESCAPE_RE.sub(r"\1", block.raw or ""), document, first_line=(block.start_line or 0) + 1
                )
            )
    extraction.citations.sort(key=lambda citation: citation.line or 0)
    return extraction


def _entry_citations(entry: Any, strings: dict[str, str], document: str) -> list[Citation]:
    values = {field.key.lower(): (_resolve(str(field.value), strings), field) for field in entry.fields}
    label = _plain(values["title"][0])[:200] if "title" in values else entry.key
    accessed = parse_date(_plain(values["urldate"][0])) if "urldate" in values else None
    if accessed is None and "note" in values:
        accessed = find_accessed_date(_plain(values["note"][0]), "")
    eprint_url = _EPRINT_URLS.get(
        _plain(values.get("eprinttype", values.get("archiveprefix", ("", None)))[0]).lower(), ""
    )
    found: dict[str, tuple[str | None, int]] = {}  # url → (fragment, line): an entry cites a URL once
    wanted = [values[name] for name in ("url", "archiveurl", "doi", "eprint", *_TEXT_FIELDS) if name in values]
    for value, field in sorted(wanted, key=lambda pair: pair[1].start_line or 0):
        name = field.key.lower()
        line = (field.start_line or entry.start_line or 0) + 1
        if not _plain(value):
            continue
        if name in ("url", "archiveurl"):
            url, fragment = normalise_url(_plain(value))
            found.setdefault(url, (fragment, line))
        elif name == "doi":
            found.setdefault(doi_url(_plain(value)), (None, line))
        elif name == "eprint":
            if eprint_url:
                found.setdefault(eprint_url.format(_plain(value)), (None, line))
        else:
            for inner in _URL_COMMAND_RE.findall(value):
                url, fragment = normalise_url(_plain(inner))
                found.setdefault(url, (fragment, line))
            for citation in cite_in_text(_LATEX_ESCAPE_RE.sub(r"\1", value), document, first_line=line):
                found.setdefault(citation.url, (citation.fragment, line))
    return [
        Citation(
            url,
            document,
            line,
            label,
            fragment=fragment,
            date=accessed,
            date_source="accessed" if accessed else None,
        )
        for url, (fragment, line) in found.items()
    ]
