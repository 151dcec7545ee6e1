from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck import registry
from linkcheck.errors import LockTimeout, RegistryError, WriteError
from linkcheck.extract import collect
from tests.helpers import run_cli


def extract_into(path: Path, *sources: Path) -> registry.MergeSummary:
    reg = registry.load(path)
    summary = registry.merge(reg, collect([str(s) for s in sources]), [str(s) for s in sources])
    registry.save(reg, path)
    return summary


def test_round_trip_is_exact(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "citations.yaml"
    extract_into(path, corpus)
    text = path.read_text()
    assert registry.dump(registry.load(path)) == text
    data = yaml.safe_load(text)
    assert data["version"] == 1
    assert "https://example.net/bare?q=1&r=%2Fx" in data["links"]


def test_entry_carries_citation_date_and_source(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "citations.yaml"
    extract_into(path, corpus)
    links = yaml.safe_load(path.read_text())["links"]
    assert links["https://example.org/autolink/"]["cited"] == {"date": "2021-09-21", "source": "front-matter"}
    assert links["https://news.example.com/a?x=1&y=2"]["cited"] == {"date": "2019-12-20", "source": "html-meta"}
    assert links["https://kki.example.hu/policy-brief.pdf"]["cited"] == {"date": "2019-07-18", "source": "accessed"}
    assert "cited" not in links["https://quoted.example.com/x"]


def test_human_fields_survive_reextraction(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "citations.yaml"
    extract_into(path, corpus)
    data = yaml.safe_load(path.read_text())
    entry = data["links"]["https://quoted.example.com/x"]
    entry.update(
        note="Checked by hand",
        ignore=True,
        accept="blocked",
        replacement="https://new.example/x",
        archive_url="https://web.archive.org/web/2019/https://quoted.example.com/x",
        reviewer="ana",
    )  # an unknown field must survive too
    data["documents"]["sub/footnotes.txt"]["date"] = "2019-01-15"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    extract_into(path, corpus)
    after = yaml.safe_load(path.read_text())
    kept = after["links"]["https://quoted.example.com/x"]
    for key in ("note", "ignore", "accept", "replacement", "archive_url", "reviewer"):
        assert kept[key] == entry[key]
    assert after["documents"]["sub/footnotes.txt"]["date"] == "2019-01-15"
    # The person's document date now dates that document's citations...
    assert kept["cited"] == {"date": "2019-01-15", "source": "registry"}
    # ...but a date written beside the URL still wins.
    assert after["links"]["https://kki.example.hu/policy-brief.pdf"]["cited"]["source"] == "accessed"


def test_urls_no_longer_cited_are_removed_and_listed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("https://keep.example/1 https://drop.example/2\n")
    path = tmp_path / "citations.yaml"
    run_cli("extract", str(docs), "--registry", str(path))
    (docs / "a.txt").write_text("https://keep.example/1\n")
    result = run_cli("extract", "--registry", str(path))  # no PATH: the recorded sources
    assert result.returncode == 0, result.stderr
    assert "1 URLs no longer cited, removed:" in result.stdout
    assert "https://drop.example/2" in result.stdout
    assert list(yaml.safe_load(path.read_text())["links"]) == ["https://keep.example/1"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("version: 1\nlinks:\n  https://a.example/: [unclosed\n", ":4:"),
        (
            "version: 1\nlinks:\n  https://a.example/:\n    citations: {}\n",
            ":4:16: links['https://a.example/'].citations",
        ),
        (
            "links:\n  https://a.example/:\n    citations:\n    - document: a\n      line: seven\n",
            ":5:13: links['https://a.example/'].citations[0]: expected a whole number",
        ),
        ("links:\n  https://a.example/: {}\n  https://a.example/: {}\n", ":3:3: duplicate key"),
        ("- just\n- a list\n", ":1:1: expected a mapping at the top"),
        ("links:\n  https://a.example/:\n    check: {status: fine}\n", "unknown status 'fine'"),
        ("links:\n  https://a.example/:\n    ignore: maybe\n", "expected true or false"),
        ("documents:\n  a.txt:\n    date: soon\n", "expected a date"),
        ("links:\n  https://a.example/:\n    citations:\n    - line: 3\n", "citations[0].document: is missing"),
        ("version: 99\n", "newer linkcheck"),
    ],
)
def test_invalid_registry_is_located_exit_2_and_never_overwritten(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "citations.yaml"
    path.write_text(content)
    (tmp_path / "doc.txt").write_text("https://a.example/\n")
    result = run_cli("extract", str(tmp_path / "doc.txt"), "--registry", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and where in result.stderr, result.stderr
    assert path.read_text() == content


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "citations.yaml"
    path.write_text("# old\nversion: 1\n")
    reg = registry.Registry(links={"https://a.example/": registry.LinkEntry("https://a.example/")})

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("linkcheck.registry.store.os.replace", fail)
    with pytest.raises(WriteError, match="cannot write .*left as it was"):
        registry.save(reg, path)
    assert path.read_text() == "# old\nversion: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citations.yaml"]
    monkeypatch.undo()
    registry.save(reg, path)
    assert "https://a.example/" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citations.yaml"]


def _hold_lock(path: str, seconds: float, ready: multiprocessing.synchronize.Event) -> None:
    with registry.locked(Path(path)):
        ready.set()
        time.sleep(seconds)


def test_second_run_waits_for_the_lock_or_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "citations.yaml"
    (tmp_path / "doc.txt").write_text("https://a.example/\n")
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(path), 3.0, ready))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(LockTimeout):
            with registry.locked(path, timeout=0.2):
                pass
        result = run_cli("extract", str(tmp_path / "doc.txt"), "--registry", str(path), "--lock-timeout", "0.5")
        assert result.returncode == 2 and "locked by another linkcheck run" in result.stderr
        waited = run_cli("extract", str(tmp_path / "doc.txt"), "--registry", str(path))
        assert waited.returncode == 0 and "waiting" in waited.stderr
        assert "https://a.example/" in path.read_text()
    finally:
        holder.join(10)


registry_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
registry_shaped = st.fixed_dictionaries(
    {},
    optional={
        "version": registry_values,
        "sources": registry_values,
        "documents": st.dictionaries(st.text(max_size=10), registry_values, max_size=3) | registry_values,
        "links": st.dictionaries(
            st.sampled_from(["https://a.example/", "x", ""]),
            st.fixed_dictionaries(
                {},
                optional={
                    "citations": st.lists(
                        st.dictionaries(
                            st.sampled_from(["document", "line", "text", "page", "date"]), registry_values, max_size=4
                        ),
                        max_size=3,
                    )
                    | registry_values,
                    "check": registry_values,
                    "history": registry_values,
                    "ignore": registry_values,
                    "archive": registry_values,
                },
            ),
            max_size=3,
        )
        | registry_values,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry_shaped | registry_values)
def test_any_yaml_loads_or_fails_with_a_located_registry_error(data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        loaded = registry.parse(text, "fuzz.yaml")
    except RegistryError as exc:
        assert str(exc).startswith("fuzz.yaml")
        return
    # Whatever loads, dumps, and reloads to the same registry.
    assert registry.dump(registry.parse(registry.dump(loaded))) == registry.dump(loaded)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises_anything_but_registry_error(text: str) -> None:
    try:
        registry.parse(text, "fuzz.yaml")
    except RegistryError:
        pass


def test_a_date_or_number_that_cannot_be_one_is_a_located_error() -> None:
    # Issue 12, item 22: YAML reads these as a date and an integer, and Python refuses both.
    with pytest.raises(RegistryError, match=r"<registry>:4:11: cannot read this value: day is out of range"):
        registry.parse("version: 1\ndocuments:\n  a.md:\n    date: 2021-02-29\n")
    huge = "version: 1\nlinks:\n  https://a.example/:\n    check:\n      status: ok\n      http_status: " + "9" * 5000
    with pytest.raises(RegistryError, match=r"<registry>:6:20: cannot read this value"):
        registry.parse(huge)


def test_new_files_follow_the_umask_and_existing_ones_keep_their_mode(tmp_path: Path) -> None:
    # Issue 12, item 28: mkstemp's 0600 was kept for new registries and every report.
    old = os.umask(0o022)
    try:
        (tmp_path / "paper.md").write_text("[a](https://a.example/)\n")
        assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(tmp_path / "new.yaml")).returncode == 0
        assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "new.yaml", 0o600)
        run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(tmp_path / "new.yaml"))
        assert (tmp_path / "new.yaml").stat().st_mode & 0o777 == 0o600
        assert (
            run_cli("report", "--registry", str(tmp_path / "new.yaml"), "--output", str(tmp_path / "out")).returncode
            == 0
        )
        assert {p.stat().st_mode & 0o777 for p in (tmp_path / "out").iterdir()} == {0o644}
    finally:
        os.umask(old)


def test_a_registry_that_is_a_symlink_is_written_through_and_locked_beside_its_target(tmp_path: Path) -> None:
    # Issue 12, item 12: the link was replaced by a regular file and the target never updated.
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "citations.yaml"
    target.write_text("")
    link = tmp_path / "citations.yaml"
    link.symlink_to(target)
    (tmp_path / "paper.md").write_text("[a](https://a.example/)\n")
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(link)).returncode == 0
    assert link.is_symlink() and "https://a.example/" in target.read_text()
    assert (tmp_path / "data" / "citations.yaml.lock").exists() and not (tmp_path / "citations.yaml.lock").exists()


def test_aliases_are_refused_before_anything_expands() -> None:
    # Issue 12, item 18: 590 bytes of nested aliases in an unknown field expanded to gigabytes.
    layers = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        layers.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]")
    text = "version: 1\nbomb:\n" + "".join(f"  {line}\n" for line in layers) + "links: {}\n"
    with pytest.raises(RegistryError, match=r"<registry>:3:\d+: this value is used again through an alias"):
        registry.parse(text)


@pytest.mark.parametrize(
    ("value", "tag"),
    [("!!binary aGVsbG8=", "!!binary"), ("!!set {a, b}", "!!set"), ("!!omap [a: 1, b: 2]", "!!omap")],
)
def test_yaml_specific_types_in_unknown_fields_are_refused_not_rewritten(value: str, tag: str) -> None:
    # Issue 12, item 13: they came back as Python reprs ("b'hello'", "{'a', 'b'}").
    text = f"version: 1\nlinks:\n  https://a.example/:\n    mine: {value}\n"
    with pytest.raises(RegistryError, match=rf"<registry>:4:11: .*mine: holds {re.escape(tag)}"):
        registry.parse(text)


def test_dates_in_unknown_fields_stay_dates() -> None:
    text = "version: 1\nlinks:\n  https://a.example/:\n    reviewed: 2024-05-01\n    at: 2024-05-01 10:00:00\n"
    again = registry.parse(registry.dump(registry.parse(text)))
    extra = again.links["https://a.example/"].extra
    assert extra == {"reviewed": dt.date(2024, 5, 1), "at": dt.datetime(2024, 5, 1, 10, 0)}


def test_a_write_in_pieces_is_the_text_and_a_failure_midway_leaves_the_old_file(tmp_path: Path) -> None:
    # Registries and reports are written a piece at a time (never whole in memory): the file
    # is the pieces joined, across the buffer's megabyte boundaries; a piece that fails to
    # come (an error while rendering) leaves the old file and no temporary one.
    path = tmp_path / "report.json"
    pieces = [f"{i:06d} é {'x' * (i % 5000)}\n" for i in range(4_000)]
    registry.write_atomically(path, iter(pieces))
    assert path.read_text() == "".join(pieces) and len(path.read_bytes()) > 3 << 20

    def failing() -> Iterator[str]:
        yield from pieces
        raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")

    with pytest.raises(UnicodeEncodeError):
        registry.write_atomically(path, failing())
    assert path.read_text() == "".join(pieces)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_the_registry_written_in_pieces_is_its_text(tmp_path: Path) -> None:
    reg = registry.Registry(
        links={f"https://a.example/{i}": registry.LinkEntry(f"https://a.example/{i}") for i in range(3)}
    )
    registry.save(reg, tmp_path / "citations.yaml")
    assert (tmp_path / "citations.yaml").read_text() == registry.dump(reg) == "".join(registry.dump_pieces(reg))
    empty = registry.Registry()
    registry.save(empty, tmp_path / "empty.yaml")
    assert (tmp_path / "empty.yaml").read_text() == registry.dump(empty) and "links: {}\n" in registry.dump(empty)
