"""Registry benchmark: load, save and re-extraction merge of a registry of 100,000 URLs, every
one with a verdict, a history and a citation (the shape a checked back catalogue has).

Load and save are timed in-process (best of three); the merge is `linkcheck extract` re-run
end to end in a subprocess over documents citing every URL (start-up, extraction, load, merge,
write). Targets (issue 17): load <= 3 s, save <= 2 s, re-extraction merge <= 10 s.

    python benchmarks/registry_bench.py [--urls 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.extract_bench import timed_extract  # noqa: E402
from linkcheck import registry, shards  # noqa: E402
from linkcheck.errors import RegistryError  # noqa: E402
from linkcheck.models import Citation, History, LinkResult, Verdict  # noqa: E402
from linkcheck.registry import DocumentEntry, LinkEntry, Registry  # noqa: E402

DOCUMENTS = 1000


def build(root: Path, urls: int) -> Registry:
    """Documents citing `urls` URLs (one Markdown link a line) and their registry, checked."""
    reg = Registry(sources=[str(root)])
    lines: dict[int, list[str]] = {}
    for i in range(urls):
        doc = i % DOCUMENTS
        url = f"https://host{i % 500}.example/path/{i}/article-{i}.html"
        line = lines.setdefault(doc, [])
        line.append(f"Paragraph {i} cites [source number {i}]({url}).")
        name = str(root / f"doc{doc:04d}.md")
        entry = LinkEntry(url, citations=[Citation(url, name, len(line), f"source number {i}")])
        broken = i % 10 == 0
        entry.result = LinkResult(
            Verdict.BROKEN if broken else Verdict.OK,
            "2026-11-23T00:00:00Z",
            http_status=404 if broken else 200,
            final_url=url,
            elapsed=0.05 + (i % 97) / 1000,
        )
        entry.history = History(first_seen="2026-01-01", last_ok=None if broken else "2026-11-23T00:00:00Z")
        reg.links[url] = entry
    for doc, text in lines.items():
        name = str(root / f"doc{doc:04d}.md")
        (root / f"doc{doc:04d}.md").write_text("\n".join(text) + "\n")
        reg.documents[name] = DocumentEntry(name, format="markdown")
    return reg


def best(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        reg = build(root, args.urls)
        path = Path(tmp) / "citations.yaml"
        save = best(lambda: registry.save(reg, path))
        size = path.stat().st_size / 2**20
        load = best(lambda: registry.load(path))
        assert len(registry.load(path).links) == args.urls
        merge, _ = timed_extract(root, path)
        kept = sum(1 for e in registry.load(path).links.values() if e.result is not None)
        print(f"registry: {args.urls} URLs with verdicts, {size:.1f} MB")
        print(f"load:  {load:.2f} s  (target 3 s; ratio {load / 3:.2f})")
        print(f"save:  {save:.2f} s  (target 2 s; ratio {save / 2:.2f})")
        print(f"re-extraction merge (extract, end to end): {merge:.2f} s  (target 10 s; ratio {merge / 10:.2f})")
        print(f"verdicts kept by the merge: {kept}/{args.urls}")
        reports(path, Path(tmp))
        shard_merge(path, Path(tmp))
        git_merge(path, Path(tmp))
        hand_edits(path, Path(tmp))


def _measured(*args: str, cwd: Path) -> tuple[float, float]:
    """`linkcheck ARGS` end to end in a subprocess: (seconds, peak memory in MB: its own
    resident set's high-water mark, as it reports it)."""
    start = time.perf_counter()
    ran = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, cwd=cwd)
    seconds = time.perf_counter() - start
    if ran.returncode not in (0, 1):
        raise RuntimeError(f"linkcheck {args[0]} failed: {ran.stderr[-500:]}")
    return seconds, int(ran.stderr.split()[-1]) / 1024


# The peak is VmHWM, the high-water mark of this program's own memory: ru_maxrss would also
# count what the process held before exec, as a fork of the (large) benchmark process.
_MEASURE = """
import resource, sys
from linkcheck.cli import main
code = main(sys.argv[1:])
try:
    status = open("/proc/self/status").read()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, file=sys.stderr)
sys.exit(code)
"""


def reports(path: Path, tmp: Path) -> None:
    """`linkcheck report` of the registry, all four formats: time, peak memory, sizes."""
    out = tmp / "reports"
    seconds, peak = _measured("report", "--registry", str(path), "--output", str(out), cwd=tmp)
    sizes = ", ".join(f"{f.name} {f.stat().st_size / 2**20:.1f} MB" for f in sorted(out.iterdir()))
    print(f"report, all formats: {seconds:.2f} s, peak memory {peak:.0f} MB ({sizes})")


def shard_merge(path: Path, tmp: Path) -> None:
    """`linkcheck merge` of 4 shards' results (as `check --shard K/4` writes them: here every
    link of the registry with its verdict) into a copy of the registry, reports included."""
    reg, text = registry.load_with_text(path)
    files = []
    for k in range(1, 5):
        part = shards.subset(reg, shards.Shard(k, 4))
        results = shards.ShardResults(shards.Shard(k, 4), part, checked=len(part.links))
        results.registry_digest = shards.digest(text)
        files.append(str(shards.write_results(tmp / f"shard-{k}.yaml", part, results)))
    del reg, text
    copy = tmp / "merge-registry.yaml"
    copy.write_bytes(path.read_bytes())
    seconds, peak = _measured("merge", *files, "--registry", str(copy), "--output", str(tmp / "merged"), cwd=tmp)
    print(f"merge of 4 shards' results, reports included: {seconds:.2f} s, peak memory {peak:.0f} MB")


def git_merge(path: Path, tmp: Path) -> None:
    """`linkcheck git-merge`, as git runs it when a branch where every link was checked again
    meets one where people wrote notes into 1 link in 100: end to end, and what it kept."""
    text = path.read_text()
    base, ours, theirs = tmp / "base.yaml", tmp / "ours.yaml", tmp / "theirs.yaml"
    base.write_text(text)
    ours.write_text(text.replace("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"))
    edited, notes = _edited(text, 100)
    theirs.write_text(edited)
    seconds, peak = _measured("git-merge", str(base), str(ours), str(theirs), "citations.yaml", cwd=tmp)
    merged = registry.load(ours).links.values()
    kept = (
        sum(1 for e in merged if e.note),
        sum(1 for e in merged if e.result and e.result.checked_at.startswith("2026-11-30")),
    )
    print(
        f"git-merge of a re-check and {notes:,} notes written by hand: {seconds:.2f} s, peak memory {peak:.0f} MB "
        f"(notes kept {kept[0]:,}, new verdicts kept {kept[1]:,})"
    )


def _edited(text: str, every: int) -> tuple[str, int]:
    """`text` with every `every`-th link edited as people edit a registry: a comment, a note in
    single quotes, a folded note (outside the layout the writer keeps)."""
    lines, out, links = text.split("\n"), [], 0
    for line in lines:
        out.append(line)
        if line.startswith("  http") and line.endswith(":"):
            links += 1
            if links % every == 0:
                out += ["    # checked by hand", "    note: 'paywalled; the print edition has it'"]
                out += ["    replacement: >-", "      https://example.org/", "      moved"]
    return "\n".join(out), links // every


def _time_error(path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        registry.load(path)
    except RegistryError as exc:
        return time.perf_counter() - start, str(exc).split(": ", 1)[1][:60]
    raise AssertionError(f"{path} was read without an error")


def hand_edits(path: Path, tmp: Path) -> None:
    """The same registry edited by hand: a hundred links, then every link; and the time to
    report an error near its end (the located loader reads the part the error is in, or, for
    YAML that is not valid, the whole file)."""
    text = path.read_text()
    edited = tmp / "edited.yaml"
    for every in (1000, 10, 1):
        changed, count = _edited(text, every)
        edited.write_text(changed)
        print(f"load after {count:,} links were edited by hand: {best(lambda: registry.load(edited)):.2f} s")
    last = text.rindex("      http_status: 200\n")
    cases = {
        "a wrong value in the last links": text[:last] + "      http_status: lots\n" + text[last + 23 :],
        "the same, written by hand": text[:last] + "      http_status: 'lots'\n" + text[last + 23 :],
        "a value with a second colon in the last links (not YAML)": text[:last]
        + "      http_status: 200: OK\n"
        + text[last + 23 :],
        "a tab in the last links (not YAML)": text[:last] + "\t" + text[last:],
    }
    for name, broken in cases.items():
        edited.write_text(broken)
        seconds, message = _time_error(edited)
        print(f"error reported, {name}: {seconds:.2f} s ({message})")


if __name__ == "__main__":
    main()
