"""Reports rendered from the registry alone (no network): one module per format.

`build_report` turns the registry into plain data; every format renders that data.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkcheck.errors import UsageError
from linkcheck.registry import Registry, write_atomically
from linkcheck.report.json_report import REPORT_SCHEMA_VERSION, build_report, write_json
from linkcheck.report.model import Report, report_data

if TYPE_CHECKING:
    from linkcheck.report.annotations import render_annotations
    from linkcheck.report.html import html_pieces, render_html
    from linkcheck.report.junit import render_junit
    from linkcheck.report.markdown import render_markdown
    from linkcheck.report.terminal import print_summary

__all__ = [
    "Report",
    "report_data",
    "FORMATS",
    "REPORT_SCHEMA_VERSION",
    "build_report",
    "html_pieces",
    "parse_formats",
    "print_summary",
    "render_annotations",
    "render_html",
    "render_junit",
    "render_markdown",
    "write_json",
    "write_reports",
]

# The renderers are imported when first used: Jinja2 and rich cost a start-up that a run
# writing only JSON (or nothing for the terminal) need not pay.
_LAZY = {
    "render_annotations": "annotations",
    "html_pieces": "html",
    "render_html": "html",
    "render_junit": "junit",
    "render_markdown": "markdown",
    "print_summary": "terminal",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"linkcheck.report.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'linkcheck.report' has no attribute {name!r}")


FORMATS = ("html", "json", "md", "junit")
_FILES = {"html": "report.html", "json": "report.json", "md": "report.md", "junit": "report.xml"}


def parse_formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return chosen


def write_reports(
    registry: Registry | Report,
    directory: Path,
    formats: tuple[str, ...] = FORMATS,
    generated_at: str | None = None,
    *,
    markdown_max_bytes: int | None = None,
) -> dict[str, Path]:
    """Write each chosen format into `directory` from a registry or an already built report;
    returns format → path."""
    report = registry if isinstance(registry, Report) else build_report(registry, generated_at)
    written: dict[str, Path] = {}
    for name in formats:
        path = directory / _FILES[name]
        if name == "json":
            written[name] = write_json(report, directory)
        elif name == "md" and markdown_max_bytes is not None:
            written[name] = write_atomically(path, __getattr__("render_markdown")(report, markdown_max_bytes))
        else:
            render = __getattr__({"html": "html_pieces", "md": "render_markdown"}.get(name, "render_junit"))
            written[name] = write_atomically(path, render(report))
    return written
