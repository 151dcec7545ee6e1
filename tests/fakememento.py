"""A fake Memento web archive on loopback (RFC 7089), answering as public archives do.

Each behaviour says where it comes from; when this fake and a real archive disagree, the real
archive wins and this file changes. Sources:

[RFC]     RFC 7089 (Memento): section 2.1.1 (`Memento-Datetime` on a memento's answer, in the
          HTTP-date format), section 5 (the link-format TimeMap: `rel="original"`, `rel="self"`
          with `type="application/link-format"`, mementos with `rel` values holding "memento" and
          a `datetime`; other TimeMaps, such as the next page of a large one, linked with
          `rel="timemap"`).
[ARQUIVO] Arquivo.pt's Memento API page (github.com/arquivo/pwa-technologies/wiki, "Memento API
          URL Search in Arquivo.pt"): `/wayback/timemap/link/<url>`, the `self` link first, then
          `original`, `timegate`, and one `rel="memento"` line per capture.
[ATODAY]  a recorded archive.today TimeMap in a public repository's test data: mementos as
          `<http://archive.today/20130618185742/http://www.cs.odu.edu/~mln/>; rel="first memento";
          datetime="Tue, 18 Jun 2013 18:57:42 GMT"`, then "memento", ..., "last memento"; a single
          capture is `rel="first last memento"` (a browser extension's tests of archive.md
          TimeMaps). archive.today's dated memento URLs redirect to the capture's short address.
[WAYBACK] The Wayback Machine replays a capture of an error page with the archived status and a
          `Memento-Datetime` header (tests/fakewayback.py, from recorded exchanges): an archive
          that records error pages replays them with their status.
[PYWB]    pywb (the replay software of most national archives): a TimeMap of a URL with no
          captures answers 404.

Behaviours of a hostile or failing archive are set per test: `rate_limited` answers 429 with
`Retry-After` (RFC 6585); `refuse()` closes the port, as an archive that is down.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.webserver import Reply, Web

PAGE = b"<html><head><title>An article</title></head><body><p>The text as it was cited.</p></body></html>"


@dataclass
class Capture:
    timestamp: str  # 14 digits
    status: int = 200  # the archived status: 404 is an archived error page [WAYBACK]
    replays: bool = True  # False: listed in the TimeMap, but the memento answers 404 without Memento-Datetime
    body: bytes = PAGE


@dataclass
class FakeMemento:
    """One archive on `host`: TimeMaps at `/timemap/link/<url>`, mementos at `/<timestamp>/<url>`."""

    host: str
    page_size: int = 0  # > 0: TimeMaps are paged, this many mementos a page [RFC section 5]
    redirect_mementos: bool = False  # dated memento URLs redirect to a short address [ATODAY]
    rate_limited: bool = False  # every request answers 429 with Retry-After: 1
    captures: dict[str, list[Capture]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.web = Web(self.host)
        self.web.fallback = self._answer

    def start(self) -> FakeMemento:
        self.web.start()
        return self

    def stop(self) -> None:
        self.web.stop()

    @property
    def prefix(self) -> str:
        return self.web.url("/timemap/link/")

    def add(self, url: str, *captures: Capture) -> None:
        self.captures.setdefault(url, []).extend(captures)

    def _answer(self, method: str, path: str, headers: dict[str, str]) -> Reply:
        self.requests.append(path)
        if self.rate_limited:
            return Reply(429, headers={"Retry-After": "1"}, body=b"Too Many Requests")
        if path.startswith("/timemap/link/"):
            return self._timemap(path.removeprefix("/timemap/link/"))
        if path.startswith("/short/"):
            return self._memento(*path.removeprefix("/short/").split("/", 1))
        timestamp, _, url = path[1:].partition("/")
        if len(timestamp) == 14 and timestamp.isdigit():
            if self.redirect_mementos:
                return Reply(302, headers={"Location": self.web.url(f"/short/{timestamp}/{url}")}, body=b"")
            return self._memento(timestamp, url)
        return Reply(404, body=b"not here")

    def _timemap(self, rest: str) -> Reply:
        page, url = 1, rest
        if rest.startswith("page/"):
            number, _, url = rest.removeprefix("page/").partition("/")
            page = int(number)
        captures = sorted(self.captures.get(url, []), key=lambda c: c.timestamp)
        if not captures:
            return Reply(404, body=b"No Captures found")  # [PYWB]
        size = self.page_size or len(captures)
        shown = captures[(page - 1) * size : page * size]
        lines = [
            f'<{self.web.url("/timemap/link/" + rest)}>; rel="self"; type="application/link-format"',  # [ARQUIVO]
            f'<{url}>; rel="original"',
            f'<{self.web.url("/" + url)}>; rel="timegate"',
        ]
        for n, capture in enumerate(shown):
            rel = "memento"
            if page == 1 and n == 0:
                rel = "first memento" if len(captures) > 1 else "first last memento"  # [ATODAY]
            address = self.web.url(f"/{capture.timestamp}/{url}")
            lines.append(f'<{address}>; rel="{rel}"; datetime="{http_date(capture.timestamp)}"')
        if page * size < len(captures):
            following = self.web.url(f"/timemap/link/page/{page + 1}/{url}")
            lines.append(f'<{following}>; rel="timemap"; type="application/link-format"')  # [RFC section 5]
        body = ",\n".join(lines) + "\n"
        return Reply(200, headers={"Content-Type": "application/link-format"}, body=body.encode())

    def _memento(self, timestamp: str, url: str) -> Reply:
        for capture in self.captures.get(url, []):
            if capture.timestamp == timestamp and capture.replays:
                # [RFC 2.1.1] Memento-Datetime; [WAYBACK] the archived status, an error's too.
                return Reply(capture.status, headers={"Memento-Datetime": http_date(timestamp)}, body=capture.body)
        return Reply(404, body=b"<title>Not in this archive</title>")


def http_date(timestamp: str) -> str:
    moment = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return email.utils.format_datetime(moment, usegmt=True)
