"""GitHub Actions workflow commands (`::warning file=…,line=…::…`), one per problem citation."""

from __future__ import annotations

from collections.abc import Callable

from linkcheck.display import printable
from linkcheck.report.model import Report

__all__ = ["render_annotations"]


def _data(text: str) -> str:
    # GitHub's own escapes for a workflow command's data, then any other control character shown.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_annotations(report: Report, locate: Callable[[str], str] = str) -> list[str]:
    """`locate` turns a registry document name into a path relative to the repository."""
    lines = []
    for link in report.links:
        if not link.problem:
            continue
        for citation in link.citations:
            message = f"{link.url or citation.text}: {link.status} — {link.error or link.explanation}"
            if link.archive:
                message += f" Archived copy: {link.archive.url}"
            where = f"file={_property(locate(citation.document))}"
            if citation.line:
                where += f",line={citation.line}"
            lines.append(f"::warning {where},title={_property(f'citation {link.status}')}::{_data(message)}")
    return lines
