"""When to try again: exponential backoff with jitter, and a server's Retry-After.

Shared by the checker and the Wayback client, so that both back off the same way.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

__all__ = ["backoff_delay", "parse_retry_after"]


def backoff_delay(base: float, attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): `base` doubled each time, spread
    over ±50 % so that clients that failed together do not come back together, and never
    sooner than the server's Retry-After."""
    delay: float = base * 2.0 ** (attempt - 1) * (0.5 + random.random())
    return max(delay, retry_after or 0.0)


def parse_retry_after(value: str | None, cap: float) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), at most `cap`;
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, and float("²") fails
        return min(float(value), cap)
    import email.utils  # only for a date: 7 ms of start-up otherwise

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min((when - datetime.now(UTC)).total_seconds(), cap))
