"""Archive benchmark: requests per dead link, and wall time at the default rates.

100 dead links, cited on 2019-06-01, with the capture histories real dead links have, in the
fake Wayback Machine of the tests (tests/fakewayback.py, which answers as the real services do):

    45  a 2xx capture before the citation date (the availability API names it)
    12  captured only after the citation date
    10  a 2xx capture before the date that the availability API misses ("blind")
    10  never archived
     8  archived only as error pages or redirects
     5  the nearest capture before the date does not replay (the next one does)
     6  variants of other cited URLs (http/https, www., trailing slash: one index key)
     4  on a site excluded from the Wayback Machine

The archive stage runs as `linkcheck archive` runs it (run_archive, default ArchiveOptions:
2 requests in flight, 24 CDX queries a minute). Prints requests per dead link by service, the
outcome, and the wall time; the target (issue 13) is at most 2.5 requests per dead link.

    python benchmarks/archive_bench.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkcheck.archive_stage import run_archive  # noqa: E402
from linkcheck.config import ArchiveOptions, Endpoints  # noqa: E402
from linkcheck.models import Citation, LinkResult, Verdict  # noqa: E402
from linkcheck.registry import DocumentEntry, LinkEntry, Registry  # noqa: E402
from tests.fakewayback import FakeCapture, FakeWayback, key  # noqa: E402


def corpus(fake: FakeWayback) -> list[str]:
    urls: list[str] = []

    def url(kind: str, i: int, host: str = "news.example.org") -> str:
        address = f"https://{host}/{kind}/{i}"
        urls.append(address)
        return address

    for i in range(45):
        fake.add(url("before", i), FakeCapture(f"2018{i % 12 + 1:02d}15000000"), FakeCapture("20220101000000", 404))
    for i in range(12):
        fake.add(url("after", i), FakeCapture(f"2020{i % 12 + 1:02d}15000000"))
    for i in range(10):
        fake.add(url("blind", i), FakeCapture("20190301000000"))
        fake.blind(urls[-1])
    for i in range(10):
        url("never", i)
    for i in range(8):
        fake.add(url("errors", i), FakeCapture("20190101000000", 404), FakeCapture("20190201000000", 301))
    for i in range(5):
        fake.add(url("broken", i), FakeCapture("20180101000000"), FakeCapture("20190501000000"))
        fake.broken_replays.add(("20190501000000", key(urls[-1])))
    for i in range(6):  # the same pages as "before" ones, cited in another spelling
        urls.append(f"http://www.news.example.org/before/{i}/")
    for i in range(4):
        url("gone", i, host="excluded.example.net")
    fake.excluded_hosts.add("excluded.example.net")
    return urls


def registry_of(urls: list[str]) -> Registry:
    registry = Registry(documents={"paper.md": DocumentEntry("paper.md", date="2019-06-01")})
    for address in urls:
        registry.links[address] = LinkEntry(
            address,
            citations=[Citation(address, "paper.md", 1, "a citation")],
            result=LinkResult(Verdict.BROKEN, "2026-11-23T00:00:00Z", http_status=404),
        )
    return registry


def main() -> None:
    fake = FakeWayback(delay=0.005).start()
    try:
        urls = corpus(fake)
        options = ArchiveOptions(endpoints=Endpoints.for_base(fake.base), retries=1)
        started = time.monotonic()
        outcome = run_archive(registry_of(urls), options)
        elapsed = time.monotonic() - started
    finally:
        fake.stop()
    total = sum(fake.requests.values())
    print(
        f"{len(urls)} dead links, default rates ({options.cdx_per_minute} CDX queries a minute, "
        f"{options.max_in_flight} in flight)"
    )
    print(
        f"  found {outcome.found}, no usable capture {outcome.none}, excluded {outcome.excluded}, "
        f"unknown {outcome.unknown}"
    )
    by_service = ", ".join(f"{name} {n / len(urls):.2f}" for name, n in sorted(fake.requests.items()))
    print(f"  requests per dead link: {total / len(urls):.2f}  ({by_service})")
    print(f"  CDX queries: {fake.requests['cdx']}; wall time {elapsed:.1f} s")
    print(f"  target: at most 2.5 requests per dead link -> {'met' if total / len(urls) <= 2.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
