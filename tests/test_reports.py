"""Every report format on a fixed registry: snapshots, schema shape, escaping, exit policy.

Snapshot files live in tests/snapshots/; after an intended change, regenerate them with
`UPDATE_SNAPSHOTS=1 pytest tests/test_reports.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from lxml import etree, html

from linkcheck.models import Citation, LinkResult, Verdict
from linkcheck.registry import LinkEntry, Registry, dump
from linkcheck.registry import save as registry_save
from linkcheck.report import (
    Report,
    build_report,
    print_summary,
    render_annotations,
    render_html,
    render_junit,
    render_markdown,
    report_data,
    write_reports,
)
from linkcheck.report.json_report import json_text
from tests.conftest import ServerFactory
from tests.helpers import run_cli
from tests.report_fixture import GENERATED_AT, HOSTILE_TEXT, HOSTILE_URL, build
from tests.webserver import Reply

SNAPSHOTS = Path(__file__).parent / "snapshots"


def report() -> Report:
    return build_report(build(), GENERATED_AT)


def matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: write it with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot"


def test_json_snapshot_and_shape() -> None:
    data = report_data(report())
    matches_snapshot("report.json", json_text(data))
    assert json.loads(json_text(data)) == data
    # One line a link; the rest indented.
    lines = json_text(data).splitlines()
    assert sum(line.startswith('  {"url": ') for line in lines) == len(data["links"]) > 1
    empty = {**data, "links": []}
    assert json.loads(json_text(empty)) == empty
    assert data["schema_version"] == 1
    assert data["summary"] == {
        "broken": 2,
        "soft_404": 1,
        "unreachable": 1,
        "missing_target": 2,
        "moved": 1,
        "blocked": 1,
        "rate_limited": 1,
        "ok": 2,
    }
    # Problems first; a person's `accept` moves a problem out of them.
    assert [link["problem"] for link in data["links"]] == sorted(
        (link["problem"] for link in data["links"]), reverse=True
    )
    new = {link["url"] for link in data["links"] if link["new"]}
    assert new == {"https://gov.example/decree/7", HOSTILE_URL, "https://old.example/page"}


def test_markdown_snapshot_lists_only_problems_by_document_with_archive_links() -> None:
    text = render_markdown(report())
    matches_snapshot("report.md", text)
    assert "https://ok.example/" not in text and "paywall" not in text and "known.example" not in text
    assert "[2019-05-20](https://web.archive.org/web/20190520000000/https://news.example/article)" in text
    assert "### paper.md" in text and "### brief.html" in text
    assert "<img" not in text and "<script>" not in text  # raw HTML would render in a GitHub summary


def test_junit_snapshot_validates_and_classifies() -> None:
    text = render_junit(report())
    matches_snapshot("report.xml", text)
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "junit.xsd")))
    document = etree.fromstring(text.encode("utf-8"))
    schema.assertValid(document)
    suites = {suite.get("name"): suite for suite in document.iter("testsuite")}
    assert set(suites) == {"paper.md", "brief.html", "report.pdf"}
    assert document.get("tests") == "13"  # a case per citation of a URL, plus each lost target
    cases = {(c.get("classname"), c.get("name")): c for c in document.iter("testcase")}
    assert cases[("paper.md", "https://news.example/article")].find("failure").get("type") == "broken"
    assert cases[("paper.md", "https://paywall.example/story")].find("skipped") is not None
    assert cases[("brief.html", "https://busy.example/api")].find("skipped").get("message").startswith("rate_limited")
    assert len(cases[("paper.md", "https://known.example/gone")]) == 0  # accepted: passes
    assert cases[("brief.html", HOSTILE_URL)].find("failure").text.count(HOSTILE_TEXT) == 1


def test_annotations_escape_and_point_at_files() -> None:
    lines = render_annotations(report(), locate=lambda document: f"docs/{document}")
    assert any(
        "::warning file=docs/paper.md,line=12,title=citation broken::https://news.example/article" in x for x in lines
    )
    assert all(line.startswith("::warning file=docs/") for line in lines)
    # New problems first: GitHub shows only the first ten of a step.
    new = {link.url for link in report().links if link.new and link.problem}
    firsts = [line.split("::")[2].split(": ")[0] for line in lines[: len(new)]]
    assert new and set(firsts) <= new | {HOSTILE_URL.replace("%", "%25")}
    multi = build_report(build(), GENERATED_AT)
    multi.links[0].error = "line one\nline two, 100%"
    assert any("line one%0Aline two, 100%25" in line for line in render_annotations(multi))


def test_terminal_summary_plain_off_a_terminal() -> None:
    out = io.StringIO()
    print_summary(report(), file=out)
    text = out.getvalue()
    assert "\x1b[" not in text and "6 need action" in text and "https://news.example/article" in text
    assert HOSTILE_TEXT not in text or "[" not in HOSTILE_TEXT  # markup in link texts is printed, not interpreted


def test_terminal_colours_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    coloured = Terminal()
    print_summary(report(), file=coloured)
    colour = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-8]|9[0-7]|4[0-8])(?:[;m])")  # SGR foreground/background
    assert colour.search(coloured.getvalue())
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    print_summary(report(), file=plain)
    assert not colour.search(plain.getvalue())  # bold and italic may remain; colours may not


def test_html_is_self_contained_escaped_and_complete() -> None:
    text = render_html(report())
    tree = html.fromstring(text)
    # Self-contained: nothing to fetch.
    assert not tree.xpath("//link | //img | //iframe | //script[@src] | //object | //embed")
    assert "@import" not in text and "url(" not in text.split("<body", 1)[0]
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    # Hostile content is text: no element or attribute came from it.
    assert not tree.xpath("//@onerror | //@onmouseover")
    assert len(tree.xpath("//script")) == 1
    assert HOSTILE_TEXT in tree.text_content()
    row = tree.xpath("//tr[@data-status='unreachable']")[0]
    assert row.get("data-url") == HOSTILE_URL
    # Every piece a reviewer needs.
    broken = tree.xpath("//tr[@data-url='https://news.example/article']")[0].text_content()
    assert "snapshot of 2019-05-20" in broken and "12 days from the citation date 2019-06-01" in broken
    assert "paper.md" in broken and "line 12" in broken and "report.pdf" in broken and "page 3" in broken
    assert "2026-05-01" in broken  # dead since
    soft = tree.xpath("//tr[@data-url='https://gov.example/decree/7']")[0].text_content()
    assert "No snapshot found: no capture in the Wayback Machine" in soft and "new" in soft
    moved = tree.xpath("//tr[@data-url='https://old.example/page']")[0]
    assert moved.xpath(".//a[@href='https://new.example/page']")
    lost = tree.xpath("//section[@aria-labelledby='missing-heading']")[0].text_content()
    assert "Dzianis Melyantsou" in lost and "line 7" in lost
    assert [r.get("data-problem") for r in tree.xpath("//table[@id='links']/tbody/tr")] == ["1"] * 4 + ["0"] * 5


def test_report_command_renders_every_format_offline(tmp_path: Path) -> None:
    registry = tmp_path / "citations.yaml"
    registry.write_text(dump(build()))
    result = run_cli("report", "--registry", str(registry), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
        "report.xml",
    ]
    only = run_cli("report", "--registry", str(registry), "--output", str(tmp_path / "md"), "--format", "md")
    assert only.returncode == 0 and [p.name for p in (tmp_path / "md").iterdir()] == ["report.md"]
    bad = run_cli("report", "--registry", str(registry), "--format", "pdf")
    assert bad.returncode == 2 and "choose from html, json, md, junit" in bad.stderr


def test_github_annotations_printed_only_in_actions(tmp_path: Path, serve: ServerFactory) -> None:
    registry = tmp_path / "citations.yaml"
    registry.write_text(dump(build()))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "paper.md").write_text("x\n")
    # The fixture cites a Wayback snapshot, verified even with --no-archive: by a loopback stand-in.
    nowhere = serve("127.0.0.31", fallback=Reply()).url("")
    plain = run_cli(
        "check",
        "--registry",
        str(registry),
        "--include",
        "none://*",
        "--no-archive",
        "--wayback-url",
        nowhere,
        "--output",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert "::warning" not in plain.stdout
    actions = run_cli(
        "check",
        "--registry",
        str(registry),
        "--include",
        "none://*",
        "--no-archive",
        "--wayback-url",
        nowhere,
        "--output",
        str(tmp_path / "o"),
        cwd=tmp_path,
        env={"GITHUB_ACTIONS": "true"},
    )
    assert "::warning file=docs/paper.md,line=7,title=citation missing_target::" in actions.stdout


# ---------------------------------------------------------------- exit policy


def test_fail_on_new_passes_when_only_known_problems_remain(tmp_path: Path) -> None:
    from tests.helpers import extract
    from tests.webserver import Web

    web = Web("127.0.0.30").start()
    try:
        web.routes["/ok"] = Reply()
        web.routes["/gone"] = Reply(404)
        registry = extract(tmp_path, f"[a]({web.url('/ok')}) [b]({web.url('/gone')})\n")
        args = ["check", "--registry", str(registry), "--no-archive", "--output", str(tmp_path / "o")]
        first = run_cli(*args, "--fail-on", "new", cwd=tmp_path)
        assert first.returncode == 1, first.stdout  # the first check finds /gone: new
        second = run_cli(*args, "--fail-on", "new", cwd=tmp_path)
        assert second.returncode == 0, second.stdout  # still broken, but known
        assert "none new since the last run" in second.stdout
        assert run_cli(*args, cwd=tmp_path).returncode == 1  # default: any problem fails
        assert run_cli(*args, "--fail-on", "none", cwd=tmp_path).returncode == 0
        web.routes["/ok"] = Reply(410)  # something new breaks
        third = run_cli(*args, "--fail-on", "new", cwd=tmp_path)
        assert third.returncode == 1
        links = yaml.safe_load(registry.read_text())["links"]
        assert links[web.url("/ok")]["history"]["previous_status"] == "ok"
    finally:
        web.stop()


@pytest.mark.parametrize(
    "url",
    [
        "https://Example.ORG/a?b#c",
        "http://host.example:8080",
        "http://host.example:/x",
        "http://user:pw@host.example/x",
        "http://[::1]:80/x",
        "http:///no-host",
        "http://пример.рф/",
        "mailto:a@b.example",
        "http://a.example#frag",
        "HTTP://Host.EXAMPLE/x",
        "http://host.example.:80/",
        "http://a_b.example/",
        "http://host.example?q",
        "http://1.2.3.4/",
        "http://host.example:80@evil.example/",
        "http://host.example\\@evil.example/",
    ],
)
def test_the_host_the_checker_and_reports_use_is_what_urlsplit_says(url: str) -> None:
    from urllib.parse import urlsplit

    from linkcheck.redirects import host_of

    assert host_of(url) == (urlsplit(url).hostname or "")


def test_a_large_report_lists_only_the_links_that_need_action_or_a_look(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import linkcheck.report.html as html_module

    full = report()
    rows = [link for link in full.links if link.url]
    assert len(tree_rows(render_html(full))) == len(rows)  # small: every link listed
    monkeypatch.setattr(html_module, "LIST_EVERY_LINK_UP_TO", len(rows) - 1)
    tree = html.fromstring(render_html(full))
    listed = tree_rows(tree)
    fine = [link for link in rows if not link.problem and link.status in ("ok", "skipped", None)]
    assert fine and len(listed) == len(rows) - len(fine)
    assert all(row.get("data-status") != "ok" for row in listed)
    assert {row.get("data-url") for row in listed} >= {HOSTILE_URL, "https://news.example/article"}
    notice = tree.xpath("//p[contains(., 'Not listed here')]")[0].text_content()
    assert f"{len(fine)} ok" in notice and "report.json lists every link" in notice
    assert "ok" not in tree.xpath("//select[@id='f-status']//option/text()")
    # Written a piece at a time: the same page.
    written = write_reports(full, tmp_path, ("html",))
    assert written["html"].read_text(encoding="utf-8") == render_html(full)


def tree_rows(page: str | html.HtmlElement) -> list[html.HtmlElement]:
    tree = html.fromstring(page) if isinstance(page, str) else page
    rows: list[html.HtmlElement] = tree.xpath("//table[@id='links']/tbody/tr")
    return rows


def _many_problems(count: int) -> Registry:
    registry = Registry()
    for i in range(count):
        url = f"https://gone.example/articles/{i:05d}/a-long-enough-slug-for-a-real-article"
        entry = LinkEntry(url, citations=[Citation(url, f"doc{i % 7}.md", i + 1, f"source {i}")])
        entry.result = LinkResult(Verdict.BROKEN, "2026-11-23T08:00:00Z", http_status=404, error="HTTP 404")
        registry.links[url] = entry
    return registry


def test_report_md_is_cut_to_stay_under_githubs_limits_and_says_so(tmp_path: Path) -> None:
    """GitHub drops a job summary over 1 MiB ("$GITHUB_STEP_SUMMARY upload aborted, supports
    content up to a size of 1024k") and refuses a pull-request comment over 65,536 characters."""
    from linkcheck.config import DEFAULTS
    from linkcheck.report.markdown import MAX_BYTES

    assert DEFAULTS.markdown_max_bytes == MAX_BYTES < 1024 * 1024
    full = build_report(_many_problems(2000), GENERATED_AT)
    text = render_markdown(full)
    assert len(text.encode()) < MAX_BYTES and "not shown" not in text  # all 2,000 fit
    cut = render_markdown(full, 65_000)
    assert len(cut.encode()) <= 65_000
    shown = sum(1 for line in cut.splitlines() if line.startswith("| line "))
    left = re.search(r"\*\*(\d+)\*\* more citations of links that need action not shown", cut)
    assert left is not None and 100 < shown < 2000 and shown + int(left[1]) == 2000
    assert "**2000** broken" in cut  # the counts cover everything
    # From the configuration, end to end.
    registry = tmp_path / "citations.yaml"
    registry_save(_many_problems(2000), registry)
    (tmp_path / "linkcheck.toml").write_text("markdown_max_bytes = 65000\n")
    assert run_cli("report", "--format", "md", cwd=tmp_path).returncode == 0
    written = (tmp_path / "reports" / "report.md").read_text()
    assert len(written.encode()) <= 65_000 and "not shown here" in written


def test_annotations_stop_where_github_stops_showing_them_and_say_how_many_more() -> None:
    from linkcheck.report.annotations import MAX_WARNINGS

    lines = render_annotations(build_report(_many_problems(25), GENERATED_AT))
    assert len(lines) == MAX_WARNINGS + 1 == 11
    assert all(line.startswith("::warning ") for line in lines[:-1])
    assert lines[-1].startswith("::notice ") and "15 more citations need action" in lines[-1]
    assert len(render_annotations(build_report(_many_problems(MAX_WARNINGS), GENERATED_AT))) == MAX_WARNINGS
