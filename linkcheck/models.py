"""Plain data passed between the pipeline's stages; nothing here does I/O.

extract → `Citation` / `Placeholder` per document, collected into `Extraction`;
registry → `LinkEntry` per normalised URL; checker → `LinkResult` with a `Verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Verdict",
    "PROBLEM_VERDICTS",
    "EXPLANATIONS",
    "Citation",
    "Placeholder",
    "Extraction",
    "LinkResult",
    "History",
    "Snapshot",
]


class Verdict(StrEnum):
    """What became of a cited URL. The strings are public: reports and registries use them."""

    OK = "ok"
    MOVED = "moved"
    BROKEN = "broken"
    SOFT_404 = "soft_404"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"
    MISSING_TARGET = "missing_target"
    SKIPPED = "skipped"


# Verdicts that ask a person to act; `blocked` and `rate_limited` ask a person to look.
PROBLEM_VERDICTS = frozenset(
    {
        Verdict.MOVED,
        Verdict.BROKEN,
        Verdict.SOFT_404,
        Verdict.SERVER_ERROR,
        Verdict.TIMEOUT,
        Verdict.UNREACHABLE,
        Verdict.INVALID,
        Verdict.MISSING_TARGET,
    }
)


# Plain words for each verdict, for people reading reports.
EXPLANATIONS: dict[str, str] = {
    "ok": "The page answers.",
    "moved": "The page moved permanently; cite the new address.",
    "broken": "The page is gone (a 4xx answer, or a redirect loop).",
    "soft_404": 'The site answers, but with a "not found" page or its home page instead of the article.',
    "blocked": "The site refused an automated visitor (sign-in, bot check, 401/403); a person should look.",
    "rate_limited": "The site asked us to slow down and kept refusing; check again later.",
    "server_error": "The site failed with a server error (5xx), even after retries.",
    "timeout": "The site did not answer in time.",
    "unreachable": "The site could not be reached (DNS, refused connection, TLS).",
    "invalid": "The cited address is not a valid web URL.",
    "missing_target": "The document shows link text but the address was lost.",
    "skipped": "Not checked: excluded by configuration or ignored in the registry.",
}


@dataclass(frozen=True, slots=True)
class Citation:
    """One place where a document cites a URL.

    `url` is the normalised URL (the registry key); `fragment` is kept apart so that
    `page#a` and `page#b` are one link cited twice. `line` is 1-based (for Word files the
    paragraph number); PDFs give `page` instead. `date` is a citation date written next to
    the URL ("accessed 3 May 2020"), if any.
    """

    url: str
    document: str
    line: int | None
    text: str
    page: int | None = None
    fragment: str | None = None
    date: str | None = None
    date_source: str | None = None


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A link whose target was lost (`[text](#)`, `<a href="">`): a `missing_target` finding."""

    document: str
    line: int | None
    text: str
    page: int | None = None


@dataclass(slots=True)
class Extraction:
    """Everything one document yielded."""

    document: str
    format: str
    citations: list[Citation] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    date: str | None = None  # the document's own date (front matter, meta tags, metadata)
    date_source: str | None = None


@dataclass(slots=True)
class LinkResult:
    """The outcome of checking one URL."""

    status: Verdict
    checked_at: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    error: str | None = None
    elapsed: float | None = None


@dataclass(slots=True)
class History:
    """A short memory per URL across runs."""

    first_seen: str | None = None
    last_ok: str | None = None
    first_failure: str | None = None
    consecutive_failures: int = 0
    previous_status: str | None = None


@dataclass(slots=True)
class Snapshot:
    """An archived copy of a cited page."""

    url: str
    timestamp: str
    original: str | None = None
    citation_date: str | None = None
    citation_date_source: str | None = None
    gap_days: int | None = None
    verified_at: str | None = None
    manual: bool = False
