"""The current time as the registry and reports write it, and reading it back."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now", "stamp", "parse_time"]


def now() -> datetime:
    """The current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def stamp(when: datetime | None = None) -> str:
    """An ISO 8601 time in UTC to the second (`2026-11-23T19:43:00+00:00`): now, by default."""
    return (when or now()).astimezone(UTC).replace(microsecond=0).isoformat()


def parse_time(value: str | None) -> datetime | None:
    """A written time back as an aware datetime (naive ones are UTC); None when unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
