"""The registry's entities, field by field, declared once: the reader (load.py), the writer
(dump.py) and the JSON report all go by these declarations.

A field has a name (the YAML and JSON key), a kind (how it is read and checked), and the value
that is not written (empty lists, zero counts and false flags stay out of the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Field", "RESULT", "HISTORY", "SNAPSHOT", "LOOKUP", "LAST_RUN", "DRIFT", "to_data"]

Kind = Literal["text", "int", "number", "bool", "verdict", "texts", "lookup_state"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind = "text"
    default: Any = None  # the value when missing; also the value that is not written
    always: bool = False  # written even when it is the default


RESULT = (
    Field("status", "verdict"),
    Field("http_status", "int"),
    Field("final_url"),
    Field("redirects", "texts", default=()),
    Field("error"),
    Field("elapsed", "number"),
    Field("checked_at", default=""),
)
HISTORY = (
    Field("first_seen"),
    Field("last_ok"),
    Field("first_failure"),
    Field("consecutive_failures", "int", default=0),
    Field("previous_status"),
)
SNAPSHOT = (
    Field("url"),
    Field("timestamp", default=""),
    Field("original"),
    Field("citation_date"),
    Field("citation_date_source"),
    Field("gap_days", "int"),
    Field("verified_at"),
    Field("manual", "bool", default=False),
    Field("archive"),
)
DRIFT = (
    Field("state", default=""),
    Field("checked_at", default=""),
    Field("reason"),
    Field("similarity", "number"),
    Field("title_similarity", "number"),
    Field("capture"),
    Field("capture_timestamp"),
    Field("title"),
    Field("words", "int"),
    Field("fingerprint"),
    Field("no_capture_since"),
)
LOOKUP = (Field("checked_at"), Field("state", "lookup_state"), Field("via"), Field("detail"))
LAST_RUN = (
    Field("checked_at", default=""),
    Field("checked", "int", default=0, always=True),
    Field("fresh", "int", default=0, always=True),
    Field("interrupted", "bool", default=False),
)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)  # a StrEnum as its plain string
    return value


def to_data(
    record: Any, fields: tuple[Field, ...], *, compact: bool = True, only: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`record`'s fields as plain data, in declaration order. `compact` leaves out missing and
    default values (the registry); `only` picks fields by name, in its order (a report shows a subset)."""
    data: dict[str, Any] = {}
    chosen = [f for name in only for f in fields if f.name == name] if only else fields
    for field in chosen:
        value = getattr(record, field.name)
        if compact and not field.always and (value is None or value == field.default or value == [] or value == ""):
            continue
        data[field.name] = _plain(value)
    return data
