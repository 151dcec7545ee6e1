"""Extraction: documents in, citations out.

`collect(paths)` walks files, directories and globs, picks a format for each file by its
extension and by sniffing its first bytes, and hands it to one module per format. A file that
cannot be read or parsed yields a one-line `warning` and the run goes on: one corrupt PDF must
not cost the citations of every other document.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import glob
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from linkcheck.models import REPORT_MARK, Extraction

__all__ = [
    "gc_paused",
    "collect",
    "document_name",
    "document_path",
    "extract_file",
    "extract_bytes",
    "sniff_format",
    "Collection",
    "FORMATS",
]

# Bigger files are skipped: a citation list is never this large, a data dump often is.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".rst": "rest",
    ".rest": "rest",
    ".tex": "latex",
    ".ltx": "latex",
    ".org": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".qmd": "markdown",  # Quarto
    ".rmd": "markdown",  # R Markdown
    ".mdx": "markdown",  # MDX: Markdown with JSX, whose href attributes are read as HTML's
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
}
FORMATS = frozenset(_EXTENSIONS.values())
# What a documentation tree holds beside its documents: counted in one line, not warned about
# one by one (a site's 400 images would bury the warnings that matter).
_NOT_DOCUMENTS = frozenset(
    """.png .jpg .jpeg .gif .svg .webp .ico .bmp .tif .tiff .avif .heic .css .scss .sass .less .js .mjs
    .cjs .ts .tsx .jsx .map .woff .woff2 .ttf .otf .eot .mp3 .mp4 .m4a .ogg .wav .webm .mov .avi .zip
    .gz .tgz .bz2 .xz .7z .tar .jar .whl .exe .dll .so .o .a .pyc .class .db .sqlite .lock .ipynb_checkpoints
    .psd .ai .eps .xcf .ps .swf .wasm""".split()
)


class ExtractionFailed(Exception):
    """A single document could not be read; becomes a warning, never stops the run."""


@dataclass
class Collection:
    """The result of `collect`: one `Extraction` per readable document, warnings for the rest."""

    documents: list[Extraction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # arguments that named nothing to read


# Markdown's inline link, reference definition, or autolink. Each repeated part excludes the
# character that opens the construct again, so a scan that fails stops at the next opening:
# linear time on any input (a run of 200,000 "[" took minutes with `[^\]\n]+`).
_MARKDOWN_RE = re.compile(r"\[[^\[\]\n]+\]\([^()\s]*\)|^\s{0,3}\[[^\[\]\n]+\]:\s*\S|<https?://[^<>\s]+>", re.M)


def _looks_like_markdown(text: str) -> bool:
    return _MARKDOWN_RE.search(text[:200_000]) is not None


def sniff_format(path: Path, head: bytes) -> str | None:
    """The format of a file from its extension, checked against its first bytes."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if path.suffix.lower() in (".docx", "") else None
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension in ("pdf", "docx"):
        return by_extension  # wrong magic bytes: let the parser report the corruption
    if by_extension is not None:
        return by_extension
    start = head.lstrip()[:200].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "html"
    if start.startswith(b"@") and b"{" in start:
        return "bibtex"
    if path.suffix == "" or path.suffix.lower() in (".log", ".csv", ".yaml", ".yml", ".json"):
        return "text"
    return None


# Characters that do not occur in text: undecodable bytes and control characters other than
# tab, newlines and form feed.
_BINARY_RE = re.compile("[\ufffd\x01-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes, name: str, warn: Callable[[str], None]) -> str:
    """Text of a document; undecodable bytes are replaced (with a warning), never fatal."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise ExtractionFailed("binary content (NUL bytes), not a text document")
    sample = data[:8192]
    if len(sample) >= 512 and len(_BINARY_RE.findall(sample.decode("utf-8", errors="replace"))) > 0.3 * len(sample):
        raise ExtractionFailed("binary content (mostly undecodable bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        warn(f"{name}: invalid UTF-8 at byte {exc.start}; undecodable bytes replaced")
        return data.decode("utf-8-sig", errors="replace")


def extract_bytes(data: bytes, document: str, fmt: str, warn: Callable[[str], None]) -> Extraction:
    """Run the extractor for `fmt` on a document's bytes. Raises ExtractionFailed."""
    from linkcheck.extract import bibtex, docx, html, latex, markdown, pdf, rest, text

    if fmt == "pdf":
        return pdf.extract(data, document, warn)
    if fmt == "docx":
        return docx.extract(data, document, warn)
    content = decode(data, document, warn)
    if fmt == "text":  # the extension says nothing: reST's own link forms first, then Markdown's
        if rest.looks_like_rest(content):
            fmt = "rest"
        elif _looks_like_markdown(content):
            fmt = "markdown"
    if fmt == "rest":
        return rest.extract(content, document, warn)
    if fmt == "latex":
        return latex.extract(content, document)
    if fmt == "html":
        return html.extract(content, document, warn=warn)
    if fmt == "markdown":
        return markdown.extract(content, document, warn)
    if fmt == "bibtex":
        return bibtex.extract(content, document, warn)
    return text.extract(content, document)


# How each report format says it is one (see models.REPORT_MARK): read again as a document, it
# would cite every link it lists, and keep them cited after the documents drop them.
_REPORT_RE = re.compile(
    rb'<meta name="generator" content="%s">|<!-- %s: |"generator": "%s"' % ((REPORT_MARK.encode(),) * 3)
)


def extract_file(path: Path, document: str, warn: Callable[[str], None]) -> Extraction | None:
    """Extract one file, or warn and return None."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            # A device (a link to /dev/zero), a named pipe or a socket: reading it could last
            # forever, or wait forever for a writer.
            warn(f"{path}: skipped, not a regular file")
            return None
        if status.st_size > MAX_FILE_BYTES:
            warn(f"{path}: skipped, {status.st_size / 2**20:.0f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit")
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a file growing while it is read stops at the limit
        if len(data) > MAX_FILE_BYTES:
            warn(f"{path}: skipped, it grew over the {MAX_FILE_BYTES // 2**20} MB limit while it was read")
            return None
    except OSError as exc:
        warn(f"{path}: cannot read: {exc.strerror or exc}")
        return None
    if _REPORT_RE.search(data[:1024]):
        warn(f"{path}: skipped, a report linkcheck wrote (reports are best written outside the documents' folders)")
        return None
    fmt = sniff_format(path, data[:512])
    if fmt is None:
        warn(f"{path}: skipped, unsupported format")
        return None
    try:
        return extract_bytes(data, document, fmt, warn)
    except ExtractionFailed as exc:
        warn(f"{path}: skipped, {exc}")
    except RecursionError:
        warn(f"{path}: skipped, structure nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a parser bug in one file must not end the run
        warn(f"{path}: skipped, cannot parse as {fmt}: {type(exc).__name__}: {exc}")
    return None


def _walk(root: Path, left_out: list[str] | None = None) -> Iterator[Path]:
    """The files under `root`, sorted, hidden ones aside; with `left_out`, also those that
    .gitignore and .ignore rules exclude (see ignore.py), whose paths are added to it."""
    from linkcheck.extract.ignore import Rules  # only a walk needs it

    rules = Rules(root) if left_out is not None else None
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        if rules is not None and left_out is not None:
            rules.enter(directory)
            kept = [d for d in subdirs if not rules.ignored(directory, d, is_dir=True)]
            left_out += [os.path.join(directory, d) + "/" for d in subdirs if d not in kept]
            subdirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            if rules is not None and left_out is not None and rules.ignored(directory, name, is_dir=False):
                left_out.append(os.path.join(directory, name))
                continue
            yield Path(directory, name)


def _glob_matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a `/`-separated path matches a glob, as glob.glob(recursive=True) reads one: a
    `**` segment is any number of folders; within a segment `*`, `?` and `[...]` as fnmatch
    has them (its regexes choose each star once: a `*a*a*a*a*a*a*a*b` in a registry's
    sources cannot make a walk backtrack for minutes)."""
    segments = pattern.split("/")
    # A trailing `/` names folders, which this matches none of (files only), as before.
    segments = [part for part in segments[:-1] if part] + segments[-1:]
    names = [None if part == "**" else re.compile(fnmatch.translate(part)) for part in segments]

    def matches(path: str) -> bool:
        # Wildcard matching over segments, `**` as the star: back up to the last `**` only.
        parts = path.split("/")
        i = j = 0
        star, resume = -1, 0
        while i < len(parts):
            if j < len(names) and names[j] is None:
                star, resume = j, i
                j += 1
            elif j < len(names) and (name := names[j]) is not None and name.match(parts[i]):
                i += 1
                j += 1
            elif star != -1:
                resume += 1
                i, j = resume, star + 1
            else:
                return False
        return all(name is None for name in names[j:])

    return matches


def _glob(pattern: str) -> list[str]:
    """Files matching `pattern`, found by walking from its fixed leading folders without following
    symlinked folders (as for a folder argument): a symlink loop cannot multiply or hang the walk,
    as it does with glob's `**`. Below the fixed folders, names starting with "." are not matched
    (as glob's `*` and `**` do not match them)."""
    parts = pattern.split("/")
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    root = "/".join(parts[:fixed]) or ("/" if pattern.startswith("/") else ".")
    matches = _glob_matcher("/".join(parts[fixed:]))
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        relative = os.path.relpath(directory, root)
        for name in sorted(files):
            path = name if relative == "." else f"{relative}/{name}"
            if matches(path) and not any(p.startswith(".") for p in path.split("/") if p):
                found.append(os.path.join(root, path) if root != "." or pattern.startswith("./") else path)
    return found


def _file_name(argument: str) -> str:
    """A file named on the command line: its path from here, or its bare name if outside."""
    relative = os.path.relpath(os.path.abspath(argument))
    if relative.startswith(".."):
        return Path(argument).name
    return Path(relative).as_posix()


# A POSIX file name's undecodable bytes, as Python decodes them (surrogate escapes), and the
# backslash that escapes them in a recorded name.
_NAME_ESCAPE_RE = re.compile("[\\\\\udc80-\udcff]")
_NAME_UNESCAPE_RE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def document_name(name: str) -> str:
    """A file's name as the registry records it: text any YAML, JSON or HTML can hold, from
    which the exact bytes come back (`document_path`). An undecodable byte becomes `\\xff` and a
    backslash `\\\\`; other names are unchanged."""
    return _NAME_ESCAPE_RE.sub(lambda m: "\\\\" if m.group() == "\\" else f"\\x{ord(m.group()) - 0xDC00:02x}", name)


def document_path(name: str) -> str:
    """The file name a recorded document name stands for (the inverse of `document_name`)."""
    if "\\" not in name:
        return name
    return _NAME_UNESCAPE_RE.sub(lambda m: "\\" if m.group(1) == "\\" else chr(0xDC00 + int(m.group(1)[1:], 16)), name)


def expand(
    paths: list[str],
    warn: Callable[[str], None],
    missing: Callable[[str], None] | None = None,
    left_out: list[str] | None = None,
) -> Iterator[tuple[Path, str]]:
    """(file, document name) for every argument: a directory's files are named relative to it.
    An argument that names nothing is warned about and passed to `missing`. With `left_out`, a
    directory's walk leaves out what .gitignore and .ignore rules exclude, and lists it there."""
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            for file in _walk(path, left_out):
                yield file, file.relative_to(path).as_posix()
        elif path.exists():
            yield path, _file_name(argument)
        elif glob.has_magic(argument):
            matched = _glob(argument)
            if not matched:
                warn(f"{argument}: no file matches")
                if missing is not None:
                    missing(argument)
            for name in matched:
                if Path(name).is_file():
                    yield Path(name), _file_name(name)
        else:
            warn(f"{argument}: no such file or directory")
            if missing is not None:
                missing(argument)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures.

    Extraction and registry writing allocate millions of small objects; each allocation burst
    triggers full rescans of everything alive (about 10% of a 100,000-citation run).
    Reference counting still frees memory meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _extract_job(job: tuple[Path, str]) -> tuple[Extraction | None, list[str]]:
    """One file, in a worker process: the extraction and the warnings it raised."""
    warnings: list[str] = []
    with gc_paused():
        return extract_file(job[0], job[1], warnings.append), warnings


def _run_jobs(jobs: list[tuple[Path, str]]) -> Iterator[tuple[Extraction | None, list[str]]]:
    """Extract in worker processes when there is enough work to pay for them (CPU-bound parsing)."""
    from linkcheck.extract.parallel import mapped

    return mapped(_extract_job, jobs, at_least=PARALLEL_THRESHOLD, chunksize=8)


def collect(
    paths: list[str],
    warn: Callable[[str], None] | None = None,
    exclude: frozenset[Path] = frozenset(),
    ignore_rules: bool = True,
) -> Collection:
    """Extract every document under `paths`, except the files in `exclude` (resolved paths)
    and, with `ignore_rules`, what .gitignore and .ignore rules exclude in a folder's walk.

    Documents come back in the order of `paths` and, within a directory, sorted by name, so
    the registry is the same however often it is rebuilt.
    """
    result = Collection()

    def _warn(message: str) -> None:
        result.warnings.append(message)
        if warn is not None:
            warn(message)

    jobs: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    not_documents = 0
    left_out: list[str] | None = [] if ignore_rules else None
    for file, raw_name in expand(paths, _warn, result.missing.append, left_out):
        if exclude and file.resolve() in exclude:
            continue
        if file.suffix.lower() in _NOT_DOCUMENTS:
            not_documents += 1
            continue
        name = document_name(raw_name)
        if name in seen:
            if seen[name].resolve() == file.resolve():
                continue
            _warn(f"{file}: its name {name!r} is already used by {seen[name]}; named by its path instead")
            name = document_name(Path(os.path.normpath(file)).as_posix())
        seen[name] = file
        jobs.append((file, name))
    for extraction, warnings in _run_jobs(jobs):
        for message in warnings:
            _warn(message)
        if extraction is not None:
            result.documents.append(extraction)
    if not_documents:
        _warn(f"{not_documents} images, stylesheets, scripts and other non-documents skipped")
    if left_out:
        folders = sum(1 for item in left_out if item.endswith("/"))
        shown = ", ".join(left_out[:3]) + (", …" if len(left_out) > 3 else "")
        _warn(
            f"{len(left_out) - folders} files and {folders} folders left out by .gitignore or .ignore rules "
            f"({shown}; --no-ignore reads them)"
        )
    return result
