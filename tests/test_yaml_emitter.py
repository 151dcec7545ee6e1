import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.registry.emitter import emit

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "null",
            "~",
            "2020-01-01",
            "1e3",
            "0x1F",
            "- a",
            "a: b",
            "a #b",
            "000_1",
            "0.5",
            "..",
            "../x",
            "1_000",
            ".inf",
            "0x1f.txt",
            "1:20",
            "https://x.org/a#b",
            "#x",
            "'q'",
            '"q"',
            "",
            " lead",
            "trail ",
            "\u2028",
            "\x85",
            "\ufeff",
            "x" * 1100,
        ]
    )
)
keys = st.text() | st.sampled_from(["https://a.example/" + "p" * 1500, "true", "1", "a: b"])
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(keys, c, max_size=4), max_leaves=25)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6))
def test_safe_load_reads_back_exactly_what_was_written(data: dict[str, object]) -> None:
    assert yaml.safe_load(emit(data)) == (data or None)


def test_block_style_is_readable() -> None:
    text = emit(
        {
            "links": {"https://a.example/x": {"citations": [{"document": "a.md", "line": 3}], "ignore": True}},
            "documents": {"000_abc.txt": {"date": "2020-01-01"}},
            "empty": [],
            "none": None,
        }
    )
    assert text == (
        "links:\n"
        "  https://a.example/x:\n"
        "    citations:\n"
        "    - document: a.md\n"
        "      line: 3\n"
        "    ignore: true\n"
        "documents:\n"
        "  000_abc.txt:\n"
        '    date: "2020-01-01"\n'
        "empty: []\n"
        "none: null\n"
    )
    assert yaml.safe_load(text)["documents"]["000_abc.txt"]["date"] == "2020-01-01"
    assert not isinstance(yaml.safe_load(text)["documents"]["000_abc.txt"]["date"], dt.date)


# Every code point, non-characters and lone surrogates (a file name's undecodable bytes) included.
any_text = st.text(st.characters(exclude_categories=()), max_size=30)


def _as_written(text: str) -> str:
    """YAML has no form for a lone surrogate: the writer puts U+FFFD in its place."""
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


@settings(max_examples=120, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=4))
def test_the_registry_reads_back_whatever_it_wrote_over_all_of_unicode(texts: list[str]) -> None:
    # Issue 12, item 10: U+FFFF or U+FFFE was written plain, and the registry then failed to load.
    from linkcheck.models import Citation
    from linkcheck.registry import LinkEntry, Registry, dump, parse

    links = {
        f"https://a.example/{i}": LinkEntry(
            url=f"https://a.example/{i}", citations=[Citation(f"https://a.example/{i}", text + ".md", 1, text)]
        )
        for i, text in enumerate(texts)
    }
    written = dump(Registry(links=links))
    written.encode("utf-8")  # what is written can be saved: no lone surrogate left raw
    again = parse(written)
    assert [c.text for e in again.links.values() for c in e.citations] == [_as_written(t) for t in texts]
    documents = [c.document for e in again.links.values() for c in e.citations]
    assert documents == [_as_written(t) + ".md" for t in texts]


def test_non_characters_are_quoted_and_surrogates_replaced() -> None:
    for text in ("a\uffffb", "a\ufffeb"):
        assert emit({"k": text}) != f"k: {text}\n"
        assert yaml.safe_load(emit({"k": text})) == {"k": text}
    assert yaml.safe_load(emit({"k": "x\udcffy"})) == {"k": "x\ufffdy"}
