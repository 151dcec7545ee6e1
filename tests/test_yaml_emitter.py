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
