"""The `linkcheck` command: parse options, call the library, turn errors into exit codes.

Exit codes: 0 nothing needs action, 1 problems found, 2 usage, configuration or registry
error, 3 offline (nothing could be reached; no verdict was changed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from linkcheck import pipeline
from linkcheck import registry as registry_mod
from linkcheck.config import Config, load_config, parse_duration
from linkcheck.errors import LinkcheckError, OfflineError, UsageError
from linkcheck.extract import collect, gc_paused
from linkcheck.models import LinkResult
from linkcheck.report import (
    FORMATS,
    build_report,
    parse_formats,
    print_summary,
    render_annotations,
    write_reports,
)

__all__ = ["main"]

DEFAULT_REGISTRY = "citations.yaml"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _warn(message: str) -> None:
    _say(f"warning: {message}")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry", default=DEFAULT_REGISTRY, metavar="FILE", help=f"the registry file (default: {DEFAULT_REGISTRY})"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=-1,
        metavar="SECONDS",
        help="give up (exit 2) if another run holds the registry lock this long (default: wait)",
    )


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR", help="where reports go (default: reports)")
    parser.add_argument(
        "--format", metavar="LIST", help=f"reports to write, comma-separated (default: {','.join(FORMATS)})"
    )


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

    check = commands.add_parser(
        "check",
        help="check every URL in the registry and record the verdicts",
        description="Check every cited URL (httpx, asyncio), record verdicts and history in the registry and "
        "write DIR/report.json. Options may also be set in linkcheck.toml or [tool.linkcheck] of "
        "pyproject.toml in the current directory; the command line wins.",
    )
    _add_common(check)
    check.add_argument("--max-concurrency", type=int, metavar="N", help="requests in flight in all (default: 64)")
    check.add_argument("--host-concurrency", type=int, metavar="N", help="requests in flight per host (default: 4)")
    check.add_argument(
        "--min-interval", type=float, metavar="SECONDS", help="minimum time between requests to one host"
    )
    check.add_argument("--timeout", type=float, metavar="SECONDS", help="per request (default: 10)")
    check.add_argument("--retries", type=int, metavar="N", help="retries for timeouts, resets, 5xx, 429 (default: 2)")
    check.add_argument("--user-agent", metavar="TEXT")
    check.add_argument(
        "--accept", action="append", metavar="HOST:CODE[,CODE]", help="extra statuses that mean ok for HOST"
    )
    check.add_argument("--include", action="append", metavar="PATTERN", help="check only URLs matching (glob)")
    check.add_argument("--exclude", action="append", metavar="PATTERN", help="skip URLs matching (glob)")
    check.add_argument(
        "--header",
        action="append",
        metavar="HOST:NAME=ENVVAR",
        help="send header NAME to HOST only, its value read from environment variable ENVVAR",
    )
    check.add_argument("--max-age", metavar="DURATION", help="skip URLs verified ok within DURATION (e.g. 7d)")
    check.add_argument("--wayback-url", metavar="BASE", help="base URL of the Wayback Machine endpoints")
    check.add_argument("--no-archive", action="store_true", help="skip archive lookups")
    check.add_argument(
        "--deny-private",
        action="store_true",
        default=None,
        help="never contact loopback, private, link-local or cloud-metadata addresses (checked after "
        "DNS resolution, redirects included); such links are skipped",
    )
    _add_report_options(check)
    check.add_argument(
        "--fail-on",
        choices=("any", "new", "none"),
        help="exit 1 for any problem (default), only for problems new since the last run, or never",
    )

    report = commands.add_parser(
        "report",
        help="re-render the reports from the registry (no network)",
        description="Write the HTML, JSON, Markdown and JUnit reports from the registry alone.",
    )
    report.add_argument(
        "--registry", default=DEFAULT_REGISTRY, metavar="FILE", help=f"the registry file (default: {DEFAULT_REGISTRY})"
    )
    _add_report_options(report)

    archive = commands.add_parser(
        "archive",
        help="find verified Wayback Machine snapshots for dead links",
        description="Look up, for every link whose verdict is not ok or moved (every link with --all), the "
        "Wayback Machine capture nearest before its citation date, verify that it replays, and record it. "
        "Also verifies snapshots the documents cite and archive URLs written into the registry.",
    )
    _add_common(archive)
    _add_report_options(archive)
    archive.add_argument("--all", action="store_true", help="look up snapshots for every link, live ones too")
    archive.add_argument(
        "--save",
        action="store_true",
        help="submit live links without a recent capture to Save Page Now (needs "
        "LINKCHECK_IA_ACCESS_KEY and LINKCHECK_IA_SECRET_KEY)",
    )
    archive.add_argument(
        "--save-if-older",
        metavar="DURATION",
        help="--save only when the newest capture is older than this (default: 30d)",
    )
    archive.add_argument("--wayback-url", metavar="BASE", help="base URL of the Wayback Machine endpoints")
    archive.add_argument(
        "--archive-concurrency", type=int, metavar="N", help="requests in flight to the archive (default: 2)"
    )
    archive.add_argument("--cdx-per-minute", type=int, metavar="N", help="CDX queries a minute at most (default: 30)")
    archive.add_argument("--archive-ttl", metavar="DURATION", help="re-ask 'not archived' after this (default: 7d)")
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
        if collection.missing and not args.paths:
            # A source the registry recorded is gone (a clone without the documents beside it, a
            # moved folder): merging would drop every URL it cited, and nobody asked for that.
            raise UsageError(
                f"cannot read {', '.join(collection.missing)}, recorded as a source in {path}; "
                "the registry was left as it was (give the paths to read: linkcheck extract PATH...)"
            )
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


def _check_overrides(args: argparse.Namespace) -> dict[str, Any]:
    accept: dict[str, list[int]] | None = None
    for item in args.accept or []:
        host, _, codes = item.partition(":")
        try:
            accept = accept or {}
            accept.setdefault(host.lower(), []).extend(int(c) for c in codes.split(","))
        except ValueError:
            raise UsageError(f"--accept {item!r}: expected HOST:CODE[,CODE]") from None
    headers: dict[str, dict[str, str]] | None = None
    for item in args.header or []:
        host, _, rest = item.partition(":")
        name, _, variable = rest.partition("=")
        if not (host and name and variable):
            raise UsageError(f"--header {item!r}: expected HOST:NAME=ENVVAR")
        headers = headers or {}
        headers.setdefault(host.lower(), {})[name] = variable
    return {
        "output": args.output,
        "max_concurrency": args.max_concurrency,
        "host_concurrency": args.host_concurrency,
        "min_interval": args.min_interval,
        "timeout": args.timeout,
        "retries": args.retries,
        "user_agent": args.user_agent,
        "accept": accept,
        "include": args.include,
        "exclude": args.exclude,
        "headers": headers,
        "max_age": parse_duration(args.max_age) if args.max_age else None,
        "wayback_url": args.wayback_url,
        "archive": False if args.no_archive else None,
        "formats": args.format,
        "fail_on": args.fail_on,
        "deny_private": args.deny_private,
    }


class _Progress:
    """A rich progress bar on a terminal; a plain line every 10% otherwise."""

    def __init__(self) -> None:
        self.total, self.done, self.next_report = 0, 0, 0.1
        self.bar: Any = None  # a rich Progress, imported only when there is a terminal

    def start(self, total: int) -> None:
        self.total = total
        if sys.stderr.isatty() and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            # On stderr, like the plain lines: stdout carries the results and may be piped.
            self.bar = Progress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("check", total=total)
            self.bar.start()

    def __call__(self, url: str, result: LinkResult) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif self.total and self.done / self.total >= self.next_report:
            _say(f"checked {self.done}/{self.total}")
            self.next_report += 0.1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _archive_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "output": args.output,
        "formats": args.format,
        "wayback_url": args.wayback_url,
        "archive_concurrency": args.archive_concurrency,
        "cdx_per_minute": args.cdx_per_minute,
        "archive_ttl": parse_duration(args.archive_ttl) if args.archive_ttl else None,
        "save_if_older": parse_duration(args.save_if_older) if args.save_if_older else None,
    }


def _archive_stage(
    registry: registry_mod.Registry,
    config: Config,
    *,
    lookups: bool,
    everything: bool = False,
    save: bool = False,
    interrupt: pipeline.Interrupt | None = None,
) -> pipeline.ArchiveOutcome:
    outcome = pipeline.run_archive(
        registry,
        config.archive_options(),
        lookups=lookups,
        everything=everything,
        save=save,
        progress=lambda url: _say(f"archive: looking up {url}"),
        interrupt=interrupt,
    )
    parts = []
    if outcome.snapshot_links:
        parts.append(f"{outcome.snapshot_links} cited snapshots verified")
    if outcome.manual:
        parts.append(f"{outcome.manual} archive URLs from the registry verified")
    if outcome.looked_up:
        parts.append(
            f"{outcome.looked_up} looked up: {outcome.found} found, {outcome.none} with no usable capture, "
            f"{outcome.unknown} unknown"
        )
    if outcome.cached:
        parts.append(f"{outcome.cached} answered from the registry")
    if outcome.saved:
        parts.append(f"{outcome.saved} saved to the Wayback Machine")
    if parts:
        _say("archive: " + "; ".join(parts))
    if outcome.stopped:
        _warn(outcome.stopped)
    return outcome


def run_archive(args: argparse.Namespace) -> int:
    path = Path(args.registry)
    config = load_config(Path.cwd(), _archive_overrides(args))
    with registry_mod.locked(path, args.lock_timeout, notify=_say):
        registry = registry_mod.load(path)
        if not registry.links:
            raise UsageError(f"{path}: the registry has no links; run `linkcheck extract PATH...` first")
        interrupt = pipeline.Interrupt()
        _archive_stage(registry, config, lookups=True, everything=args.all, save=args.save, interrupt=interrupt)
        registry_mod.save(registry, path)
    if interrupt.signal is not None:
        _say(
            f"interrupted ({interrupt.signal.name}): the snapshots found so far are saved in {path}; "
            "run `linkcheck archive` again for the rest"
        )
        return 128 + int(interrupt.signal)
    _publish(registry, path, config, summary=False)
    return 0


def run_check(args: argparse.Namespace) -> int:
    path = Path(args.registry)
    config = load_config(Path.cwd(), _check_overrides(args))
    options = config.check_options()
    with registry_mod.locked(path, args.lock_timeout, notify=_say):
        registry = registry_mod.load(path)
        if not registry.links and not registry.documents:
            raise UsageError(f"{path}: the registry is empty; run `linkcheck extract PATH...` first")
        progress = _Progress()
        interrupt = pipeline.Interrupt()
        started = time.monotonic()
        try:
            outcome = pipeline.run_check(
                registry,
                options,
                max_age=config.max_age,
                progress=progress,
                on_start=progress.start,
                interrupt=interrupt,
            )
        finally:
            progress.close()
        if interrupt.signal is not None:
            if not outcome.offline:
                registry_mod.save(registry, path)
            return _interrupted(
                interrupt,
                path,
                f"{len(outcome.results)} of {outcome.checked} URLs checked",
                time.monotonic() - started,
                saved=not outcome.offline,
            )
        if outcome.offline:
            kinds = Counter(
                "timed out" if r.status == "timeout" else (r.error or "unreachable").split(":")[0].split(" (")[0]
                for r in outcome.results.values()
            )
            reasons = ", ".join(f"{kind}: {n}" for kind, n in kinds.most_common())
            _say(
                f"offline: none of the {outcome.checked} URLs could be reached ({reasons}). "
                "Is this machine connected? No verdict was changed."
            )
            return OfflineError.exit_code
        _archive_stage(registry, config, lookups=config.archive, interrupt=interrupt)
        registry_mod.save(registry, path)
        if interrupt.signal is not None:
            return _interrupted(
                interrupt, path, "every URL checked; archive lookups stopped", time.monotonic() - started, saved=True
            )
    if outcome.fresh:
        print(f"{outcome.fresh} URLs verified within --max-age were not rechecked")
    return _publish(registry, path, config)


def _interrupted(interrupt: pipeline.Interrupt, path: Path, done: str, elapsed: float, saved: bool) -> int:
    assert interrupt.signal is not None
    minutes = int(elapsed // 60) + 5
    kept = f"the verdicts so far are saved in {path}" if saved else "nothing answered, so nothing was changed"
    _say(
        f"interrupted ({interrupt.signal.name}): {done}; {kept}. Reports were not written.\n"
        f"To go on where it stopped (URLs verified in the last {minutes} minutes are not checked again):\n"
        f"  linkcheck check --registry {path} --max-age {minutes}m"
    )
    return 128 + int(interrupt.signal)


def run_report(args: argparse.Namespace) -> int:
    path = Path(args.registry)
    config = load_config(Path.cwd(), {"output": args.output, "formats": args.format})
    registry = registry_mod.load(path)  # writes are atomic renames: no lock needed to read
    if not registry.links and not registry.documents:
        raise UsageError(f"{path}: the registry is empty; run `linkcheck extract PATH...` first")
    _publish(registry, path, config, annotate=False)
    return 0


def _publish(
    registry: registry_mod.Registry, path: Path, config: Config, *, summary: bool = True, annotate: bool = True
) -> int:
    """Write the reports, print the summary (and GitHub annotations in Actions); the exit code
    by the `fail_on` policy: 1 when there are problems (`any`) or new problems (`new`)."""
    formats = parse_formats(config.formats)
    report = build_report(registry)
    written = write_reports(report, Path(config.output), formats)
    if summary:
        print_summary(report)
    if annotate and os.environ.get("GITHUB_ACTIONS") == "true":
        for line in render_annotations(report, _locator(registry, path)):
            print(line)
    for name, file in written.items():
        print(f"{name} report: {file}")
    problems = [link for link in report["links"] if link["problem"]]
    new = [link for link in problems if link["new"]]
    if config.fail_on == "none":
        return 0
    if config.fail_on == "new":
        if problems and not new:
            print(f"{len(problems)} known problems, none new since the last run (--fail-on new)")
        return 1 if new else 0
    return 1 if problems else 0


def _locator(registry: registry_mod.Registry, path: Path) -> Callable[[str], str]:
    """Registry document names are relative to their source folder; annotations want paths
    relative to the working directory (the repository)."""
    base = path.resolve().parent
    folders = [base / s for s in registry.sources if (base / s).is_dir()]

    def locate(document: str) -> str:
        for candidate in [*(folder / document for folder in folders), base / document, Path(document)]:
            if candidate.exists():
                try:
                    return os.path.relpath(candidate, Path.cwd())
                except ValueError:
                    return str(candidate)
        return document

    return locate


_COMMANDS = {"extract": run_extract, "check": run_check, "archive": run_archive, "report": run_report}


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
