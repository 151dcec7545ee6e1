"""The verdict for an answer, from a table: no servers (classify is a pure function)."""

from __future__ import annotations

import pytest

from linkcheck.classify import Answer, Probe, classify, judge_probe
from linkcheck.models import Reason, Verdict

PAGE = b"<html><head><title>An article</title></head><body>Text.</body></html>"
URL = "https://site.example/articles/42"


@pytest.mark.parametrize(
    ("answer", "verdict", "reason", "retry", "probe"),
    [
        (Answer(URL, 200, body=PAGE), Verdict.OK, Reason.ANSWERED, False, False),
        (Answer(URL, 200, ((302, URL + "?x"),), PAGE), Verdict.OK, Reason.ANSWERED, False, True),
        (
            Answer(URL, 200, ((301, "https://site.example/a/42"),), PAGE),
            Verdict.MOVED,
            Reason.MOVED_PERMANENTLY,
            False,
            True,
        ),
        (Answer(URL, 200, ((301, URL + "/"),), PAGE), Verdict.OK, Reason.ANSWERED, False, True),
        (
            Answer(URL, 200, ((302, "https://site.example/"),), PAGE),
            Verdict.SOFT_404,
            Reason.HOMEPAGE_REDIRECT,
            False,
            False,
        ),
        (
            Answer(URL, 200, ((302, "https://site.example/login?next=/a"),), PAGE),
            Verdict.BLOCKED,
            Reason.SIGN_IN,
            False,
            False,
        ),
        (
            Answer(URL, 200, body=b"<title>Page not found</title>"),
            Verdict.SOFT_404,
            Reason.NOT_FOUND_PAGE,
            False,
            False,
        ),
        (Answer(URL, 200, body=b"<title>A</title> the page you requested"), Verdict.OK, Reason.ANSWERED, False, True),
        (Answer(URL, 404), Verdict.BROKEN, Reason.ANSWERED, False, False),
        (Answer(URL, 410), Verdict.BROKEN, Reason.ANSWERED, False, False),
        (Answer(URL, 403), Verdict.BLOCKED, Reason.ANSWERED, False, False),
        (
            Answer(URL, 403, body=b"<title>Just a moment...</title>"),
            Verdict.BLOCKED,
            Reason.BOT_CHALLENGE,
            False,
            False,
        ),
        (Answer(URL, 451), Verdict.BLOCKED, Reason.ANSWERED, False, False),
        (Answer(URL, 503, body=b"cf-chl challenge"), Verdict.BLOCKED, Reason.BOT_CHALLENGE, False, False),
        (Answer(URL, 500), Verdict.SERVER_ERROR, Reason.ANSWERED, True, False),
        (Answer(URL, 429), Verdict.RATE_LIMITED, Reason.ANSWERED, True, False),
        # Issue 12, item 24: a 3xx without a Location is shown as it is; 999 is a bot wall, not a 5xx.
        (Answer(URL, 302, body=PAGE), Verdict.OK, Reason.ANSWERED, False, False),
        (Answer(URL, 300, body=b"<title>Not Found</title>"), Verdict.SOFT_404, Reason.NOT_FOUND_PAGE, False, False),
        (Answer(URL, 999), Verdict.BLOCKED, Reason.ANSWERED, False, False),
    ],
)
def test_answer_to_verdict(answer: Answer, verdict: Verdict, reason: Reason, retry: bool, probe: bool) -> None:
    decision = classify(answer)
    assert (decision.verdict, decision.reason, decision.retry, decision.probe) == (verdict, reason, retry, probe)


def test_an_accepted_status_is_ok_whatever_it_is() -> None:
    assert classify(Answer(URL, 999), accepted=frozenset({999})).verdict is Verdict.OK
    assert classify(Answer(URL, 403), accepted=frozenset({403})).reason is Reason.ACCEPTED


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("120", 60.0), ("soon", None), (None, None)])
def test_retry_after_is_read_and_capped(header: str | None, expected: float | None) -> None:
    assert classify(Answer(URL, 429, retry_after=header), retry_after_cap=60).retry_after == expected
    assert classify(Answer(URL, 503, retry_after=header), retry_after_cap=60).retry_after == expected


def test_a_probe_that_answers_alike_reveals_a_not_found_page() -> None:
    redirected = Answer(URL, 200, ((302, "https://site.example/search"),), PAGE)
    same_place = Probe(200, "https://site.example/search", "Search")
    assert "redirects to the same place" in (judge_probe(redirected, same_place) or "")
    plain = Answer(URL, 200, body=PAGE)
    assert "exactly like a page that cannot exist" in (judge_probe(plain, Probe(200, URL + "x", "An article")) or "")
    assert judge_probe(plain, Probe(404, URL + "x", "An article")) is None  # the host tells missing pages apart
    assert judge_probe(plain, Probe(200, URL + "x", "Another")) is None
