"""Fuzz the registry reader against the whole-file loader: the long run of the property tests.

`registry.parse` reads a registry fast, part by part (linkcheck/registry/fastparse.py), and must
give exactly what PyYAML's located loader gives reading the whole file: the same registry, or
the same error with the same line and column. This edits a small checked registry at random —
values and keys from the property tests' tricky tokens, hand-written YAML, comments, tabs,
control characters, other indentation, CR LF line ends, a byte-order mark — and compares the
two on each, for as long as asked. Every mismatch it found became a case in
tests/test_fastparse.py.

    python scripts/fuzz_registry.py [--seconds 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkcheck import registry  # noqa: E402
from linkcheck.models import Citation, History, LastRun, LinkResult, Verdict  # noqa: E402
from linkcheck.registry import DocumentEntry, LinkEntry, Registry  # noqa: E402
from linkcheck.registry.load import _build, _located_data  # noqa: E402
from tests.test_fastparse import HAND_WRITTEN, TRICKY, _outcome  # noqa: E402

_INSERTED = ["# note", "", "   ", "  # indented comment", "x", "- y", "---", "...", "  - z", "  x", "    y"]
_APPENDED = [" # c", "  ", "\t", " #", "#c", ": x", " [", " {", " '", ' "']


def _base() -> list[str]:
    reg = Registry(sources=["docs"], last_run=LastRun("2026-01-01T00:00:00Z", 4, 0))
    reg.documents["a.md"] = DocumentEntry("a.md", format="markdown", date="2021-01-02")
    for i in range(4):
        url = f"https://h{i}.example/{i}"
        entry = LinkEntry(url, citations=[Citation(url, "a.md", i + 1, "text: x")], note="n" if i == 2 else None)
        if i % 2:
            entry.result = LinkResult(
                Verdict.OK, "2026-01-01T00:00:00Z", http_status=200, redirects=["https://r.example/"]
            )
        entry.history = History(first_seen="2026-01-01")
        reg.links[url] = entry
    return registry.dump(reg).split("\n")


def _edited(base: list[str], rnd: random.Random) -> str:
    lines = list(base)
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randrange(len(lines))
        line = lines[at]
        choice = rnd.randrange(8)
        if choice == 0 and ": " in line:
            lines[at] = line.partition(": ")[0] + ": " + rnd.choice(TRICKY)
        elif choice == 1:
            lines.insert(at, rnd.choice(_INSERTED))
        elif choice == 2:
            lines[at] = rnd.choice([" ", "  ", "\t"]) + line if rnd.random() < 0.7 else line[1:]
        elif choice == 3:
            lines.insert(at, line)
        elif choice == 4 and line.strip():
            lines[at] = line.replace(line.strip(" ").partition(":")[0], rnd.choice(TRICKY), 1)
        elif choice == 5:
            lines[at] = line + rnd.choice(_APPENDED)
        elif choice == 6:
            lines.insert(at, rnd.choice(HAND_WRITTEN))
        elif ":" in line:
            lines[at] = line.partition(":")[0] + ":"
    text = "\n".join(lines)
    if rnd.random() < 0.2:
        text = text.replace("\n", "\r\n")
    if rnd.random() < 0.3:
        text = "\ufeff" + text
    return text


def _whole_file(text: str) -> Registry:
    return _build(_located_data(text, "x"), "x")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    base, tried, mismatches = _base(), 0, 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and mismatches < 5:
        seed = args.seed + tried
        tried += 1
        text = _edited(base, random.Random(seed))
        parts = _outcome(functools.partial(registry.parse, text, "x"))
        whole = _outcome(functools.partial(_whole_file, text))
        if parts != whole:
            mismatches += 1
            print(f"seed {seed}: {text!r}\n  part by part: {str(parts)[:300]}\n  whole file:   {str(whole)[:300]}")
    print(f"{tried} registries, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
