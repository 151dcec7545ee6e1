"""linkcheck: find every URL a body of writing cites, check it, and find archived copies.

The pipeline, stage by stage (README, "Architecture")::

    extract/        documents → Extraction (Citation, Placeholder)     one module per format
    registry/       citations.yaml: model, schema, load, dump, store, merge
    check_stage     choose URLs, run the engine, record verdicts and history
      checker         the engine: workers, retries, soft-404 probes
      hosts           per-host limits, spacing, breaker; the host-aware work queue
      redirects       redirect chains and their cookies
      classify        an answer → a verdict (pure)
      transport       HTTP exchanges on per-host connection pools; its own errors
      clients         httpx/httpcore on the same network layer: proxies, the archive client
    archive_stage   which links need a snapshot
      archive_run     ask the archives; record what was found
      wayback         the Wayback Machine's APIs, politely
    report/         the registry → HTML, JSON, Markdown, JUnit, annotations, terminal
    commands        one library call per command; cli is the command line over it
"""

import importlib
from typing import TYPE_CHECKING, Any

from linkcheck.config import ArchiveOptions, CheckOptions, Config, load_config
from linkcheck.errors import ConfigError, LinkcheckError, LockTimeout, OfflineError, RegistryError, UsageError
from linkcheck.models import (
    Citation,
    Extraction,
    History,
    LinkResult,
    LookupState,
    Placeholder,
    Reason,
    Snapshot,
    Verdict,
)

if TYPE_CHECKING:
    from linkcheck import commands
    from linkcheck.extract import collect

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`commands` and `collect` are imported when first asked for: the command line imports
    only the stages a command runs (start-up time is part of every run)."""
    if name == "commands":
        return importlib.import_module("linkcheck.commands")
    if name == "collect":
        return importlib.import_module("linkcheck.extract").collect
    raise AttributeError(f"module 'linkcheck' has no attribute {name!r}")


__all__ = [
    "ArchiveOptions",
    "CheckOptions",
    "Citation",
    "Config",
    "ConfigError",
    "Extraction",
    "History",
    "LinkResult",
    "LinkcheckError",
    "LockTimeout",
    "LookupState",
    "OfflineError",
    "Placeholder",
    "Reason",
    "RegistryError",
    "Snapshot",
    "UsageError",
    "Verdict",
    "collect",
    "commands",
    "load_config",
    "__version__",
]
