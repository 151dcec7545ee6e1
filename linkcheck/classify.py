"""What an HTTP answer means for a citation: a pure function from the answer to a verdict.

No I/O and no state: the engine (checker.py) fetches, follows redirects and retries; this
module only judges what came back, and is tested from a table (tests/test_classify.py).

The judgement, in order:

* a status configured as ok for the host (`accept`) is ok;
* 429 and 5xx are worth retrying (a bot-challenge page served with 5xx is `blocked`);
* 401, 403, 407 and 451 are `blocked`: a person should look, the page may well be there;
* other 4xx are `broken`; a status of 600 or more (999 is a well-known bot wall) is `blocked`;
* a 3xx without a Location is a final answer, as a browser shows it: judged like a 2xx page;
* a 2xx is `soft_404` when it is a not-found page in disguise: a redirect to a sign-in page
  (`blocked`) or to the site's home page, a "not found" title; when the answer came through
  redirects or its text mentions not finding, the engine may ask for a sibling that cannot
  exist (`probe`) and `judge_probe` compares the two answers;
* a 2xx reached through a permanent redirect to another address is `moved`; else `ok`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkcheck.models import Reason, Verdict
from linkcheck.retry import parse_retry_after

__all__ = ["Answer", "Decision", "Probe", "classify", "judge_probe", "page_title", "REDIRECT_STATUSES"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_BLOCKED_STATUSES = frozenset({401, 403, 407, 451})
_SIGN_IN_RE = re.compile(
    r"/(login|log-in|signin|sign-in|sign_in|auth|sso|account/login|users/sign_in)\b|[?&](returnurl|return_to|redirect_uri)=",
    re.I,
)
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_NOT_FOUND_TITLE_RE = re.compile(
    r"\b404\b|not\s+found|page\s+(?:does\s+not|doesn't)\s+exist|no\s+longer\s+available|страница\s+не\s+найдена"
    r"|seite\s+nicht\s+gefunden|page\s+introuvable|error\s+404",
    re.I,
)
_NOT_FOUND_TEXT_RE = re.compile(
    rb"page\s+(?:you\s+(?:requested|are\s+looking\s+for)|not\s+found)|could\s+not\s+be\s+found|doesn't\s+exist"
    rb"|does\s+not\s+exist|404",
    re.I,
)
_CHALLENGE_RE = re.compile(
    rb"just a moment\.\.\.|cf-chl|captcha|attention required|are you a robot|ddos-guard|verify you are human", re.I
)
_ROOT_PATHS = ("", "/", "/index.html", "/index.php", "/home", "/en", "/en/", "/ru", "/ru/")


@dataclass(frozen=True, slots=True)
class Answer:
    """The last answer to a request for `url`, after the redirects in `chain` ((status, target) hops)."""

    url: str
    status: int
    chain: tuple[tuple[int, str], ...] = ()
    body: bytes = b""  # a decoded prefix
    retry_after: str | None = None  # the Retry-After header, as sent

    @property
    def final_url(self) -> str:
        return self.chain[-1][1] if self.chain else self.url


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict with its reason; `retry` marks a failure worth another attempt (after at least
    `retry_after` seconds, when the server said so); `probe` asks the engine to compare with a
    sibling that cannot exist before settling on this (ok or moved) verdict."""

    verdict: Verdict
    reason: Reason
    error: str | None = None
    retry: bool = False
    retry_after: float | None = None
    probe: bool = field(default=False)


@dataclass(frozen=True, slots=True)
class Probe:
    """How the host answered for a sibling that cannot exist."""

    status: int
    final_url: str
    title: str


def page_title(body: bytes) -> str:
    """The page's <title>, whitespace collapsed; "" when there is none."""
    match = _TITLE_RE.search(body)
    return " ".join(match.group(1).decode("utf-8", "replace").split()) if match else ""


def _is_homepage_redirect(url: str, final: str) -> bool:
    before, after = urlsplit(url), urlsplit(final)
    return after.path.lower() in _ROOT_PATHS and before.path.lower() not in _ROOT_PATHS


def classify(answer: Answer, accepted: frozenset[int] = frozenset(), retry_after_cap: float = 60.0) -> Decision:
    """The verdict for `answer` (see the module's docstring)."""
    code, chain, body = answer.status, answer.chain, answer.body
    if code in accepted:
        return Decision(Verdict.OK, Reason.ACCEPTED)
    if code == 429:
        retry = parse_retry_after(answer.retry_after, retry_after_cap)
        return Decision(Verdict.RATE_LIMITED, Reason.ANSWERED, "429 Too Many Requests", retry=True, retry_after=retry)
    if code >= 600:  # not HTTP's: 999 is a well-known bot wall (LinkedIn); nothing to retry
        return Decision(Verdict.BLOCKED, Reason.ANSWERED, f"HTTP {code}: a non-standard refusal (bot wall)")
    if code >= 500:
        if _CHALLENGE_RE.search(body):
            return Decision(Verdict.BLOCKED, Reason.BOT_CHALLENGE, "bot challenge page")
        retry = parse_retry_after(answer.retry_after, retry_after_cap)
        return Decision(Verdict.SERVER_ERROR, Reason.ANSWERED, f"HTTP {code}", retry=True, retry_after=retry)
    if code in _BLOCKED_STATUSES:
        if _CHALLENGE_RE.search(body):
            return Decision(Verdict.BLOCKED, Reason.BOT_CHALLENGE, "bot challenge page")
        return Decision(Verdict.BLOCKED, Reason.ANSWERED, f"HTTP {code}: access refused")
    if code >= 400:
        return Decision(Verdict.BROKEN, Reason.ANSWERED, f"HTTP {code}")
    # From here on 2xx, or a 3xx without a Location: a browser shows that answer's body, so it
    # is judged like a page.
    final = answer.final_url
    if chain:
        parts = urlsplit(final)
        if _SIGN_IN_RE.search(parts.path + "?" + parts.query):
            return Decision(Verdict.BLOCKED, Reason.SIGN_IN, "redirected to a sign-in page")
        if _is_homepage_redirect(answer.url, final):
            return Decision(Verdict.SOFT_404, Reason.HOMEPAGE_REDIRECT, "redirected to the site's home page")
    title = page_title(body)
    if title and _NOT_FOUND_TITLE_RE.search(title):
        error = f"a not-found page served with {code} (title: {title[:80]!r})"
        return Decision(Verdict.SOFT_404, Reason.NOT_FOUND_PAGE, error)
    probe = bool(chain) or bool(_NOT_FOUND_TEXT_RE.search(body))
    if any(status in _PERMANENT for status, _ in chain) and final.rstrip("/") != answer.url.rstrip("/"):
        return Decision(Verdict.MOVED, Reason.MOVED_PERMANENTLY, f"moved permanently to {final}", probe=probe)
    return Decision(Verdict.OK, Reason.ANSWERED, probe=probe)


def judge_probe(answer: Answer, probe: Probe) -> str | None:
    """Why `answer` is a not-found page in disguise, judging by how a sibling that cannot exist
    was answered (same status and same redirect target, or same title); None when it is not."""
    if probe.status != answer.status:
        return None
    final = answer.final_url
    if final != answer.url and probe.final_url == final:
        return f"a missing sibling page redirects to the same place ({final})"
    title = page_title(answer.body)
    if probe.title and probe.title == title:
        return f"answers exactly like a page that cannot exist (title: {title[:80]!r})"
    return None
