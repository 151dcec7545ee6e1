"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright).

`.ci/run` installs chromium when it is missing; elsewhere these tests skip, saying why.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkcheck.report import write_reports
from tests.report_fixture import GENERATED_AT, HOSTILE_TEXT, HOSTILE_URL, build

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium; .ci/run does it)"
)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report")
    return write_reports(build(), directory, ("html",), generated_at=GENERATED_AT)["html"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, report_file: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.requests = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(report_file.as_uri())
    yield page
    context.close()


def visible_urls(page: Any) -> list[str]:
    urls: list[str] = page.eval_on_selector_all("#links tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.url)")
    return urls


def test_renders_with_every_link_and_no_request_leaves_the_page(page: Any, report_file: Path) -> None:
    assert page.title().startswith("Citation report")
    assert len(visible_urls(page)) == 9
    assert page.locator("#shown").inner_text() == "9 of 9 links shown"
    page.hover(f"#links tr[data-url='{HOSTILE_URL.replace(chr(34), chr(92) + chr(34))}'] a")
    page.wait_for_timeout(200)
    assert page.requests == [report_file.as_uri()]


def test_filters_by_verdict_document_host_search_and_problems(page: Any) -> None:
    page.select_option("#f-status", "broken")
    assert sorted(visible_urls(page)) == ["https://known.example/gone", "https://news.example/article"]
    page.select_option("#f-status", "")
    page.select_option("#f-doc", "brief.html")
    assert set(visible_urls(page)) == {
        HOSTILE_URL,
        "https://old.example/page",
        "https://busy.example/api",
        "https://ok.example/",
    }
    page.select_option("#f-doc", "")
    page.select_option("#f-host", "gov.example")
    assert visible_urls(page) == ["https://gov.example/decree/7"]
    page.select_option("#f-host", "")
    page.fill("#q", "minsk talks")
    assert visible_urls(page) == ["https://news.example/article"]
    page.fill("#q", "")
    page.check("#f-problems")
    assert len(visible_urls(page)) == 4
    assert page.locator("#shown").inner_text() == "4 of 9 links shown"


def test_sorting_with_the_keyboard(page: Any) -> None:
    page.focus("#links th:nth-child(3) button")  # HTTP
    page.keyboard.press("Enter")
    codes = page.eval_on_selector_all("#links tbody tr td:nth-child(3)", "cells => cells.map(c => c.dataset.key)")
    assert [int(c) for c in codes] == sorted(int(c) for c in codes)
    assert page.get_attribute("#links th:nth-child(3)", "aria-sort") == "ascending"
    page.keyboard.press("Enter")
    codes = page.eval_on_selector_all("#links tbody tr td:nth-child(3)", "cells => cells.map(c => c.dataset.key)")
    assert [int(c) for c in codes] == sorted((int(c) for c in codes), reverse=True)


def test_hostile_link_texts_are_inert(page: Any) -> None:
    assert HOSTILE_TEXT in page.locator("body").inner_text()
    assert page.locator("#links img").count() == 0
    hostile = page.locator("#links tbody tr").filter(has_text="evil.example").locator("a").first
    assert hostile.get_attribute("onmouseover") is None and hostile.get_attribute("href") == HOSTILE_URL
    hostile.hover()
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.evaluate("document.querySelectorAll('script').length") == 1


def test_works_with_javascript_off(browser: Any, report_file: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(report_file.as_uri())
    assert page.locator("#links tbody tr").count() == 9
    assert page.locator("#links tbody tr:visible").count() == 9
    assert not page.locator("#filters").is_visible()  # the filters need JavaScript; the table does not
    context.close()


def test_readable_at_a_phones_width(browser: Any, report_file: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.goto(report_file.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    assert page.locator("#links thead").is_hidden()  # rows become cards with their own labels
    label = page.evaluate("getComputedStyle(document.querySelector('#links td'), '::before').content")
    assert label == '"Link"'
    context.close()


def _long_registry() -> Any:
    """The seed registry's shapes without the seeds: unchecked links with very long URLs and
    contexts, and citations whose address was lost."""
    from linkcheck.models import Citation, Placeholder
    from linkcheck.registry import DocumentEntry, LinkEntry, Registry

    registry = Registry()
    for i in range(12):
        url = (
            f"http://factmil.example/publ/obshhee/analiz/voenno_strategicheskie_realii_mezhdunarodnoj_obstanovki_{i}_"
            + "x" * 60
        )
        context = url + " and the economic gravity of the European Union, " * 4
        registry.links[url] = LinkEntry(
            url, citations=[Citation(url, "000_709802bbc0abb666.txt", 10 + i, context[:200])]
        )
    registry.documents["002.txt"] = DocumentEntry(
        "002.txt", placeholders=[Placeholder("002.txt", 5 + i, f"the protests {i}") for i in range(3)]
    )
    return registry


@pytest.mark.parametrize("width", [1400, 390])
def test_long_urls_and_contexts_never_widen_the_page_and_counts_agree(browser: Any, tmp_path: Path, width: int) -> None:
    """Issue 14: the link column collapsed to 45 px and long text widened the page past 1400 px;
    "14 need action" in the header while "only links that need action" showed 0."""
    from linkcheck.report import build_report

    report_path = write_reports(build_report(_long_registry()), tmp_path, ("html",))["html"]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(report_path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    link_width = page.evaluate("document.querySelector('#links td.url').getBoundingClientRect().width")
    assert link_width >= (250 if width > 1000 else 300)
    meta = page.locator(".meta").inner_text()
    assert "0 links need action" in meta and "3 citations lost their address" in meta
    page.check("#f-problems")
    assert page.locator("#shown").inner_text() == "0 of 12 links shown"
    groups = page.eval_on_selector_all("#f-status optgroup", "gs => gs.map(g => g.label)")
    assert groups == ["Not checked"]
    page.screenshot(path=str(tmp_path / f"report-{width}.png"))
    context.close()
