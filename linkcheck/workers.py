"""`check --workers N`: the shards of one check run in N local processes.

Each worker is a fresh interpreter (the spawn start method: nothing of the parent's event loop
or locks is inherited) that runs `commands.check_shard` on shard K of N and writes its results
file into a private temporary folder; the parent, which holds the registry's lock, folds them
in. SIGINT and SIGTERM reach the parent, which passes them on: each worker stops as a single
run does and writes what it learnt. A worker whose parent dies (SIGKILL) stops itself, so no
orphan goes on sending requests.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from linkcheck.errors import LinkcheckError
from linkcheck.loop import Interrupt
from linkcheck.shards import Shard, ShardResults, read_results

if TYPE_CHECKING:
    from linkcheck.config import Config

__all__ = ["MIN_URLS_PER_WORKER", "WorkersRun", "run_workers", "worker_count"]

# Below this many links per worker, starting interpreters costs more than it saves.
MIN_URLS_PER_WORKER = 150
_ORPHAN_POLL = 0.5  # seconds between a worker's checks that its parent still lives


def worker_count(configured: int, links: int) -> int:
    """`configured` workers, at most one a link; 0 means one per core, but only as many as
    there are MIN_URLS_PER_WORKER links to share (a small registry stays in one process)."""
    if configured <= 0:
        return max(1, min(os.cpu_count() or 1, links // MIN_URLS_PER_WORKER))
    return max(1, min(configured, links))


@dataclass
class WorkersRun:
    parts: list[ShardResults] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # workers that wrote no results, and why


def run_workers(registry_path: Path, config: Config, workers: int, *, interrupt: Interrupt | None) -> WorkersRun:
    """Run shards 1..workers of the check in as many processes and read back their results."""
    context = multiprocessing.get_context("spawn")
    run = WorkersRun()
    with tempfile.TemporaryDirectory(prefix="linkcheck-workers-") as folder:
        paths = [Path(folder) / f"shard-{k}-of-{workers}.yaml" for k in range(1, workers + 1)]
        processes = [
            context.Process(
                target=_work,
                args=(str(registry_path), config, Shard(k, workers), str(path), os.getpid()),
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
