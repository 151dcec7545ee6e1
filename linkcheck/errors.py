"""Exceptions that stop a whole run.

A link's outcome is never an exception: it is a `Verdict` value on a `LinkResult`.
Exceptions are for what makes the run itself impossible::

    LinkcheckError                 base; carries the process exit code
    ├── UsageError                 bad command-line arguments (exit 2)
    ├── ConfigError                bad configuration file or option value (exit 2)
    ├── RegistryError              citations.yaml unreadable, unparsable or invalid (exit 2)
    │   └── LockTimeout            another run holds the registry lock (exit 2)
    ├── WriteError                 a file could not be written; the old one is left as it was (exit 2)
    └── OfflineError               no host at all could be reached (exit 3)
"""

from __future__ import annotations

__all__ = [
    "LinkcheckError",
    "UsageError",
    "ConfigError",
    "RegistryError",
    "LockTimeout",
    "OfflineError",
    "WriteError",
]


class LinkcheckError(Exception):
    """Base of every error that ends a run; `exit_code` is what the CLI returns."""

    exit_code = 2


class UsageError(LinkcheckError):
    """The command line asks for something impossible."""


class ConfigError(LinkcheckError):
    """A configuration file or option value is invalid."""


class RegistryError(LinkcheckError):
    """The registry cannot be read, parsed or validated; it is never overwritten."""


class LockTimeout(RegistryError):
    """Another linkcheck process holds the registry lock for longer than allowed."""


class WriteError(LinkcheckError):
    """A file (the registry, a report) could not be written: full disk, read-only folder, a
    file-size limit. Writes are atomic, so what was there before is left as it was."""


class OfflineError(LinkcheckError):
    """Nothing could be reached at all: verdicts would be meaningless, so none are kept."""

    exit_code = 3
