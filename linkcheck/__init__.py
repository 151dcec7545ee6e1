"""linkcheck: find every URL a body of writing cites, check it, and find archived copies.

The pipeline, one module per stage::

    extract/  documents → Citation, Placeholder        (one module per format)
    registry  citations.yaml: load, merge, save         (the record people edit)
    checker   LinkResult per URL, async and polite      (httpx on asyncio)
    cli       the `linkcheck` command over all of it
"""

from linkcheck.errors import ConfigError, LinkcheckError, LockTimeout, OfflineError, RegistryError, UsageError
from linkcheck.extract import collect
from linkcheck.models import Citation, Extraction, History, LinkResult, Placeholder, Snapshot, Verdict

__version__ = "0.1.0"

__all__ = [
    "Citation",
    "ConfigError",
    "Extraction",
    "History",
    "LinkResult",
    "LinkcheckError",
    "LockTimeout",
    "OfflineError",
    "Placeholder",
    "RegistryError",
    "Snapshot",
    "UsageError",
    "Verdict",
    "collect",
    "__version__",
]
