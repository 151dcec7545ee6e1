"""A fixed registry with one of everything a report must show, hostile link texts included."""

from __future__ import annotations

from linkcheck.models import (
    ArchiveLookup,
    Citation,
    History,
    LastRun,
    LinkResult,
    LookupState,
    Placeholder,
    Snapshot,
    Verdict,
)
from linkcheck.registry import DocumentEntry, LinkEntry, Registry

GENERATED_AT = "2026-11-23T08:00:00+00:00"
CHECKED = "2026-11-23T07:59:00+00:00"
HOSTILE_TEXT = "<img src=x onerror=alert(1)>"
HOSTILE_URL = 'https://evil.example/"onmouseover="alert(2)'


def _link(
    url: str,
    status: Verdict | None,
    *,
    citations: list[Citation],
    http: int | None = None,
    error: str | None = None,
    final: str | None = None,
    previous: str | None = "ok",
    first_failure: str | None = None,
    **fields: object,
) -> LinkEntry:
    result = LinkResult(status, CHECKED, http_status=http, final_url=final or url, error=error) if status else None
    history = History(first_seen="2026-01-01T00:00:00+00:00", previous_status=previous, first_failure=first_failure)
    return LinkEntry(url=url, citations=citations, result=result, history=history, **fields)  # type: ignore[arg-type]


def build() -> Registry:
    paper, brief, pdf = "paper.md", "brief.html", "report.pdf"
    links = [
        _link(
            "https://news.example/article",
            Verdict.BROKEN,
            http=404,
            error="HTTP 404",
            first_failure="2026-05-01T00:00:00+00:00",
            previous="broken",
            citations=[
                Citation("https://news.example/article", paper, 12, "Minsk talks resume"),
                Citation("https://news.example/article", pdf, None, "news report", page=3),
            ],
            archive=Snapshot(
                "https://web.archive.org/web/20190520000000/https://news.example/article",
                "20190520000000",
                "https://news.example/article",
                "2019-06-01",
                "front-matter",
                12,
                CHECKED,
            ),
        ),
        _link(
            "https://gov.example/decree/7",
            Verdict.SOFT_404,
            http=200,
            error="redirected to the site's home page",
            first_failure=CHECKED,
            previous="ok",
            citations=[Citation("https://gov.example/decree/7", paper, 20, "the decree")],
            archive_lookup=ArchiveLookup(
                LookupState.NOT_ARCHIVED, checked_at=CHECKED, detail="no capture in the Wayback Machine"
            ),
        ),
        _link(
            HOSTILE_URL,
            Verdict.UNREACHABLE,
            error="DNS lookup failed",
            previous=None,
            first_failure=CHECKED,
            citations=[Citation(HOSTILE_URL, brief, 4, HOSTILE_TEXT)],
        ),
        _link(
            "https://old.example/page",
            Verdict.MOVED,
            http=200,
            final="https://new.example/page",
            citations=[Citation("https://old.example/page", brief, 9, "moved page")],
        ),
        _link(
            "https://paywall.example/story",
            Verdict.BLOCKED,
            http=403,
            error="HTTP 403: access refused",
            citations=[Citation("https://paywall.example/story", paper, 30, "paywalled story")],
        ),
        _link(
            "https://busy.example/api",
            Verdict.RATE_LIMITED,
            http=429,
            error="429 Too Many Requests",
            citations=[Citation("https://busy.example/api", brief, 11, "busy")],
        ),
        _link(
            "https://ok.example/",
            Verdict.OK,
            http=200,
            citations=[
                Citation("https://ok.example/", paper, 2, "a fine source"),
                Citation("https://ok.example/", brief, 2, "a fine source"),
            ],
        ),
        _link(
            "https://known.example/gone",
            Verdict.BROKEN,
            http=410,
            error="HTTP 410",
            accept="broken",
            citations=[Citation("https://known.example/gone", paper, 40, "accepted as gone")],
        ),
        _link(
            "https://web.archive.org/web/20180101000000/http://cited.example/x",
            Verdict.OK,
            http=200,
            citations=[
                Citation(
                    "https://web.archive.org/web/20180101000000/http://cited.example/x",
                    pdf,
                    None,
                    "archived source",
                    page=5,
                )
            ],
        ),
    ]
    documents = {
        paper: DocumentEntry(
            paper,
            "markdown",
            detected_date="2019-06-01",
            detected_date_source="front-matter",
            placeholders=[
                Placeholder(paper, 7, "Dzianis Melyantsou"),
                Placeholder(paper, 8, "</q><script>alert(3)</script>"),
            ],
        ),
        brief: DocumentEntry(brief, "html"),
        pdf: DocumentEntry(pdf, "pdf"),
    }
    return Registry(
        sources=["docs"],
        documents=documents,
        links={e.url: e for e in links},
        last_run=LastRun(CHECKED, checked=9, fresh=0),
    )
