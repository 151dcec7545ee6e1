"""Retry-After as servers send it, and as a hostile server might."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from linkcheck.retry import backoff_delay, parse_retry_after


def test_seconds_and_dates_are_read_and_capped() -> None:
    assert parse_retry_after("7", 60) == 7.0
    assert parse_retry_after(" 120 ", 60) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 60) == 0.0  # in the past
    assert parse_retry_after("", 60) is None and parse_retry_after(None, 60) is None


def test_digits_that_are_not_ascii_are_not_a_delay() -> None:
    # Issue 12, item 15: "²".isdigit() is true and float("²") raises: a traceback lost the run.
    for value in ("²", "¹", "٣", "１０"):
        assert parse_retry_after(value, 60) is None


@given(st.text(max_size=40))
def test_any_header_value_gives_a_bounded_delay_or_none(value: str) -> None:
    delay = parse_retry_after(value, 60)
    assert delay is None or 0.0 <= delay <= 60.0


def test_backoff_doubles_with_jitter_and_respects_retry_after() -> None:
    for attempt in (1, 2, 3):
        delay = backoff_delay(0.5, attempt)
        assert 0.25 * 2 ** (attempt - 1) <= delay <= 0.75 * 2 ** (attempt - 1)
    assert backoff_delay(0.5, 1, retry_after=10.0) == 10.0
