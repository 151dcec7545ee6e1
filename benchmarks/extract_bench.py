"""Extraction benchmark: 1,000 generated documents holding 100,000 citations in total.

Times `linkcheck extract` end to end in a subprocess (start-up, parsing, merge and the atomic
registry write included) and prints the figures. Target: under 10 s on a 2-core machine.

    python benchmarks/extract_bench.py [--documents 1000] [--citations 100000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

WORDS = "the integration deal talks union state treaty roadmap minsk moscow energy tax customs".split()


def prose(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def url(rng: random.Random, i: int) -> str:
    return f"https://host{rng.randrange(500)}.example.org/articles/{i % 40_000}/page-{rng.randrange(9)}.html"


def write_corpus(root: Path, documents: int, citations: int) -> None:
    rng = random.Random(42)
    per_doc = citations // documents
    counter = 0
    for d in range(documents):
        kind = ("md", "txt", "html")[d % 3]
        lines = []
        for _ in range(per_doc):
            counter += 1
            target = url(rng, counter)
            if kind == "md":
                lines.append(f"{prose(rng, 8)} [{prose(rng, 3)}]({target}) {prose(rng, 5)}.")
            elif kind == "txt":
                lines.append(f"{prose(rng, 10)} {target} (accessed 12 March 2020).")
            else:
                lines.append(f'<p>{prose(rng, 8)} <a href="{target}">{prose(rng, 3)}</a>.</p>')
        body = "\n".join(lines)
        if kind == "html":
            body = f"<html><head><meta name='DC.date' content='2020-01-0{d % 9 + 1}'></head><body>{body}</body></html>"
        (root / f"doc{d:04d}.{kind}").write_text(body)


def timed_extract(source: Path, registry: Path) -> tuple[float, str]:
    """`linkcheck extract SOURCE --registry REGISTRY`, end to end in a subprocess: its wall
    time in seconds and the first line it printed; the benchmark stops if it fails."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "extract", str(source), "--registry", str(registry)],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"extract failed: {result.stderr}")
    return elapsed, result.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--citations", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        write_corpus(root, args.documents, args.citations)
        registry = Path(tmp) / "citations.yaml"
        timings = []
        for label in ("first run (empty registry)", "second run (merge into existing)"):
            elapsed, said = timed_extract(root, registry)
            timings.append(elapsed)
            print(f"{label}: {elapsed:.2f} s  ({said})")
        data = yaml.load(registry.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        total = sum(len(v["citations"]) for v in data["links"].values())
        print(f"registry: {len(data['links'])} URLs, {total} citations, {registry.stat().st_size / 2**20:.1f} MB")
        print(f"target: first run < 10 s; measured/target = {timings[0] / 10:.2f}")


if __name__ == "__main__":
    main()
