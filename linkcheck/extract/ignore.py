"""Which files a folder walk leaves out: those that `.gitignore` files (inside a Git
repository) and `.ignore` files exclude, as git, ripgrep and lychee do, so that a build folder
(`_build/`, `site/`), `node_modules/` or a virtual environment is not read as documents.

A rule file applies to its own folder and everything under it, with git's syntax; a deeper
file decides before a shallower one, and within a file the last matching pattern decides (`!`
re-includes). As in ripgrep, `.ignore` files decide before git's files at any depth: a
pattern of any `.ignore` that matches wins over every `.gitignore` and `info/exclude`. Rule
files above the walked folder count up to the top of its repository (`.git/info/exclude` too,
found through a worktree's or submodule's `.git` file); inside a repository within the walk (a
clone, a submodule) its own git rules apply instead of those around it, while the `.ignore`
files around it still count (ripgrep's ignore crate, dir.rs: `saw_git` stops only the git
matchers). An ignored folder is not entered, as git does not, which is also
why a file under an excluded folder cannot be re-included. Files and folders named on the
command line are read whatever the rules above them say (as in ripgrep and lychee); rule
files inside a named folder still count.

Patterns are matched as git's dir.c and wildmatch.c match them, each against the path itself
(a folder's contents are left out by not entering it). pathspec's GitIgnoreSpec, used at
first, also matches a pattern against every path under what it names, and reports `d/**` as
excluding `d` itself (its issue #137): `docs/*` with `!docs/keep/` lost docs/keep/a.md, and
`d/**` with `!d/keep.md` lost d/keep.md. tests/test_ignore_git.py holds this module to git
itself, on rules like real repositories' and on generated ones. Case is significant, as in git
on Linux, unless the repository's config says `core.ignorecase = true` (git sets it on the file
systems of macOS and Windows): then a repository's .gitignore and info/exclude patterns match
ASCII letters of either case, as git's do; .ignore files stay case-sensitive, as in ripgrep.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Rules", "parse_rules"]

_RULE_FILES = (".gitignore", ".ignore")


class Rules:
    """The ignore rules in force in each folder of one walk."""

    def __init__(self, root: Path) -> None:
        top = _repository_top(root)
        self._git = None if top is None else _Git.of(top)
        resolved = root.resolve()
        # each folder of the walk → (its real path, the rules in force there, shallowest first,
        # the same in the order they decide (see _deciding), the Git repository it is in)
        self._rules: dict[str, tuple[str, list[_RuleFile], list[_RuleFile], _Git | None]] = {}
        chain: list[_RuleFile] = []
        if self._git is not None:
            chain = self._git.rules()
            for folder in reversed(resolved.parents):  # the rule files above the walked folder
                if folder == self._git.top or self._git.top in folder.parents:
                    chain += _own(folder, self._git)
        self._root = str(resolved)
        # A folder named on the command line is read even if the rules above it exclude it (as
        # a file named there is): then those rules are not applied under it either.
        self._above = [] if _decide(_deciding(chain), self._root, is_dir=True) else chain

    def enter(self, directory: str) -> None:
        """Read the rule files of `directory` (each folder of the walk, as os.walk names it,
        parents first)."""
        resolved = os.path.realpath(directory)
        if resolved == self._root:
            parent, git = self._above, self._git
        else:
            _, parent, _, git = self._rules[os.path.dirname(directory)]
            if os.path.lexists(os.path.join(resolved, ".git")):
                # A repository inside the walk (a submodule, a clone): its own rules apply in
                # it, not those of the folders around it, as in git.
                git = _Git.of(Path(resolved))
                parent = [rules for rules in parent if not rules.git] + git.rules()
        chain = parent + _own(Path(resolved), git)
        self._rules[directory] = (resolved, chain, _deciding(chain), git)

    def ignored(self, directory: str, name: str, is_dir: bool) -> bool:
        """Whether `name` in `directory` (entered before) is left out."""
        resolved, _, deciding, _ = self._rules[directory]
        return bool(deciding) and _decide(deciding, os.path.join(resolved, name), is_dir)


@dataclass(frozen=True)
class _Git:
    """A Git repository: its top folder, its own folder, and how it matches case."""

    top: Path
    git_dir: Path
    ignore_case: bool

    @classmethod
    def of(cls, top: Path) -> _Git:
        git_dir = _git_dir(top)
        return cls(top, git_dir, _ignore_case(git_dir))

    def rules(self) -> list[_RuleFile]:
        """The rules of the repository as a whole: its `info/exclude`."""
        exclude = _spec(self.git_dir / "info" / "exclude", self.ignore_case)
        return [_RuleFile(str(self.top), exclude, git=True)] if exclude is not None else []


@dataclass(frozen=True)
class _RuleFile:
    """The patterns of one rule file, the folder they apply under, and whether git reads it
    (.gitignore, info/exclude) or ripgrep alone (.ignore)."""

    base: str
    patterns: list[Pattern]
    git: bool


def _own(folder: Path, git: _Git | None) -> list[_RuleFile]:
    """The rule files of `folder`: .gitignore (only in a Git repository), then .ignore (which
    _decide weighs before every git file, as ripgrep does)."""
    found = []
    for name in _RULE_FILES:
        if name == ".gitignore" and git is None:
            continue
        spec = _spec(folder / name, ignore_case=git is not None and git.ignore_case and name == ".gitignore")
        if spec is not None:
            found.append(_RuleFile(str(folder), spec, git=name == ".gitignore"))
    return found


def _deciding(chain: list[_RuleFile]) -> list[_RuleFile]:
    """A folder's rule files (shallowest first) in the order they decide: every `.ignore`,
    deepest first, then git's files, deepest first. Once a folder, not once a file."""
    return sorted(reversed(chain), key=lambda rules_file: rules_file.git)  # a stable sort


def _decide(deciding: list[_RuleFile], path: str, is_dir: bool) -> bool:
    """Whether `path` is excluded: the first rule file (in _deciding's order) with a pattern that
    matches decides, and in it the last such pattern."""
    name = _bytes(os.path.basename(path))
    for rules_file in deciding:
        relative = os.path.relpath(path, rules_file.base).replace(os.sep, "/")
        if relative.startswith("../") or relative in ("..", "."):
            continue  # rules apply under their own folder only
        relative = _bytes(relative)
        for pattern in reversed(rules_file.patterns):
            if pattern.folders_only and not is_dir:
                continue
            if pattern.regex.fullmatch(name if pattern.by_name else relative):
                return not pattern.negative
    return False


def _bytes(path: str) -> str:
    """A path as git matches it, byte by byte (`?` is one byte of `é`): each byte of its name
    on disk as one character."""
    return path if path.isascii() else os.fsencode(path).decode("latin-1")


@dataclass(frozen=True)
class Pattern:
    """One line of a rule file."""

    regex: re.Pattern[str]
    negative: bool  # `!`: re-includes
    folders_only: bool  # a trailing `/`
    by_name: bool  # no `/` but a trailing one: matched against the name, at any depth


def parse_rules(data: bytes, ignore_case: bool = False) -> list[Pattern]:
    """The patterns of a rule file, as git reads them: lines split at LF (a CR before it is
    dropped), a UTF-8 BOM skipped, `#` comments and blank lines skipped, trailing spaces
    dropped unless escaped with a backslash; bytes matched as bytes (see _bytes), ASCII
    letters of either case with `ignore_case` (git's core.ignorecase).

    Neighbouring lines of one kind (both `!` or neither, and so on) become one regex: the last
    match decides, and among them any match decides alike (a 100-line TeX template costs a
    few alternations per file instead of 100 matches)."""
    runs: list[tuple[tuple[bool, bool, bool], list[str]]] = []
    for line in data.removeprefix(b"\xef\xbb\xbf").decode("latin-1").split("\n"):
        line = _trim_trailing_spaces(line.removesuffix("\r"))
        if not line or line.startswith("#"):
            continue
        negative = line.startswith("!")
        body = line[1:] if negative else line
        folders_only = body.endswith("/")
        body = body[:-1] if folders_only else body
        by_name = "/" not in body
        regex = _translate(body.removeprefix("/"), ignore_case)
        if not body or regex is None:
            continue
        kind = (negative, folders_only, by_name)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(regex)
        else:
            runs.append((kind, [regex]))
    flags = re.DOTALL | (re.IGNORECASE | re.ASCII if ignore_case else 0)
    return [Pattern(re.compile("|".join(f"(?:{r})" for r in regexes), flags), *kind) for kind, regexes in runs]


def _trim_trailing_spaces(line: str) -> str:
    end = len(line)
    while end and line[end - 1] == " ":
        backslashes = len(line[: end - 1]) - len(line[: end - 1].rstrip("\\"))
        if backslashes % 2:  # an escaped space stays, and what is before it
            break
        end -= 1
    return line[:end]


_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _translate(pattern: str, ignore_case: bool = False) -> str | None:
    """A wildmatch pattern (with git's WM_PATHNAME) as a regex over a whole path: `*` and `?`
    never match `/`, nor does a bracket expression; `**` between slashes (or at an end) matches
    any number of folders; `\\` escapes. None: a pattern git never matches (a trailing
    backslash, an unclosed bracket).

    git compares the text before the first wildcard as it is and hands only the rest to
    wildmatch (dir.c, match_pathname), so a `**` right after that text counts as at the start:
    `a**/b` matches a/x/b.

    With `ignore_case` (the regex then compiled to ignore ASCII case), git's wildmatch lowers
    the text's letters and the pattern's, but not a letter after `\\` or inside brackets: an
    uppercase letter there matches nothing (`\\B`, `[B]`; `[!B]` matches `b`)."""
    out: list[str | _Star] = []
    i, n = 0, len(pattern)
    literal = next((k for k, c in enumerate(pattern) if c in "*?[\\"), n)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            stars = j - i
            after_slash = i == literal or pattern[i - 1] == "/"
            if stars >= 2 and after_slash and (j == n or pattern[j] == "/"):
                if j == n:
                    out.append(_Star(".*", ".*?", "E"))  # `d/**`: everything under d (`**` alone: everything)
                else:
                    out.append(_Star("(?:.*/)?", "(?:.*?/)??", "D"))  # `**/`: any number of folders, or none
                    j += 1
            else:
                out.append(_Star("[^/]*", "[^/]*?", "S"))
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            bracket = _bracket(pattern, i, ignore_case)
            if bracket is None:
                return None
            out.append(bracket[0])
            i = bracket[1]
        elif c == "\\":
            if i + 1 == n:
                return None
            escaped = pattern[i + 1]
            out.append("(?!)" if ignore_case and _upper(escaped) else re.escape(escaped))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return _join(out)


@dataclass(frozen=True)
class _Star:
    greedy: str
    lazy: str
    kind: str  # "S": `*` (within a name); "D": `**/` (whole folders); "E": a trailing `**`


def _join(parts: list[str | _Star]) -> str:
    """The regex, without catastrophic backtracking (`*a*a*a*a*a*a*a*b` against a long name
    took Python's regex engine minutes): a star's choice is made once, in an atomic group,
    where its first match is as good as any later one (as CPython's fnmatch does):
    * a `*` followed by another `*`: what lies between has a fixed length within one name
      (or holds a `/`, and matches at one place), and the next `*` takes up any difference;
    * a `*` or `**/` followed by a later `**`: what lies between ends with a `/`, and the
      later `**` takes up whole folders. A `**/` is then grouped with everything up to that
      `**`, as the `*` after it could not take up a folder.
    The last star is left to backtrack: once, over one name or the folders of one path."""
    stars = [k for k, part in enumerate(parts) if isinstance(part, _Star)]
    out: list[str] = []
    open_group = False
    k = 0
    while k < len(parts):
        part = parts[k]
        if isinstance(part, str):
            out.append(part)
            k += 1
            continue
        following = next((j for j in stars if j > k), None)
        if part.kind == "S":
            if following is None:
                out.append(part.greedy)
                k += 1
            else:
                between = "".join(p for p in parts[k + 1 : following] if isinstance(p, str))
                out.append(f"(?>{part.lazy}{between})")
                k = following
            continue
        if open_group:
            out.append(")")
        open_group = any(_kind(parts[j]) in "DE" for j in stars if j > k)
        out.append(f"(?>{part.lazy}" if open_group else part.greedy)
        k += 1
    if open_group:
        out.append(")")
    return "".join(out)


def _kind(part: str | _Star) -> str:
    return part.kind if isinstance(part, _Star) else ""


def _upper(c: str) -> bool:
    return "A" <= c <= "Z"


def _bracket(pattern: str, start: int, ignore_case: bool = False) -> tuple[str, int] | None:
    """The bracket expression at `start` as a regex class that never matches `/`, and where it
    ends; None if it is not closed. With `ignore_case`, an uppercase letter on its own is left
    out (see _translate)."""
    i, n = start + 1, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    parts: list[str] = []
    first = True
    while i < n:
        c = pattern[i]
        if c == "]" and not first:
            body = "".join(parts)
            if not body:  # only reversed ranges (`[z-a]`): nothing, or anything but `/`
                return ("[^/]" if negate else "(?!)"), i + 1
            return ("[^/" + body + "]" if negate else "(?!/)[" + body + "]"), i + 1
        first = False
        if c == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close != -1 and pattern[i + 2 : close] in _CLASSES:
                parts.append(_CLASSES[pattern[i + 2 : close]])
                i = close + 2
                continue
            if close != -1:
                return None  # an unknown class: git matches nothing
        if c == "\\":
            i += 1
            if i == n:
                return None
            c = pattern[i]
        # A range: `a-z` (an escaped end, too).
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            end = i + 2
            if pattern[end] == "\\":
                end += 1
                if end == n:
                    return None
            low, high = c, pattern[end]
            if low <= high:
                parts.append(re.escape(low) + "-" + re.escape(high))
            i = end + 1
            continue
        if not (ignore_case and _upper(c)):
            parts.append(re.escape(c))
        i += 1
    return None


_MAX_RULES_BYTES = 1 << 20  # a rule file bigger than this is not one a person wrote


def _spec(path: Path, ignore_case: bool = False) -> list[Pattern] | None:
    """The rules in `path`; None if there are none, or it is not a regular file, or is
    unreadable."""
    data = _read_regular(path, _MAX_RULES_BYTES)
    return None if data is None else parse_rules(data, ignore_case) or None


_TRUE = ("true", "yes", "on")


def _ignore_case(git_dir: Path) -> bool:
    """`core.ignorecase` in the repository's config file (the global and system files are each
    person's own and are not read, as the global excludes file is not). The config's syntax as
    far as this key needs it: sections `[core]` (names in any case, a key may follow on the same
    line), `key = value` or a bare `key` (true), `#` and `;` comments, quotes; the last one
    counts."""
    data = _read_regular(git_dir / "config", _MAX_RULES_BYTES) or b""
    section, value = "", False
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("["):
            head, _, line = line[1:].partition("]")
            section = head.split(" ")[0].split(".")[0].strip().lower()
            line = line.strip()
        if section != "core" or not line or line[0] in "#;":
            continue
        key, equals, rest = line.partition("=")
        if key.strip().lower() != "ignorecase":
            continue
        text = re.split("[#;]", rest)[0].strip().strip('"').strip().lower()
        value = not equals or text in _TRUE or (text.isdigit() and int(text) != 0)
    return value


def _read_regular(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of `path`; None if it is not a regular file (a link to a device
    or a named pipe, even one named `.git`, could be read or waited on forever) or unreadable."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _git_dir(top: Path) -> Path:
    """The repository's own folder: `.git`, or, where `.git` is a file (a worktree, a
    submodule), the folder it names — for a worktree, the folder its `commondir` names, where
    `info/exclude` lives."""
    dot = top / ".git"
    if dot.is_dir():
        return dot
    text = (_read_regular(dot, 4096) or b"").decode("utf-8", "replace")
    if not text.startswith("gitdir:"):
        return dot
    git_dir = top / text.removeprefix("gitdir:").strip()
    common = (_read_regular(git_dir / "commondir", 4096) or b"").decode("utf-8", "replace").strip()
    return git_dir / common if common else git_dir


def _repository_top(root: Path) -> Path | None:
    """The folder holding `.git` (a folder, or a file in a worktree) at or above `root`."""
    resolved = root.resolve()
    for folder in [resolved, *resolved.parents]:
        if (folder / ".git").exists():
            return folder
    return None
