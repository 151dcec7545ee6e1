"""Which files a folder walk leaves out: those that `.gitignore` files (inside a Git
repository) and `.ignore` files exclude, as git, ripgrep and lychee do, so that a build folder
(`_build/`, `site/`), `node_modules/` or a virtual environment is not read as documents.

A rule file applies to its own folder and everything under it, with git's syntax
(pathspec's GitIgnoreSpec); a deeper file decides before a shallower one, and within a file
the last matching pattern decides (`!` re-includes). Rule files above the walked folder count
up to the top of its repository (`.git/info/exclude` too). An ignored folder is not entered,
as git does not. Files and folders named on the command line are read whatever the rules
above them say (as in ripgrep and lychee); rule files inside a named folder still count.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pathspec

__all__ = ["Rules"]

_RULE_FILES = (".gitignore", ".ignore")


class Rules:
    """The ignore rules in force in each folder of one walk."""

    def __init__(self, root: Path) -> None:
        self._in_git = False
        top = _repository_top(root)
        # each folder of the walk → (its real path, the rules in force there, shallowest first)
        self._rules: dict[str, tuple[str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = {}
        chain: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        if top is not None:
            self._in_git = True
            exclude = _spec(top / ".git" / "info" / "exclude")
            if exclude is not None:
                chain.append((str(top), exclude))
            resolved = root.resolve()
            for folder in [*reversed(resolved.parents), resolved]:
                if folder == top or top in folder.parents:
                    if folder != resolved:
                        chain += self._own(folder)
        self._root = str(root.resolve())
        # A folder named on the command line is read even if the rules above it exclude it (as
        # a file named there is): then those rules are not applied under it either.
        self._above = [] if _decide(chain, self._root, is_dir=True) else chain

    def _own(self, folder: Path) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        found = []
        for name in _RULE_FILES:
            if name == ".gitignore" and not self._in_git:
                continue
            spec = _spec(folder / name)
            if spec is not None:
                found.append((str(folder), spec))
        return found

    def enter(self, directory: str) -> None:
        """Read the rule files of `directory` (each folder of the walk, as os.walk names it,
        parents first)."""
        resolved = os.path.realpath(directory)
        parent = self._above if resolved == self._root else self._rules[os.path.dirname(directory)][1]
        self._rules[directory] = (resolved, parent + self._own(Path(resolved)))

    def ignored(self, directory: str, name: str, is_dir: bool) -> bool:
        """Whether `name` in `directory` (entered before) is left out."""
        resolved, rules = self._rules[directory]
        return bool(rules) and _decide(rules, os.path.join(resolved, name), is_dir)


def _decide(rules: list[tuple[str, pathspec.GitIgnoreSpec]], path: str, is_dir: bool) -> bool:
    """Whether `path` is excluded: the deepest rule file with a pattern that matches decides."""
    for base, spec in reversed(rules):
        relative = os.path.relpath(path, base).replace(os.sep, "/") + ("/" if is_dir else "")
        if relative.startswith("../"):
            continue
        decided = spec.check_file(relative).include
        if decided is not None:
            return bool(decided)
    return False


_MAX_RULES_BYTES = 1 << 20  # a rule file bigger than this is not one a person wrote


def _spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    """The rules in `path`; None if there are none, or it is not a regular file (a link to a
    device or a named pipe could be read forever), or is unreadable."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            data = handle.read(_MAX_RULES_BYTES)
    except OSError:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines) if any(line.strip() for line in lines) else None


def _repository_top(root: Path) -> Path | None:
    """The folder holding `.git` (a folder, or a file in a worktree) at or above `root`."""
    resolved = root.resolve()
    for folder in [resolved, *resolved.parents]:
        if (folder / ".git").exists():
            return folder
    return None
