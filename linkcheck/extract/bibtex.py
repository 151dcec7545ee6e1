"""BibTeX and BibLaTeX: `url`, `doi`, `archiveurl`, `howpublished = {\\url{…}}`, URLs in `note`.

`urldate` (BibLaTeX's "accessed on") becomes the citation date of the entry's URLs.
Each citation's text is the entry's title, or its key when it has none.
"""

from __future__ import annotations

import re

from linkcheck.dates import parse_date
from linkcheck.extract.text import cite_in_text
from linkcheck.models import Citation, Extraction
from linkcheck.urls import doi_url, normalise_url

__all__ = ["extract"]

_URL_COMMAND_RE = re.compile(r"\\(?:url|href)\{([^}]*)\}")
_LATEX_ESCAPE_RE = re.compile(r"\\([_%#&~$])")
_TEXT_FIELDS = ("howpublished", "note", "annote", "addendum")


def _plain(value: str) -> str:
    return _LATEX_ESCAPE_RE.sub(r"\1", value).replace("{", "").replace("}", "").strip()


def extract(text: str, document: str) -> Extraction:
    import bibtexparser

    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]  # re-exported, not declared
    extraction = Extraction(document, "bibtex")
    for entry in library.entries:
        fields = {field.key.lower(): field for field in entry.fields}
        label = _plain(str(fields["title"].value))[:200] if "title" in fields else entry.key
        accessed = parse_date(_plain(str(fields["urldate"].value))) if "urldate" in fields else None
        found: dict[str, tuple[str | None, int]] = {}  # url → (fragment, line): an entry cites a URL once
        wanted = [fields[name] for name in ("url", "archiveurl", "doi", *_TEXT_FIELDS) if name in fields]
        for field in sorted(wanted, key=lambda f: f.start_line or 0):
            name = field.key.lower()
            value = str(field.value)
            line = (field.start_line or entry.start_line or 0) + 1
            if name in ("url", "archiveurl"):
                url, fragment = normalise_url(_plain(value))
                found.setdefault(url, (fragment, line))
            elif name == "doi":
                found.setdefault(doi_url(_plain(value)), (None, line))
            else:
                for inner in _URL_COMMAND_RE.findall(value):
                    url, fragment = normalise_url(_plain(inner))
                    found.setdefault(url, (fragment, line))
                for citation in cite_in_text(_LATEX_ESCAPE_RE.sub(r"\1", value), document, first_line=line):
                    found.setdefault(citation.url, (citation.fragment, line))
        extraction.citations.extend(
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
        )
    return extraction
