"""Extraction benchmark: 1,000 generated documents holding 100,000 citations in total.

Times `linkcheck extract` end to end in a subprocess (start-up, parsing, merge and the atomic
registry write included) and prints the figures. Target: under 10 s on a 2-core machine.
Then the folder walk alone on 20,000 files in a Git repository, without and with a .gitignore
of 100 lines (suffixes, character classes, folders and a negation, as LaTeX and Python
projects' files hold): what the ignore rules cost per file.

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


def walk_figures(tmp: Path) -> None:
    from linkcheck.extract import _walk

    root = tmp / "repo"
    (root / ".git").mkdir(parents=True)
    for i in range(100):
        folder = root / f"part{i}" / f"sub{i % 7}"
        folder.mkdir(parents=True)
        for j in range(200):
            (folder / f"file{j}.{('md', 'txt', 'tex', 'aux', 'log')[j % 5]}").touch()
    rules = [f"*.x{i}" for i in range(60)] + [f"*.[1-9][0-9]r{i}" for i in range(20)]
    rules += [f"*-gen{i}-*" for i in range(10)] + [f"build{i}/" for i in range(5)]
    rules += ["*.aux", "*.log", "!keep.log", "_minted*", "*~[0-9]*"]
    (root / ".gitignore").write_text("\n".join(rules) + "\n")
    timings = {}
    for label, left in (("without rules", None), ("with the rules", [])):
        start = time.perf_counter()
        files = sum(1 for _ in _walk(root, left))
        timings[label] = time.perf_counter() - start
        print(f"folder walk, 20,000 files {label}: {timings[label]:.2f} s, {files:,} files read")
    extra = (timings["with the rules"] - timings["without rules"]) / 20_000 * 1e6
    print(f"ignore rules ({len(rules)} lines): {extra:.0f} µs per file")


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
        walk_figures(Path(tmp))


if __name__ == "__main__":
    main()
