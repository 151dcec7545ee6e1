"""Each format's extractor on small documents written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkcheck import registry as registry_mod
from linkcheck.errors import RegistryError
from linkcheck.extract import ExtractionFailed, collect, extract_bytes
from linkcheck.models import Citation, Extraction
from tests.helpers import make_docx, make_pdf


def by_url(extraction: Extraction) -> dict[str, list[Citation]]:
    out: dict[str, list[Citation]] = {}
    for c in extraction.citations:
        out.setdefault(c.url, []).append(c)
    return out


def extract(data: bytes | str, fmt: str, name: str = "doc") -> Extraction:
    warnings: list[str] = []
    raw = data.encode() if isinstance(data, str) else data
    return extract_bytes(raw, name, fmt, warnings.append)


def test_markdown_fixture(corpus: Path) -> None:
    [doc] = collect([str(corpus / "article.md")]).documents
    found = by_url(doc)
    assert doc.format == "markdown"
    assert (doc.date, doc.date_source) == ("2021-09-21", "front-matter")
    assert set(found) == {
        "https://en.wikipedia.org/wiki/Union_State_(Russia_and_Belarus)",
        "https://carnegie.example.org/analysis/123",
        "https://example.org/autolink/",
        "https://example.net/bare?q=1&r=%2Fx",
        "https://unused.example.org/definition",
    }
    wiki = found["https://en.wikipedia.org/wiki/Union_State_(Russia_and_Belarus)"][0]
    assert (wiki.line, wiki.text) == (7, "on Wikipedia")  # front matter lines are counted
    assert found["https://carnegie.example.org/analysis/123"][0].line == 8
    assert found["https://example.net/bare?q=1&r=%2Fx"][0].line == 9
    assert [(p.line, p.text) for p in doc.placeholders] == [(11, "widely"), (11, "elsewhere")]
    assert not any("code" in url for url in found)


def test_markdown_link_spanning_lines_and_html_inline() -> None:
    doc = extract(
        'Intro\n[a long\nlink text](https://x.example/a) then\n<a href="">lost</a> and '
        "<a href='https://y.example/b'>y</a>\n",
        "markdown",
    )
    assert [(c.url, c.line, c.text) for c in doc.citations] == [
        ("https://x.example/a", 2, "a long link text"),
        ("https://y.example/b", 4, "y"),
    ]
    assert [(p.line, p.text) for p in doc.placeholders] == [(4, "lost")]


def test_text_sniffed_as_markdown_when_it_has_links() -> None:
    doc = extract("Some [source](#) and <https://a.example/x>\n", "text")
    assert doc.format == "markdown" and len(doc.placeholders) == 1


def test_plain_text_is_not_markdown() -> None:
    # Indented lines in PDF-extracted text must not become "code" and be skipped.
    doc = extract("Footnotes:\n\n        https://indented.example/a\n", "text")
    assert doc.format == "text" and [c.url for c in doc.citations] == ["https://indented.example/a"]


def test_html_fixture(corpus: Path) -> None:
    [doc] = collect([str(corpus / "page.html")]).documents
    found = by_url(doc)
    assert (doc.date, doc.date_source) == ("2019-12-20", "html-meta")
    assert set(found) == {
        "https://news.example.com/a?x=1&y=2",  # &amp; decoded
        "https://base.example.org/dir/relative/page.html",  # <base href> applied
        "https://quotes.example.com/q1",  # cite attribute
        "https://bare.example.com/path",
    }
    assert found["https://news.example.com/a?x=1&y=2"][0].text == "the report"
    assert found["https://news.example.com/a?x=1&y=2"][0].line == 9
    assert [(p.line, p.text) for p in doc.placeholders] == [(12, "the original source"), (12, "another")]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta property="article:published_time" content="2020-05-01T10:00:00Z">', "2020-05-01"),
        ('<meta name="DC.date" content="2018-03-02">', "2018-03-02"),
    ],
)
def test_html_meta_dates(meta: str, expected: str) -> None:
    doc = extract(f"<html><head>{meta}</head><body><a href='https://a.example/'>a</a></body></html>", "html")
    assert doc.date == expected


def test_bibtex_fixture(corpus: Path) -> None:
    [doc] = collect([str(corpus / "refs.bib")]).documents
    rows = [(c.url, c.line, c.text, c.date) for c in doc.citations]
    assert rows == [
        ("http://kremlin.example.ru/acts/41451", 3, "Statement on the Union State", "2020-02-14"),
        ("https://doi.org/10.1234/roadmaps.2020", 9, "Integration Roadmaps", None),
        ("https://notes.example.org/r_1", 10, "Integration Roadmaps", None),
        ("https://press.example.org/release_(2018)", 15, "Archived press release", None),
        ("https://doi.org/10.5555/ABC-42", 16, "Archived press release", None),
    ]


def test_text_fixture(corpus: Path) -> None:
    [doc] = collect([str(corpus / "sub" / "footnotes.txt")]).documents
    rows = [(c.url, c.line, c.date) for c in doc.citations]
    assert rows == [
        ("https://kki.example.hu/policy-brief.pdf", 3, "2019-07-18"),
        ("https://news.example.by/economics/617464.html", 4, None),
        ("http://government.example.ru/news/35084/", 7, None),
        ("https://quoted.example.com/x", 8, None),
        ("https://paren.example.com/y", 8, None),
        ("https://retrieved.example.com/article", 9, "2020-03-05"),
        ("https://news.example.by/economics/617464.html", 10, None),
        ("https://doi.org/10.1000/xyz123", 11, None),
    ]
    # A footnote URL's snippet is not padded with its neighbours.
    assert doc.citations[1].text == "https://news.example.by/economics/617464.html"
    assert "Another mention of" in doc.citations[6].text and len(doc.citations[6].text) <= 200


def test_snippet_is_at_most_200_characters() -> None:
    text = ("word " * 100) + "https://long.example/x " + ("word " * 100)
    [c] = extract(text, "text").citations
    assert len(c.text) <= 200 and "https://long.example/x" in c.text


def test_pdf_text_and_annotations_by_page() -> None:
    data = make_pdf(
        ["Intro page, no links.", "Footnote 3: https://pdf.example.org/report.pdf"],
        link="https://annotated.example.org/src",
    )
    doc = extract(data, "pdf")
    rows = {(c.url, c.page) for c in doc.citations}
    assert ("https://annotated.example.org/src", 1) in rows
    assert ("https://pdf.example.org/report.pdf", 2) in rows
    assert all(c.line is None for c in doc.citations)
    assert doc.date_source == "pdf-metadata" and doc.date is not None


def test_docx_hyperlinks_text_urls_and_tables() -> None:
    data = make_docx(
        ["Intro https://typed.example.org/a."],
        [("https://linked.example.org/b", "the linked source"), ("", "a lost source")],
    )
    doc = extract(data, "docx")
    rows = [(c.url, c.line, c.text) for c in doc.citations]
    assert ("https://typed.example.org/a", 1, "Intro https://typed.example.org/a.") in rows
    assert ("https://linked.example.org/b", 2, "the linked source") in rows
    assert any(url == "https://table.example.org/cell" for url, _, _ in rows)
    assert doc.date_source == "docx-metadata"


# Shapes from real Word files (an FCC order's 2.5 MB footnotes.xml: notes citing through
# `w:hyperlink` with the notes part's own relationships, a link's text split over runs, REF
# fields, a continuation notice among the separators) and from what Word writes for fields,
# content controls, text boxes (with their VML fallback), merged cells and tracked changes.
_WORD_BODY = (
    '<w:p><w:r><w:t>Intro with a note.</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r></w:p>'
    '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://field.example/report" \\o "tip" </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>the field\'s report</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    "<w:p><w:fldSimple w:instr=' HYPERLINK \"https://simple.example/a\" '>"
    "<w:r><w:t>simple field</w:t></w:r></w:fldSimple></w:p>"
    '<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>'
    "<w:p><w:r><w:t>Merged https://merged.example/cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    '<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:hyperlink r:id="rId7">'
    "<w:r><w:t>in a control</w:t></w:r></w:hyperlink></w:p></w:sdtContent></w:sdt>"
    '<w:p><w:r><w:t>Box:</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>'
    "<w:txbxContent><w:p><w:r><w:t>boxed https://box.example/x</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing>"
    "</mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>boxed https://box.example/x</w:t></w:r>"
    "</w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    "<w:p><w:del><w:r><w:delText>https://deleted.example/x</w:delText></w:r></w:del>"
    "<w:ins><w:r><w:t>https://inserted.example/y</w:t></w:r></w:ins></w:p>"
    '<w:p><w:r><w:t xml:space="preserve">Netflix letter, </w:t></w:r><w:hyperlink r:id="rId8">'
    "<w:r><w:t>http://files.example/132054ACL.PD</w:t></w:r><w:r><w:t>F</w:t></w:r></w:hyperlink>"
    '<w:r><w:t xml:space="preserve"> (accessed 3 March 2021)</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r></w:p>'
)
_WORD_FOOTNOTES = (
    '<w:footnote w:type="continuationNotice" w:id="1"><w:p><w:r><w:t>(continued https://notice.example/n)</w:t></w:r></w:p></w:footnote>'
    '<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>'
    '<w:r><w:t xml:space="preserve"> Fierce Wireless, (Sept. 2014), </w:t></w:r>'
    '<w:hyperlink r:id="rId1" w:history="1"><w:r><w:t>http://www.fiercewireless.example/press</w:t></w:r></w:hyperlink>'
    '<w:r><w:t xml:space="preserve">; see also https://typed-in-note.example/y, accessed 12 May 2020.</w:t></w:r>'
    "</w:p></w:footnote>"
    '<w:footnote w:id="3"><w:p><w:r><w:t>A note no mark refers to: https://orphan-note.example/z</w:t></w:r></w:p></w:footnote>'
)


def test_docx_footnotes_endnotes_fields_controls_text_boxes() -> None:
    from tests.helpers import make_word_package

    data = make_word_package(
        _WORD_BODY,
        links={"rId7": "https://control.example/c", "rId8": "http://files.example/132054ACL.PDF"},
        footnotes=_WORD_FOOTNOTES,
        footnote_links={"rId1": "http://www.fiercewireless.example/press"},
        endnotes='<w:endnote w:id="1"><w:p><w:r><w:t>Endnote source https://endnote.example/e</w:t></w:r></w:p></w:endnote>',
    )
    doc = extract(data, "docx")
    rows = sorted((c.url, c.line) for c in doc.citations)
    assert rows == sorted(
        [
            ("http://www.fiercewireless.example/press", 1),  # a footnote: where its mark stands
            ("https://typed-in-note.example/y", 1),
            ("https://field.example/report", 2),
            ("https://simple.example/a", 3),
            ("https://merged.example/cell", 4),  # a cell over two columns, once
            ("https://control.example/c", 5),
            ("https://box.example/x", 7),  # the text box, not its fallback copy too
            ("https://inserted.example/y", 8),  # not the deleted revision
            ("http://files.example/132054ACL.PDF", 9),  # the link, not its text again
            ("https://endnote.example/e", 9),
            ("https://orphan-note.example/z", 9),
        ]
    )
    by_url = {c.url: c for c in doc.citations}
    assert by_url["https://field.example/report"].text == "the field's report"
    assert by_url["https://control.example/c"].text == "in a control"
    assert by_url["http://files.example/132054ACL.PDF"].date == "2021-03-03"
    assert by_url["https://typed-in-note.example/y"].date == "2020-05-12"


def test_bad_files_warn_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("https://good.example/ok\n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage without xref")
    (tmp_path / "notzip.docx").write_bytes(b"this is not a zip file")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 https://latin.example/x\n".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    warnings: list[str] = []
    result = collect([str(tmp_path)], warn=warnings.append)
    urls = {c.url for d in result.documents for c in d.citations}
    assert urls == {"https://good.example/ok", "https://latin.example/x"}
    joined = "\n".join(warnings)
    for name in ("broken.pdf", "notzip.docx", "binary.md", "latin1.txt"):
        assert name in joined
    assert "1 images, stylesheets, scripts and other non-documents skipped" in joined  # one line for them all
    assert all("\n" not in w for w in warnings)


def test_directories_and_globs_name_documents(corpus: Path) -> None:
    names = {d.document for d in collect([str(corpus)]).documents}
    assert names == {"article.md", "page.html", "refs.bib", "sub/footnotes.txt"}
    globbed = collect([str(corpus / "*.md")]).documents
    assert [d.format for d in globbed] == ["markdown"]
    warnings: list[str] = []
    collect([str(corpus / "nothing-*.md"), str(corpus / "missing.txt")], warn=warnings.append)
    assert len(warnings) == 2


documents = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400) | st.lists(
    st.sampled_from(
        [
            "[a](#)",
            "[b](https://x.example/(y))",
            "<https://q.example>",
            "`https://c.example`",
            "\n",
            "    ",
            "https://bare.example/z.",
            "---\n",
            "date: 2020-01-01\n",
            "<a href=''>x</a>",
            "@misc{k, url={https://b.example}}",
            "\\url{",
            "doi:10.1/2",
            "<base href='http://b/'>",
            "^[",
            "]",
            "[^1]",
            "[^1]: ",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from(["text", "markdown", "html", "bibtex"]))
@example("^[]", "markdown")  # an empty inline note: its tokens have no line (found by this test in CI)
def test_extractors_never_crash_and_are_deterministic(text: str, fmt: str) -> None:
    if "\x00" in text:
        with pytest.raises(ExtractionFailed, match="binary"):
            extract(text, fmt)
        return
    try:
        first = extract(text, fmt)
    except ExtractionFailed as exc:  # mostly control characters: skipped as binary, with a warning
        assert "binary" in str(exc) and len(text.encode()) >= 512
        return
    second = extract(text, fmt)
    assert first == second
    for citation in first.citations:
        assert citation.url and len(citation.text) <= 200


def test_a_recursive_glob_never_follows_a_symlink_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 12, item 21: glob's `**` follows symlinked folders: one loop gave one file as 41
    # documents, two loops never ended. Symlinked folders are not followed, as for a folder argument.
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.md").write_text("[a](https://a.example/)\n")
    (docs / "sub" / "b.md").write_text("[b](https://b.example/)\n")
    (docs / "sub" / "loop").symlink_to("..")
    (docs / "sub" / "loop2").symlink_to("../..")
    monkeypatch.chdir(tmp_path)
    collection = collect(["docs/**/*.md", "docs/[a-z].md"])
    names = [extraction.document for extraction in collection.documents]
    assert sorted(names) == ["docs/a.md", "docs/sub/b.md"]  # each once, though two patterns name a.md


def test_a_glob_that_would_backtrack_for_minutes_does_not(tmp_path: Path) -> None:
    """A registry's sources may hold globs (a pull request can write any): `*a*a…b` over a long
    name took a backtracking regex minutes. It is matched a segment at a time, `**` as any
    number of folders, as glob.glob(recursive=True) reads it."""
    import threading

    docs = tmp_path / "docs"
    (docs / "x" / "y").mkdir(parents=True)
    (docs / ("a" * 200 + ".md")).write_text("[a](https://a.example/)\n")
    (docs / "x" / "y" / "ab.md").write_text("[b](https://b.example/)\n")
    found: list[list[str]] = []
    patterns = [str(docs / ("*a" * 30 + "b")), str(docs / "**" / "*a*b*.md")]
    worker = threading.Thread(
        target=lambda: found.append([d.document for d in collect(patterns).documents]), daemon=True
    )
    worker.start()
    worker.join(timeout=30)  # a hang, not a speed
    assert found == [["ab.md"]]  # named by its bare name: outside the working folder
    from linkcheck.extract import _glob_matcher

    assert _glob_matcher("docs/**/x/*.md")("docs/x/y.md") and _glob_matcher("docs/**/x/*.md")("docs/q/r/x/y.md")
    assert not _glob_matcher("docs/*/")("docs/x")  # a trailing `/` names folders: no file
    assert not _glob_matcher("*.md")("a/b.md")  # `*` stays within a name


@pytest.mark.parametrize(
    ("prefix", "scanned"),
    [
        ("".join("  " * i + "- item\n" for i in range(12)), False),  # a list 12 levels deep: lost before
        ("> " * 20, False),  # a blockquote 20 deep: its link lost before
        ("".join("  " * i + "- item\n" for i in range(70)), True),  # beyond what is parsed: a plain scan
        ("> " * 150, True),
    ],
)
def test_nothing_after_a_deeply_nested_construct_is_lost(prefix: str, scanned: bool) -> None:
    # Issue 12, item 9: markdown-it stopped at nesting 20, silently dropping that link and every later one.
    warnings: list[str] = []
    document = prefix + "[deep](https://deep.example/)\n\nLater [x](https://later.example/)\n"
    extraction = extract_bytes(document.encode(), "deep.md", "markdown", warnings.append)
    assert {c.url for c in extraction.citations} == {"https://deep.example/", "https://later.example/"}
    assert bool(warnings) is scanned and all("nested more than 100 levels" in w for w in warnings)


def test_reports_written_among_the_documents_are_not_read_as_documents(tmp_path: Path) -> None:
    """Read again, a report would cite every link it lists, and keep them cited after the
    documents dropped them."""
    from tests.helpers import run_cli

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "paper.md").write_text("[a](https://a.example/page)\n")
    # A person's own document may talk about linkcheck's reports: it is still read.
    (docs / "notes.md").write_text(
        "The linkcheck-report files (report.md, report.html) list [b](https://b.example/).\n"
    )
    assert run_cli("extract", "docs", cwd=tmp_path).returncode == 0
    written = run_cli("report", "--output", "docs", "--format", "html,json,md,junit", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    reports = sorted(p.name for p in docs.iterdir() if p.name.startswith("report."))
    assert reports == ["report.html", "report.json", "report.md", "report.xml"]
    collection = collect([str(docs)])
    assert sorted(d.document for d in collection.documents) == ["notes.md", "paper.md"]
    skipped = [w for w in collection.warnings if "a report linkcheck wrote" in w]
    assert len(skipped) == 4
    again = run_cli("extract", "docs", cwd=tmp_path)
    assert again.returncode == 0 and "2 documents" in again.stdout, again.stdout


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_folder_walk_leaves_out_what_gitignore_and_ignore_files_exclude(tmp_path: Path) -> None:
    """As git, ripgrep and lychee do: a build folder or node_modules is not read as documents."""
    from tests.helpers import run_cli

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)  # a Git repository (a worktree has a .git file instead)
    _tree(
        repo,
        {
            ".gitignore": "# built pages\n_build/\nnode_modules/\n*.draft.md\n!keep.draft.md\n/top-only.md\n",
            "docs/paper.md": "[a](https://a.example/)\n",
            "docs/_build/paper.html": '<a href="https://built.example/">a</a>',
            "docs/notes.draft.md": "[d](https://draft.example/)\n",
            "docs/keep.draft.md": "[k](https://keep.example/)\n",
            "docs/top-only.md": "[t](https://nested-top.example/)\n",  # `/top-only.md` is anchored: not this one
            "top-only.md": "[t](https://top.example/)\n",
            "docs/.gitignore": "private/\n",
            "docs/private/secret.md": "[s](https://private.example/)\n",
            "node_modules/pkg/README.md": "[n](https://npm.example/)\n",
            "docs/.ignore": "scratch.md\n",
            "docs/scratch.md": "[x](https://scratch.example/)\n",
        },
    )
    found = collect([str(repo)])
    names = sorted(d.document for d in found.documents)
    assert names == ["docs/keep.draft.md", "docs/paper.md", "docs/top-only.md"]
    left = next(w for w in found.warnings if "left out by .gitignore or .ignore rules" in w)
    assert "3 files and 3 folders" in left and "--no-ignore" in left
    # Walking a folder inside the repository: the rules above it still count.
    assert sorted(d.document for d in collect([str(repo / "docs")]).documents) == [
        "keep.draft.md",
        "paper.md",
        "top-only.md",
    ]
    # --no-ignore reads everything (hidden files aside); a file named explicitly is always read.
    assert len(collect([str(repo)], ignore_rules=False).documents) == 9
    assert [d.document for d in collect([str(repo / "docs" / "scratch.md")]).documents] == ["scratch.md"]
    # So is a folder named there, though the rules above it exclude it (as ripgrep and lychee do).
    assert [d.document for d in collect([str(repo / "docs" / "private")]).documents] == ["secret.md"]
    assert [d.document for d in collect([str(repo / "docs" / "_build")]).documents] == ["paper.html"]
    result = run_cli("extract", "repo", "--registry", "r.yaml", cwd=tmp_path)
    assert result.returncode == 0 and "https://built.example/" not in (tmp_path / "r.yaml").read_text()
    everything = run_cli("extract", "repo", "--no-ignore", "--registry", "r.yaml", cwd=tmp_path)
    assert everything.returncode == 0 and "https://built.example/" in (tmp_path / "r.yaml").read_text()


def test_outside_a_git_repository_only_ignore_files_count(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "*.md\n",  # not a repository: git would not use it, neither do we
            ".ignore": "old/\n",
            "a.md": "[a](https://a.example/)\n",
            "old/b.md": "[b](https://b.example/)\n",
        },
    )
    assert [d.document for d in collect([str(tmp_path)]).documents] == ["a.md"]


def test_no_ignore_is_remembered_for_later_readings_of_the_sources(tmp_path: Path) -> None:
    """Extracted with --no-ignore, the sources are read so again by an extract with no PATH:
    the files the rules exclude keep their links (and those links their verdicts)."""
    from tests.helpers import run_cli

    _tree(
        tmp_path / "docs",
        {
            ".ignore": "drafts/\n",
            "paper.md": "[a](https://a.example/)\n",
            "drafts/d.md": "[d](https://draft.example/)\n",
        },
    )
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", "docs", "--no-ignore", cwd=tmp_path).returncode == 0
    assert "no_ignore: true" in registry.read_text()
    again = run_cli("extract", cwd=tmp_path)
    assert again.returncode == 0 and "removed" not in again.stdout, again.stdout
    assert "https://draft.example/" in registry_mod.load(registry).links
    assert registry_mod.load(registry).no_ignore
    # PATHs given without --no-ignore: the rules apply again, and the registry says so.
    ruled = run_cli("extract", "docs", cwd=tmp_path)
    assert ruled.returncode == 0 and "1 URLs no longer cited, removed" in ruled.stdout, ruled.stdout
    assert "https://draft.example/" not in registry_mod.load(registry).links
    assert "no_ignore" not in registry.read_text()
    # --no-ignore with no PATH reads the recorded sources so, and is remembered.
    assert run_cli("extract", "--no-ignore", cwd=tmp_path).returncode == 0
    assert "https://draft.example/" in registry_mod.load(registry).links
    assert registry_mod.load(registry).no_ignore


def test_a_registry_s_no_ignore_must_be_true_or_false(tmp_path: Path) -> None:
    registry = tmp_path / "citations.yaml"
    registry.write_text("version: 1\nsources: []\nno_ignore: sometimes\nlinks: {}\n")
    with pytest.raises(RegistryError, match="no_ignore.*expected true or false"):
        registry_mod.load(registry)
