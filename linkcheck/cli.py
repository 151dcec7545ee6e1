"""The `linkcheck` command: parse options, call the library, turn errors into exit codes.

Exit codes: 0 nothing needs action, 1 problems found, 2 usage, configuration or registry
error, 3 offline (nothing could be reached; no verdict was changed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from linkcheck import registry as registry_mod
from linkcheck.errors import LinkcheckError, UsageError
from linkcheck.extract import collect, gc_paused

__all__ = ["main"]

DEFAULT_REGISTRY = "citations.yaml"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _warn(message: str) -> None:
    _say(f"warning: {message}")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registry", default=DEFAULT_REGISTRY, metavar="FILE",
                        help=f"the registry file (default: {DEFAULT_REGISTRY})")  # fmt: skip
    parser.add_argument("--lock-timeout", type=float, default=-1, metavar="SECONDS",
                        help="give up (exit 2) if another run holds the registry lock this long (default: wait)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linkcheck", description="Citation and link-integrity checker.")
    from linkcheck import __version__

    parser.add_argument("--version", action="version", version=f"linkcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    extract = commands.add_parser(
        "extract",
        help="find every URL the documents cite and record it in the registry",
        description="Extract cited URLs from text, Markdown, HTML, PDF, Word and BibTeX files into the "
        "registry. With no PATH, re-extracts the sources recorded in the registry.",
    )
    extract.add_argument("paths", nargs="*", metavar="PATH", help="files, directories (recursive) or globs")
    _add_common(extract)
    return parser


def _sources_for(paths: list[str], registry_path: Path, recorded: list[str]) -> tuple[list[str], list[str]]:
    """(paths to read, paths to record): recorded sources are relative to the registry's folder."""
    base = registry_path.resolve().parent
    if paths:
        return paths, [os.path.relpath(Path(p).resolve(), base) if not _is_glob(p) else p for p in paths]
    if not recorded:
        raise UsageError("no PATH given and the registry records no sources; run: linkcheck extract PATH...")
    return [str(base / s) if not Path(s).is_absolute() else s for s in recorded], recorded


def _is_glob(path: str) -> bool:
    import glob

    return glob.has_magic(path) and not Path(path).exists()


def run_extract(args: argparse.Namespace) -> int:
    path = Path(args.registry)
    with registry_mod.locked(path, args.lock_timeout, notify=_say):
        registry = registry_mod.load(path)
        read, recorded = _sources_for(args.paths, path, registry.sources)
        own_files = frozenset({path.resolve(), Path(f"{path}.lock").resolve()})
        collection = collect(read, warn=_warn, exclude=own_files)
        with gc_paused():
            summary = registry_mod.merge(registry, collection, recorded)
            registry_mod.save(registry, path)
    print(
        f"{summary.documents} documents, {summary.urls} URLs, {summary.citations} citations, "
        f"{summary.placeholders} missing targets → {path}"
    )
    if summary.added:
        print(f"{len(summary.added)} new URLs")
    if summary.removed:
        print(f"{len(summary.removed)} URLs no longer cited, removed:")
        for url in summary.removed:
            print(f"  - {url}")
    if collection.warnings:
        print(f"{len(collection.warnings)} warnings (see above)")
    return 0


_COMMANDS = {"extract": run_extract}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except LinkcheckError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
