"""Archive snapshots against a fake Wayback Machine on loopback (tests/fakewayback.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from linkcheck.config import ArchiveOptions, Endpoints
from linkcheck.models import Snapshot
from linkcheck.urls import parse_archive_url
from linkcheck.wayback import (
    Archiver,
    Capture,
    Lookup,
    _announced_wait,
    canonical,
    choose,
    valid_timestamp,
    without_default_port,
)
from tests.conftest import ServerFactory
from tests.fakewayback import PARKED, FakeCapture, FakeWayback, key
from tests.helpers import closed_port, run_cli
from tests.webserver import Reply, Web


@pytest.fixture
def site(serve: ServerFactory) -> Web:
    """The cited site: every page is gone now."""
    return serve("127.0.0.21", fallback=Reply(404, body=b"<title>Not Found</title>"))


def options(fake: FakeWayback, **changes: object) -> ArchiveOptions:
    base = {
        "endpoints": Endpoints.for_base(fake.base),
        "backoff": 0.05,
        "retry_after_cap": 2.0,
        "timeout": 5.0,
        "rate_window": 2.0,
    }
    return ArchiveOptions(**{**base, **changes})  # type: ignore[arg-type]


def lookup(fake: FakeWayback, url: str, cited: date | None, **changes: object) -> Lookup:
    async def go() -> Lookup:
        async with Archiver(options(fake, **changes)) as archiver:
            return await archiver.lookup(url, cited, "front matter" if cited else None)

    return asyncio.run(go())


# ---------------------------------------------------------------- the selection rule


def test_rule_prefers_nearest_before_then_nearest_after_and_skips_error_captures() -> None:
    captures = [
        Capture("20180301000000", "u", 200),
        Capture("20190530000000", "u", 404),
        Capture("20190601120000", "u", 200),
        Capture("20190602000000", "u", 200),
        Capture("20240101000000", "u", 200),
        Capture("20190101000000", "u", 301),
    ]
    order = [c.timestamp for c in choose(captures, date(2019, 6, 1))]
    # Same day counts as "not after"; the 404 and 301 captures never appear.
    assert order == ["20190601120000", "20180301000000", "20190602000000", "20240101000000"]
    assert [c.timestamp for c in choose(captures, None)][0] == "20240101000000"


@given(
    st.lists(
        st.tuples(st.dates(date(1996, 1, 1), date(2030, 1, 1)), st.sampled_from([200, 203, 206, 301, 404, 500])),
        max_size=30,
    ),
    st.dates(date(1996, 1, 1), date(2030, 1, 1)),
)
def test_rule_property(raw: list[tuple[date, int]], cited: date) -> None:
    captures = [Capture(day.strftime("%Y%m%d") + "120000", "u", status) for day, status in raw]
    order = choose(captures, cited)
    good = {c for c in captures if c.status in (200, 203, 206)}
    assert set(order) == good
    if order:
        first = order[0]
        before = [c for c in good if c.timestamp[:8] <= cited.strftime("%Y%m%d")]
        if before:
            assert first == max(before)
        else:
            assert first == min(good)


def test_archive_urls_are_recognised_and_index_keys_ignore_variants() -> None:
    wayback = parse_archive_url("https://web.archive.org/web/20190101000000id_/http://example.com/a")
    assert wayback is not None and (wayback.service, wayback.original, wayback.flag) == (
        "wayback",
        "http://example.com/a",
        "id_",
    )
    # Issue 13, item 12: the archive's other host name is a snapshot too.
    assert parse_archive_url("http://wayback.archive.org/web/2016/http://example.com/").service == "wayback"  # type: ignore[union-attr]
    assert parse_archive_url("https://archive.ph/AbC12").service == "archive.today"  # type: ignore[union-attr]
    assert parse_archive_url("https://perma.cc/ABCD-1234").service == "perma.cc"  # type: ignore[union-attr]
    assert parse_archive_url("https://example.com/archive.html") is None
    # Issue 13, item 4: scheme, www., default port, trailing slash and case are one index key.
    variants = ["http://www.Example.com:80/a/", "https://example.com/a", "http://example.com/A"]
    assert len({canonical(v) for v in variants}) == 1
    assert canonical("https://example.com") == canonical("http://www.example.com/")
    assert without_default_port("http://example.com:80/a") == "http://example.com/a"
    assert without_default_port("https://example.com:443/") == "https://example.com/"
    assert without_default_port("http://example.com:8080/a") == "http://example.com:8080/a"


# ---------------------------------------------------------------- lookups against the fake


def test_quirky_history_gives_the_200_capture_before_the_citation(wayback: FakeWayback) -> None:
    url = "http://127.0.0.21/news/article"
    wayback.add(
        url,
        FakeCapture("20180301000000"),
        FakeCapture("20200501000000", 404),
        FakeCapture("20240101000000", body=PARKED),
    )
    found = lookup(wayback, url, date(2019, 6, 1))
    assert found.state == "found" and found.snapshot is not None
    assert snapshot(found).timestamp == "20180301000000"
    assert snapshot(found).url == f"https://web.archive.org/web/20180301000000/{url}"
    assert (snapshot(found).citation_date, snapshot(found).citation_date_source) == ("2019-06-01", "front matter")
    assert snapshot(found).gap_days == 457 and snapshot(found).verified_at


def test_the_availability_api_is_asked_as_the_archive_s_bot_asks_it(wayback: FakeWayback) -> None:
    """Issue 13, item 10: closest=before and the 2xx status codes answer the rule in one call:
    a found snapshot costs two requests (availability, one replay) and no CDX query."""
    url = "http://127.0.0.21/direct"
    wayback.add(url, FakeCapture("20190520000000"), FakeCapture("20190602130000"), FakeCapture("20190530000000", 404))
    found = lookup(wayback, url, date(2019, 6, 1))
    assert found.via == "availability" and snapshot(found).timestamp == "20190520000000"
    assert dict(wayback.requests) == {"available": 1, "replay": 1}
    [(_, path)] = [hit for hit in wayback.web.hits if hit[1].startswith("/wayback/available")]
    assert "closest=before" in path and "statuscodes=200" in path and "timestamp=20190601235959" in path


def test_empty_availability_answer_is_confirmed_through_cdx(wayback: FakeWayback) -> None:
    url = "http://127.0.0.21/b"
    wayback.add(url, FakeCapture("20190110000000"), FakeCapture("20190520000000"), FakeCapture("20190901000000"))
    wayback.blind(url)
    found = lookup(wayback, url, date(2019, 6, 1))
    assert found.state == "found" and snapshot(found).timestamp == "20190520000000" and found.via == "cdx"


def test_only_later_captures_give_the_nearest_after(wayback: FakeWayback) -> None:
    url = "http://127.0.0.21/c"
    wayback.add(url, FakeCapture("20210101000000"), FakeCapture("20190901000000"))
    assert snapshot(lookup(wayback, url, date(2019, 6, 1))).timestamp == "20190901000000"


def test_no_citation_date_gives_the_newest_2xx(wayback: FakeWayback) -> None:
    url = "http://127.0.0.21/f"
    wayback.add(url, FakeCapture("20150101000000"), FakeCapture("20170101000000"), FakeCapture("20230101000000", 410))
    found = lookup(wayback, url, None)
    assert snapshot(found).timestamp == "20170101000000" and snapshot(found).gap_days is None


def test_a_capture_that_does_not_replay_falls_back_to_the_next_nearest(wayback: FakeWayback) -> None:
    url = "http://127.0.0.21/g"
    wayback.add(url, FakeCapture("20180101000000"), FakeCapture("20190301000000"))
    wayback.broken_replays.add(("20190301000000", key(url)))
    found = lookup(wayback, url, date(2019, 6, 1), retries=1)
    assert snapshot(found).timestamp == "20180101000000"
    assert ("GET", f"/web/20190301000000id_/{url}") in wayback.web.hits


def test_error_captures_only_and_never_archived_get_none(wayback: FakeWayback) -> None:
    errors = "http://127.0.0.21/d"
    wayback.add(errors, FakeCapture("20190101000000", 404), FakeCapture("20190201000000", 301))
    result = lookup(wayback, errors, date(2019, 6, 1))
    assert result.state == "only_error_captures" and result.snapshot is None
    assert "301, 404" in (result.detail or "")
    never = lookup(wayback, "http://127.0.0.21/e", date(2019, 6, 1))
    assert never.state == "not_archived" and never.snapshot is None


def test_cdx_failure_is_unknown_not_not_archived(wayback: FakeWayback) -> None:
    wayback.web.routes["/cdx/search/cdx"] = Reply(503, body=b"down")
    result = lookup(wayback, "http://127.0.0.21/x", date(2019, 6, 1), retries=1)
    assert result.state == "unknown" and "CDX" in (result.detail or "")


# ---------------------------------------------------------------- issue 13: the real services' answers


def test_a_429_from_the_availability_api_never_stops_cdx(wayback: FakeWayback) -> None:
    """Item 1: the services are limited separately; the availability API's 429s leave CDX and
    replay alone, and the availability API is left alone after a few."""
    wayback.always_429.add("available")
    urls = many_dead(wayback, 9)
    found, _ = lookup_all(wayback, urls)
    assert all(f.state == "found" and f.via == "cdx" for f in found), [f.detail for f in found]
    # Three 429s in a row, plus the one already in flight beside them (two at once at most).
    assert wayback.requests["available"] <= 3 + 1 and wayback.requests["cdx"] == 9


def test_an_archived_error_page_is_the_capture_s_status_final_not_retried(
    tmp_path: Path, wayback: FakeWayback, site: Web
) -> None:
    """Item 2: a capture of a 429 (or 503) page replays as 429 (503) with Memento-Datetime: the
    snapshot is a capture of an error page, decided in one request, never rate_limited."""
    for path, status in (("/busy", 429), ("/down", 503)):
        wayback.add(site.url(path), FakeCapture("20150129034904", status, b"<title>Too Many Requests</title>"))
    extra = "".join(f"- [{p}](https://web.archive.org/web/20150129034904/{site.url(p)})\n" for p in ("/busy", "/down"))
    registry = dead_corpus(tmp_path, site, [], extra)
    started = time.monotonic()
    run_cli("check", "--registry", str(registry), "--wayback-url", wayback.base, "--no-archive", cwd=tmp_path)
    assert time.monotonic() - started < 5
    links = yaml.safe_load(registry.read_text())["links"]
    for path, status in (("/busy", 429), ("/down", 503)):
        check_result = links[f"https://web.archive.org/web/20150129034904/{site.url(path)}"]["check"]
        assert check_result["status"] == "broken" and f"archived HTTP {status} page" in check_result["error"]
    assert wayback.requests["replay"] == 2


def test_answers_without_memento_datetime_are_not_captures(wayback: FakeWayback) -> None:
    """Item 3: the archive's own 200 pages — "excluded from the Wayback Machine", "Got an HTTP
    301 response at crawl time" — are not snapshots; the next candidate is tried."""
    url = "http://127.0.0.21/not-a-capture"
    wayback.add(url, FakeCapture("20170101000000"), FakeCapture("20190101000000"))
    wayback.web.routes[f"/web/20190101000000id_/{url}"] = Reply(
        200, body=b"<p>Got an HTTP 301 response at crawl time</p>"
    )
    found = lookup(wayback, url, date(2019, 6, 1))
    assert snapshot(found).timestamp == "20170101000000"
    moved = "http://127.0.0.21/moved-capture"
    wayback.add(moved, FakeCapture("20190101000000", 301, location="http://127.0.0.21/elsewhere"))
    wayback.add(moved, FakeCapture("20160101000000"))
    # The index says 301 for the first: never a candidate; the 2016 one is.
    assert snapshot(lookup(wayback, moved, date(2019, 6, 1))).timestamp == "20160101000000"


def test_excluded_sites_get_their_own_state_and_are_not_asked_again(
    tmp_path: Path, wayback: FakeWayback, site: Web
) -> None:
    """Items 3 and 6: a CDX 403 "Blocked Site Error" (and a replay saying "excluded") means the
    site is excluded: state `excluded`, not asked again before archive_ttl."""
    wayback.excluded_hosts.add("127.0.0.21")
    result = lookup(wayback, site.url("/x"), date(2019, 6, 1))
    assert result.state == "excluded" and "excluded" in (result.detail or "")
    registry = dead_corpus(tmp_path, site, ["/gone"])
    args = ("--registry", str(registry), "--wayback-url", wayback.base, "--output", str(tmp_path / "o"))
    first = run_cli("check", *args, cwd=tmp_path)
    assert "1 excluded from the archive" in first.stderr, first.stderr
    assert yaml.safe_load(registry.read_text())["links"][site.url("/gone")]["archive_lookup"]["state"] == "excluded"
    before = sum(wayback.requests.values())
    second = run_cli("archive", *args, cwd=tmp_path)
    assert sum(wayback.requests.values()) == before and "1 answered from the registry" in second.stderr


def test_invalid_index_timestamps_are_skipped_and_counted(wayback: FakeWayback) -> None:
    """Item 7: rows with month or day 00 are in the real index; they are skipped, the valid
    candidates are still tried, and the summary counts them."""
    url = "http://127.0.0.21/bad-dates"
    wayback.add(url, FakeCapture("20180505000000"), FakeCapture("20190500000000"), FakeCapture("20190001000000"))

    async def go() -> tuple[Lookup, int]:
        async with Archiver(options(wayback)) as archiver:
            return await archiver.lookup(url, date(2019, 6, 1), "x"), archiver.invalid_rows

    found, invalid = asyncio.run(go())
    assert snapshot(found).timestamp == "20180505000000" and invalid >= 2
    assert valid_timestamp("20180505000000") and not valid_timestamp("20190500000000")


def test_a_cdx_429_pauses_every_cdx_query_then_cdx_stops_keeping_what_was_found(wayback: FakeWayback) -> None:
    """Item 8: after a CDX 429 no CDX query goes out before Retry-After; after a few, CDX is
    left alone for the run and lookups end `unknown`, never `not_archived`; 24 a minute by default."""
    assert ArchiveOptions().cdx_per_minute == 24
    urls = many_dead(wayback, 6)
    wayback.always_429.add("cdx")
    found, _ = lookup_all(wayback, urls, retry_after_cap=1.0)
    times = sorted(wayback.cdx_times)
    assert wayback.requests["cdx"] <= 3 + 1  # max_rate_limited (and one in flight), then left alone
    # After a 429, no CDX query before Retry-After (1 s) but the one already in flight beside it.
    assert all(b - a >= 0.9 for a, b in zip(times, times[2:], strict=False)), times
    assert all(f.state == "unknown" and "CDX" in (f.detail or "") for f in found)


def test_cdx_queries_are_bounded_and_one_per_canonical_url(wayback: FakeWayback) -> None:
    """Items 4 and 9: variants of one URL share one CDX query (and one availability answer);
    no query reads the index from its start for the last rows (a negative limit without from)."""
    wayback.add("http://www.example.org:80/report/", FakeCapture("20180101000000"))
    wayback.blind("http://example.org/report")
    urls = ["https://www.example.org/report/", "http://example.org/report", "https://example.org/Report"]
    found, _ = lookup_all(wayback, urls)
    assert all(
        snapshot(f).url == "https://web.archive.org/web/20180101000000/http://www.example.org/report/" for f in found
    )
    assert wayback.requests["cdx"] == 1 and wayback.requests["available"] == 1
    lookup(wayback, "http://127.0.0.21/undated", None)
    assert wayback.slow_queries == 0


def test_verification_reads_a_bounded_prefix_in_id_mode(wayback: FakeWayback) -> None:
    """Item 11: an endless capture body does not stop verification."""
    url = "http://127.0.0.21/huge.pdf"
    wayback.add(url, FakeCapture("20190101000000"))
    wayback.web.routes[f"/web/20190101000000id_/{url}"] = Reply(
        200, headers={"Memento-Datetime": "Tue, 01 Jan 2019 00:00:00 GMT"}, endless=True
    )
    found = lookup(wayback, url, date(2019, 6, 1), timeout=3.0)
    assert snapshot(found).timestamp == "20190101000000"


def test_a_cited_inexact_snapshot_must_land_near_the_time_it_names(
    tmp_path: Path, wayback: FakeWayback, site: Web
) -> None:
    """Item 12: `/web/2016/…` that replays a 2023 capture shows another time's page: `moved`."""
    original = site.url("/report")
    wayback.add(original, FakeCapture("20230101000000"))
    near = site.url("/near")
    wayback.add(near, FakeCapture("20160301000000"))
    extra = (
        f"- [far](https://web.archive.org/web/2016/{original})\n- [near](https://wayback.archive.org/web/2016/{near})\n"
    )
    registry = dead_corpus(tmp_path, site, [], extra)
    run_cli("check", "--registry", str(registry), "--wayback-url", wayback.base, "--no-archive", cwd=tmp_path)
    links = yaml.safe_load(registry.read_text())["links"]
    far = links[f"https://web.archive.org/web/2016/{original}"]["check"]
    assert far["status"] == "moved" and "cited for 2016 replays a capture from 2023-01-01" in far["error"]
    assert links[f"https://wayback.archive.org/web/2016/{near}"]["check"]["status"] == "ok"


# ---------------------------------------------------------------- politeness


def many_dead(wayback: FakeWayback, n: int) -> list[str]:
    urls = [f"http://127.0.0.21/p{i}" for i in range(n)]
    for i, url in enumerate(urls):
        wayback.add(url, FakeCapture(f"2018{(i % 12) + 1:02d}01000000"))
        wayback.blind(url)
    return urls


def snapshot(found: Lookup) -> Snapshot:
    assert found.snapshot is not None, found.detail
    return found.snapshot


def lookup_all(wayback: FakeWayback, urls: list[str], **changes: object) -> tuple[list[Lookup], int]:
    async def go() -> tuple[list[Lookup], int]:
        async with Archiver(options(wayback, **changes)) as archiver:
            found = await asyncio.gather(*(archiver.lookup(u, date(2019, 6, 1), "x") for u in urls))
            return found, archiver.client.peak_in_flight

    return asyncio.run(go())


def test_never_more_than_two_in_flight_to_the_archive(wayback: FakeWayback) -> None:
    wayback.cap = 2  # the fake answers 429 above two
    found, peak = lookup_all(wayback, many_dead(wayback, 12))
    assert all(f.state == "found" for f in found)
    assert wayback.web.peak <= 2 and peak <= 2 and sum(wayback.rate_limited.values()) == 0


def test_429_above_the_cap_is_honoured(wayback: FakeWayback) -> None:
    wayback.cap = 1
    found, _ = lookup_all(wayback, many_dead(wayback, 4), max_in_flight=3, max_rate_limited=20)
    assert sum(wayback.rate_limited.values()) > 0  # we went over the cap on purpose…
    assert all(f.state == "found" for f in found)  # …and Retry-After got everything through


def test_cdx_per_minute_cap(wayback: FakeWayback) -> None:
    lookup_all(wayback, many_dead(wayback, 8), cdx_per_minute=3, rate_window=1.0)
    times = sorted(wayback.cdx_times)
    assert len(times) == 8
    assert all(times[i + 3] - times[i] >= 0.9 for i in range(len(times) - 3))


def test_repeated_429_stops_lookups_with_a_clear_message(tmp_path: Path, wayback: FakeWayback, site: Web) -> None:
    registry = dead_corpus(tmp_path, site, ["/a", "/b", "/c"])
    run_cli("check", "--registry", str(registry), "--no-archive", "--output", str(tmp_path / "out"), cwd=tmp_path)
    wayback.always_429 = {"available", "cdx", "replay", "save"}
    (tmp_path / "linkcheck.toml").write_text("")
    result = against_the_fake("archive", registry, wayback, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "429 Too Many Requests" in result.stderr and "left alone" in result.stderr
    # Three 429s in a row from each service that could find a snapshot (plus what was in flight).
    assert sum(wayback.web.hits.values()) <= 3 + 3 + 2
    links = yaml.safe_load(registry.read_text())["links"]
    assert all(e.get("archive_lookup", {}).get("state") != "not_archived" for e in links.values())


# ---------------------------------------------------------------- end to end


def against_the_fake(
    command: str, registry: Path, wayback: FakeWayback, output: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`linkcheck COMMAND` on the registry, with the fake Wayback's endpoints and reports in `output`."""
    return run_cli(
        command,
        "--registry",
        str(registry),
        "--wayback-url",
        wayback.base,
        "--output",
        str(output),
        *extra,
        cwd=registry.parent,
    )


def dead_corpus(tmp_path: Path, site: Web, paths: list[str], extra: str = "") -> Path:
    text = "---\ndate: 2019-06-01\n---\n" + "".join(f"- [{p}]({site.url(p)})\n" for p in paths) + extra
    (tmp_path / "paper.md").write_text(text)
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(registry)).returncode == 0
    return registry


def test_check_records_the_verified_snapshot_for_every_dead_link(
    tmp_path: Path, wayback: FakeWayback, site: Web
) -> None:
    site.routes["/live"] = Reply()
    cases = {
        "/quirky": (
            [
                FakeCapture("20180301000000"),
                FakeCapture("20200501000000", 404),
                FakeCapture("20240101000000", body=PARKED),
            ],
            "20180301000000",
        ),
        "/blind": ([FakeCapture("20190110000000"), FakeCapture("20190520000000")], "20190520000000"),
        "/later": ([FakeCapture("20210101000000"), FakeCapture("20190901000000")], "20190901000000"),
        "/errors": ([FakeCapture("20190101000000", 404)], None),
        "/never": ([], None),
    }
    for path, (captures, _) in cases.items():
        wayback.add(site.url(path), *captures)
    wayback.availability_blind.add(site.url("/blind"))
    registry = dead_corpus(tmp_path, site, [*cases, "/live"])
    result = against_the_fake("check", registry, wayback, tmp_path / "out", "--timeout", "3")
    assert result.returncode == 1, result.stderr
    assert "archive: 5 looked up: 3 found, 2 with no usable capture" in result.stderr
    links = yaml.safe_load(registry.read_text())["links"]
    for path, (_, expected) in cases.items():
        entry = links[site.url(path)]
        assert (entry.get("archive") or {}).get("timestamp") == expected, path
    assert links[site.url("/errors")]["archive_lookup"]["state"] == "only_error_captures"
    assert links[site.url("/never")]["archive_lookup"]["state"] == "not_archived"
    assert "archive" not in links[site.url("/live")] and "archive_lookup" not in links[site.url("/live")]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    by_url = {link["url"]: link for link in report["links"]}
    quirky = by_url[site.url("/quirky")]["archive"]
    assert quirky["timestamp"] == "20180301000000" and quirky["gap_days"] == 457
    assert by_url[site.url("/never")]["archive"] is None
    assert by_url[site.url("/never")]["archive_lookup"]["state"] == "not_archived"
    # The reviewer's page shows, for each dead citation, where it is cited and its archived copy.
    page = (tmp_path / "out" / "report.html").read_text()
    assert f'href="https://web.archive.org/web/20180301000000/{site.url("/quirky")}"' in page
    assert "No snapshot found: no capture in the Wayback Machine" in page and "paper.md</strong> line 5" in page
    # Second run: found snapshots are kept and "not archived" is not re-asked within the TTL.
    before = sum(n for (_, path), n in wayback.web.hits.items() if not path.startswith("/web/"))
    result = against_the_fake("archive", registry, wayback, tmp_path / "out")
    after = sum(n for (_, path), n in wayback.web.hits.items() if not path.startswith("/web/"))
    assert result.returncode == 0 and after == before and "5 answered from the registry" in result.stderr


def test_cited_snapshots_are_checked_as_snapshots_and_linked_to_their_original(
    tmp_path: Path, wayback: FakeWayback, site: Web
) -> None:
    original = site.url("/a")
    wayback.add(original, FakeCapture("20180301000000"))
    extra = (
        f"- [exact](https://web.archive.org/web/20180301000000/{original})\n"
        f"- [inexact](https://web.archive.org/web/2018/{original})\n"
        f"- [raw](https://web.archive.org/web/20180301000000id_/{original})\n"
        f"- [missing](https://web.archive.org/web/20180301000000/{site.url('/never-archived')})\n"
    )
    registry = dead_corpus(tmp_path, site, [], extra)
    result = against_the_fake("check", registry, wayback, tmp_path / "out", "--no-archive")
    assert result.returncode == 1, result.stderr
    links = yaml.safe_load(registry.read_text())["links"]
    statuses = {
        url.split("/web/")[1].split("/")[0] + (" missing" if "never-archived" in url else ""): entry["check"]["status"]
        for url, entry in links.items()
    }
    assert statuses == {
        "20180301000000": "ok",
        "2018": "ok",
        "20180301000000id_": "ok",
        "20180301000000 missing": "broken",
    }
    exact = links[f"https://web.archive.org/web/20180301000000/{original}"]
    assert exact["snapshot_of"] == original and exact["check"]["status"] == "ok"
    assert site.hits == {}  # the original site is never contacted for a cited snapshot
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {link["snapshot_of"]["original"] for link in report["links"]} == {original, site.url("/never-archived")}


def test_manual_archive_url_is_verified_and_never_replaced(tmp_path: Path, wayback: FakeWayback, site: Web) -> None:
    url = site.url("/m")
    wayback.add(url, FakeCapture("20150101000000"), FakeCapture("20190501000000"))
    registry = dead_corpus(tmp_path, site, ["/m"])
    data = yaml.safe_load(registry.read_text())
    manual = f"https://web.archive.org/web/20150101000000/{url}"
    data["links"][url]["archive_url"] = manual
    registry.write_text(yaml.safe_dump(data))
    for _ in range(2):
        result = against_the_fake("check", registry, wayback, tmp_path / "out")
        assert result.returncode == 1, result.stderr
        entry = yaml.safe_load(registry.read_text())["links"][url]
        assert entry["archive"]["url"] == manual and entry["archive"]["manual"] is True
        assert entry["archive"]["verified_at"] and entry["archive_lookup"]["state"] == "manual"
    assert not any("/cdx/" in path or "/wayback/available" in path for _, path in wayback.web.hits)
    # A manual URL that does not replay is kept, marked unverified.
    data = yaml.safe_load(registry.read_text())
    data["links"][url]["archive_url"] = f"https://web.archive.org/web/20150101000000/{site.url('/elsewhere')}"
    registry.write_text(yaml.safe_dump(data))
    against_the_fake("check", registry, wayback, tmp_path / "o")
    entry = yaml.safe_load(registry.read_text())["links"][url]
    assert entry["archive_lookup"]["state"] == "manual_unverified" and "verified_at" not in entry["archive"]


def test_all_looks_up_live_links_too(tmp_path: Path, wayback: FakeWayback, site: Web) -> None:
    site.routes["/live"] = Reply()
    wayback.add(site.url("/live"), FakeCapture("20190101000000"))
    registry = dead_corpus(tmp_path, site, ["/live"])
    against_the_fake("check", registry, wayback, tmp_path / "o")
    assert "archive" not in yaml.safe_load(registry.read_text())["links"][site.url("/live")]
    result = against_the_fake("archive", registry, wayback, tmp_path / "o", "--all")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(registry.read_text())["links"][site.url("/live")]["archive"]["timestamp"] == "20190101000000"


def test_save_page_now(tmp_path: Path, wayback: FakeWayback, site: Web) -> None:
    site.routes["/fresh"] = Reply()
    registry = dead_corpus(tmp_path, site, ["/fresh"])
    run_cli("check", "--registry", str(registry), "--no-archive", "--output", str(tmp_path / "o"), cwd=tmp_path)
    args = [
        "archive",
        "--save",
        "--registry",
        str(registry),
        "--wayback-url",
        wayback.base,
        "--output",
        str(tmp_path / "o"),
    ]
    refused = run_cli(*args, cwd=tmp_path, env={"LINKCHECK_IA_ACCESS_KEY": "", "LINKCHECK_IA_SECRET_KEY": ""})
    assert refused.returncode == 2 and "LINKCHECK_IA_ACCESS_KEY" in refused.stderr and not wayback.saved
    (tmp_path / "linkcheck.toml").write_text("save_poll_interval = 0.05\n")
    env = {"LINKCHECK_IA_ACCESS_KEY": "key", "LINKCHECK_IA_SECRET_KEY": "secret"}
    result = run_cli(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert wayback.saved == [(site.url("/fresh"), "LOW key:secret")]
    entry = yaml.safe_load(registry.read_text())["links"][site.url("/fresh")]
    assert entry["archive"]["timestamp"] and entry["archive_lookup"]["via"] == "save"
    assert "secret" not in registry.read_text()
    # Captured recently now: a second --save submits nothing.
    run_cli(*args, cwd=tmp_path, env=env)
    assert len(wayback.saved) == 1


def test_save_page_now_is_paced_refusals_are_recorded_and_captures_verified(wayback: FakeWayback) -> None:
    """Issue 13, item 5: at most `save_per_minute` submissions per window; every refusal is a
    `save_refused` lookup with the service's status_ext and message; the capture is recorded
    under the `original_url` the service answers, and verified by replay."""
    wayback.spn_per_minute = 1000  # pacing is ours to keep, not the fake's to enforce here
    urls = [f"http://127.0.0.21/live{i}" for i in range(9)]
    wayback.spn_refuse[urls[0]] = ("error:too-many-daily-captures", "This URL has been captured 10 times today.")
    wayback.spn_fail[urls[1]] = ("error:not-found", "Target URL not found (status=404).")
    wayback.spn_original[urls[2]] = urls[2] + "/"

    async def go() -> list[Lookup]:
        settings = options(wayback, save_per_minute=3, rate_window=1.0, poll_interval=0.02)
        async with Archiver(settings) as archiver:
            return await asyncio.gather(*(archiver.save(u, "key", "secret") for u in urls))

    results = asyncio.run(go())
    times = sorted(wayback.submitted_at)
    assert len(times) == 9 and all(times[i + 3] - times[i] >= 0.9 for i in range(len(times) - 3))
    assert results[0].state == "save_refused" and "error:too-many-daily-captures" in (results[0].detail or "")
    assert "captured 10 times today" in (results[0].detail or "")
    assert results[1].state == "save_refused" and "error:not-found" in (results[1].detail or "")
    saved = snapshot(results[2])
    assert saved.url.endswith(f"/{urls[2]}/") and saved.verified_at
    assert ("GET", f"/web/{saved.timestamp}id_/{urls[2]}/") in wayback.web.hits  # verified by replay
    assert all(r.state == "found" for r in results[3:])
    # The service's own limit: a refusal (429, error:user-session-limit) is recorded, not dropped.
    wayback.spn_per_minute = 0

    async def refused() -> Lookup:
        async with Archiver(options(wayback, max_rate_limited=1)) as archiver:
            return await archiver.save("http://127.0.0.21/one-more", "key", "secret")

    assert asyncio.run(refused()).state == "save_refused"
    assert _announced_wait({"message": "The capture will start in ~7 minutes because of load."}) == 7 * 60 + 300


def test_unreachable_archive_stops_lookups_quickly(tmp_path: Path, site: Web) -> None:
    registry = dead_corpus(tmp_path, site, [f"/dead{i}" for i in range(10)])
    run_cli("check", "--registry", str(registry), "--no-archive", "--output", str(tmp_path / "o"), cwd=tmp_path)
    before = registry.read_text()
    started = time.monotonic()
    result = run_cli(
        "archive",
        "--registry",
        str(registry),
        "--wayback-url",
        f"http://127.0.0.22:{closed_port()}",
        "--output",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert time.monotonic() - started < 20
    assert result.returncode == 0 and "cannot be reached (connection refused)" in result.stderr
    links = yaml.safe_load(registry.read_text())["links"]
    assert all(entry.get("archive_lookup", {}).get("state") != "not_archived" for entry in links.values())
    assert "status: broken" in before
