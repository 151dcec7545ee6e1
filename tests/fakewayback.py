"""A fake Wayback Machine on loopback that behaves like the real one, quirks included.

* several captures per URL, each with its own status and body (an article captured with 200,
  then a 404 after the site died, then a parked domain with 200 years later);
* `/wayback/available`: the capture closest to `timestamp` on either side, whatever its status —
  and an empty answer for URLs listed in `availability_blind`, as the real API gives for some
  archived URLs;
* `/cdx/search/cdx` with `output=json`, `fl`, `filter` (a regex on one field, `!` negates),
  `from`/`to` (timestamp prefixes) and `limit` (negative: the last N);
* `/web/<timestamp>[flag_]/<url>`: the capture if the timestamp is exact (its own status), otherwise
  a 302 to the nearest capture; replays listed in `broken_replays` answer 503;
* a concurrency cap: a request arriving while more than `cap` are in flight gets 429 with
  Retry-After; `always_429` makes every answer a 429;
* Save Page Now 2: `POST /save` (needs `Authorization: LOW key:secret`), `/save/status/<job>`.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from tests.webserver import Reply, Web

PARKED = b"<html><head><title>This domain is for sale</title></head><body>Buy this domain.</body></html>"


@dataclass
class FakeCapture:
    timestamp: str
    status: int = 200
    body: bytes = b"<html><head><title>The article</title></head><body>As cited.</body></html>"


class FakeWayback:
    def __init__(self, host: str = "127.0.0.20", delay: float = 0.02) -> None:
        self.web = Web(host)
        self.captures: dict[str, list[FakeCapture]] = {}
        self.availability_blind: set[str] = set()
        self.broken_replays: set[tuple[str, str]] = set()  # (timestamp, url)
        self.cap: int | None = None
        self.always_429 = False
        self.delay = delay
        self.rate_limited = 0
        self.cdx_times: list[float] = []
        self.saved: list[tuple[str, str]] = []  # (url, authorization)
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
        self.captures.setdefault(url, []).extend(captures)
        self.captures[url].sort(key=lambda c: c.timestamp)

    # ---------------------------------------------------------------- dispatch

    async def _handle(self, method: str, target: str, headers: dict[str, str]) -> Reply:
        if self.always_429 or (self.cap is not None and self.web.in_flight > self.cap):
            self.rate_limited += 1
            return Reply(429, headers={"Retry-After": "1"}, body=b"Too Many Requests")
        await asyncio.sleep(self.delay)
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/wayback/available":
            return self._available(query)
        if parts.path == "/cdx/search/cdx":
            self.cdx_times.append(asyncio.get_running_loop().time())
            return self._cdx(parse_qs(parts.query))
        if parts.path.startswith("/web/"):
            return self._replay(target[len("/web/") :])
        if parts.path == "/save" and method == "POST":
            return self._save(headers)
        if parts.path.startswith("/save/status/"):
            return self._status(parts.path.rsplit("/", 1)[1])
        return Reply(404, body=b"<title>Not Found</title>")

    @staticmethod
    def _json(data: object) -> Reply:
        return Reply(200, headers={"Content-Type": "application/json"}, body=json.dumps(data).encode())

    def _available(self, query: dict[str, str]) -> Reply:
        url = query.get("url", "")
        captures = self.captures.get(url, [])
        if url in self.availability_blind or not captures:
            return self._json({"url": url, "archived_snapshots": {}})
        when = query.get("timestamp")
        best = min(captures, key=lambda c: _distance(c.timestamp, when)) if when else captures[-1]
        return self._json(
            {
                "url": url,
                "archived_snapshots": {
                    "closest": {
                        "status": str(best.status),
                        "available": True,
                        "timestamp": best.timestamp,
                        "url": f"http://web.archive.org/web/{best.timestamp}/{url}",
                    }
                },
            }
        )

    def _cdx(self, query: dict[str, list[str]]) -> Reply:
        url = query.get("url", [""])[0]
        fields = query.get("fl", ["timestamp,original,statuscode"])[0].split(",")
        rows = [
            {"timestamp": c.timestamp, "original": url, "statuscode": str(c.status)} for c in self.captures.get(url, [])
        ]
        for spec in query.get("filter", []):
            negate = spec.startswith("!")
            name, _, pattern = spec.lstrip("!").partition(":")
            rows = [r for r in rows if bool(re.fullmatch(pattern, r.get(name, ""))) != negate]
        if "from" in query:
            low = query["from"][0].ljust(14, "0")
            rows = [r for r in rows if r["timestamp"] >= low]
        if "to" in query:
            high = query["to"][0].ljust(14, "9")
            rows = [r for r in rows if r["timestamp"] <= high]
        if "limit" in query:
            limit = int(query["limit"][0])
            rows = rows[limit:] if limit < 0 else rows[:limit]
        if query.get("output", [""])[0] != "json":
            return Reply(
                200,
                headers={"Content-Type": "text/plain"},
                body="".join(" ".join(r[f] for f in fields) + "\n" for r in rows).encode(),
            )
        return self._json([fields] + [[r[f] for f in fields] for r in rows] if rows else [])

    def _replay(self, rest: str) -> Reply:
        match = re.match(r"(\d{1,14})(?:[a-z]{2}_)?/(.+)$", rest)
        if not match:
            return Reply(400)
        stamp, url = match.groups()
        captures = self.captures.get(url, [])
        if not captures:
            return Reply(404, body=b"<title>Wayback Machine has not archived that URL.</title>")
        exact = next((c for c in captures if c.timestamp == stamp), None)
        if exact is None:
            nearest = min(captures, key=lambda c: _distance(c.timestamp, stamp))
            return Reply(302, headers={"Location": f"{self.base}/web/{nearest.timestamp}/{url}"})
        if (stamp, url) in self.broken_replays:
            return Reply(503, body=b"<title>Wayback Machine is having trouble</title>")
        return Reply(exact.status, body=exact.body)

    def _save(self, headers: dict[str, str]) -> Reply:
        auth = headers.get("authorization", "")
        if not re.fullmatch(r"LOW \S+:\S+", auth):
            return Reply(401, body=b'{"message": "You need to be logged in"}')
        url = parse_qs(headers.get(":body", "")).get("url", [""])[0]
        self.saved.append((url, auth))
        job = f"spn2-{len(self.jobs) + 1:04d}"
        self.jobs[job] = (url, 0)
        return self._json({"url": url, "job_id": job})

    def _status(self, job: str) -> Reply:
        if job not in self.jobs:
            return self._json({"status": "error", "message": "no such job"})
        url, polls = self.jobs[job]
        self.jobs[job] = (url, polls + 1)
        if polls == 0:
            return self._json({"status": "pending"})
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.add(url, FakeCapture(stamp))
        return self._json({"status": "success", "timestamp": stamp, "original_url": url})


def _distance(timestamp: str, target: str | None) -> float:
    def parse(value: str) -> datetime:
        digits = value[:14] + "00000101000000"[len(value[:14]) :]
        return datetime.strptime(digits, "%Y%m%d%H%M%S")

    return abs((parse(timestamp) - parse(target or "99991231235959")).total_seconds())
