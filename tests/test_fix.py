"""`linkcheck fix` (issue 15): dead citations pointed at their snapshots in the documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck import registry as registry_mod
from tests.helpers import run_cli

SNAPSHOT = "https://web.archive.org/web/20180301000000/https://dead.example/report"


def _corpus(tmp_path: Path, files: dict[str, bytes]) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, data in files.items():
        (docs / name).write_bytes(data)
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(docs), "--registry", str(registry)).returncode == 0
    data = yaml.safe_load(registry.read_text())
    verdicts: dict[str, dict[str, Any]] = {
        "https://dead.example/report": {"status": "broken", "http_status": 404, "checked_at": "2026-11-23T00:00:00Z"},
        "https://old.example/page": {
            "status": "moved",
            "http_status": 200,
            "final_url": "https://new.example/page",
            "checked_at": "2026-11-23T00:00:00Z",
        },
        "https://ok.example/": {"status": "ok", "http_status": 200, "checked_at": "2026-11-23T00:00:00Z"},
        "https://walled.example/": {"status": "blocked", "http_status": 403, "checked_at": "2026-11-23T00:00:00Z"},
        "https://accepted.example/": {"status": "broken", "http_status": 404, "checked_at": "2026-11-23T00:00:00Z"},
    }
    for url, check in verdicts.items():
        if url in data["links"]:
            data["links"][url]["check"] = check
    if "https://dead.example/report" in data["links"]:
        data["links"]["https://dead.example/report"]["archive"] = {
            "url": SNAPSHOT,
            "timestamp": "20180301000000",
            "verified_at": "2026-11-23T00:00:00Z",
        }
        data["links"]["https://dead.example/report"]["note"] = "the ministry took it down"
    if "https://accepted.example/" in data["links"]:
        data["links"]["https://accepted.example/"]["accept"] = "broken"
    registry.write_text(yaml.safe_dump(data, allow_unicode=True))
    return registry


MARKDOWN = (
    b"# Paper\r\n\r\n"
    b"See [the report](https://dead.example/report) and <https://dead.example/report>.\r\n"
    b"Moved: [page](https://old.example/page#part), fine: [ok](https://ok.example/), "
    b"walled: [w](https://walled.example/), accepted: [a](https://accepted.example/).\r\n"
    b"Again [the source][ref].\r\n"
    b"\r\n[ref]: https://dead.example/report\r\n"
)


def test_markdown_with_every_kind_of_verdict_exact_bytes_crlf(tmp_path: Path) -> None:
    registry = _corpus(tmp_path, {"paper.md": MARKDOWN})
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 0, result.stderr
    after = (tmp_path / "docs" / "paper.md").read_bytes()
    expected = MARKDOWN.replace(b"https://dead.example/report", SNAPSHOT.encode()).replace(
        b"https://old.example/page#part", b"https://new.example/page#part"
    )
    assert after == expected
    assert "paper.md: fixed 3 citations" in result.stdout  # line 3 (two links), the moved one, the definition
    # The registry agrees: the snapshot is cited (as a snapshot of the original), the original kept.
    links = registry_mod.load(registry).links
    assert SNAPSHOT in links and links[SNAPSHOT].citations
    original = links["https://dead.example/report"]
    assert original.note == "the ministry took it down" and original.fixed_to == SNAPSHOT
    assert not original.citations
    # A second fix changes nothing.
    again = run_cli("fix", "--registry", str(registry))
    assert again.returncode == 0 and (tmp_path / "docs" / "paper.md").read_bytes() == expected


def test_html_robust_links_bom_and_latin1_text(tmp_path: Path) -> None:
    html = (
        '\ufeff<html><body><p class="x">Read <a class="c" href="https://dead.example/report" title="T">the report</a>'
        " and https://dead.example/report.</p></body></html>\n"
    ).encode("utf-8")
    latin = "Caf\xe9 note: https://dead.example/report (accessed 2019).\n".encode("latin-1")
    registry = _corpus(tmp_path, {"page.html": html, "notes.txt": latin})
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    page = (tmp_path / "docs" / "page.html").read_bytes()
    assert page.startswith(b"\xef\xbb\xbf")
    assert (
        f'<a class="c" href="{SNAPSHOT}" data-originalurl="https://dead.example/report" '
        f'data-versiondate="2018-03-01" title="T">'
    ).encode() in page
    assert f" and {SNAPSHOT}.</p>".encode() in page
    assert (tmp_path / "docs" / "notes.txt").read_bytes() == latin.replace(
        b"https://dead.example/report", SNAPSHOT.encode()
    )


def test_dry_run_prints_a_diff_and_changes_nothing(tmp_path: Path) -> None:
    registry = _corpus(tmp_path, {"paper.md": MARKDOWN})
    before = registry.read_text()
    result = run_cli("fix", "--dry-run", "--registry", str(registry))
    assert result.returncode == 0
    assert "--- a/paper.md" in result.stdout and f"+See [the report]({SNAPSHOT})" in result.stdout
    assert (tmp_path / "docs" / "paper.md").read_bytes() == MARKDOWN and registry.read_text() == before


def test_a_document_edited_after_extraction_is_skipped_where_it_changed(tmp_path: Path) -> None:
    registry = _corpus(tmp_path, {"paper.md": MARKDOWN})
    path = tmp_path / "docs" / "paper.md"
    edited = MARKDOWN.replace(
        b"See [the report](https://dead.example/report) and <https://dead.example/report>.",
        b"See [the report](https://other.example/) instead.",
    )
    path.write_bytes(edited)
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 1  # a person must look at what was skipped
    assert "line 3: https://dead.example/report is no longer written there" in result.stderr
    assert "fixed 2 citations in 1 document; 1 skipped; 0 to fix by hand" in result.stdout
    fixed = path.read_bytes()
    assert b"[the report](https://other.example/) instead." in fixed
    assert b"[page](https://new.example/page#part)" in fixed  # the rest is still fixed
    assert f"[ref]: {SNAPSHOT}".encode() in fixed


def test_pdf_and_word_are_listed_to_fix_by_hand(tmp_path: Path) -> None:
    from tests.helpers import make_pdf

    registry = _corpus(tmp_path, {"report.pdf": make_pdf(["See https://dead.example/report"])})
    before = (tmp_path / "docs" / "report.pdf").read_bytes()
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 1 and "fixed 0 citations in 0 documents; 0 skipped; 1 to fix by hand" in result.stdout
    assert "report.pdf: to fix by hand, page 1: https://dead.example/report" in result.stdout
    assert (tmp_path / "docs" / "report.pdf").read_bytes() == before


def test_a_word_footnote_to_fix_by_hand_is_found_by_its_text(tmp_path: Path) -> None:
    from tests.helpers import make_word_package

    word = make_word_package(
        '<w:p><w:r><w:t>Claim.</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r></w:p>',
        footnotes='<w:footnote w:id="2"><w:p><w:hyperlink r:id="rId1"><w:r><w:t>the report</w:t></w:r></w:hyperlink>'
        "</w:p></w:footnote>",
        footnote_links={"rId1": "https://dead.example/report"},
    )
    registry = _corpus(tmp_path, {"paper.docx": word})
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 1
    assert f'paper.docx: to fix by hand, paragraph 1 ("the report"): https://dead.example/report → {SNAPSHOT}' in (
        result.stdout
    )


_prose = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00[]()<>"), max_size=40)


@settings(max_examples=30, deadline=None)
@given(before=_prose, between=_prose, after=_prose, crlf=st.booleans())
def test_fix_changes_no_byte_outside_the_replaced_urls(
    tmp_path_factory: Any, before: str, between: str, after: str, crlf: bool
) -> None:
    from linkcheck.fix import Target, plan_document
    from linkcheck.models import Citation
    from linkcheck.registry import LinkEntry

    newline = "\r\n" if crlf else "\n"
    text = f"{before} [x](https://dead.example/report) {between}{newline}{after}{newline}"
    path = tmp_path_factory.mktemp("fix") / "doc.md"
    path.write_bytes(text.encode("utf-8"))
    entry = LinkEntry("https://dead.example/report")
    citation = Citation("https://dead.example/report", "doc.md", 1, "x")
    plan = plan_document(path, [(citation, entry, Target(SNAPSHOT, "snapshot", "2018-03-01"))])
    assert plan.fixed == text.replace("https://dead.example/report", SNAPSHOT, 1).encode("utf-8")


def test_rest_latex_and_text_constructs_are_fixed_in_place(tmp_path: Path) -> None:
    rest = (
        b"Title\n=====\n\nSee `the report <https://dead.example/report>`_ and https://old.example/page.\n\n"
        b".. _target: https://dead.example/report\n"
    )
    latex = b"See \\href{https://dead.example/report}{the report} and \\url{https://old.example/page}.\n"
    registry = _corpus(tmp_path, {"paper.rst": rest, "paper.tex": latex})
    mode_before = (tmp_path / "docs" / "paper.tex").stat().st_mode
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    assert (tmp_path / "docs" / "paper.rst").read_bytes() == rest.replace(
        b"https://dead.example/report", SNAPSHOT.encode()
    ).replace(b"https://old.example/page", b"https://new.example/page")
    assert (tmp_path / "docs" / "paper.tex").read_bytes() == latex.replace(
        b"https://dead.example/report", SNAPSHOT.encode()
    ).replace(b"https://old.example/page", b"https://new.example/page")
    assert (tmp_path / "docs" / "paper.tex").stat().st_mode == mode_before


def test_a_person_s_replacement_wins(tmp_path: Path) -> None:
    registry = _corpus(tmp_path, {"notes.txt": b"Source: https://dead.example/report\n"})
    data = yaml.safe_load(registry.read_text())
    data["links"]["https://dead.example/report"]["replacement"] = "https://mirror.example/report"
    registry.write_text(yaml.safe_dump(data))
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    assert (tmp_path / "docs" / "notes.txt").read_bytes() == b"Source: https://mirror.example/report\n"


BIBTEX = (
    b"@online{report,\r\n"
    b"  title     = {The Report},\r\n"
    b"  url       = {https://dead.example/report},\r\n"
    b"  urldate   = {2019-01-02}\r\n"
    b"}\r\n"
    b"\r\n"
    b"@misc{inline, title={X}, howpublished={\\url{https://dead.example/report}}, note={seen}}\r\n"
    b"@misc{moved,\r\n  url = {https://old.example/page},\r\n}\r\n"
    b'@misc{fine,\r\n  url = "https://ok.example/",\r\n}\r\n'
)


def test_bibtex_keeps_the_url_and_adds_archive_fields(tmp_path: Path) -> None:
    registry = _corpus(tmp_path, {"refs.bib": BIBTEX})
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 0, result.stderr
    note = f"Archived at \\url{{{SNAPSHOT}}} on 2018-03-01"
    expected = (
        BIBTEX.replace(
            b"  url       = {https://dead.example/report},\r\n",
            b"  url       = {https://dead.example/report},\r\n"
            + f"  archiveurl = {{{SNAPSHOT}}},\r\n  archivedate = {{2018-03-01}},\r\n".encode()
            + f"  note      = {{{note}}},\r\n".encode(),
        )
        .replace(
            b"howpublished={\\url{https://dead.example/report}}, note",
            b"howpublished={\\url{https://dead.example/report}}, "
            + f"archiveurl={{{SNAPSHOT}}}, archivedate={{2018-03-01}}, addendum={{{note}}}, note".encode(),
        )
        .replace(b"https://old.example/page", b"https://new.example/page")
    )
    assert (tmp_path / "docs" / "refs.bib").read_bytes() == expected
    links = registry_mod.load(registry).links
    assert links["https://dead.example/report"].fixed_to == SNAPSHOT
    assert links["https://dead.example/report"].citations  # the original stays the source
    assert yaml.safe_load(registry.read_text())["links"][SNAPSHOT]["snapshot_of"] == "https://dead.example/report"
    assert links[SNAPSHOT].citations
    again = run_cli("fix", "--registry", str(registry))
    assert again.returncode == 0 and "fixed 0 citations" in again.stdout
    assert (tmp_path / "docs" / "refs.bib").read_bytes() == expected


def test_bibtex_doi_and_an_entry_with_its_own_archive(tmp_path: Path) -> None:
    from linkcheck.fix import Target, plan_document
    from linkcheck.models import Citation
    from linkcheck.registry import LinkEntry

    path = tmp_path / "refs.bib"
    text = (
        "@article{a,\n  doi = {10.1000/xyz}\n}\n"
        "@article{b,\n  url = {https://dead.example/report},\n  archiveurl = {https://archive.example/x},\n}\n"
    )
    path.write_text(text)
    doi = "https://doi.org/10.1000/xyz"
    snapshot = f"https://web.archive.org/web/2018/{doi}"
    plan = plan_document(
        path,
        [
            (Citation(doi, "refs.bib", 2, "a"), LinkEntry(doi), Target(snapshot, "snapshot")),
            (
                Citation("https://dead.example/report", "refs.bib", 5, "b"),
                LinkEntry("https://dead.example/report"),
                Target(SNAPSHOT, "snapshot", "2018-03-01"),
            ),
        ],
        "bibtex",
    )
    assert plan.fixed.decode() == text.replace(
        "  doi = {10.1000/xyz}\n",
        f"  doi = {{10.1000/xyz}},\n  archiveurl = {{{snapshot}}},\n  note = {{Archived at \\url{{{snapshot}}}}}\n",
    )
    assert plan.skipped == ["line 5: https://dead.example/report: the entry has its own archiveurl, left as it is"]


def test_quarto_and_mdx(tmp_path: Path) -> None:
    qmd = (
        b"---\ntitle: Paper\n---\n\nSee [the report](https://dead.example/report).\n\n"
        b"```{r}\nread.csv('https://dead.example/report')\n```\n"
    )
    mdx = b'import Card from "./Card"\n\n<Card href="https://dead.example/report" title="R" />\n\nAnd <https://old.example/page>.\n'
    registry = _corpus(tmp_path, {"paper.qmd": qmd, "page.mdx": mdx})
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    assert (tmp_path / "docs" / "paper.qmd").read_bytes() == qmd.replace(
        b"[the report](https://dead.example/report)", f"[the report]({SNAPSHOT})".encode()
    )  # the code chunk is code, not a citation: left as it is
    assert (tmp_path / "docs" / "page.mdx").read_bytes() == mdx.replace(
        b"https://dead.example/report", SNAPSHOT.encode()
    ).replace(b"https://old.example/page", b"https://new.example/page")


def test_rest_targets_defined_apart_from_their_use(tmp_path: Path) -> None:
    rest = (
        b"Title\n=====\n\nSee the target_ and `the other one`_.\n\n"
        b".. _target: https://dead.example/report\n"
        b".. _the other one:\n   https://old.example/page\n"
    )
    registry = _corpus(tmp_path, {"paper.rst": rest})
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 0 and "skipped" not in result.stderr
    assert (tmp_path / "docs" / "paper.rst").read_bytes() == rest.replace(
        b"https://dead.example/report", SNAPSHOT.encode()
    ).replace(b"https://old.example/page", b"https://new.example/page")


def test_utf16_text_keeps_its_encoding(tmp_path: Path) -> None:
    text = "\ufeffSource: https://dead.example/report\r\n"
    registry = _corpus(tmp_path, {"notes.txt": text.encode("utf-16-le")})
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    assert (tmp_path / "docs" / "notes.txt").read_bytes() == text.replace(
        "https://dead.example/report", SNAPSHOT
    ).encode("utf-16-le")


_bib_text = st.text(st.characters(codec="utf-8", exclude_characters='\r\n\x00{}"@%\\'), max_size=30)


@settings(max_examples=30, deadline=None)
@given(
    title=_bib_text,
    other=_bib_text,
    padding=st.integers(0, 8),
    crlf=st.booleans(),
    last=st.booleans(),
    parens=st.booleans(),
)
def test_bibtex_fix_only_adds_fields(
    tmp_path_factory: Any, title: str, other: str, padding: int, crlf: bool, last: bool, parens: bool
) -> None:
    """Whatever the entry around it, the fixed file is the original plus the added fields."""
    from linkcheck.fix import Target, plan_document
    from linkcheck.models import Citation
    from linkcheck.registry import LinkEntry

    eol = "\r\n" if crlf else "\n"
    url_field = f"  url{' ' * padding}= {{https://dead.example/report}}{'' if last else ','}"
    fields = [f"  title = {{{title}}},", url_field] if last else [f"  title = {{{title}}},", url_field, "  year = 2019"]
    opening, closing = ("(", ")") if parens else ("{", "}")  # `@misc(key, …)` is BibTeX too
    text = f"% {other}{eol}@misc{opening}key,{eol}" + eol.join(fields) + f"{eol}{closing}{eol}"
    path = tmp_path_factory.mktemp("fix") / "refs.bib"
    path.write_bytes(text.encode("utf-8"))
    entry = LinkEntry("https://dead.example/report")
    citation = Citation("https://dead.example/report", "refs.bib", 4, "x")
    plan = plan_document(path, [(citation, entry, Target(SNAPSHOT, "snapshot", "2018-03-01"))], "bibtex")
    assert plan.changes and not plan.skipped
    fixed = plan.fixed.decode("utf-8")
    cut = text.index("https://dead.example/report}") + len("https://dead.example/report}")
    assert fixed.startswith(text[:cut]) and fixed.endswith(text[cut:])
    added = fixed[cut : len(fixed) - len(text[cut:])]
    assert re.fullmatch(
        rf",{eol}  archiveurl *= \{{{re.escape(SNAPSHOT)}\}},{eol}  archivedate *= \{{2018-03-01\}}"
        rf",{eol}  note *= \{{Archived at \\url\{{{re.escape(SNAPSHOT)}\}} on 2018-03-01\}}",
        added,
    ), added


_EVERY_FORMAT = {
    "paper.md": "[a](https://dead.example/report) [b](https://old.example/page) [c](https://ok.example/)\n"
    "[d](https://walled.example/) [e](https://accepted.example/)\n",
    "paper.qmd": "[a](https://dead.example/report) <https://old.example/page> https://ok.example/\n"
    "[d](https://walled.example/) [e](https://accepted.example/)\n",
    "paper.mdx": '<A href="https://dead.example/report" /> [b](https://old.example/page) [c](https://ok.example/)\n'
    "[d](https://walled.example/) [e](https://accepted.example/)\n",
    "page.html": '<p><a href="https://dead.example/report">a</a> <a href="https://old.example/page">b</a>\n'
    '<a href="https://ok.example/">c</a> <a href="https://walled.example/">d</a> '
    '<a href="https://accepted.example/">e</a></p>\n',
    "paper.rst": "`a <https://dead.example/report>`_ `b <https://old.example/page>`_ https://ok.example/\n"
    "https://walled.example/ and https://accepted.example/\n",
    "paper.tex": "\\href{https://dead.example/report}{a} \\url{https://old.example/page} \\url{https://ok.example/}\n"
    "\\url{https://walled.example/} \\url{https://accepted.example/}\n",
    "notes.txt": "https://dead.example/report; https://old.example/page; https://ok.example/\n"
    "https://walled.example/ https://accepted.example/\n",
}


def test_every_format_with_every_kind_of_verdict(tmp_path: Path) -> None:
    """Dead → its snapshot, moved → its new address; ok, blocked and accepted stay, byte for byte."""
    registry = _corpus(tmp_path, {name: text.encode() for name, text in _EVERY_FORMAT.items()})
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 0, result.stderr
    for name, text in _EVERY_FORMAT.items():
        if name.endswith(".html"):
            dead = f'{SNAPSHOT}" data-originalurl="https://dead.example/report" data-versiondate="2018-03-01'
        else:
            dead = SNAPSHOT
        expected = text.replace("https://dead.example/report", dead).replace(
            "https://old.example/page", "https://new.example/page"
        )
        assert (tmp_path / "docs" / name).read_text() == expected, name
    assert f"fixed 14 citations in {len(_EVERY_FORMAT)} documents; 0 skipped" in result.stdout


def test_a_document_edited_while_being_fixed_is_left_as_the_person_wrote_it(tmp_path: Path, monkeypatch: Any) -> None:
    from linkcheck import commands
    from linkcheck.fix import plan_document

    registry = _corpus(tmp_path, {"paper.md": MARKDOWN})
    path = tmp_path / "docs" / "paper.md"

    def plan_then_edit(*args: Any) -> Any:
        plan = plan_document(*args)
        path.write_bytes(MARKDOWN + b"A sentence written meanwhile.\r\n")
        return plan

    monkeypatch.setattr(commands, "plan_document", plan_then_edit)
    result = run_cli("fix", "--registry", str(registry))
    assert result.returncode == 1 and "changed while being fixed" in result.stderr
    assert path.read_bytes() == MARKDOWN + b"A sentence written meanwhile.\r\n"
    assert registry_mod.load(registry).links["https://dead.example/report"].fixed_to is None


def test_bibtex_as_real_files_write_it(tmp_path: Path) -> None:
    """Shapes seen in a real thesis bibliography: `key={…}` with no spaces, a trailing space
    after a comma, `month={Sept},}`, the URL in `howpublished` as the last field, `OPTurl`."""
    bib = (
        b"@ARTICLE{findbugs2008, \nauthor={N. Ayewah}, \ntitle={Using Static Analysis}, \n"
        b"doi={10.1109/MS.2008.130}, \nmonth={Sept},}\n\n"
        b"@misc{ESAPI,\n  title={{OWASP ESAPI}},\n  howpublished={\\url{https://dead.example/report}}\n}\n\n"
        b"@inproceedings{taintdroid,\n OPTurl = {https://dead.example/report},\n}\n"
    )
    registry = _corpus(tmp_path, {"refs.bib": bib})
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    note = f"Archived at \\url{{{SNAPSHOT}}} on 2018-03-01"
    assert (tmp_path / "docs" / "refs.bib").read_bytes() == bib.replace(
        b"  howpublished={\\url{https://dead.example/report}}\n",
        b"  howpublished={\\url{https://dead.example/report}},\n"
        + f"  archiveurl={{{SNAPSHOT}}},\n  archivedate={{2018-03-01}},\n  note={{{note}}}\n".encode(),
    )  # the DOI has no snapshot here; `OPTurl` is a field switched off, not a citation


def test_fix_reads_the_sources_again_as_they_were_extracted(tmp_path: Path) -> None:
    """After fixing, the documents are read again; extracted with --no-ignore, the files the
    rules exclude are read too, so their links (with their notes and verdicts) stay."""
    docs = tmp_path / "docs"
    (docs / "drafts").mkdir(parents=True)
    (docs / ".ignore").write_text("drafts/\n")
    (docs / "paper.md").write_text("See [the report](https://dead.example/report).\n")
    (docs / "drafts" / "d.md").write_text("Draft: [d](https://draft.example/).\n")
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", "docs", "--no-ignore", cwd=tmp_path).returncode == 0
    data = yaml.safe_load(registry.read_text())
    dead = data["links"]["https://dead.example/report"]
    dead["check"] = {"status": "broken", "http_status": 404, "checked_at": "2026-11-23T00:00:00Z"}
    dead["archive"] = {"url": SNAPSHOT, "timestamp": "20180301000000", "verified_at": "2026-11-23T00:00:00Z"}
    data["links"]["https://draft.example/"]["note"] = "kept on purpose"
    registry.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run_cli("fix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert SNAPSHOT in (docs / "paper.md").read_text()
    links = registry_mod.load(registry).links
    assert links["https://draft.example/"].note == "kept on purpose" and links["https://draft.example/"].citations


def test_a_link_wrapped_in_a_google_redirect_is_fixed_whole(tmp_path: Path) -> None:
    # Google Docs' HTML export wraps every link; the registry cites the page it passes on to,
    # and `fix` replaces the whole wrapper with that page's snapshot.
    html = (
        b'<p>Read <a class="c38" href="https://www.google.com/url?q=https://dead.example/report&amp;sa=D&amp;'
        b'source=editors&amp;usg=AOv">the report</a>.</p>\n'
    )
    markdown = b"See [r](https://www.google.com/url?q=https://dead.example/report&sa=D&usg=AOv).\n"
    registry = _corpus(tmp_path, {"page.html": html, "notes.md": markdown})
    assert set(yaml.safe_load(registry.read_text())["links"]) == {"https://dead.example/report"}
    assert run_cli("fix", "--registry", str(registry)).returncode == 0
    page = (tmp_path / "docs" / "page.html").read_bytes()
    # the href as written stays the Robust Links original: it still leads to the live page
    original = 'data-originalurl="https://www.google.com/url?q=https://dead'
    assert f'<a class="c38" href="{SNAPSHOT}" {original}'.encode() in page
    assert (tmp_path / "docs" / "notes.md").read_bytes() == f"See [r]({SNAPSHOT}).\n".encode()
