"""PDF benchmark: extraction of 30 generated multi-page papers, against `pdftotext`.

Each paper (reportlab, 12 pages of body text in two fonts) cites 40 URLs: in the text, wrapped
at line ends, as DOIs, and as link annotations. Prints, for linkcheck's PDF extractor (PDFium)
and for the text alone by pypdf, pypdfium2 and pdfminer.six when installed, the wall time for
all 30 and the ratio to `pdftotext` (poppler) on the same files; and whether linkcheck found
every cited URL. The target (issue 14) is within 2× of pdftotext.

    python benchmarks/pdf_bench.py          (pdftotext from poppler-utils for the comparison)
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkcheck.extract import extract_bytes  # noqa: E402

PAPERS, PAGES, LINKS = 30, 12, 40
WORDS = (
    "integration union treaty customs energy subsidy ministry statement protest election sanctions "
    "security cooperation agreement roadmap parliament president economy migration border policy"
).split()


def paper(seed: int) -> tuple[bytes, set[str]]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    cited: set[str] = set()
    link = 0
    for page in range(PAGES):
        y = 800
        for line in range(50):
            words = " ".join(WORDS[(seed + page * 7 + line * 3 + k) % len(WORDS)] for k in range(11))
            pdf.setFont("Helvetica" if line % 2 else "Times-Roman", 10)
            if line % 15 == 5 and link < LINKS:
                url = f"https://paper{seed}.example/reports/{page}/document-{line}.html"
                cited.add(url)
                words = words[:40] + " " + url
                link += 1
            if line % 15 == 10 and link < LINKS:  # a URL wrapped at the end of the line
                url = f"https://wrapped{seed}.example/very/long/path/{page}-{line}/"
                cited.add(url + "report.pdf")
                pdf.drawString(50, y, words[:30] + " " + url)
                y -= 12
                words = "report.pdf " + words[:40]
                link += 1
            pdf.drawString(50, y, words)
            if line == 20 and link < LINKS:
                url = f"https://annotated{seed}.example/p{page}"
                cited.add(url)
                pdf.linkURL(url, (50, y - 2, 200, y + 9), relative=0)
                link += 1
            y -= 12
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), cited


def timed(label: str, run: object, files: list[Path], reference: float | None) -> float:
    started = time.perf_counter()
    for path in files:
        run(path)  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    ratio = f"  ({elapsed / reference:.2f}× pdftotext)" if reference else ""
    print(f"  {label:<44} {elapsed:6.2f} s{ratio}")
    return elapsed


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="pdf-bench-"))
    try:
        files, cited = [], []
        for seed in range(PAPERS):
            data, urls = paper(seed)
            path = directory / f"paper{seed:02d}.pdf"
            path.write_bytes(data)
            files.append(path)
            cited.append(urls)
        print(f"{PAPERS} papers of {PAGES} pages, {sum(len(c) for c in cited)} cited URLs")
        reference = None
        if shutil.which("pdftotext"):
            reference = timed(
                "pdftotext (poppler)",
                lambda p: subprocess.run(["pdftotext", str(p), "-"], capture_output=True, check=True),
                files,
                None,
            )
        missed = 0

        def linkcheck(path: Path) -> None:
            nonlocal missed
            index = files.index(path)
            found = {c.url for c in extract_bytes(path.read_bytes(), path.name, "pdf", lambda m: None).citations}
            missed += len(cited[index] - found)

        timed("linkcheck (PDFium: text, annotations, mending)", linkcheck, files, reference)
        print(f"  cited URLs missed by linkcheck: {missed}")
        try:
            from pypdf import PdfReader

            timed("pypdf, text only", lambda p: [pg.extract_text() for pg in PdfReader(p).pages], files, reference)
        except ImportError:
            print("  pypdf not installed (pip install pypdf to compare)")
        try:
            import pypdfium2

            def pdfium(path: Path) -> None:
                document = pypdfium2.PdfDocument(str(path))
                for page in document:
                    page.get_textpage().get_text_range()
                document.close()

            timed("pypdfium2, text only", pdfium, files, reference)
        except ImportError:
            print("  pypdfium2 not installed")
        try:
            from pdfminer.high_level import extract_text

            timed("pdfminer.six, text only", lambda p: extract_text(str(p)), files[:5], None)
            print("  (pdfminer.six on 5 papers only)")
        except ImportError:
            print("  pdfminer.six not installed")
    finally:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
