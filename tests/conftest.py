from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent

# Tests talk to loopback servers only: a proxy set in the machine's environment must not carry
# their traffic elsewhere (tests/test_proxy.py sets its own).
for _name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.upper(), None)


@pytest.fixture
def corpus() -> Path:
    return FIXTURES / "corpus"


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m linkcheck` in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def make_pdf(pages: list[str], link: str | None = None, creation_date: str | None = None) -> bytes:
    """A real PDF: one string of text per page, and optionally a link annotation on page 1."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    if creation_date:
        pdf.setCreator("tests")
    for number, text in enumerate(pages):
        y = 800
        for line in text.splitlines():
            pdf.drawString(50, y, line)
            y -= 14
        if link and number == 0:
            pdf.drawString(50, 500, "the annotated source")
            pdf.linkURL(link, (50, 495, 250, 510), relative=0)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx(paragraphs: list[str], hyperlinks: list[tuple[str, str]] = ()) -> bytes:
    """A real .docx: plain paragraphs, then one paragraph per (url, text) hyperlink."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for url, text in hyperlinks:
        paragraph = document.add_paragraph("See ")
        hyperlink = OxmlElement("w:hyperlink")
        if url:
            rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
            hyperlink.set(qn("r:id"), rel)
        run = OxmlElement("w:r")
        text_el = OxmlElement("w:t")
        text_el.text = text
        run.append(text_el)
        hyperlink.append(run)
        paragraph._p.append(hyperlink)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "Table cell citing https://table.example.org/cell"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
