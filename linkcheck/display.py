"""Text from documents, made safe to show: in a terminal, a CI log, an XML file.

Document content reaches people's screens (file names, link text, URLs, servers' error
texts). A control character there can rewrite a terminal (ESC sequences), start a line that
GitHub Actions runs as a workflow command (`::warning`, `::add-mask` after a newline), or make
an XML report ill-formed. `printable` shows such characters as escapes instead.
"""

from __future__ import annotations

import re

__all__ = ["printable", "xml_safe"]

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, bidirectional overrides
# and isolates (they reorder what is shown), and what XML 1.0 cannot hold at all.
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control or reordering character shown as an escape (`\\x1b`):
    one line, shown as it is, never acted on."""
    return _UNSAFE_RE.sub(_escape, text)


_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` fit for XML 1.0: characters it cannot hold shown as escapes (tabs and newlines stay)."""
    return _XML_INVALID_RE.sub(_escape, text)
