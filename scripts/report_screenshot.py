"""Render the report of the test fixture registry and photograph it for the README.

python scripts/report_screenshot.py      (needs playwright and /usr/bin/chromium)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from linkcheck.report import write_reports  # noqa: E402
from tests.report_fixture import GENERATED_AT, build  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page_file = write_reports(build(), Path(tmp), ("html",), generated_at=GENERATED_AT)["html"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            page.check("#f-problems")
            page.screenshot(path=str(ROOT / "docs" / "report.png"), full_page=True)
            browser.close()
    print(ROOT / "docs" / "report.png")


if __name__ == "__main__":
    main()
