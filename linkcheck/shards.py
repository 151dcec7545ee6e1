"""Shards: one check split over several processes or CI runners, then merged.

A shard owns the links whose host hashes to it (a stable hash, the same on every machine), so
that each host's politeness (requests in flight, intervals, breakers) lives in one shard. A
shard checks its links on a copy of the registry and writes a results file in the registry's
own format, with a `shard:` header; `merge` folds results files into the registry. The
registry itself is only written by `merge` (or by `check --workers` in its parent process).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkcheck.errors import RegistryError, UsageError
from linkcheck.models import LastRun
from linkcheck.redirects import host_of
from linkcheck.registry import LinkEntry, Registry, dump_pieces, load, write_atomically
from linkcheck.registry.model import RESULT_FIELDS

__all__ = [
    "RESULT_FIELDS",
    "Shard",
    "ShardResults",
    "check_results_path",
    "fold",
    "same_file",
    "read_results",
    "subset",
    "write_results",
]

_SPEC_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_SHARDS = 1024


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `total`, counted from 1 (as CI matrices count)."""

    index: int
    total: int

    @classmethod
    def parse(cls, spec: str) -> Shard:
        match = _SPEC_RE.match(spec)
        if match is None:
            raise UsageError(f"--shard {spec!r}: expected K/N, for example 2/4")
        index, total = int(match[1]), int(match[2])
        if not 1 <= total <= MAX_SHARDS or not 1 <= index <= total:
            raise UsageError(f"--shard {spec!r}: K must be between 1 and N, and N between 1 and {MAX_SHARDS}")
        return cls(index, total)

    def owns(self, url: str) -> bool:
        return shard_of(url, self.total) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def shard_of(url: str, total: int) -> int:
    """The shard (1..total) that checks `url`: by its host, with a hash that does not change
    between processes or machines (Python's own string hash does)."""
    digest = hashlib.blake2b(host_of(url).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % total + 1


def subset(registry: Registry, shard: Shard) -> Registry:
    """The registry with only the shard's links (the same entries: the shard's run changes
    them in place) and every document (their dates choose snapshots)."""
    links = {url: entry for url, entry in registry.links.items() if shard.owns(url)}
    return Registry(
        sources=registry.sources,
        documents=registry.documents,
        links=links,
        last_run=registry.last_run,
    )


@dataclass
class ShardResults:
    """A results file as read back: the shard, what its run did, and its links."""

    shard: Shard
    registry: Registry
    checked: int = 0
    fresh: int = 0
    offline: bool = False
    interrupted: bool = False
    registry_digest: str = ""


def digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8", "surrogatepass")).hexdigest()[:16]


def same_file(path: Path, registry_path: Path, suffix: str = "") -> bool:
    """Whether `path` is the registry's file (with `suffix`: the file beside it so named),
    symlinks followed, whether or not it exists yet."""
    return os.path.realpath(path) == os.path.realpath(registry_path) + suffix


def check_results_path(path: Path, registry_path: Path) -> None:
    """Refuse, before a shard checks anything, a results file it could not or must not write:
    the registry itself or its lock file (a shard never writes the registry: `merge` does), a
    folder, or a file in a folder that does not exist."""
    if same_file(path, registry_path):
        raise UsageError(f"--results {path}: that is the registry; a shard writes its own file, and merge folds it in")
    if same_file(path, registry_path, ".lock"):
        raise UsageError(f"--results {path}: that is the registry's lock file")
    if path.is_dir():
        raise UsageError(f"--results {path}: that is a folder; name a file in it")
    if not path.parent.is_dir():
        raise UsageError(f"--results {path}: the folder {path.parent} does not exist")


def write_results(path: Path, part: Registry, results: ShardResults) -> Path:
    """The shard's links, as the registry would hold them after its run, under a `shard:`
    header saying which shard it is and what it did."""
    header: dict[str, Any] = {
        "index": results.shard.index,
        "of": results.shard.total,
        "registry": results.registry_digest,
        "checked": results.checked,
        "fresh": results.fresh,
        "offline": results.offline,
        "interrupted": results.interrupted,
    }
    copy = Registry(
        sources=part.sources, documents={}, links=part.links, last_run=part.last_run, extra={"shard": header}
    )
    return write_atomically(path, dump_pieces(copy))


def read_results(path: Path) -> ShardResults:
    """A results file; RegistryError (located) if it is not one."""
    if not path.exists():
        raise RegistryError(f"{path}: no such results file")
    part = load(path)
    header = part.extra.get("shard")
    if not isinstance(header, dict):
        raise RegistryError(f"{path}: not a shard's results file (no `shard:` header; check --shard K/N writes one)")
    try:
        shard = Shard(int(header["index"]), int(header["of"]))
        if not 1 <= shard.index <= shard.total <= MAX_SHARDS:
            raise ValueError
        offline, interrupted = header.get("offline", False), header.get("interrupted", False)
        if not isinstance(offline, bool) or not isinstance(interrupted, bool):
            raise ValueError
        checked, fresh = int(header.get("checked", 0)), int(header.get("fresh", 0))
    except (KeyError, TypeError, ValueError):
        fields = "index, of, checked, fresh, offline, interrupted"
        raise RegistryError(f"{path}: its `shard:` header is damaged ({fields})") from None
    strays = [url for url in part.links if not shard.owns(url)]
    if strays:
        raise RegistryError(f"{path}: holds {len(strays)} links that shard {shard} does not check, e.g. {strays[0]}")
    digest = str(header.get("registry", ""))
    return ShardResults(shard, part, checked, fresh, offline, interrupted, digest)


def fold(registry: Registry, parts: Iterable[ShardResults]) -> list[str]:
    """Fold shards' results into `registry`: each link takes what its shard learnt; a person's
    fields and the citations stay as the registry has them. Returns warnings for a person.

    `parts` may be read one at a time (a generator): each is checked against those before it
    (one split, no shard twice) and folded, and then holds no links (what it learnt belongs to
    the registry now; the rest is let go), so that a merge of 100,000 links never holds the
    registry and every shard's copy at once."""
    warnings: list[str] = []
    seen: list[ShardResults] = []
    for part in parts:
        if seen and part.shard.total != seen[0].shard.total:
            totals = sorted({seen[0].shard.total, part.shard.total})
            raise UsageError(f"the results files come from different splits ({', '.join(map(str, totals))} shards)")
        if any(p.shard.index == part.shard.index for p in seen):
            raise UsageError(f"shard {part.shard.index} is given more than once")
        if not part.offline:  # an offline shard learnt nothing and changes nothing, as an offline run
            for url, theirs in part.registry.links.items():
                entry = registry.links.get(url)
                if entry is not None:  # else no longer in the registry
                    _take(entry, theirs)
        part.registry = Registry(last_run=part.registry.last_run)
        seen.append(part)
    total = seen[0].shard.total if seen else 0
    indexes = {part.shard.index for part in seen}
    if missing := [index for index in range(1, total + 1) if index not in indexes]:
        warnings.append(
            f"no results for shard{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} of {total}: "
            "their links keep the verdicts they had"
        )
    learnt = [part for part in seen if not part.offline]
    if learnt:
        starts = [
            p.registry.last_run.checked_at for p in learnt if p.registry.last_run and p.registry.last_run.checked_at
        ]
        registry.last_run = LastRun(
            min(starts) if starts else "",
            sum(p.checked for p in learnt),
            sum(p.fresh for p in learnt),
            interrupted=any(p.interrupted for p in seen) or bool(missing),
        )
    return warnings


def _take(entry: LinkEntry, theirs: LinkEntry) -> None:
    for name in RESULT_FIELDS:
        setattr(entry, name, getattr(theirs, name))
