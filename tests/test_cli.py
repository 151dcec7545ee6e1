from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from linkcheck import registry
from linkcheck.extract import collect
from tests.helpers import ROOT, run_cli

SEEDS = ROOT.parent / "shared" / "seeds"


def test_extract_over_directory_glob_and_file(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "r.yaml"
    result = run_cli(
        "extract",
        str(corpus / "sub"),
        str(corpus / "*.bib"),
        str(corpus / "article.md"),
        "--registry",
        str(path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    docs = yaml.safe_load(path.read_text())["documents"]
    assert set(docs) == {"footnotes.txt", "article.md", "refs.bib"}  # outside the cwd: bare names


def test_bad_input_gives_one_line_warnings_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("[a](https://ok.example/)\n")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7 broken")
    (tmp_path / "bad.docx").write_bytes(b"nope")
    # A path that does not exist is an error (issue 14): exit 2, nothing written.
    missing = run_cli("extract", str(tmp_path), str(tmp_path / "missing.txt"), "--registry", str(tmp_path / "r.yaml"))
    assert missing.returncode == 2 and "missing.txt" in missing.stderr and not (tmp_path / "r.yaml").exists()
    result = run_cli("extract", str(tmp_path), "--registry", str(tmp_path / "r.yaml"))
    assert result.returncode == 0
    # The registry inside the extracted folder is never read as a document.
    again = run_cli("extract", str(tmp_path), "--registry", str(tmp_path / "r.yaml"))
    assert "r.yaml" not in again.stderr and "1 URLs" in again.stdout
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and all("bad." in w for w in warnings)
    assert "1 URLs" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run_cli("extract", "--registry", "/nonexistent-dir/none.yaml").returncode == 2
    assert run_cli("frobnicate").returncode == 2


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (../shared/seeds) are not beside this checkout")
def test_committed_registry_matches_the_seeds() -> None:
    committed = registry.load(ROOT / "citations.yaml")
    fresh = registry.Registry()
    registry.merge(fresh, collect([str(SEEDS)]))
    assert len(committed.links) == 39 and committed.citation_count == 42 and committed.placeholder_count == 14

    def shape(reg: registry.Registry) -> tuple[object, ...]:
        links = {
            url: [(c.document, c.line, c.page, c.text, c.fragment, c.date) for c in e.citations]
            for url, e in reg.links.items()
        }
        docs = {name: [(p.line, p.text) for p in d.placeholders] for name, d in reg.documents.items()}
        return links, docs

    assert shape(committed) == shape(fresh), "citations.yaml is stale: run `linkcheck extract`"
    assert committed.sources == ["../shared/seeds"]


def test_every_command_and_option_is_documented_in_the_readme() -> None:
    import argparse

    from linkcheck.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, sub in commands.choices.items():
        if f"linkcheck {name}" not in readme:
            missing.append(name)
        missing += [
            f"{name} {o}"
            for a in sub._actions
            for o in a.option_strings
            if o.startswith("--") and o != "--help" and o not in readme
        ]
    assert missing == []


def test_a_recorded_source_that_is_gone_leaves_the_registry_as_it_was(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "a.md").write_text("[a](https://a.example/page)\n")
    path = tmp_path / "r.yaml"
    assert run_cli("extract", str(papers), "--registry", str(path), cwd=tmp_path).returncode == 0
    before = path.read_text()
    papers.rename(tmp_path / "moved")
    result = run_cli("extract", "--registry", str(path), cwd=tmp_path)  # the recorded sources
    assert result.returncode == 2
    assert "papers" in result.stderr and "left as it was" in result.stderr
    assert path.read_text() == before and "https://a.example/page" in before


def test_extract_never_empties_a_registry_for_want_of_documents(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("[a](https://a.example/page)\n")
    path = tmp_path / "citations.yaml"
    assert run_cli("extract", "a.md", cwd=tmp_path).returncode == 0
    before = path.read_text()
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "chart.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf")
    careless = {
        ("citations.yaml",): "is the registry, not a document",  # the registry named as a document
        (str(path),): "is the registry, not a document",
        ("figures",): "no document could be read",  # nothing but images there
        ("broken.pdf",): "no document could be read",  # a document that cannot be read
    }
    for args, message in careless.items():
        result = run_cli("extract", *args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "left as it was" in result.stderr
        assert path.read_text() == before
    # Documents that cite nothing any more do empty it: that is what they say.
    (tmp_path / "a.md").write_text("No links left.\n")
    assert run_cli("extract", "a.md", cwd=tmp_path).returncode == 0
    assert "https://a.example/page" not in path.read_text()


def test_a_mistyped_registry_is_said_plainly_and_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "results.yaml").write_text("shard: {}\n")
    for command in (["check"], ["archive"], ["fix"], ["report"], ["merge", "results.yaml"]):
        result = run_cli(*command, "--registry", "citatons.yaml", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert "citatons.yaml: no such registry" in result.stderr, (command, result.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["results.yaml"], command  # no lock file made
    (tmp_path / "empty.yaml").write_text("")
    result = run_cli("check", "--registry", "empty.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "empty.yaml: the registry is empty" in result.stderr
    # Not a file at all: a named pipe would be waited on forever, a link to /dev/zero read
    # forever, and the lock made beside it (in /dev).
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    for odd in ("pipe", "folder"):
        for command in (["check"], ["archive"], ["fix"], ["report"], ["merge", "results.yaml"], ["extract", "x.md"]):
            result = run_cli(*command, "--registry", odd, cwd=tmp_path)
            assert result.returncode == 2 and "not a regular file" in result.stderr, (odd, command, result.stderr)
    assert not (tmp_path / "pipe.lock").exists() and not (tmp_path / "folder.lock").exists()


def test_the_readme_states_the_defaults_the_code_has() -> None:
    """Defaults live in linkcheck/config.py; the README's configuration example repeats them."""
    import re
    import tomllib

    from linkcheck.config import DEFAULTS

    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```toml\n(\[tool\.linkcheck\]\n.*?)```", readme, re.S)
    assert block is not None
    example = tomllib.loads(block.group(1))["tool"]["linkcheck"]
    for key in (
        "max_concurrency",
        "host_concurrency",
        "min_interval",
        "timeout",
        "retries",
        "user_agent",
        "output",
        "formats",
        "fail_on",
        "deny_private",
        "markdown_max_bytes",
    ):
        assert example[key] == getattr(DEFAULTS, key), key
    days = {"archive_ttl": DEFAULTS.archive_ttl, "save_if_older": DEFAULTS.save_if_older}
    for key, seconds in days.items():
        assert f'`{key} = "{seconds / 86400:g}d"`' in readme or f'{key} = "{seconds / 86400:g}d"' in readme, key
    assert f"archive_concurrency = {DEFAULTS.archive_concurrency}" in readme
    assert f"cdx_per_minute = {DEFAULTS.cdx_per_minute}" in readme
    assert f"save_poll_interval = {DEFAULTS.save_poll_interval}" in readme
