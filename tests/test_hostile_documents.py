"""Hostile documents: each completes with bounded memory or is skipped with a warning, and the
rest of the run goes on. Memory is the resident set of a `linkcheck extract` subprocess."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck import registry
from linkcheck.extract import document_name, document_path, extract_bytes, extract_file
from linkcheck.extract import markdown as markdown_mod
from tests.helpers import ROOT, make_docx, make_pdf, run_cli, run_cli_subprocess

LIMIT_MB = 500
_MEASURE = """
import resource, sys
from linkcheck.cli import main
code = main(sys.argv[1:])
print(f"maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def extract_measured(paths: list[Path], registry: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, "extract", *map(str, paths), "--registry", str(registry)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("maxrss_kb="))
    return result, int(line.split("=")[1]) / 1024


def outline(registry: Path) -> tuple[set[str], set[str]]:
    """(the registry's link URLs, the documents they are cited in), read line by line from the
    registry's layout: PyYAML takes about 30 s to load 100,000 links, a minute of suite time."""
    links: set[str] = set()
    documents: set[str] = set()
    in_links = False
    with registry.open(encoding="utf-8") as handle:
        for line in handle:
            if not in_links:
                in_links = line.startswith("links:")
            elif line.startswith("  ? "):  # a key too long for one line (YAML's limit: 1024)
                links.add(str(yaml.safe_load(line[4:])))
            elif line.startswith("  ") and line[2:3] not in ("", " ", "-", ":") and line.rstrip().endswith(":"):
                key = line.strip()[:-1]
                links.add(key if key[0] not in "\"'" else str(yaml.safe_load(key)))
            elif line.startswith("    - document: "):
                documents.add(str(yaml.safe_load(line.split(": ", 1)[1])))
    return links, documents


def hostile_corpus(folder: Path) -> None:
    folder.mkdir()
    sentence = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. " * 25 + "\n"
    block = "".join(sentence + f"See https://site{n}.example/page/{n} for more.\n" for n in range(500))
    with (folder / "huge.txt").open("w") as handle:  # 50 MB of text with a URL every 2 KB
        while handle.tell() < 50 * 2**20:
            handle.write(block)
    (folder / "many.md").write_text(
        "".join(f"- [ref {i}](https://m{i % 1000}.example/a/{i})\n" for i in range(100_000))
    )
    (folder / "nested.html").write_text(
        "<html><body>"
        + "<div>" * 200_000
        + '<a href="https://deep.example/x">deep</a>'
        + "</div>" * 200_000
        + "</body></html>"
    )
    (folder / "bad-utf8.txt").write_bytes(b"caf\xe9 \xff\xfe see https://utf.example/ok \xc3\x28 end\n")
    (folder / "binary.md").write_bytes(random.Random(1).randbytes(200_000))
    (folder / "long-url.txt").write_text("see https://long.example/" + "a" * 10_000 + " here\n")
    pdf = make_pdf(["Report https://pdf.example/cited"])
    start = pdf.rindex(b"xref")
    (folder / "broken-xref.pdf").write_bytes(pdf[:start] + b"xref\n0 9\ngarbage garbage\n" + pdf[start + 60 :])
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (folder / "normal.md").write_text("[normal](https://normal.example/page)\n")


def test_hostile_documents_complete_within_bounded_memory_or_are_skipped(tmp_path: Path) -> None:
    hostile_corpus(tmp_path / "docs")
    result, rss_mb = extract_measured([tmp_path / "docs"], tmp_path / "citations.yaml")
    assert result.returncode == 0, result.stderr[-2000:]
    assert rss_mb < LIMIT_MB, f"{rss_mb:.0f} MB resident"
    links, documents = outline(tmp_path / "citations.yaml")
    assert {"normal.md", "many.md", "huge.txt", "nested.html", "bad-utf8.txt", "long-url.txt"} <= documents
    assert "https://normal.example/page" in links and "https://utf.example/ok" in links
    assert sum(1 for url in links if url.startswith("https://m")) == 100_000
    assert "https://long.example/" + "a" * 10_000 in links
    warnings = result.stderr
    assert "binary.md: skipped, binary content" in warnings
    assert "invalid UTF-8" in warnings
    # A PDF with a broken cross-reference table is either recovered or skipped with a warning.
    assert "https://pdf.example/cited" in links or "broken-xref.pdf: skipped" in warnings
    assert "truncated.pdf" in warnings or "truncated.pdf" in documents
    assert "nested.html: HTML nested more than 256 levels deep" in warnings and "https://deep.example/x" in links


def test_long_markdown_is_parsed_in_pieces_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    blocks = []
    for i in range(400):
        kind = rng.choice(["list", "para", "fence", "refuse", "quote"])
        if kind == "list":
            blocks.append("".join(f"- [item {i}.{j}](https://l{i}.example/{j})\n" for j in range(rng.randint(1, 6))))
        elif kind == "para":
            blocks.append(f"Text {i} with https://bare{i}.example/x and\na second line [r{i % 7}].\n")
        elif kind == "fence":
            blocks.append(f"```\n[not a link](https://code{i}.example/)\n\n- still code\n```\n")
        elif kind == "refuse":
            blocks.append(f"Paragraph then list:\n1. [one](https://o{i}.example/)\n2. two\n")
        else:
            blocks.append(f"> quoted [q](https://q{i}.example/)\n> more\n")
    blocks.append("".join(f'[r{k}]: https://ref{k}.example/ "Ref {k}"\n' for k in range(8)))
    text = "\n".join(blocks)
    whole = markdown_mod.extract(text, "d")
    monkeypatch.setattr(markdown_mod, "CHUNK_CHARS", 300)
    assert len(markdown_mod._pieces(text)) > 20
    pieces = markdown_mod.extract(text, "d")
    assert pieces.citations == whole.citations and pieces.placeholders == whole.placeholders


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_pdf_and_docx_never_crash(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["pdf", "docx"]))
    original = (
        make_pdf(["Page https://p.example/a"], link="https://p.example/b")
        if kind == "pdf"
        else make_docx(["Para https://d.example/a"])
    )
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 20))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 3, len(raw)))
    path = tmp_path_factory.mktemp("fuzz") / f"doc.{kind}"
    path.write_bytes(bytes(raw[:cut]))
    warnings: list[str] = []
    extraction = extract_file(path, path.name, warnings.append)  # must not raise
    assert extraction is not None or warnings


def test_docx_that_is_a_zip_bomb_shape_is_skipped(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("junk.bin", b"\0" * (50 * 2**20))
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())
    warnings: list[str] = []
    assert extract_file(path, path.name, warnings.append) is None and warnings


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("brackets.txt", b"[" * 1_000_000, "text"),  # the Markdown sniffing regex was quadratic
        ("bracket-lines.txt", b"[\n" * 500_000, "text"),
        ("autolinks.txt", b"<http://" * 125_000, "text"),
        ("urls.txt", b"http://" * 150_000, "text"),
        ("anchors.html", b"<html><body>" + b"<div>" * 300 + b"<a href=x>" * 100_000, "html"),  # the fallback scan
        ("angles.html", b"<html><body>" + b"<div>" * 300 + b"<" * 1_000_000, "html"),
    ],
)
def test_a_megabyte_of_adversarial_input_extracts_in_linear_time(name: str, data: bytes, fmt: str) -> None:
    # Issue 12, item 19: each of these took minutes (a regex retrying from every opening).
    started = time.monotonic()
    extract_bytes(data, name, fmt, lambda message: None)
    assert time.monotonic() - started < 3.0


def test_a_docx_that_inflates_to_a_gigabyte_is_skipped_before_decompressing(tmp_path: Path) -> None:
    # Issue 12, item 20: a 1 MB .docx inflating to 1 GB peaked at 2.1 GB resident.
    original = zipfile.ZipFile(io.BytesIO(make_docx(["Para https://d.example/a"])))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        with out.open("word/padding.xml", "w") as padding:  # streamed: never all in memory here
            chunk = b" " * (1 << 20)
            for _ in range(100):
                padding.write(chunk)
    (tmp_path / "bomb.docx").write_bytes(bomb.getvalue())
    warnings: list[str] = []
    started = time.monotonic()
    assert extract_file(tmp_path / "bomb.docx", "bomb.docx", warnings.append) is None
    assert time.monotonic() - started < 2.0
    assert len(warnings) == 1 and re.search(
        r"bomb.docx: skipped, decompresses to 10\d MB \(more than 64 MB\)", warnings[0]
    )


def test_file_names_with_undecodable_bytes_are_recorded_losslessly(tmp_path: Path) -> None:
    """Issue 12, item 11: a file name with byte 0xff was a traceback at save, nothing recorded.
    Undecodable bytes are recorded as `\\xff`, a backslash as `\\\\`: distinct names stay
    distinct, and the exact bytes come back (annotations and `fix` find the file)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    raw_names = [b"caf\xff.md", b"caf\xfe.md", b"back\\slash \xe9t\xe9.md", b"caf\\xff.md", b"plain.md"]
    for i, raw in enumerate(raw_names):
        (folder / os.fsdecode(raw)).write_text(f"[x](https://names.example/{i})\n")
    registry_path = tmp_path / "citations.yaml"
    result = run_cli("extract", str(folder), "--registry", str(registry_path))
    assert result.returncode == 0, result.stderr
    loaded = registry.load(registry_path)
    names = set(loaded.documents)
    assert names == {"caf\\xff.md", "caf\\xfe.md", "back\\\\slash \\xe9t\\xe9.md", "caf\\\\xff.md", "plain.md"}
    assert {os.fsencode(document_path(name)) for name in names} == set(raw_names)
    for url, entry in loaded.links.items():  # each citation still names its own file
        document = entry.citations[0].document
        assert (folder / document_path(document)).read_text().endswith(f"({url})\n")
    # Extracting again from the recorded source changes nothing.
    before = registry_path.read_text()
    assert run_cli("extract", "--registry", str(registry_path)).returncode == 0
    assert registry_path.read_text() == before


@given(st.binary(min_size=1, max_size=30))
def test_document_names_round_trip_any_bytes(raw: bytes) -> None:
    name = os.fsdecode(raw)
    recorded = document_name(name)
    recorded.encode("utf-8")  # any file format can hold it
    assert document_path(recorded) == name and os.fsencode(document_path(recorded)) == raw


def test_devices_named_pipes_and_their_links_are_never_read(tmp_path: Path) -> None:
    """A link to /dev/zero, or a named pipe, among the documents (or as a .gitignore) would be
    read forever, or wait forever for a writer: each is skipped, quickly, and the rest read."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / ".git").mkdir()  # a repository: its .gitignore files count
    (docs / "ok.md").write_text("[a](https://a.example/)\n")
    (docs / "zero.md").symlink_to("/dev/zero")
    (docs / ".gitignore").symlink_to("/dev/zero")
    os.mkfifo(docs / "pipe.md")
    # In a subprocess with a time limit: were a pipe or a device read, this test would fail, not hang.
    result = run_cli_subprocess("extract", "docs", "--registry", "r.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "zero.md: skipped, not a regular file" in result.stderr
    assert "pipe.md: skipped, not a regular file" in result.stderr
    assert "1 documents" in result.stdout and "https://a.example/" in (tmp_path / "r.yaml").read_text()
    # `fix` reads the documents again: one replaced by a pipe since is left alone, said so.
    (docs / "ok.md").unlink()
    os.mkfifo(docs / "ok.md")
    data = yaml.safe_load((tmp_path / "r.yaml").read_text())
    data["links"]["https://a.example/"]["replacement"] = "https://b.example/"
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(data))
    fixed = run_cli_subprocess("fix", "--registry", "r.yaml", cwd=tmp_path, timeout=60)
    assert fixed.returncode == 1 and "ok.md" in fixed.stderr  # not a document it can fix: a person must look
    # And if one turns into a pipe between the registry's look and the read, it is not read.
    from linkcheck.fix import Target, plan_document
    from linkcheck.models import Citation
    from linkcheck.registry import LinkEntry

    url = "https://a.example/"
    entry = LinkEntry(url, replacement="https://b.example/")
    plan = plan_document(
        docs / "ok.md",
        [(Citation(url, "ok.md", 1, "a"), entry, Target("https://b.example/", "replacement"))],
        "markdown",
    )
    assert plan.original == b"" and plan.skipped and "not a regular file" in plan.skipped[0]
