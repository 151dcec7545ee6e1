"""Citation dates: parsing the dates documents carry, and "accessed …" notes beside URLs.

Dates are kept as ISO `YYYY-MM-DD` strings everywhere: they diff well in YAML and compare
correctly as strings.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_date", "find_accessed_date", "today"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "januar", "janvier"),
            ("february", "feb", "februar", "février", "fevrier"),
            ("march", "mar", "märz", "maerz", "mars"),
            ("april", "apr", "avril"),
            ("may", "mai"),
            ("june", "jun", "juni", "juin"),
            ("july", "jul", "juli", "juillet"),
            ("august", "aug", "août", "aout"),
            ("september", "sep", "sept", "septembre"),
            ("october", "oct", "oktober", "octobre"),
            ("november", "nov", "novembre"),
            ("december", "dec", "dezember", "décembre", "decembre"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-zäéû]{3,9})\.?"
_DATE_PATTERNS = [
    re.compile(r"(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})/(?P<mon>\d{1,2})/(?P<day>\d{1,2})"),
    re.compile(r"(?P<day>\d{1,2})\.\s?(?P<mon>\d{1,2})\.\s?(?P<year>\d{4})"),
    re.compile(r"(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})"),
    re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+{_MONTH},?\s+(?P<year>\d{{4}})"),
    re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"),
    re.compile(rf"(?P<day>\d{{1,2}})-{_MONTH}-(?P<year>\d{{4}})"),  # 05-Jul-2019 (PEP headers, logs)
]
_ACCESSED_RE = re.compile(
    r"(?:accessed|retrieved|viewed|visited|consulted|last\s+checked|abgerufen|"
    r"consulté|дата\s+обращения|доступ)\s*(?:on|am|le)?\s*[:\-–]?\s*",
    re.IGNORECASE,
)


def _from_match(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        day = int(parts["day"])
        if parts.get("mon"):
            month = int(parts["mon"])
        else:
            month = _MONTHS[parts["month"].lower().rstrip(".")]
        if "/" in match.group() and not parts.get("month") and month > 12 >= day:
            month, day = day, month  # 31/12/2020 written day-first
        return dt.date(year, month, day).isoformat()
    except (KeyError, ValueError, TypeError):
        return None


def parse_date(value: object) -> str | None:
    """An ISO date for a date-like value (date, datetime, or a string in a common format)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("D:") and len(text) >= 10:  # PDF date: D:YYYYMMDDHHmmSS
        text = f"{text[2:6]}-{text[6:8]}-{text[8:10]}"
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _from_match(match)
    return None


def find_accessed_date(before: str, after: str) -> str | None:
    """The date of an "accessed"/"retrieved" note just before or just after a URL."""
    for window in (after, before):
        for keyword in _ACCESSED_RE.finditer(window):
            rest = window[keyword.end() : keyword.end() + 40]
            for pattern in _DATE_PATTERNS:
                match = pattern.match(rest)
                if match and (date := _from_match(match)):
                    return date
    return None


def today() -> str:
    return dt.date.today().isoformat()
