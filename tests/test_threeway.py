"""Two versions of the registry merged by link (registry/threeway.py), and git using it as the
registry's merge driver (`linkcheck git-merge %O %A %B %P`) in real repositories."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.models import Citation, History, LastRun, LinkResult, Verdict
from linkcheck.registry import DocumentEntry, LinkEntry, Registry, dump, load, parse
from linkcheck.registry.threeway import Conflict, merge3
from tests.helpers import git_env, run_cli

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def cite(url: str, document: str = "a.md", line: int = 1) -> Citation:
    return Citation(url=url, document=document, line=line, text="t")


def link(url: str, *citations: Citation, checked: str | None = None, status: Verdict = Verdict.OK) -> LinkEntry:
    entry = LinkEntry(url=url, citations=list(citations) or [cite(url)])
    if checked is not None:
        entry.result = LinkResult(status, checked, http_status=200 if status == Verdict.OK else 404)
        entry.history = History(first_seen="2026-01-01", previous_status=str(status))
    return entry


def registry(*links: LinkEntry, documents: tuple[str, ...] = ("a.md",)) -> Registry:
    return Registry(
        sources=list(documents),
        documents={name: DocumentEntry(name=name, format="markdown") for name in documents},
        links={entry.url: entry for entry in links},
    )


def test_a_check_on_one_side_and_a_persons_edits_on_the_other_both_stay() -> None:
    base = registry(link("https://a.example/", checked="2026-01-01T00:00:00Z"), link("https://b.example/"))
    run = copy.deepcopy(base)
    run.links["https://a.example/"].result = LinkResult(Verdict.BROKEN, "2026-02-01T00:00:00Z", http_status=404)
    run.links["https://b.example/"].result = LinkResult(Verdict.OK, "2026-02-01T00:00:00Z", http_status=200)
    run.last_run = LastRun("2026-02-01T00:00:00Z", checked=2)
    person = copy.deepcopy(base)
    person.links["https://a.example/"].note = "moved to the new site"
    del person.links["https://b.example/"]  # no longer cited
    person.links["https://c.example/"] = link("https://c.example/")

    for ours, theirs in ((run, person), (person, run)):
        merged = merge3(base, ours, theirs)
        assert merged.conflicts == []
        links = merged.registry.links
        assert list(links) == ["https://a.example/", "https://c.example/"]
        a = links["https://a.example/"]
        assert a.note == "moved to the new site" and a.result is not None and a.result.status == Verdict.BROKEN
        assert links["https://c.example/"].result is None
        assert merged.registry.last_run == run.last_run


def test_two_checks_the_later_one_wins_whole() -> None:
    base = registry(link("https://a.example/", checked="2026-01-01T00:00:00Z"))
    early, late = copy.deepcopy(base), copy.deepcopy(base)
    early.links["https://a.example/"] = link(
        "https://a.example/", checked="2026-02-01T00:00:00Z", status=Verdict.BROKEN
    )
    late.links["https://a.example/"] = link("https://a.example/", checked="2026-03-01T09:00:00+02:00")
    early.last_run, late.last_run = LastRun("2026-02-01T00:00:00Z"), LastRun("2026-03-01T09:00:00+02:00")
    for ours, theirs in ((early, late), (late, early)):
        merged = merge3(base, ours, theirs)
        assert merged.conflicts == []
        entry = merged.registry.links["https://a.example/"]
        assert entry.result == late.links["https://a.example/"].result
        assert entry.history == late.links["https://a.example/"].history  # with its own history
        assert merged.registry.last_run == late.last_run


def test_citations_merge_a_document_at_a_time() -> None:
    url = "https://a.example/"
    base = registry(link(url, cite(url, "a.md", 3), cite(url, "b.md", 5)), documents=("a.md", "b.md"))
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours.links[url].citations = [cite(url, "a.md", 4), cite(url, "b.md", 5)]  # a.md edited here
    theirs.links[url].citations = [cite(url, "a.md", 3), cite(url, "b.md", 9), cite(url, "b.md", 12)]  # b.md there
    merged = merge3(base, ours, theirs)
    assert merged.conflicts == []
    assert [(c.document, c.line) for c in merged.registry.links[url].citations] == [
        ("a.md", 4),
        ("b.md", 9),
        ("b.md", 12),
    ]
    theirs.links[url].citations = [cite(url, "a.md", 7), cite(url, "b.md", 5)]  # a.md edited on both sides
    merged = merge3(base, ours, theirs)
    assert merged.conflicts == [Conflict(url, "citations in a.md")]
    assert merged.registry.links[url].citations == ours.links[url].citations


def test_what_both_sides_changed_differently_is_a_named_conflict_and_this_side_is_kept() -> None:
    url = "https://a.example/"
    base = registry(link(url))
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours.links[url].note, theirs.links[url].note = "ours", "theirs"
    ours.links[url].ignore = True  # one side only: no conflict
    merged = merge3(base, ours, theirs)
    assert merged.conflicts == [Conflict(url, "note")]
    assert merged.registry.links[url].note == "ours" and merged.registry.links[url].ignore is True
    theirs.links[url].note = "ours"  # the same change on both sides is no conflict
    assert merge3(base, ours, theirs).conflicts == []


def test_a_link_removed_on_one_side_stays_removed_unless_the_other_changed_more_than_its_check() -> None:
    url = "https://a.example/"
    base = registry(link(url), link("https://b.example/"))
    removed, checked = copy.deepcopy(base), copy.deepcopy(base)
    del removed.links[url]
    checked.links[url].result = LinkResult(Verdict.OK, "2026-02-01T00:00:00Z")
    assert url not in merge3(base, removed, checked).registry.links
    assert url not in merge3(base, checked, removed).registry.links
    checked.links[url].note = "keep an eye on this one"
    merged = merge3(base, removed, checked)
    assert merged.registry.links[url].note == "keep an eye on this one"
    assert merged.conflicts == [Conflict(url, "removed on one side, changed on the other")]


def test_new_links_stay_where_their_side_wrote_them_and_sources_are_a_union() -> None:
    base = registry(link("https://a.example/"), link("https://z.example/"), documents=("a.md", "z.md"))
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours.links = {
        "https://a.example/": ours.links["https://a.example/"],
        "https://o.example/": link("https://o.example/"),
        "https://z.example/": ours.links["https://z.example/"],
    }
    theirs.links = {"https://t.example/": link("https://t.example/"), **theirs.links}
    ours.sources = ["a.md", "z.md", "o.md"]
    theirs.sources = ["t.md", "a.md"]  # z.md removed there
    merged = merge3(base, ours, theirs).registry
    assert list(merged.links) == [
        "https://t.example/",
        "https://a.example/",
        "https://o.example/",
        "https://z.example/",
    ]
    assert merged.sources == ["t.md", "a.md", "o.md"]


# One generated registry and edits of it: the identities every merge must keep.
_urls = st.sampled_from([f"https://h{i}.example/p" for i in range(6)])
_edit = st.tuples(
    _urls,
    st.sampled_from(["note", "check", "remove", "cite", "add"]),
    st.integers(1, 50),
)


def _edited(base: Registry, edits: list[tuple[str, str, int]], side: str) -> Registry:
    edited = copy.deepcopy(base)
    for url, kind, n in edits:
        entry = edited.links.get(url)
        if kind == "add" and entry is None:
            edited.links[url] = link(url, cite(url, "a.md", n))
        elif entry is None:
            continue
        elif kind == "note":
            entry.note = f"{side} {n}"
        elif kind == "check":
            entry.result = LinkResult(Verdict.OK, f"2026-02-{n % 28 + 1:02d}T{n % 24:02d}:00:00Z")
            entry.history = History(first_seen="2026-01-01", last_ok=entry.result.checked_at)
        elif kind == "remove":
            del edited.links[url]
        elif kind == "cite":
            entry.citations = [*entry.citations, cite(url, "b.md", n)]
    return edited


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_urls, unique=True, max_size=5),
    st.lists(_edit, max_size=6),
    st.lists(_edit, max_size=6),
)
def test_merging_keeps_the_identities(
    urls: list[str], ours_edits: list[tuple[str, str, int]], theirs_edits: list[tuple[str, str, int]]
) -> None:
    base = registry(*(link(url) for url in urls))
    ours, theirs = _edited(base, ours_edits, "ours"), _edited(base, theirs_edits, "theirs")
    for side in (ours, theirs):
        for merged in (merge3(base, side, base), merge3(base, base, side), merge3(base, side, side)):
            assert merged.conflicts == [] and dump(merged.registry) == dump(side)
    merged = merge3(base, ours, theirs)
    # Whatever the merge gives is a registry that writes and reads back as itself.
    text = dump(merged.registry)
    assert dump(parse(text)) == text
    if not merged.conflicts:  # a clean merge is the same either way round, but for the order
        other = merge3(base, theirs, ours)
        assert other.conflicts == []
        assert sorted(dump(registry(e)) for e in merged.registry.links.values()) == sorted(
            dump(registry(e)) for e in other.registry.links.values()
        )


# ---------------------------------------------------------------------------- in git


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(repo), capture_output=True, text=True)


def _repository(tmp_path: Path) -> Path:
    """A repository whose citations.yaml git merges with `linkcheck git-merge` (this checkout's)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    driver = f"{sys.executable} -m linkcheck git-merge %O %A %B %P"
    _git(repo, "config", "merge.linkcheck.driver", driver)
    (repo / ".gitattributes").write_text("citations.yaml merge=linkcheck\n")
    return repo


def _commit(repo: Path, registry_: Registry, message: str) -> None:
    (repo / "citations.yaml").write_text(dump(registry_))
    _git(repo, "add", "-A")
    assert _git(repo, "commit", "-q", "-m", message).returncode == 0


@needs_git
def test_git_merges_a_check_and_a_persons_edit_by_link(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    urls = [f"https://h{i}.example/" for i in range(30)]
    base = registry(*(link(url, cite(url, "a.md", i + 1)) for i, url in enumerate(urls)))
    _commit(repo, base, "extract")
    _git(repo, "checkout", "-q", "-b", "check")
    run = copy.deepcopy(base)
    for entry in run.links.values():  # every link's check block changes: every line pair conflicts for git
        entry.result = LinkResult(Verdict.OK, "2026-02-01T00:00:00Z", http_status=200)
    run.last_run = LastRun("2026-02-01T00:00:00Z", checked=30)
    _commit(repo, run, "check")
    _git(repo, "checkout", "-q", "main")
    person = copy.deepcopy(base)
    person.links[urls[10]].note = "the publisher moved it"
    person.links["https://new.example/"] = link("https://new.example/", cite("https://new.example/", "a.md", 40))
    _commit(repo, person, "a note and a new citation")

    merged = _git(repo, "merge", "-q", "--no-edit", "check")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    text = (repo / "citations.yaml").read_text()
    assert "<<<<<<<" not in text
    result = load(repo / "citations.yaml")
    assert result.links[urls[10]].note == "the publisher moved it"
    assert "https://new.example/" in result.links
    assert all(result.links[url].result is not None for url in urls)
    assert result.last_run == run.last_run
    # Without the driver, git's line merge conflicts on the same histories.
    plain = tmp_path / "plain"
    assert _git(tmp_path, "clone", "-q", str(repo), str(plain)).returncode == 0
    (plain / ".gitattributes").unlink()
    _git(plain, "commit", "-q", "-am", "no driver")
    _git(plain, "reset", "-q", "--hard", "HEAD~2")  # back to the person's commit (before the merge)
    assert _git(plain, "merge", "-q", "--no-edit", "origin/check").returncode != 0


@needs_git
def test_a_real_conflict_stops_the_merge_names_it_and_leaves_a_registry_that_reads(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    url = "https://a.example/"
    base = registry(link(url), link("https://b.example/"))
    _commit(repo, base, "extract")
    _git(repo, "checkout", "-q", "-b", "other")
    theirs = copy.deepcopy(base)
    theirs.links[url].note = "theirs"
    theirs.links["https://b.example/"].accept = Verdict.BLOCKED
    _commit(repo, theirs, "their note")
    _git(repo, "checkout", "-q", "main")
    ours = copy.deepcopy(base)
    ours.links[url].note = "ours"
    _commit(repo, ours, "our note")
    merged = _git(repo, "merge", "--no-edit", "other")
    assert merged.returncode != 0
    assert f"{url} (note)" in merged.stderr and "this side's value is kept" in merged.stderr
    result = load(repo / "citations.yaml")  # no conflict markers: a registry that reads
    assert result.links[url].note == "ours" and result.links["https://b.example/"].accept == Verdict.BLOCKED
    assert "citations.yaml" in _git(repo, "diff", "--name-only", "--diff-filter=U").stdout  # still to resolve


def test_a_version_that_does_not_read_leaves_ours_as_it_was(tmp_path: Path) -> None:
    base, ours, theirs = tmp_path / "base", tmp_path / "ours", tmp_path / "theirs"
    text = dump(registry(link("https://a.example/")))
    base.write_text(text)
    ours.write_text(text)
    theirs.write_text("links:\n  https://a.example/: [oops\n")
    result = run_cli("git-merge", str(base), str(ours), str(theirs), "citations.yaml")
    assert result.returncode == 2 and "citations.yaml (other side)" in result.stderr
    assert ours.read_text() == text
    base.write_text("")  # no common ancestor: both sides added the file
    theirs.write_text(dump(registry(link("https://b.example/"))))
    assert run_cli("git-merge", str(base), str(ours), str(theirs)).returncode == 0
    assert set(load(ours).links) == {"https://a.example/", "https://b.example/"}


def test_every_field_of_the_registry_is_merged() -> None:
    """A field added to the model later must be merged too, not dropped: each is named here."""
    from dataclasses import fields

    from linkcheck.registry.model import HUMAN_LINK_FIELDS, RESULT_FIELDS
    from linkcheck.registry.threeway import _DOCUMENT_FIELDS

    link_fields = {"url", "citations", "fixed_to", "extra", *HUMAN_LINK_FIELDS, *RESULT_FIELDS}
    assert {f.name for f in fields(LinkEntry)} == link_fields
    assert {f.name for f in fields(DocumentEntry)} == {"name", "extra", *_DOCUMENT_FIELDS}
    assert {f.name for f in fields(Registry)} == {"sources", "no_ignore", "documents", "links", "last_run", "extra"}
    # And each one set on one side only comes through.
    base = registry(link("https://a.example/"))
    ours = copy.deepcopy(base)
    entry = ours.links["https://a.example/"]
    entry.note, entry.ignore, entry.accept, entry.replacement = "n", True, Verdict.BLOCKED, "https://b.example/"
    entry.archive_url, entry.fixed_to, entry.extra = (
        "https://web.archive.org/web/2020/x",
        "https://c.example/",
        {"k": 1},
    )
    ours.documents["a.md"].date, ours.documents["a.md"].extra = "2020-01-01", {"k": 2}
    ours.no_ignore, ours.extra = True, {"k": 3}
    assert dump(merge3(base, base, ours).registry) == dump(ours) == dump(merge3(base, ours, base).registry)
