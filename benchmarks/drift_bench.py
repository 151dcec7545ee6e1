"""Content drift on the labelled corpus (tests/driftcorpus.py): which main-text extractor, which
similarity, and the whole pipeline against loopback servers.

    python benchmarks/drift_bench.py

1. Extractors (trafilatura — the one linkcheck uses — jusText, readability-lxml, and the whole
   page's text as a baseline), each with linkcheck's similarity and judgement: the confusion
   matrix and milliseconds per page. jusText and readability-lxml are measured only if installed
   (`pip install justext readability-lxml`; they are not linkcheck's dependencies).
2. Similarities over trafilatura's text: MinHash of word 3-shingles (linkcheck's), the exact
   Jaccard of word sets, and a 64-bit simhash — the lowest score of a "same" case, the highest of
   a "drifted" one, and the gap between them (the room a threshold has).
3. End to end: `linkcheck check --drift` on all 132 cases, a live site and the fake Wayback
   Machine on loopback: the confusion matrix and the archive requests per link.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from linkcheck import drift  # noqa: E402
from linkcheck.cli import main  # noqa: E402
from tests.driftcorpus import Case, cases  # noqa: E402
from tests.fakewayback import FakeCapture, FakeWayback  # noqa: E402
from tests.webserver import Reply, Web  # noqa: E402

LABELS = ("same", "drifted", "unknown")


def _matrix(pairs: list[tuple[str, str]]) -> str:
    counts = Counter(pairs)
    lines = ["    expected \\ judged   " + "".join(f"{label:>9}" for label in LABELS)]
    for expected in LABELS:
        if any(e == expected for e, _ in pairs):
            lines.append(f"    {expected:<20}" + "".join(f"{counts[(expected, j)]:>9}" for j in LABELS))
    right = sum(n for (e, j), n in counts.items() if e == j)
    lines.append(f"    right: {right}/{len(pairs)}")
    return "\n".join(lines)


def _extractors() -> dict[str, Callable[[bytes], str]]:
    found: dict[str, Callable[[bytes], str]] = {"trafilatura": drift.main_text}
    try:
        import justext

        def jus(body: bytes) -> str:
            paragraphs = justext.justext(body, justext.get_stoplist("English"))
            return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

        found["jusText"] = jus
    except ImportError:
        print("  (jusText not installed: not measured)")
    try:
        import lxml.html
        from readability import Document

        def readability(body: bytes) -> str:
            return str(lxml.html.fromstring(Document(body.decode("utf-8")).summary()).text_content())

        found["readability-lxml"] = readability
    except ImportError:
        print("  (readability-lxml not installed: not measured)")
    import lxml.html

    found["whole page (baseline)"] = lambda body: str(lxml.html.fromstring(body).text_content())
    return found


def _comparable() -> list[Case]:
    return [c for c in cases() if c.cited is not None and not c.capture_years_after]


def extractors() -> None:
    print("1. Main-text extractors, each with linkcheck's similarity and judgement")
    for name, extract in _extractors().items():
        pairs, spent, pages = [], 0.0, 0
        scores: dict[str, list[float]] = {"same": [], "drifted": []}
        empty = 0
        for case in _comparable():
            assert case.cited is not None
            started = time.perf_counter()
            cited = drift.Page(drift.page_title(case.cited.encode()), drift.fingerprint(extract(case.cited.encode())))
            now = drift.Page(drift.page_title(case.now.encode()), drift.fingerprint(extract(case.now.encode())))
            spent += time.perf_counter() - started
            pages += 2
            pairs.append((case.expected, drift.compare(cited, now).state))
            scores[case.expected].append(cited.fingerprint.similarity(now.fingerprint))
            empty += now.fingerprint.words < drift.MIN_WORDS and case.expected == "drifted"
        print(
            f"  {name}: {1000 * spent / pages:.1f} ms per page; similarity of same ≥ {min(scores['same']):.2f}, "
            f"of drifted ≤ {max(scores['drifted']):.2f}; {empty} drifted pages judged only by their text being gone"
        )
        print(_matrix(pairs))


def hostile() -> None:
    print("   Hostile pages at the 1 MiB bound (CPU per page, in the worker thread):")
    bodies = {
        "35,000 paragraphs": b"<html><body>" + b"<p>word word word word word</p>" * 35000,
        "150,000 distinct words": b"<html><body><article><p>"
        + b" ".join(str(i).encode() for i in range(150000))
        + b"</p></article>",
        "200,000 nested divs": b"<html><body>" + b"<div>" * 200000 + b"x",
    }
    for name, body in bodies.items():
        started = time.perf_counter()
        drift.read_page(body[: 1 << 20])
        print(f"     {name}: {time.perf_counter() - started:.2f} s")


def _simhash(text: str) -> int:
    weights = [0] * 64
    words = [w.casefold() for w in drift._WORD_RE.findall(text)]
    for shingle in {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}:
        value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def similarities() -> None:
    print("2. Similarities over trafilatura's main text (lowest 'same', highest 'drifted', gap)")
    texts = [
        (c.expected, drift.main_text(c.cited.encode()), drift.main_text(c.now.encode()))
        for c in _comparable()
        if c.cited
    ]

    def words(text: str) -> set[str]:
        return {w.casefold() for w in drift._WORD_RE.findall(text)}

    measures: dict[str, Callable[[str, str], float]] = {
        "MinHash, word 3-shingles (linkcheck)": lambda a, b: drift.fingerprint(a).similarity(drift.fingerprint(b)),
        "Jaccard of word sets": lambda a, b: len(words(a) & words(b)) / max(1, len(words(a) | words(b))),
        "simhash 64-bit, 3-shingles": lambda a, b: 1 - bin(_simhash(a) ^ _simhash(b)).count("1") / 64,
    }
    for name, measure in measures.items():
        same = [measure(a, b) for e, a, b in texts if e == "same"]
        drifted = [measure(a, b) for e, a, b in texts if e == "drifted" and b.strip()]
        print(f"  {name}: same ≥ {min(same):.2f}, drifted ≤ {max(drifted):.2f}, gap {min(same) - max(drifted):+.2f}")


def end_to_end() -> None:
    print("3. End to end: linkcheck check --drift, a live site and the fake Wayback Machine on loopback")
    all_cases = cases()
    site = Web("127.0.0.41").start()
    wayback = FakeWayback("127.0.0.42", delay=0.0).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            lines = ["---\ndate: 2021-09-10\n---\n"]
            expected: dict[str, str] = {}
            for number, case in enumerate(all_cases):
                path = f"/story/{number}"
                url = site.url(path)
                expected[url] = case.expected
                site.routes[path] = Reply(200, {"Content-Type": "text/html; charset=utf-8"}, case.now.encode())
                if case.cited is not None:
                    stamp = "20240301000000" if case.capture_years_after else "20210909120000"
                    wayback.add(url, FakeCapture(stamp, 200, case.cited.encode()))
                lines.append(f"- [{case.name}]({url})\n")
            (root / "paper.md").write_text("".join(lines))
            registry = str(root / "citations.yaml")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                main(["extract", str(root / "paper.md"), "--registry", registry])
                started = time.perf_counter()
                main(
                    [
                        "check", "--registry", registry, "--drift", "--drift-budget", "1000",
                        "--wayback-url", wayback.base, "--output", str(root / "reports"), "--format", "json",
                    ]
                )  # fmt: skip
            elapsed = time.perf_counter() - started
            links = yaml.safe_load(Path(registry).read_text())["links"]
            pairs = []
            for url, label in expected.items():
                status = links[url]["check"]["status"]
                state = "drifted" if status in ("drifted", "soft_404") else links[url].get("drift", {}).get("state")
                pairs.append((label, state or "unknown"))
            print(_matrix(pairs))
            requests = sum(wayback.requests.values())
            print(
                f"  archive requests: {requests} for {len(all_cases)} links = {requests / len(all_cases):.2f} per link"
            )
            print(f"  by endpoint: {dict(wayback.requests)}; wall time {elapsed:.1f} s")
            layout_only = [p for p in pairs if p == ("same", "drifted")]
            print(f"  layout-only or edited pages called drifted: {len(layout_only)}")
    finally:
        site.stop()
        wayback.stop()


if __name__ == "__main__":
    extractors()
    hostile()
    similarities()
    end_to_end()
