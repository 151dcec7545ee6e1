"""Redirects, followed by hand: so that the chain is recorded, permanent and temporary hops are
told apart (`moved` vs `ok`), loops are caught, and headers configured for one host are never
sent to another. Cookies set along a chain are carried along it (cookie walls), and a URL that
comes back with nothing learnt is a loop.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from linkcheck.classify import REDIRECT_STATUSES
from linkcheck.models import Reason
from linkcheck.transport import DeniedAddress, Exchange, request_target

__all__ = ["Cookies", "Fetched", "RedirectFailed", "follow", "host_of"]


_PLAIN_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]+)(?::\d*)?(?:[/?#]|$)")


@functools.lru_cache(maxsize=1 << 16)
def host_of(url: str) -> str:
    """The URL's host in lower case ("" if it has none), as urlsplit gives it; remembered, as
    a URL's host is asked for at each step of its check. Plain hosts take a regex: urlsplit
    costs 4 µs, a tenth of a second before a check of 3,000 URLs can start."""
    if plain := _PLAIN_HOST.match(url):
        return plain.group(1).lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# Second-level labels under which country domains register names (co.uk, com.au, …): a cookie
# for such a domain would reach every site under it. The standard library's cookie policy
# (http.cookiejar.DefaultCookiePolicy) refuses the same.
_REGISTRY_LABELS = frozenset({"co", "ac", "com", "edu", "org", "net", "gov", "mil", "int", "aero", "biz", "info"})


def _cookie_domain(host: str, attribute: str) -> str:
    """The domain a cookie from `host` may go to, given its Domain attribute: the attribute's
    domain only when `host` is inside it and it is neither an IP address, a top-level domain,
    nor a country registry's second level; else `host` alone."""
    candidate = attribute.strip().lstrip(".").lower()
    if not candidate or _is_ip(host) or _is_ip(candidate):
        return host
    labels = candidate.split(".")
    if len(labels) < 2 or (len(labels) == 2 and len(labels[1]) == 2 and labels[0] in _REGISTRY_LABELS):
        return host
    if host == candidate or host.endswith("." + candidate):
        return candidate
    return host


class Cookies:
    """Cookies set along one redirect chain (name=value only; enough to get past cookie walls)."""

    def __init__(self) -> None:
        self._jar: dict[tuple[str, str], str] = {}  # (domain, name) → value

    def learn(self, host: str, set_cookies: list[str]) -> None:
        for line in set_cookies:
            pair, *attributes = line.split(";")
            name, eq, value = pair.partition("=")
            if not eq or not name.strip():
                continue
            domain = host
            for attribute in attributes:
                key, _, val = attribute.partition("=")
                if key.strip().lower() == "domain":
                    domain = _cookie_domain(host, val)
            self._jar[(domain, name.strip())] = value.strip()

    def header_for(self, host: str) -> str:
        if not self._jar:
            return ""
        exact = _is_ip(host)  # an IP address gets only the cookies it set itself
        return "; ".join(
            f"{name}={value}"
            for (domain, name), value in self._jar.items()
            if host == domain or (not exact and host.endswith("." + domain))
        )

    def state(self) -> frozenset[tuple[tuple[str, str], str]]:
        return frozenset(self._jar.items())


@dataclass(frozen=True, slots=True)
class Fetched:
    """Where the chain ended: its hops ((status, target) each), the last answer and its decoded body prefix."""

    chain: tuple[tuple[int, str], ...]
    answer: Exchange
    body: bytes


@dataclass(frozen=True, slots=True)
class RedirectFailed:
    """A chain that could not be followed to an answer."""

    chain: tuple[tuple[int, str], ...]
    status: int | None
    reason: Reason
    error: str


Send = Callable[[str, str, Cookies], Awaitable[tuple[Exchange, bytes]]]


async def follow(send: Send, url: str, method: str, max_redirects: int) -> Fetched | RedirectFailed:
    """Send `method` for `url` and follow its redirects. `send(method, url, cookies)` makes one
    exchange; its `TransportError`s pass through (a DeniedAddress met on a redirect says so)."""
    chain: list[tuple[int, str]] = []
    cookies = Cookies()
    seen = {(url, cookies.state())}
    current = url
    for _ in range(max_redirects + 1):
        try:
            response, body = await send(method, current, cookies)
        except DeniedAddress as exc:
            if chain:
                raise DeniedAddress(f"redirected to {current}: {exc.reason}") from None
            raise
        location = response.header("location")
        if response.status not in REDIRECT_STATUSES or location is None:
            return Fetched(tuple(chain), response, body)
        cookies.learn(host_of(current), response.header_list("set-cookie"))
        target = urljoin(current, location)
        chain.append((response.status, target))
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            return RedirectFailed(
                tuple(chain), response.status, Reason.NON_WEB_REDIRECT, f"redirect to a non-web URL ({scheme}:)"
            )
        try:
            request_target(target)
        except ValueError as exc:
            error = f"redirect to a malformed URL: {exc}"
            return RedirectFailed(tuple(chain), response.status, Reason.MALFORMED_REDIRECT, error)
        if (target, cookies.state()) in seen:
            return RedirectFailed(tuple(chain), response.status, Reason.REDIRECT_LOOP, "redirect loop")
        seen.add((target, cookies.state()))
        current = target
    error = f"more than {max_redirects} redirects"
    return RedirectFailed(tuple(chain), None, Reason.TOO_MANY_REDIRECTS, error)
