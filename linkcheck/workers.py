"""`check --workers N`: the shards of one check run in N local processes.

Each worker is a fresh interpreter (the spawn start method: nothing of the parent's event loop
or locks is inherited) that runs `commands.check_shard` on shard K of N and writes its results
file into a private temporary folder; the parent, which holds the registry's lock, folds them
in. SIGINT and SIGTERM reach the parent, which passes them on: each worker stops as a single
run does and writes what it learnt. A worker whose parent dies (SIGKILL) stops itself, so no
orphan goes on sending requests.

The run's limits are shared, not multiplied: `max_concurrency` (requests in flight in all) is
divided among the workers by the number of links each checks, and the archive's limits
(`archive_concurrency`, `cdx_per_minute`, `memento_per_minute`) and the drift budget
equally, since every worker
asks the same archive. A host's own limits need no dividing: each host lives in one worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, NoReturn, TypeVar

from linkcheck.errors import LinkcheckError, WriteError
from linkcheck.loop import Interrupt
from linkcheck.shards import Shard, ShardResults, read_results, shard_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from linkcheck.config import Config

__all__ = [
    "Alongside",
    "FORK_FROM",
    "MIN_URLS_PER_WORKER",
    "WorkersRun",
    "run_workers",
    "shared_limits",
    "worker_count",
]

T = TypeVar("T")

# Below this many links per worker, starting interpreters costs more than it saves: each one
# imports linkcheck and reads the whole registry, and the run's limit on requests in flight is
# shared, not multiplied. Since the checker's own HTTP/1.1 connections (0.2 ms of CPU per URL),
# one process keeps up with 128 requests in flight even on loopback: benchmarks/check_bench.py
# --large, 100,000 links on 2 cores, took 24 s in one process and 28-33 s in two (3,000 links:
# 3.2 s in one, 3.8 s in two). Workers pay off only when checking is CPU-bound for long.
MIN_URLS_PER_WORKER = 100_000
_ORPHAN_POLL = 0.5  # seconds between a worker's checks that its parent still lives


def worker_count(configured: int, links: int, max_concurrency: int) -> int:
    """`configured` workers, at most one a link and one per request allowed in flight; 0 means
    one per core, but only as many as there are MIN_URLS_PER_WORKER links to share (a small
    registry stays in one process)."""
    wanted = max(1, min(os.cpu_count() or 1, links // MIN_URLS_PER_WORKER)) if configured <= 0 else configured
    return max(1, min(wanted, links, max_concurrency))


def shared_limits(config: Config, urls: list[str], workers: int) -> list[Config]:
    """Each worker's configuration: the run's limits divided among `workers` (see above)."""
    sizes = Counter(shard_of(url, workers) for url in urls)
    weights = [sizes[k] for k in range(1, workers + 1)]
    equal = [1] * workers
    parts = zip(
        _divide(config.max_concurrency, weights, 1),
        _divide(config.archive_concurrency, equal, 1),
        _divide(config.cdx_per_minute, equal, 1),
        _divide(config.drift_budget, equal, 0),
        _divide(config.memento_per_minute, equal, 1),
        strict=True,
    )
    return [
        replace(
            config, max_concurrency=m, archive_concurrency=a, cdx_per_minute=c, drift_budget=d, memento_per_minute=p
        )
        for m, a, c, d, p in parts
    ]


def _divide(total: int, weights: list[int], minimum: int) -> list[int]:
    """`total` in parts proportional to `weights` (largest remainders first), each at least
    `minimum`: the parts sum to `total` unless the minimums alone exceed it."""
    if not any(weights):
        weights = [1] * len(weights)
    exact = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])[: total - sum(parts)]:
        parts[i] += 1
    return [max(minimum, part) for part in parts]


@dataclass
class WorkersRun:
    parts: list[ShardResults] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # workers that wrote no results, and why


def run_workers(registry_path: Path, configs: list[Config], *, interrupt: Interrupt | None) -> WorkersRun:
    """Run shards 1..N of the check in N processes (N = len(configs), worker K with
    `configs[K - 1]`) and read back their results."""
    workers = len(configs)
    context = multiprocessing.get_context("spawn")
    run = WorkersRun()
    with tempfile.TemporaryDirectory(prefix="linkcheck-workers-") as folder:
        paths = [Path(folder) / f"shard-{k}-of-{workers}.yaml" for k in range(1, workers + 1)]
        processes = [
            context.Process(
                target=_work,
                args=(str(registry_path), configs[k - 1], Shard(k, workers), str(path), os.getpid()),
                name=f"linkcheck-worker-{k}",
            )
            for k, path in enumerate(paths, start=1)
        ]
        for process in processes:
            process.start()
        forwarded = False
        while any(process.is_alive() for process in processes):
            if interrupt is not None and interrupt.signal is not None and not forwarded:
                for process in processes:
                    if process.pid is not None and process.is_alive():
                        os.kill(process.pid, interrupt.signal)
                forwarded = True
            for process in processes:
                process.join(0.05)
        for process, path in zip(processes, paths, strict=True):
            try:
                run.parts.append(read_results(path))
            except LinkcheckError as exc:
                run.failures.append(f"worker {process.name} (exit code {process.exitcode}) left no results: {exc}")
    return run


def _work(registry_path: str, config: Config, shard: Shard, results_path: str, parent: int) -> None:
    """A worker's whole life: check its shard, write its results, exit with the shard's code."""
    from linkcheck import commands

    with Interrupt() as interrupt:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
        try:
            summary = commands.check_shard(Path(registry_path), config, shard, Path(results_path), interrupt=interrupt)
        except LinkcheckError as exc:
            raise SystemExit(f"linkcheck worker {shard}: {exc}") from None
    raise SystemExit(summary.exit_code)


def _watch_parent(parent: int) -> None:
    """Stop this worker (as SIGTERM would) when the process that started it is gone."""
    while os.getppid() == parent:
        time.sleep(_ORPHAN_POLL)
    os.kill(os.getpid(), signal.SIGTERM)


# From this many links, the registry is saved in a forked process while the reports are
# written (100,000 links: 1.2 s of saving beside 2.3 s of reports, on the second core); below
# it, the fork and the pipe cost more than the overlap gains.
FORK_FROM = 1_000


class Alongside(Generic[T]):
    """`work` in a forked child process while this one goes on; `value()` waits for it and
    gives its result or raises its exception. With `fork` false, where there is no fork or no
    second core, or in a process with other threads, `work` runs at once, here. The child
    inherits everything (the lock this process holds, a signal handler that records and goes
    on), runs `work` alone and leaves by `os._exit`, so nothing of this process's stack (a
    lock's release) runs in it. It costs memory: it copies each page whose objects it touches
    (a reference count changes): 140 MB for the save of 100,000 links (peak 416 MB in all
    instead of 276), for 0.8-1.2 s less."""

    def __init__(self, work: Callable[[], T], *, fork: bool) -> None:
        self._pid = 0
        # Only a process with one thread forks: another thread could hold a lock (the import
        # lock, a buffer's) that the child would then wait for forever.
        if not fork or not hasattr(os, "fork") or _cores() < 2 or threading.active_count() > 1:
            self._value = work()
            return
        reader, writer = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else the child's copy of an unwritten buffer could be written twice
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            _child(work, writer)
        os.close(writer)
        self._pid, self._reader = pid, reader

    def value(self) -> T:
        if self._pid:
            with os.fdopen(self._reader, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            if not data:
                raise WriteError(
                    f"the process writing the registry ended unexpectedly (wait status {status}); "
                    "what was there is left as it was"
                )
            done, result = pickle.loads(data)
            if not done:
                raise result
            self._value = result
        return self._value


def _cores() -> int:
    """The cores this process may run on (a second process gains nothing on one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _child(work: Callable[[], object], writer: int) -> NoReturn:
    gc.freeze()  # the collector would write into every object it looks at: shared pages stay shared
    try:
        outcome: tuple[bool, object] = (True, work())
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        outcome = (False, exc)
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:  # noqa: BLE001 - an exception that does not pickle is told in words
        data = pickle.dumps((False, WriteError(f"the registry's save failed: {outcome[1]!r} ({exc})")))
    try:
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)
