"""A person's edits to citations.yaml made while `check` or `archive` runs are kept at save
(issue 12, item 8): linkcheck/registry/rebase.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from linkcheck import registry
from linkcheck.models import LinkResult, Verdict
from tests.conftest import ServerFactory
from tests.helpers import extract, run_cli
from tests.webserver import Reply


def _corpus(tmp_path: Path) -> tuple[Path, str]:
    path = extract(tmp_path, "[a](https://a.example/x) [b](https://b.example/y) [c](https://c.example/z)\n")
    return path, path.read_text()


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def _run(path: Path, loaded: str) -> registry.Registry:
    """What a run did: verdicts for a and b, from the registry as it was loaded."""
    run = registry.parse(loaded, str(path))
    run.links["https://a.example/x"].result = LinkResult(Verdict.BROKEN, "2026-11-23T10:00:00Z", http_status=404)
    run.links["https://b.example/y"].result = LinkResult(Verdict.OK, "2026-11-23T10:00:00Z", http_status=200)
    return run


def test_unchanged_file_is_simply_written(tmp_path: Path) -> None:
    path, loaded = _corpus(tmp_path)
    run = _run(path, loaded)
    saved = registry.save_run(run, path, loaded)
    assert not saved.merged and saved.beside is None and saved.message() is None
    assert path.read_text() == registry.dump(run)


def test_edits_made_during_the_run_are_kept_with_the_run_s_results(tmp_path: Path) -> None:
    path, loaded = _corpus(tmp_path)
    run = _run(path, loaded)

    def person(data: dict[str, Any]) -> None:
        data["links"]["https://a.example/x"]["note"] = "asked the ministry for the new address"
        data["links"]["https://b.example/y"]["ignore"] = True
        data["links"]["https://b.example/y"]["reviewer"] = "ana"  # a field the tool does not know
        del data["links"]["https://c.example/z"]

    _edit(path, person)
    saved = registry.save_run(run, path, loaded)
    assert saved.merged and not saved.conflicts and saved.beside is None
    assert "your edits are kept" in (saved.message() or "")
    links = yaml.safe_load(path.read_text())["links"]
    assert links["https://a.example/x"]["note"] == "asked the ministry for the new address"
    assert links["https://a.example/x"]["check"]["status"] == "broken"
    assert links["https://b.example/y"]["ignore"] is True and links["https://b.example/y"]["reviewer"] == "ana"
    assert links["https://b.example/y"]["check"]["status"] == "ok"
    assert "https://c.example/z" not in links  # the person removed it
    assert list(tmp_path.glob("*.run-*.yaml")) == []


def test_a_conflict_keeps_the_person_s_values_and_puts_the_run_beside(tmp_path: Path) -> None:
    path, loaded = _corpus(tmp_path)
    run = _run(path, loaded)

    def person(data: dict[str, Any]) -> None:
        data["links"]["https://a.example/x"]["check"] = {"status": "ok", "checked_at": "2026-11-23T09:00:00Z"}
        data["links"]["https://a.example/x"]["note"] = "checked by hand"

    _edit(path, person)
    saved = registry.save_run(run, path, loaded)
    assert saved.conflicts == ["https://a.example/x"] and saved.beside is not None
    links = yaml.safe_load(path.read_text())["links"]
    assert links["https://a.example/x"]["check"]["status"] == "ok"  # the person's
    assert links["https://a.example/x"]["note"] == "checked by hand"
    assert links["https://b.example/y"]["check"]["status"] == "ok"  # no conflict: the run's
    beside = yaml.safe_load(saved.beside.read_text())["links"]
    assert beside["https://a.example/x"]["check"]["status"] == "broken"  # nothing the run found is lost
    assert saved.beside.parent == path.parent and "compare the two" in (saved.message() or "")


def test_a_half_edited_file_is_left_alone_and_the_run_goes_beside(tmp_path: Path) -> None:
    path, loaded = _corpus(tmp_path)
    run = _run(path, loaded)
    broken = loaded + "links:\n  - [unfinished\n"
    path.write_text(broken)
    saved = registry.save_run(run, path, loaded)
    assert path.read_text() == broken and saved.beside is not None
    assert "does not read now" in (saved.message() or "")
    assert registry.load(saved.beside).links["https://a.example/x"].result is not None
    # A file removed during the run is not brought back; the results still are not lost.
    path.unlink()
    saved = registry.save_run(run, path, loaded)
    assert not path.exists() and saved.beside is not None and "removed" in (saved.message() or "")


def test_a_note_written_while_check_runs_survives_the_save(tmp_path: Path, serve: ServerFactory) -> None:
    """End to end: the person saves the file while the server is answering the check."""
    registry_path: list[Path] = []

    def answer(method: str, target: str, headers: dict[str, str]) -> Reply:
        path = registry_path[0]
        text = path.read_text()
        if "note:" not in text:
            _edit(path, lambda data: data["links"][web.url("/slow")].__setitem__("note", "edited mid-run"))
        return Reply()

    web = serve("127.0.0.44", fallback=answer)
    path = extract(tmp_path, f"[a]({web.url('/slow')})\n")
    registry_path.append(path)
    result = run_cli("check", "--registry", str(path), "--no-archive", "--output", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    assert "your edits are kept" in result.stdout + result.stderr
    entry = yaml.safe_load(path.read_text())["links"][web.url("/slow")]
    assert entry["note"] == "edited mid-run" and entry["check"]["status"] == "ok"
