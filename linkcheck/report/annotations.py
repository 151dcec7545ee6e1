"""GitHub Actions workflow commands (`::warning file=…,line=…::…`), one per problem citation."""

from __future__ import annotations

from collections.abc import Callable

from linkcheck.display import printable
from linkcheck.report.model import Report

__all__ = ["MAX_WARNINGS", "render_annotations"]


def _data(text: str) -> str:
    # GitHub's own escapes for a workflow command's data, then any other control character shown.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


# GitHub shows 10 warning annotations a step (50 a job) and drops the rest unseen
# (actions/toolkit, docs/problem-matchers.md, "Limitations").
MAX_WARNINGS = 10


def render_annotations(report: Report, locate: Callable[[str], str] = str) -> list[str]:
    """A warning for each problem citation, new problems first, at most MAX_WARNINGS of them,
    then a notice saying how many more there are. `locate` turns a registry document name
    into a path relative to the repository."""
    cited = [(link, citation) for link in report.links if link.problem for citation in link.citations]
    cited.sort(key=lambda pair: not pair[0].new)  # stable: the report's order within each
    lines = []
    for link, citation in cited[:MAX_WARNINGS]:
        message = f"{link.url or citation.text}: {link.status} — {link.error or link.explanation}"
        if link.archive:
            message += f" Archived copy: {link.archive.url}"
        where = f"file={_property(locate(citation.document))}"
        if citation.line:
            where += f",line={citation.line}"
        lines.append(f"::warning {where},title={_property(f'citation {link.status}')}::{_data(message)}")
    if len(cited) > MAX_WARNINGS:
        more = len(cited) - MAX_WARNINGS
        lines.append(
            f"::notice title=linkcheck::{more} more {'citation needs' if more == 1 else 'citations need'} action "
            f"than GitHub shows as annotations ({MAX_WARNINGS} a step): the job summary (report.md) and "
            "report.html list them"
        )
    return lines
