"""Document content on screens, in CI logs and in XML: shown, never acted on (issue 12, items 4, 25, 26)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkcheck import registry as registry_mod
from linkcheck.display import printable
from linkcheck.models import Citation, LinkResult, Verdict
from linkcheck.registry import LinkEntry, Registry
from linkcheck.report import build_report, render_annotations, render_junit
from tests.helpers import run_cli

ESC = "\x1b]0;owned\x07\x1b[2J"


def test_control_characters_are_shown_as_escapes() -> None:
    assert printable("a\x1b[2Jb\nc\u202ed") == "a\\x1b[2Jb\\x0ac\\u202ed"
    assert printable("ordinary text, Ünïcödé, 引用") == "ordinary text, Ünïcödé, 引用"


def test_extract_never_lets_a_file_name_or_href_start_a_workflow_command(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bad\n::error::owned.pdf").write_bytes(b"%PDF-1.7 broken")
    (docs / f"esc{ESC}.pdf").write_bytes(b"%PDF-1.7 broken")
    registry = tmp_path / "citations.yaml"
    (docs / "paper.md").write_text("[gone](https://a.example/x%0A::warning::y)\n")
    run_cli("extract", str(docs), "--registry", str(registry))
    (docs / "paper.md").write_text("nothing cited any more\n")
    result = run_cli("extract", str(docs), "--registry", str(registry))
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "removed" in result.stdout
    assert not any(line.startswith("::") for line in output.splitlines())
    assert "\x1b" not in output and "\x07" not in output and "\\x0a::error::owned" in output


def _registry_citing(text: str, error: str) -> Registry:
    url = "https://a.example/x"
    entry = LinkEntry(url=url, citations=[Citation(url, "paper.md", 3, text)])
    entry.result = LinkResult(Verdict.BROKEN, "2026-11-23T00:00:00+00:00", http_status=404, error=error)
    return Registry(links={url: entry})


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=40), st.text(max_size=40))
def test_junit_is_well_formed_xml_whatever_the_documents_hold(text: str, error: str) -> None:
    ET.fromstring(render_junit(build_report(_registry_citing(text, error))).encode("utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_annotations_are_one_line_each_without_control_characters(text: str, error: str) -> None:
    for line in render_annotations(build_report(_registry_citing(text, error))):
        assert line.startswith("::warning ") and "\n" not in line and "\r" not in line and "\x1b" not in line


def test_the_terminal_table_shows_escape_sequences_as_text(tmp_path: Path) -> None:
    import io

    from linkcheck.report import print_summary

    out = io.StringIO()
    print_summary(build_report(_registry_citing(f"text {ESC}", f"error {ESC}")), file=out)
    assert "\x1b" not in out.getvalue() and "\\x1b" in out.getvalue()


def test_a_url_with_an_encoded_newline_is_invalid_and_never_splits_the_markdown_table(tmp_path: Path) -> None:
    # Issue 12, item 3: `&#10;` in an href gave a URL with a raw newline; report.md printed it raw,
    # splitting the table and rendering the rest of the URL as markup (an image: a beacon).
    from linkcheck.config import CheckOptions
    from linkcheck.report import render_markdown
    from tests.helpers import check_one

    url = "https://a.example/x\n![beacon](https://tracker.example/p.gif)"
    result = check_one(url, CheckOptions(timeout=1))
    assert result.status is Verdict.INVALID and "control character" in (result.error or "")
    entry = LinkEntry(url=url, citations=[Citation(url, "paper.md", 3, "text")], result=result)
    text = render_markdown(build_report(Registry(links={url: entry})))
    table_rows = [line for line in text.splitlines() if line.startswith("|")]
    assert all(line.count(" | ") == 3 for line in table_rows[2:]), table_rows
    assert "![beacon]" not in text and "\n![" not in text


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", '<a href="https://a.example/x&#10;![beacon](https://tracker.example/p.gif)">t</a>\n'),
        ("page.md", "[t](<https://a.example/x&#10;![beacon](https://tracker.example/p.gif)>)\n"),
    ],
)
def test_a_url_with_an_encoded_newline_is_invalid_at_extraction(tmp_path: Path, name: str, content: str) -> None:
    """Issue 12, item 3: such a URL is recorded `invalid` by `extract` itself (no check can ever
    request it as written), listed escaped, and never printed raw in any report."""
    (tmp_path / name).write_text(content)
    registry_path = tmp_path / "citations.yaml"
    result = run_cli("extract", str(tmp_path / name), "--registry", str(registry_path))
    assert result.returncode == 0, result.stderr
    assert "cannot be requested as written" in result.stdout and "x\\x0a![beacon]" in result.stdout
    assert "\n![beacon]" not in result.stdout
    links = registry_mod.load(registry_path).links
    [(url, entry)] = [(u, e) for u, e in links.items() if "\n" in u]
    assert entry.result is not None and entry.result.status is Verdict.INVALID
    assert "control character" in (entry.result.error or "")
    out = tmp_path / "out"
    assert run_cli("report", "--registry", str(registry_path), "--output", str(out)).returncode == 0
    for report in out.iterdir():
        assert "\n![beacon]" not in report.read_text(), report.name


_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)


@settings(max_examples=60, deadline=None)
@given(text=_ANY_TEXT, error=_ANY_TEXT, path=_ANY_TEXT, document=_ANY_TEXT)
def test_every_report_is_valid_for_its_format_whatever_the_documents_hold(
    text: str, error: str, path: str, document: str
) -> None:
    """Issue 12, item 25, for every format: JSON parses back to the same text, the HTML page
    keeps one row per link with no element from content, the Markdown table one row per
    citation, JUnit is well-formed XML."""
    import json

    from lxml import html as lxml_html

    from linkcheck.report import render_html, render_markdown, report_data

    url = "https://a.example/" + path.replace("\x00", "")
    entry = LinkEntry(url=url, citations=[Citation(url, document or "paper.md", 3, text)])
    entry.result = LinkResult(Verdict.BROKEN, "2026-11-23T00:00:00+00:00", http_status=404, error=error)
    report = build_report(Registry(links={url: entry}))
    data = json.loads(json.dumps(report_data(report), ensure_ascii=False))
    # A lone surrogate (a registry may hold one) can be written by no format: shown as U+FFFD.
    assert data["links"][0]["citations"][0]["text"] == re.sub("[\ud800-\udfff]", "\ufffd", text)
    page = render_html(report)
    page.encode("utf-8")
    tree = lxml_html.fromstring(page)
    rows = tree.xpath("//table//tr[@data-status]")
    assert len(rows) == 1 and not tree.xpath("//table//tr[@data-status]//script")
    table = [line for line in render_markdown(report).splitlines() if line.startswith("|")]
    cells = [len(re.findall(r"(?<!\\)\|", line)) for line in table]  # unescaped pipes: one row, five cells
    assert len(table) == 3 and set(cells) == {5}, table
    ET.fromstring(render_junit(report).encode("utf-8"))


_ADVERSARIAL_TOKENS = [
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "http://",
    "https://a.b/",
    "\n",
    "*",
    "`",
    "&#",
    '"',
    "<a href=",
    "_",
    "\\",
    "www.",
    "a.",
    "-",
]


@settings(max_examples=12, deadline=None)
@given(
    unit=st.lists(st.sampled_from(_ADVERSARIAL_TOKENS), min_size=1, max_size=6),
    fmt=st.sampled_from(["text", "markdown", "html"]),
)
@example(unit=["`", "[", "<", "http://"], fmt="text")  # found by this test: the reST sniffing regex
@example(unit=["]", "http://"], fmt="text")  # found by this test: find_urls re-searched what a `]` cut off
@example(unit=["www.", "a."], fmt="text")  # a scheme-less address whose host never ends
def test_extraction_takes_linear_time_on_any_repeated_pattern(unit: list[str], fmt: str) -> None:
    """Issue 12, item 19, as a property: any short pattern of syntax characters repeated to
    128 KB extracts within a budget a quadratic scan would blow by far (seconds → minutes)."""
    import time

    from linkcheck.extract import extract_bytes

    piece = "".join(unit).encode()
    data = piece * (128 * 1024 // len(piece) + 1)
    started = time.monotonic()
    extract_bytes(data, f"adversarial.{fmt}", fmt, lambda message: None)
    assert time.monotonic() - started < 3.0, (unit, fmt)
