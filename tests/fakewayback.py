"""A fake Wayback Machine on loopback that answers as the real services do, where it matters.

Each behaviour says where it comes from; when this fake and the real service disagree, the
real service wins and this file changes. Sources, by repository and path:

[CDX]    internetarchive/wayback — wayback-cdx-server/README.md (the CDX server's own manual)
[EDGI]   edgi-govdata-archiving/wayback — wayback/tests/cassettes/*.yaml (recorded real exchanges)
[IABOT]  internetarchive/internetarchivebot — app/src/Core/APII.php (the archive's own bot)
[AVAIL]  the availability API's published description (archive.org/help/wayback_api.php; its
         OpenAPI form at apis.guru: archive.org/wayback/1.0.0), parameters `closest`, status codes
[SPN2]   the Save Page Now 2 API document, as summarised with its `status_ext` codes in
         ramazansancar/spn2 — README.MD

* The index is keyed by SURT, the archive's canonical URL form [CDX: "urlkey", "org,archive)/"]:
  scheme, `www.`, the default port, a trailing slash and case make no difference to a query.
  Each capture keeps the URL as it was captured (`original`, often with `:80`) [CDX example].
* `/cdx/search/cdx`: `output=json` gives a header row then rows, or `[]` when nothing matches;
  `fl`, `filter=[!]field:regex` (a Java regex matched against the whole field), `from`/`to`
  (inclusive timestamp prefixes), `limit` (negative: the last N, which reads the index from the
  first capture — counted here in `slow_queries` unless `from` bounds it or `fastLatest` is set)
  [CDX]. An excluded site answers 403 with `AdministrativeAccessControlException: Blocked Site
  Error` in the body and in `X-Archive-Wayback-Runtime-Error` [EDGI:
  test_search_raises_for_blocked_urls.urllib3v2.yaml].
* `/wayback/available`: the capture closest to `timestamp` (`closest=either|before|after`),
  restricted to `statuscodes` when given [AVAIL, IABOT: "closest=before&statuscodes=200&
  statuscodes=203&statuscodes=206"]; `{"archived_snapshots": {}}` when none — and also, as
  the real API does for some archived URLs, for those in `availability_blind`.
* `/web/<timestamp>[flag]/<url>`: an exact capture replays with its own archived status and a
  `Memento-Datetime` header — a capture of a 404 or a 429 page answers 404 or 429 [EDGI:
  test_get_memento_works_on_archived_rate_limit_responses.yaml,
  test_get_memento_with_redirect_in_view_mode.urllib3v2.yaml]; an archived redirect in `id_`
  mode answers its 3xx with Memento-Datetime and a rewritten Location [EDGI:
  test_get_memento_follows_historical_redirects.urllib3v2.yaml], and in view mode a 200 page
  "Got an HTTP 301 response at crawl time" without it (internetarchive/wayback's interstitial);
  an inexact timestamp answers 302 to the nearest capture *without* Memento-Datetime [EDGI, same
  file, "x-archive-redirect-reason: found capture at …"]; an excluded site answers 403 (`id_`)
  or 200 (view mode) with "This URL has been excluded from the Wayback Machine." and no
  Memento-Datetime [EDGI: test_get_memento_raises_blocked_error.urllib3v2.yaml].
* 429: per endpoint (`always_429` names endpoints), and for any request while more than `cap`
  are in flight, with Retry-After. The four services are separate and limited separately.
* Save Page Now 2: `POST /save` needs `Authorization: LOW key:secret`; more than
  `spn_per_minute` submissions a minute are refused (429, `error:user-session-limit`); a job is
  polled at `/save/status/<job>` and ends `success` with `timestamp` and `original_url` (which may
  differ from the submitted URL) or `error` with `status_ext` and `message` [SPN2].
* The real index holds invalid timestamps (month or day `00`); `add` accepts them as given.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import surt

from tests.webserver import Reply, Web

PARKED = b"<html><head><title>This domain is for sale</title></head><body>Buy this domain.</body></html>"
_EXCLUDED_PAGE = (
    b"<html><head><title>Wayback Machine</title></head><body><div id='error'><h2>Sorry.</h2>"
    b"<p>This URL has been excluded from the Wayback Machine.</p></div></body></html>"
)
_BLOCKED = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception.AdministrativeAccessControlException: "
    "Blocked Site Error"
)


@dataclass
class FakeCapture:
    timestamp: str
    status: int = 200
    body: bytes = b"<html><head><title>The article</title></head><body>As cited.</body></html>"
    original: str | None = None  # the URL as captured; `add` fills in the URL it is given
    location: str | None = None  # for a 3xx capture: where it redirected


def key(url: str) -> str:
    """The index key of a URL: its SURT (`surt` is the archive's own canonicaliser)."""
    return str(surt.surt(url))


class FakeWayback:
    def __init__(self, host: str = "127.0.0.20", delay: float = 0.01) -> None:
        self.web = Web(host)
        self.captures: dict[str, list[FakeCapture]] = {}
        self.availability_blind: set[str] = set()  # SURT keys
        self.excluded_hosts: set[str] = set()
        self.broken_replays: set[tuple[str, str]] = set()  # (timestamp, SURT key)
        self.cap: int | None = None
        self.always_429: set[str] = set()  # endpoint names: available, cdx, replay, save
        self.delay = delay
        self.rate_limited: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()  # per endpoint
        self.cdx_times: list[float] = []
        self.slow_queries = 0
        self.spn_per_minute = 6
        self.spn_times: list[float] = []
        self.spn_refuse: dict[str, tuple[str, str]] = {}  # url → (status_ext, message), at submission
        self.spn_fail: dict[str, tuple[str, str]] = {}  # url → (status_ext, message), when the job ends
        self.spn_original: dict[str, str] = {}  # url → the original_url the job reports
        self.saved: list[tuple[str, str]] = []  # (url, authorization)
        self.submitted_at: list[float] = []  # every authorised submission, refused or not
        self.jobs: dict[str, tuple[str, int]] = {}  # job → (url, polls so far)
        self.web.fallback = self._handle

    def start(self) -> FakeWayback:
        self.web.start()
        return self

    def stop(self) -> None:
        self.web.stop()

    @property
    def base(self) -> str:
        return self.web.url("").rstrip("/")

    def add(self, url: str, *captures: FakeCapture) -> None:
        for capture in captures:
            capture.original = capture.original or url
        self.captures.setdefault(key(url), []).extend(captures)
        self.captures[key(url)].sort(key=lambda c: c.timestamp)

    def blind(self, url: str) -> None:
        self.availability_blind.add(key(url))

    def _excluded(self, url: str) -> bool:
        return (urlsplit(url if "://" in url else "http://" + url).hostname or "") in self.excluded_hosts

    # ---------------------------------------------------------------- dispatch

    async def _handle(self, method: str, target: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(target)
        endpoint = {
            "/wayback/available": "available",
            "/cdx/search/cdx": "cdx",
            "/save": "save",
        }.get(parts.path, "replay" if parts.path.startswith("/web/") else "status")
        self.requests[endpoint] += 1
        if endpoint in self.always_429 or (self.cap is not None and self.web.in_flight > self.cap):
            self.rate_limited[endpoint] += 1
            return Reply(429, headers={"Retry-After": "1"}, body=b"Too Many Requests")
        await asyncio.sleep(self.delay)
        query = parse_qs(parts.query)
        if endpoint == "available":
            return self._available(query)
        if endpoint == "cdx":
            self.cdx_times.append(asyncio.get_running_loop().time())
            return self._cdx(query)
        if endpoint == "replay":
            return self._replay(target[len("/web/") :])
        if endpoint == "save" and method == "POST":
            return self._save(headers)
        if parts.path.startswith("/save/status/"):
            return self._status(parts.path.rsplit("/", 1)[1])
        return Reply(404, body=b"<title>Not Found</title>")

    @staticmethod
    def _json(data: object, status: int = 200) -> Reply:
        return Reply(status, headers={"Content-Type": "application/json"}, body=json.dumps(data).encode())

    def _available(self, query: dict[str, list[str]]) -> Reply:
        url = query.get("url", [""])[0]
        captures = self.captures.get(key(url), [])
        if statuses := query.get("statuscodes"):
            captures = [c for c in captures if str(c.status) in statuses]
        when = query.get("timestamp", [None])[0]
        closest = query.get("closest", ["either"])[0]
        if when and closest == "before":
            captures = [c for c in captures if c.timestamp <= when.ljust(14, "9")]
        elif when and closest == "after":
            captures = [c for c in captures if c.timestamp >= when.ljust(14, "0")]
        if key(url) in self.availability_blind or self._excluded(url) or not captures:
            return self._json({"url": url, "archived_snapshots": {}})
        best = min(captures, key=lambda c: _distance(c.timestamp, when)) if when else captures[-1]
        snapshot = {
            "status": str(best.status),
            "available": True,
            "url": f"http://web.archive.org/web/{best.timestamp}/{best.original}",
            "timestamp": best.timestamp,
        }
        return self._json({"url": url, "archived_snapshots": {"closest": snapshot}})

    def _cdx(self, query: dict[str, list[str]]) -> Reply:
        url = query.get("url", [""])[0]
        if self._excluded(url):
            return Reply(
                403,
                headers={"Content-Type": "text/plain;charset=UTF-8", "X-Archive-Wayback-Runtime-Error": _BLOCKED},
                body=_BLOCKED.encode() + b"\n",
            )
        fields = query.get("fl", ["urlkey,timestamp,original,mimetype,statuscode,digest,length"])[0].split(",")
        rows = [
            {"urlkey": key(url), "timestamp": c.timestamp, "original": c.original or url, "statuscode": str(c.status)}
            for c in self.captures.get(key(url), [])
        ]
        for spec in query.get("filter", []):
            negate = spec.startswith("!")
            name, _, pattern = spec.lstrip("!").partition(":")
            rows = [r for r in rows if bool(re.fullmatch(pattern, r.get(name, ""))) != negate]
        if "from" in query:
            rows = [r for r in rows if r["timestamp"] >= query["from"][0].ljust(14, "0")]
        if "to" in query:
            rows = [r for r in rows if r["timestamp"] <= query["to"][0].ljust(14, "9")]
        if "limit" in query:
            limit = int(query["limit"][0])
            if limit < 0 and "from" not in query and query.get("fastLatest") != ["true"]:
                self.slow_queries += 1  # [CDX]: "begins reading from the beginning of the search space"
            rows = rows[limit:] if limit < 0 else rows[:limit]
        if query.get("output", [""])[0] != "json":
            text = "".join(" ".join(r.get(f, "-") for f in fields) + "\n" for r in rows)
            return Reply(200, headers={"Content-Type": "text/plain"}, body=text.encode())
        return self._json([fields] + [[r.get(f, "-") for f in fields] for r in rows] if rows else [])

    def _replay(self, rest: str) -> Reply:
        match = re.match(r"(\d{1,14})([a-z]{2}_)?/(.+)$", rest)
        if not match:
            return Reply(400)
        stamp, flag, url = match.group(1), match.group(2) or "", match.group(3)
        if self._excluded(url):
            return Reply(403 if flag == "id_" else 200, body=_EXCLUDED_PAGE)
        captures = self.captures.get(key(url), [])
        if not captures:
            return Reply(404, body=b"<title>Wayback Machine has not archived that URL.</title>")
        exact = next((c for c in captures if c.timestamp == stamp), None)
        if exact is None:
            nearest = min(captures, key=lambda c: _distance(c.timestamp, stamp))
            return Reply(
                302,
                headers={
                    "Location": f"{self.base}/web/{nearest.timestamp}{flag}/{nearest.original}",
                    "X-Archive-Redirect-Reason": f"found capture at {nearest.timestamp}",
                },
                body=b"",
            )
        if (stamp, key(url)) in self.broken_replays:
            return Reply(503, body=b"<title>Wayback Machine is having trouble</title>")
        memento = {"Memento-Datetime": _http_date(exact.timestamp), "X-Ts": str(exact.status)}
        if 300 <= exact.status < 400:
            if flag != "id_":
                page = f"<p>Got an HTTP {exact.status} response at crawl time</p>".encode()
                return Reply(200, body=b"<html><title>Wayback Machine</title><body>" + page + b"</body></html>")
            target = f"{self.base}/web/{exact.timestamp}{flag}/{exact.location or url}"
            return Reply(exact.status, headers={**memento, "Location": target}, body=b"")
        return Reply(exact.status, headers=memento, body=exact.body)

    def _save(self, headers: dict[str, str]) -> Reply:
        auth = headers.get("authorization", "")
        if not re.fullmatch(r"LOW \S+:\S+", auth):
            return self._json({"message": "You need to be logged in to use Save Page Now."}, 401)
        now = time.monotonic()
        self.submitted_at.append(now)
        self.spn_times = [t for t in self.spn_times if now - t < 60]
        if len(self.spn_times) >= self.spn_per_minute:
            return self._json(
                {
                    "status": "error",
                    "status_ext": "error:user-session-limit",
                    "message": "You have already reached the limit of active sessions.",
                },
                429,
            )
        self.spn_times.append(now)
        url = parse_qs(headers.get(":body", "")).get("url", [""])[0]
        self.saved.append((url, auth))
        if url in self.spn_refuse:
            status_ext, message = self.spn_refuse[url]
            return self._json({"status": "error", "status_ext": status_ext, "message": message})
        job = f"spn2-{len(self.jobs) + 1:04d}"
        self.jobs[job] = (url, 0)
        return self._json({"url": url, "job_id": job})

    def _status(self, job: str) -> Reply:
        if job not in self.jobs:
            return self._json({"status": "error", "status_ext": "error:job-failed", "message": "no such job"})
        url, polls = self.jobs[job]
        self.jobs[job] = (url, polls + 1)
        if polls == 0:
            return self._json({"status": "pending", "job_id": job})
        if url in self.spn_fail:
            status_ext, message = self.spn_fail[url]
            return self._json({"status": "error", "status_ext": status_ext, "message": message, "job_id": job})
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        original = self.spn_original.get(url, url)
        self.add(original, FakeCapture(stamp))
        return self._json({"status": "success", "timestamp": stamp, "original_url": original, "job_id": job})


def _lenient(value: str) -> datetime:
    """A timestamp as a date, invalid ones (month or day 00) clamped as the index sorts them."""
    digits = value[:14] + "00000101000000"[len(value[:14]) :]
    year, month, day = int(digits[:4]), max(1, min(12, int(digits[4:6]))), max(1, min(28, int(digits[6:8])))
    return datetime(
        year, month, day, min(23, int(digits[8:10])), min(59, int(digits[10:12])), min(59, int(digits[12:14]))
    )


def _distance(timestamp: str, target: str | None) -> float:
    return abs((_lenient(timestamp) - _lenient(target or "99991231235959")).total_seconds())


def _http_date(timestamp: str) -> str:
    return format_datetime(_lenient(timestamp).replace(tzinfo=UTC), usegmt=True)
