"""The registry, `citations.yaml`: the record of every cited URL, for people and for the tool.

model   plain data: Registry, LinkEntry, DocumentEntry
schema  each entity's fields, declared once (reader, writer, JSON report)
load    parse and validate, with located errors
dump    the YAML text, in a stable order for readable diffs
store   atomic writes (fsync, rename) and the lock around load-modify-save
merge   a fresh extraction folded in, keeping what the registry knew
rebase  a run's results saved into a registry a person edited while it ran
threeway  two versions that went separate ways merged by link (git's merge driver)
"""

from __future__ import annotations

from pathlib import Path

from linkcheck.registry.dump import HEADER, dump, dump_pieces
from linkcheck.registry.load import REGISTRY_VERSION, load, load_with_text, parse, read_text
from linkcheck.registry.merge import MergeSummary, merge
from linkcheck.registry.model import HUMAN_LINK_FIELDS, DocumentEntry, LinkEntry, Registry, effective_dates
from linkcheck.registry.rebase import Saved, save_run
from linkcheck.registry.store import locked, write_atomically

__all__ = [
    "DocumentEntry",
    "HEADER",
    "HUMAN_LINK_FIELDS",
    "LinkEntry",
    "MergeSummary",
    "REGISTRY_VERSION",
    "Registry",
    "dump",
    "dump_pieces",
    "effective_dates",
    "load",
    "load_with_text",
    "locked",
    "merge",
    "parse",
    "read_text",
    "save",
    "save_run",
    "Saved",
    "write_atomically",
]


def save(registry: Registry, path: Path) -> None:
    """Write the registry atomically (we hold its lock: stale temporary files go too)."""
    write_atomically(path, dump_pieces(registry), remove_stale=True)
