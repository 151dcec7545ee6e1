"""CPU-bound extraction spread over worker processes: the files of a collection (`collect`),
or the pieces of one long Markdown document."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["mapped"]

J = TypeVar("J")
R = TypeVar("R")


def mapped(work: Callable[[J], R], jobs: list[J], *, at_least: int, chunksize: int = 1) -> Iterator[R]:
    """`work` over `jobs`, in order: in worker processes (forked where the platform can, at
    most 8) when there are `at_least` jobs to pay for them; here when there are fewer, when
    there is one core, or when this is already a worker (no pool inside a pool)."""
    import multiprocessing

    workers = min(os.cpu_count() or 1, 8, len(jobs))
    if workers < 2 or len(jobs) < at_least or multiprocessing.parent_process() is not None:
        yield from map(work, jobs)
        return
    import concurrent.futures

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(work, jobs, chunksize=chunksize)
