"""The fast registry reader (fastparse.py) against PyYAML: on every text it accepts it gives
PyYAML's data exactly, and whatever it does not accept goes to the located loader."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkcheck import registry
from linkcheck.errors import RegistryError
from linkcheck.models import Citation, History, LinkResult, Snapshot, Verdict
from linkcheck.registry import DocumentEntry, LinkEntry, Registry, fastparse
from linkcheck.registry.emitter import emit
from linkcheck.registry.load import _build, _located_data

# Tokens where YAML 1.1 (PyYAML) reads something other than text, or that look like structure.
TRICKY = [
    "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "NULL", "~", "0777", "0", "-0", "+1", "1_000",
    "1e3", "1.5e-05", ".5", "1.", ".inf", "-.inf", ".nan", "inf", "NaN", "0x1F", "0b11", "1:30", "190:20:30",
    "2021-02-03", "2021-02-29", "2021-02-03 10:00:00", "2021-02-03T10:00:00Z", "<<", "=", "-", "- a", "? a",
    ": a", "a: b", "a #b", "a#b", "#x", "&a x", "*a", "!!str 1", "!x y", "[a, b]", "{a: 1}", "[]", "{}", "'q'",
    "'it''s'", '"q"', '"a\\x41\\u00e9\\U0001F600"', '"\\N\\L\\P\\_"', '"bad \\q"', "|", ">", "%x", "@x", "`x",
    "a\tb", "a ", " a", "a:", "a: ", "https://a.example/p?q=1#frag", "https://a.example/a: b", "9" * 5000,
    "é", "\u00a0x", "x\u2028y", "x\x85y", "\ufeffx", "x\ry", "x\x7fy", "x\x00y", "x\x1b[31my", "x\x9by",
]  # fmt: skip


def _pyyaml(text: str) -> object:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def _agrees(text: str) -> None:
    """fastparse.read gives PyYAML's data, or None; never data where PyYAML fails."""
    fast = fastparse.read(text)
    try:
        expected = _pyyaml(text)
    except (yaml.YAMLError, ValueError, OverflowError):
        assert fast is None, text
        return
    if fast is not None:
        assert fast == expected and _types(fast) == _types(expected), text


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {(k, type(k).__name__): _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


texts = st.text(max_size=30) | st.sampled_from(TRICKY)
plain = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.dates() | texts
nested = st.recursive(plain, lambda c: st.lists(c, max_size=3) | st.dictionaries(texts, c, max_size=3), max_leaves=12)


@st.composite
def registries(draw: st.DrawFn) -> Registry:
    r = Registry(sources=draw(st.lists(texts, max_size=2)))
    for name in draw(st.lists(texts.filter(bool), max_size=2, unique=True)):
        extra = draw(st.dictionaries(texts, nested, max_size=1))
        r.documents[name] = DocumentEntry(name, format=draw(st.none() | texts), extra=extra)
    urls = st.sampled_from(["https://a.example/", "http://b.example/x#y"]) | texts.filter(bool)
    for url in draw(st.lists(urls, max_size=4, unique=True)):
        entry = LinkEntry(url, note=draw(st.none() | texts), accept=draw(st.none() | st.sampled_from(list(Verdict))))
        for _ in range(draw(st.integers(0, 2))):
            date = draw(st.none() | st.sampled_from(["2020-01-02", "2021-12-31"]))
            entry.citations.append(
                Citation(url, draw(texts.filter(bool)), draw(st.none() | st.integers(0, 10**6)), draw(texts),
                         page=draw(st.none() | st.integers(1, 500)), fragment=draw(st.none() | texts),
                         date=date, date_source="accessed" if date else None)
            )  # fmt: skip
        if draw(st.booleans()):
            entry.result = LinkResult(
                draw(st.sampled_from(list(Verdict))), draw(texts), http_status=draw(st.none() | st.integers(100, 599)),
                final_url=draw(st.none() | texts), redirects=draw(st.lists(texts, max_size=2)),
                error=draw(st.none() | texts), elapsed=draw(st.none() | st.floats(0, 100)),
            )  # fmt: skip
        entry.history = History(first_seen=draw(st.none() | texts), consecutive_failures=draw(st.integers(0, 9)))
        if draw(st.booleans()):
            entry.archive = Snapshot(draw(texts.filter(bool)), draw(texts), gap_days=draw(st.none() | st.integers()))
        entry.extra = draw(st.dictionaries(st.sampled_from(["mine", "tags", "x y"]) | texts, nested, max_size=2))
        r.links[url] = entry
    return r


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_a_registry_linkcheck_wrote_is_read_fast_and_exactly_as_pyyaml_reads_it(reg: Registry) -> None:
    text = registry.dump(reg)
    _agrees(text)
    assert _outcome(lambda: registry.parse(text, "x")) == _outcome(lambda: _build(_located_data(text, "x"), "x"))


def _outcome(read: Callable[[], Registry]) -> Registry | str:
    try:
        return read()
    except RegistryError as exc:
        return str(exc)


def test_the_registry_layout_takes_the_fast_path() -> None:
    reg = Registry(sources=["docs"])
    reg.documents["a.md"] = DocumentEntry("a.md", format="markdown", date="2021-01-02")
    for i in range(3):
        url = f"https://a.example/{i}"
        entry = LinkEntry(url, citations=[Citation(url, "a.md", i + 1, "text: with a colon", page=None)])
        entry.result = LinkResult(Verdict.OK, "2026-01-01T00:00:00Z", http_status=200, redirects=["https://b.example/"])
        entry.history = History(first_seen="2026-01-01", last_ok="2026-01-01T00:00:00Z")
        entry.extra = {"mine": {"tags": ["a", "b"], "n": 3}}
        reg.links[url] = entry
    text = registry.dump(reg)
    assert fastparse.read(text) == _pyyaml(text)
    assert registry.parse(text) == reg


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.randoms(use_true_random=False), st.integers(1, 3))
@example(Registry(links={"https://a.example/": LinkEntry("https://a.example/")}), random.Random(1), 1)
def test_a_hand_edited_registry_is_read_as_pyyaml_reads_it_or_left_to_the_located_loader(
    reg: Registry, rnd: random.Random, edits: int
) -> None:
    lines = registry.dump(reg).split("\n")
    for _ in range(edits):
        at = rnd.randrange(len(lines))
        line = lines[at]
        choice = rnd.randrange(7)
        if choice == 0 and ": " in line:  # another value
            lines[at] = line.partition(": ")[0] + ": " + rnd.choice(TRICKY)
        elif choice == 1:  # a comment, a blank line, a stray line
            lines.insert(at, rnd.choice(["# note", "", "   ", "  # indented comment", "x", "- y", "---", "..."]))
        elif choice == 2:  # other indentation
            lines[at] = rnd.choice([" ", "  ", "\t"]) + line if rnd.random() < 0.7 else line[1:]
        elif choice == 3:  # a duplicate line (a duplicate key)
            lines.insert(at, line)
        elif choice == 4:  # a key that is not text
            lines[at] = line.replace(line.strip(" ").partition(":")[0], rnd.choice(TRICKY), 1) if line.strip() else line
        elif choice == 5:  # a trailing comment or blanks
            lines[at] = line + rnd.choice([" # c", "  ", "\t", " #", "#c"])
        else:  # an emptied block
            lines[at] = line.partition(":")[0] + ":" if ":" in line else line
    text = "\n".join(lines)
    _agrees(text)
    assert _outcome(lambda: registry.parse(text, "x")) == _outcome(lambda: _build(_located_data(text, "x"), "x"))


@pytest.mark.parametrize("token", TRICKY)
def test_each_tricky_value_is_read_as_pyyaml_reads_it(token: str) -> None:
    for text in (
        f"version: 1\nlinks:\n  https://a.example/:\n    note: {token}\n    check:\n      status: {token}\n",
        f"version: 1\nlinks:\n  https://a.example/:\n    citations:\n    - document: {token}\n      line: 3\n",
        f"version: 1\nlinks:\n  {token}:\n    note: x\n",
        f"version: 1\nsources:\n- {token}\ndocuments:\n  {token}:\n    format: {token}\n",
        f"links:\n  https://a.example/:\n    check:\n      redirects:\n      - {token}\n      status: ok\n",
    ):
        _agrees(text)


def test_errors_are_still_located_when_the_layout_is_linkchecks() -> None:
    text = "version: 1\nlinks:\n  https://a.example/:\n    check:\n      status: maybe\n"
    assert fastparse.read(text) is not None
    where = r"<registry>:5:15: links\['https://a.example/'\].check.status: unknown status"
    with pytest.raises(RegistryError, match=where):
        registry.parse(text)
    duplicate = "version: 1\nlinks:\n  https://a.example/:\n    note: a\n    note: b\n"
    assert fastparse.read(duplicate) is None
    with pytest.raises(RegistryError, match=r"<registry>:5:5: duplicate key 'note'"):
        registry.parse(duplicate)


def test_typed_values_keep_pyyamls_types() -> None:
    link = {"check": {"http_status": 404, "elapsed": 0.25}, "when": dt.date(2020, 1, 2)}
    text = emit({"links": {"https://a.example/": link}})
    assert fastparse.read(text) == _pyyaml(text)
    assert _types(fastparse.read(text)) == _types(_pyyaml(text))


def test_fields_before_the_first_link_are_not_given_to_a_link() -> None:
    # Found by the hand-edit property test: a first link indented too far was read as a field
    # of no link, and dropped, where PyYAML reads it (or refuses the file).
    for text in (
        "version: 1\nlinks:\n    https://a.example/: {}\n",
        "version: 1\nlinks:\n      https://a.example/: {}\n  b: {}\n",
        "version: 1\nlinks:\n    note: x\n  https://a.example/: {}\n",
    ):
        _agrees(text)
        assert fastparse.read(text) is None
    # Found on a clean clone: an emptied `status:` followed by another key was read as an empty
    # list, where YAML has null.
    emptied = "links:\n  https://a.example/:\n    check:\n      status:\n      redirects:\n      - x\n      error:\n"
    _agrees(emptied)
    assert fastparse.read(emptied) == _pyyaml(emptied)


# What people write by hand in a registry (seen in hand-kept YAML: quotes, folded notes,
# comments), and constructs that cross the lines where the reader splits the file into parts.
HAND_WRITTEN = [
    "    note: 'single ''quoted'''",
    "    note: |\n      kept\n\n      as written",
    "    note: >-\n      folded\n      text",
    "    ignore: yes  # paywalled",
    "# a comment at column 1",
    "  # an indented comment",
    "",
    "  ? https://explicit.example/\n  : {note: x}",
    "  ? https://explicit.example/",
    "  : {note: x}",
    "    accept: [403,\n  404]",
    '    note: "a quoted note\n  https://c.example/: x"',
    "    note: plain text that\n      goes on",
    "    note: &a x\n    mine: *a",
    "  https://a.example/:\n    note: again",
    "  'https://quoted.example/':\n    note: x",
    '  "https://dq.example/": {note: x}',
    "  https://flow.example/: {note: x, ignore: true}",
    "    tags: !!set {a, b}",
    "    check: {status: ok, checked_at: '2026-01-01'}",
    "    history:\n      first_seen: 2026-02-30",
    "    citations:\n    - {document: a.md, line: 3}",
    "---",
    "last_run: {at: x}",
    "documents:\n  a.md: {format: markdown}",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(), st.randoms(use_true_random=False), st.integers(1, 3))
@example(Registry(links={"https://a.example/": LinkEntry("https://a.example/")}), random.Random(3), 2)
def test_hand_written_yaml_is_read_part_by_part_as_the_whole_file_is(
    reg: Registry, rnd: random.Random, edits: int
) -> None:
    """A part outside the layout is read alone by the located loader and the rest fast: the
    registry, or the error and where it is, must be what reading the whole file gives."""
    lines = registry.dump(reg).split("\n")
    for _ in range(edits):
        at = rnd.randrange(len(lines))
        if rnd.random() < 0.7:
            lines.insert(at, rnd.choice(HAND_WRITTEN))
        else:  # a line cut short, or run on: an unclosed quote or bracket, a second colon
            lines[at] += rnd.choice([": x", " [", " {", " '", ' "', "\t", " #"])
    text = "\n".join(lines)
    if rnd.random() < 0.3:  # saved on Windows, or checked out with core.autocrlf
        text = text.replace("\n", "\r\n")
    assert _outcome(lambda: registry.parse(text, "x")) == _outcome(lambda: _build(_located_data(text, "x"), "x"))


def _many_links(count: int) -> str:
    reg = Registry(sources=["docs"])
    for i in range(count):
        url = f"https://host{i % 7}.example/{i}"
        entry = LinkEntry(url, citations=[Citation(url, "a.md", i + 1, f"source {i}")])
        entry.result = LinkResult(Verdict.OK, "2026-01-01T00:00:00Z", http_status=200)
        reg.links[url] = entry
    return registry.dump(reg)


def _whole_file_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the located loader's reads of more than a few hundred lines (a whole file)."""
    load = importlib.import_module("linkcheck.registry.load")  # the package's `load` is a function
    reads: list[int] = []
    real = load._located_data

    def counted(text: str, filename: str, part: bool = False) -> object:
        if sum(1 for line in text.split("\n") if line.strip()) > 200:
            reads.append(len(text))
        return real(text, filename, part)

    monkeypatch.setattr(load, "_located_data", counted)
    return reads


def test_a_registry_edited_by_hand_is_still_read_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _many_links(500)
    marker = "  https://host3.example/10:\n"
    edited = text.replace(marker, marker + "    # checked by hand\n    note: 'paywalled, but there'\n    ignore: yes\n")
    edited = edited.replace("links:\n", "links:\n# kept by the desk\n", 1)
    edited = edited.replace("documents:", "# our documents\ndocuments:", 1)
    assert edited != text and fastparse.read(edited) is None  # not the writer's layout
    reads = _whole_file_reads(monkeypatch)
    reg = registry.parse(edited)
    assert reads == []
    entry = reg.links["https://host3.example/10"]
    assert entry.note == "paywalled, but there" and entry.ignore and entry.result is not None
    assert len(reg.links) == 500
    assert reg == _build(_located_data(edited, "<registry>"), "<registry>")
    windows = edited.replace("\n", "\r\n")  # saved by a Windows editor, or checked out with core.autocrlf
    assert registry.parse(windows) == reg
    assert registry.parse("\ufeff" + windows) == reg  # with the byte-order mark such an editor may add
    assert reads == []


def test_an_error_far_into_a_large_registry_is_located_without_reading_it_all_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _many_links(500)
    cases = {
        # a wrong value in the layout (read fast, located in its link's lines)
        text.replace("      line: 451\n", "      line: many\n", 1): r":\d+:13: links\['https://host2.example/450'\]",
        # a wrong value written by hand (that link read by the located loader)
        text.replace("      line: 451\n", "      line: 'many'\n", 1): r"links\['https://host2.example/450'\]",
        # outside the links: the links' lines are left blank
        text + "last_run:\n  at: 2026-01-01\n  checked: lots\n": r":\d+:12: last_run",
    }
    for edited, message in cases.items():
        reads = _whole_file_reads(monkeypatch)
        with pytest.raises(RegistryError) as caught:
            registry.parse(edited, "r.yaml")
        assert reads == [], message
        monkeypatch.undo()
        with pytest.raises(RegistryError) as whole:
            _build(_located_data(edited, "r.yaml"), "r.yaml")
        assert str(caught.value) == str(whole.value)
        assert caught.match(message)


@pytest.mark.parametrize(
    "text",
    [
        # found by fuzzing the part-by-part reader against the whole-file loader:
        # fields under a link written `url: {}` (the fast reader used to drop them: not YAML)
        "version: 1\nlinks:\n  https://a.example/: {}\n    https://b.example/:\n    note: n\n",
        # an over-long key: the scanner's message depends on whether a link came before
        "links:\n  https://a.example/: {}\n  " + "9" * 5000 + "://b.example/:\n    note: n\n",
        # a line at column 1 in the links, and one right after `links:`
        "links:\n  https://a.example/: {}\n- y\n  https://b.example/:\n    note: n\n",
        "links:\nx\n  https://a.example/: {}\n  https://b.example/:\n    note: n\n",
        # a duplicate link, then a quoted note running over a line that looks like a link
        'links:\n  https://a.example/:\n  https://a.example/:\n    note: "a\n  https://c.example/: x"\n    note: b\n',
        # not YAML after many links read fast: a tab, a second colon, an unclosed quote
        _many_links(50) + "  https://z.example/:\n\tnote: x\n",
        _many_links(50) + "  https://z.example/:\n    note: a: b\n",
        _many_links(50) + '  https://z.example/:\n    note: "open\n',
        # a character PyYAML refuses anywhere (DEL, a C0 or C1 control): its line is never read fast
        _many_links(50) + "  https://z.example/:\n    note: a\x7fb\n",
        _many_links(50) + '  https://z.example/:\n    note: "a\x1b[31mb"\n',
        # a tab where it is only a character: that link is read by PyYAML, the rest fast
        _many_links(50) + '  https://z.example/:\n    note: "a\tb"\n    mine: x\ty\n',
        # a control character in the header comment: PyYAML refuses the file
        "# kept by the desk \x9b\n" + _many_links(50),
        # a byte-order mark at the start (an editor on Windows), with an error after it
        "\ufeff" + _many_links(50) + "  https://z.example/:\n    note: a: b\n",
        # a tab after a link's indent: the line goes with the link above, whose value it continues
        _many_links(3).replace("    citations:\n", "    citations:\n  \t  - document: a.md\n", 1),
        # one anchor name given in two links: an error of the whole file, which no part shows
        _many_links(3) + "  https://y.example/:\n    note: &a x\n  https://z.example/:\n    mine: &a y\n",
        # ... and a part that is not YAML after an anchor: the first error may be the second name
        _many_links(3) + '  https://y.example/:\n    note: &a x\n  https://z.example/:\n    mine: &a "y\n',
    ],
)
def test_part_by_part_reading_says_what_the_whole_file_loader_says(text: str) -> None:
    assert _outcome(lambda: registry.parse(text, "x")) == _outcome(lambda: _build(_located_data(text, "x"), "x"))
    _agrees(text)


def test_a_yaml_error_far_into_a_registry_is_located_from_its_part_on(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _many_links(500).replace("      line: 451\n", "      line: 451: or so\n", 1)
    reads = _whole_file_reads(monkeypatch)
    load = importlib.import_module("linkcheck.registry.load")
    scanned: list[int] = []
    real = load._syntax_error

    def syntax_error(text: str, filename: str) -> object:
        scanned.append(sum(1 for line in text.split("\n") if line.strip()))
        return real(text, filename)

    monkeypatch.setattr(load, "_syntax_error", syntax_error)
    with pytest.raises(RegistryError) as caught:
        registry.parse(text, "r.yaml")
    assert reads == []
    assert len(scanned) == 1 and scanned[0] < text.count("\n") / 5  # from the broken link on
    monkeypatch.undo()
    with pytest.raises(RegistryError) as whole:
        _build(_located_data(text, "r.yaml"), "r.yaml")
    assert str(caught.value) == str(whole.value)
    assert caught.match(r"r.yaml:\d+:16: not valid YAML: mapping values are not allowed")


def test_a_tab_in_one_link_sends_only_that_link_to_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tab (or another character the fast reader leaves to PyYAML) in a value is read in its
    own link; a tab where indentation is expected is located from its part on."""
    text = _many_links(500)
    marker = "  https://host3.example/10:\n"
    valid = text.replace(marker, marker + '    note: "a\ttab, written by hand"\n')
    reads = _whole_file_reads(monkeypatch)
    reg = registry.parse(valid)
    assert reads == [] and reg.links["https://host3.example/10"].note == "a\ttab, written by hand"
    broken = text.replace("      line: 451\n", "\t      line: 451\n", 1)
    with pytest.raises(RegistryError) as caught:
        registry.parse(broken, "r.yaml")
    assert reads == []
    monkeypatch.undo()
    assert reg == _build(_located_data(valid, "<registry>"), "<registry>")
    with pytest.raises(RegistryError) as whole:
        _build(_located_data(broken, "r.yaml"), "r.yaml")
    assert str(caught.value) == str(whole.value) and "tab" in str(caught.value)
    # A byte-order mark, or a line break YAML 1.1 knows besides LF, still goes to PyYAML whole.
    for odd in ("\ufeff", "\u2028", "\x85", "\r"):
        assert fastparse.read_parts(valid.replace("a\ttab", f"a{odd}mark"), lambda part: None) is None
