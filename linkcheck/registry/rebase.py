"""Saving a run's results into a registry a person may have edited while it ran.

`check` and `archive` hold the registry's lock, but a person editing `citations.yaml` in an
editor (or `git pull`) does not take it. At save, the file is read again: if it is what the run
loaded, the run's registry is written as usual; if it changed, the run's results are replayed
onto the person's version — a three-way merge with what the run loaded as the base:

* the person's version is kept as it is: notes, ignores, accepted verdicts, archive URLs,
  fields this tool does not know, links added, links removed (a removed link's results go);
* the fields the tool owns (`check`, `history`, `archive`, `archive_lookup`, and `last_run`)
  take the run's values where the run changed them;
* where the person also changed such a field, differently, that link keeps the person's
  values, and the run's whole registry is written beside the file, so that nothing is lost;
* a file that no longer reads (half-edited) is left alone, and the run's registry goes beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from linkcheck.clock import now
from linkcheck.errors import RegistryError
from linkcheck.registry.dump import dump_pieces
from linkcheck.registry.load import parse, read_text
from linkcheck.registry.model import RESULT_FIELDS, LinkEntry, Registry
from linkcheck.registry.store import write_atomically

__all__ = ["TOOL_LINK_FIELDS", "Saved", "read_text", "save_run"]

# Fields of a link that only the tool writes; everything else is the person's (or extract's).
TOOL_LINK_FIELDS = (*RESULT_FIELDS, "fixed_to")
_BLANK = LinkEntry(url="")


@dataclass
class Saved:
    """How a run's registry was saved."""

    path: Path
    merged: bool = False  # the file had changed during the run; the person's edits were kept
    conflicts: list[str] = field(default_factory=list)  # URLs whose tool fields the person changed too
    beside: Path | None = None  # the run's whole registry, when it could not all go into `path`
    reason: str | None = None  # why it went beside (conflicts, an unreadable or removed file)

    def message(self) -> str | None:
        """A line for people, or None when nothing out of the ordinary happened."""
        if self.beside is not None:
            return (
                f"{self.path} changed while this run was going ({self.reason}); your version is kept, "
                f"{'with every result that did not conflict, ' if self.merged else ''}"
                f"and this run's whole registry is in {self.beside}: compare the two, keep what you want, "
                "and delete that file"
            )
        if self.merged:
            return f"{self.path} changed while this run was going: your edits are kept, with this run's results"
        return None


def save_run(registry: Registry, path: Path, baseline: str | None) -> Saved:
    """Write `registry` (loaded from `baseline`, the file's text then) to `path`, keeping any
    edit made to the file since (see the module's docstring)."""
    try:
        current = read_text(path)
    except RegistryError as exc:
        return _beside(registry, path, Saved(path, reason=f"it cannot be read now: {exc}"))
    if current == baseline:
        write_atomically(path, dump_pieces(registry), remove_stale=True)
        return Saved(path)
    if current is None:
        return _beside(registry, path, Saved(path, reason="the file was removed"))
    try:
        theirs = parse(current, str(path))
        base = parse(baseline, str(path)) if baseline is not None else Registry()
    except RegistryError as exc:
        return _beside(registry, path, Saved(path, reason=f"it does not read now: {exc}"))
    saved = Saved(path, merged=True)
    for url, ours in registry.links.items():
        their = theirs.links.get(url)
        if their is None:
            continue  # removed by the person
        old = base.links.get(url, _BLANK)
        changes = {}
        for name in TOOL_LINK_FIELDS:
            run_value, base_value, their_value = getattr(ours, name), getattr(old, name), getattr(their, name)
            if run_value == base_value or run_value == their_value:
                continue
            if their_value != base_value:
                saved.conflicts.append(url)
                break
            changes[name] = run_value
        else:
            for name, value in changes.items():
                setattr(their, name, value)
    theirs.last_run = registry.last_run
    write_atomically(path, dump_pieces(theirs), remove_stale=True)
    if saved.conflicts:
        shown = ", ".join(saved.conflicts[:3]) + (
            f" and {len(saved.conflicts) - 3} more" if len(saved.conflicts) > 3 else ""
        )
        saved.reason = f"you changed results of {len(saved.conflicts)} links that this run changed too: {shown}"
        _beside(registry, path, saved)
    return saved


def _beside(registry: Registry, path: Path, saved: Saved) -> Saved:
    name = path.name.removesuffix(".yaml").removesuffix(".yml")
    saved.beside = write_atomically(
        path.with_name(f"{name}.run-{now().strftime('%Y%m%dT%H%M%SZ')}.yaml"), dump_pieces(registry)
    )
    return saved
