"""Snapshots from other archives through Memento TimeMaps (linkcheck/memento.py), against fake
archives on loopback (tests/fakememento.py, each behaviour with its source)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from linkcheck.check_stage import select
from linkcheck.config import DEFAULT_TIMEMAPS, ArchiveOptions, Config, Endpoints, load_config
from linkcheck.errors import ConfigError
from linkcheck.memento import Memento, MementoArchives, MementoReplay, parse_link_format, read_timemap, timestamp_of
from linkcheck.models import LinkResult, LookupState, Verdict
from linkcheck.registry import LinkEntry, Registry
from linkcheck.urls import archive_name
from linkcheck.wayback import Archiver, Lookup
from tests.conftest import ServerFactory
from tests.driftcorpus import cases
from tests.fakememento import Capture, FakeMemento
from tests.fakewayback import FakeCapture, FakeWayback
from tests.helpers import closed_port, run_cli
from tests.webserver import Reply, Web

CITED = date(2019, 6, 1)


@pytest.fixture
def site(serve: ServerFactory) -> Web:
    """The cited site: every page is gone now."""
    return serve("127.0.0.21", fallback=Reply(404, body=b"<title>Not Found</title>"))


@pytest.fixture
def archives() -> Iterator[list[FakeMemento]]:
    """Three fake Memento archives, on 127.0.0.30, .31 and .32."""
    fakes = [FakeMemento(f"127.0.0.{30 + n}").start() for n in range(3)]
    yield fakes
    for fake in fakes:
        fake.stop()


def options(wayback: FakeWayback, timemaps: list[tuple[str, str]], **changes: object) -> ArchiveOptions:
    base = {
        "endpoints": Endpoints.for_base(wayback.base),
        "backoff": 0.05,
        "retry_after_cap": 2.0,
        "timeout": 5.0,
        "rate_window": 2.0,
        "timemaps": tuple(timemaps),
    }
    return ArchiveOptions(**{**base, **changes})  # type: ignore[arg-type]


def named(*fakes: FakeMemento) -> list[tuple[str, str]]:
    return [(f"archive-{fake.host.rsplit('.', 1)[1]}", fake.prefix) for fake in fakes]


def find(
    wayback: FakeWayback, timemaps: list[tuple[str, str]], url: str, cited: date | None = CITED, **changes: object
) -> tuple[Lookup, list[str]]:
    """The Wayback Machine's lookup, widened to the other archives: (the lookup, their notes)."""
    settings = options(wayback, timemaps, **changes)

    async def go() -> tuple[Lookup, list[str]]:
        async with Archiver(settings) as archiver:
            mementos = MementoArchives(settings)
            try:
                first = await archiver.lookup(url, cited, "front matter")
                return await mementos.widen(first, url, cited, "front matter"), mementos.notes()
            finally:
                await mementos.aclose()

    return asyncio.run(go())


# ---------------------------------------------------------------- reading TimeMaps

# The shape of a recorded archive.today TimeMap (tests/fakememento.py, [ATODAY]) and of
# Arquivo.pt's documented one ([ARQUIVO]): dates hold commas, inside quotes.
ARCHIVE_TODAY = "\n".join(
    [
        '<http://www.cs.odu.edu/~mln/>; rel="original",',
        '<http://archive.today/timegate/http://www.cs.odu.edu/~mln/>; rel="timegate",',
        '<http://archive.today/20130618185742/http://www.cs.odu.edu/~mln/>; rel="first memento"; '
        'datetime="Tue, 18 Jun 2013 18:57:42 GMT",',
        '<http://archive.today/20130621194047/http://www.cs.odu.edu/~mln/>; rel="memento"; '
        'datetime="Fri, 21 Jun 2013 19:40:47 GMT",',
        '<http://archive.today/20131217200455/http://www.cs.odu.edu/~mln/>; rel="last memento"; '
        'datetime="Tue, 17 Dec 2013 20:04:55 GMT",',
        '<http://archive.today/timemap/http://www.cs.odu.edu/~mln/>; rel="self"; type="application/link-format"; '
        'from="Tue, 18 Jun 2013 18:57:42 GMT"',
    ]
)


def test_a_link_format_timemap_gives_every_memento_with_its_date() -> None:
    mementos, pages = read_timemap(ARCHIVE_TODAY, "http://archive.today/timemap/http://www.cs.odu.edu/~mln/", "at")
    assert [m.timestamp for m in mementos] == ["20130618185742", "20130621194047", "20131217200455"]
    assert mementos[0].url == "http://archive.today/20130618185742/http://www.cs.odu.edu/~mln/"
    assert pages == []  # `self` is this page, not another
    links = parse_link_format(ARCHIVE_TODAY)
    assert links[2][1]["datetime"] == "Tue, 18 Jun 2013 18:57:42 GMT" and links[2][1]["rel"] == "first memento"


def test_paging_links_relative_targets_and_damaged_lines() -> None:
    text = (
        '</web/20200101000000/http://a.example/>; rel="first last memento"; '
        'datetime="Wed, 01 Jan 2020 00:00:00 GMT",\n'
        '</timemap/page/2/http://a.example/>; rel="timemap"; type="application/link-format"; '
        'from="Thu, 02 Jan 2020 00:00:00 GMT",\n'
        '<http://x.example/tm.json>; rel="timemap"; type="application/json",\n'  # another format: not followed
        '<http://x.example/bad>; rel="memento"; datetime="not a date",\n'  # skipped, the rest read
        'garbage without brackets; rel="memento",\n'
        '<http://[::1/broken>; rel="memento"; datetime="Fri, 03 Jan 2020 10:00:00 GMT",\n'
        '<http://x.example/has space>; rel="memento"; datetime="Sat, 04 Jan 2020 10:00:00 GMT",\n'
        '<http://x.example/unquoted>; rel=memento; datetime="Fri, 03 Jan 2020 10:00:00 GMT"\n'
    )
    mementos, pages = read_timemap(text, "http://x.example/timemap/http://a.example/", "x")
    assert [(m.url, m.timestamp) for m in mementos] == [
        ("http://x.example/web/20200101000000/http://a.example/", "20200101000000"),
        ("http://x.example/has space", "20200104100000"),  # listed; whether it replays is the replay's business
        ("http://x.example/unquoted", "20200103100000"),
    ]
    assert pages == ["http://x.example/timemap/page/2/http://a.example/"]
    assert timestamp_of("Tue, 18 Jun 2013 18:57:42 GMT") == "20130618185742"
    assert timestamp_of("18 Jun 2013") is None and timestamp_of("") is None


# ---------------------------------------------------------------- choosing across archives


def test_a_dead_link_found_only_in_a_second_archive(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    url = site.url("/only-elsewhere")
    first, second, _ = archives
    second.add(url, Capture("20190520120000"), Capture("20200101000000"))
    found, notes = find(wayback, named(first, second), url)
    assert found.state is LookupState.FOUND and found.via == "memento", found
    assert found.snapshot is not None and found.snapshot.archive == "archive-31"
    assert found.snapshot.timestamp == "20190520120000" and found.snapshot.gap_days == 12
    assert found.snapshot.url == second.web.url(f"/20190520120000/{url}")
    assert first.requests == [f"/timemap/link/{url}"]  # asked, knew nothing (404)
    assert notes == []


def test_a_closer_capture_in_another_archive_wins_and_a_close_wayback_one_asks_nobody(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    far, near = site.url("/far"), site.url("/near")
    wayback.add(far, FakeCapture("20170101000000"))  # two and a half years before the citation
    archives[0].add(far, Capture("20190525000000"), Capture("20190701000000"))
    found, _ = find(wayback, named(archives[0]), far)
    assert found.snapshot is not None and found.snapshot.archive == "archive-30"
    assert found.snapshot.timestamp == "20190525000000"  # the closest not after the citation date
    wayback.add(near, FakeCapture("20190520000000"))  # 12 days: within memento_gap (30 days)
    archives[0].add(near, Capture("20190531000000"))
    asked = len(archives[0].requests)
    kept, _ = find(wayback, named(archives[0]), near)
    assert kept.snapshot is not None and kept.snapshot.archive is None and kept.via != "memento"
    assert len(archives[0].requests) == asked, "a close Wayback capture: no other archive is asked"


def test_the_rule_is_the_same_across_archives_a_capture_before_beats_a_nearer_one_after(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    url = site.url("/before-after")
    wayback.add(url, FakeCapture("20180101000000"))  # 17 months before: beyond the gap, so others are asked
    archives[0].add(url, Capture("20190605000000"))  # 4 days after
    found, _ = find(wayback, named(archives[0]), url)
    assert found.snapshot is not None and found.snapshot.timestamp == "20180101000000"
    assert found.snapshot.archive is None  # the Wayback Machine's: not after the citation date
    only_after = site.url("/only-after")
    archives[1].add(only_after, Capture("20210101000000"), Capture("20190605000000"))
    later, _ = find(wayback, named(archives[1]), only_after)
    assert later.snapshot is not None and later.snapshot.timestamp == "20190605000000"  # the nearest after


def test_a_memento_that_does_not_replay_or_replays_an_error_is_skipped(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    url = site.url("/flaky")
    archives[0].add(url, Capture("20190531000000", replays=False))  # listed, but 404 without Memento-Datetime
    archives[1].add(url, Capture("20190530000000", status=404))  # an archived error page [WAYBACK]
    archives[2].add(url, Capture("20190401000000"))
    found, _ = find(wayback, named(*archives), url)
    assert found.snapshot is not None and found.snapshot.archive == "archive-32", found
    assert found.snapshot.timestamp == "20190401000000"
    none = site.url("/never-replays")
    archives[0].add(none, Capture("20190531000000", replays=False))
    missing, _ = find(wayback, named(archives[0]), none)
    assert missing.state is LookupState.UNKNOWN and "does not replay" not in (missing.detail or "")
    assert "no capture in another archive replays" in (missing.detail or "") and "404" in (missing.detail or "")


def test_a_paged_timemap_is_followed_to_the_capture_it_needs(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    url = site.url("/paged")
    archive = archives[0]
    archive.page_size = 2
    archive.add(url, *(Capture(f"201{n}0101000000") for n in range(7)))  # 2010 … 2016, then:
    archive.add(url, Capture("20190515000000"))  # on page 4 of 4
    found, _ = find(wayback, named(archive), url)
    assert found.snapshot is not None and found.snapshot.timestamp == "20190515000000"
    pages = [r for r in archive.requests if r.startswith("/timemap/")]
    assert len(pages) == 4 and pages[3].startswith("/timemap/link/page/4/")
    # Bounded: with at most 2 pages read, the 2019 capture is out of reach and 2013 is the best seen.
    archive.requests.clear()
    bounded, _ = find(wayback, named(archive), url, memento_pages=2)
    assert bounded.snapshot is not None and bounded.snapshot.timestamp == "20130101000000"
    assert len([r for r in archive.requests if r.startswith("/timemap/")]) == 2


def test_an_archive_answering_429_or_down_does_not_stop_the_others(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    busy, _, holder = archives
    busy.rate_limited = True
    down = ("down", f"http://127.0.0.33:{closed_port('127.0.0.33')}/timemap/link/")
    urls = [site.url(f"/dead/{n}") for n in range(3)]
    for url in urls:
        holder.add(url, Capture("20190501000000"))
    settings = options(wayback, [("busy", busy.prefix), down, ("holder", holder.prefix)], retries=1)

    async def go() -> tuple[list[Lookup], list[str], float]:
        async with Archiver(settings) as archiver:
            mementos = MementoArchives(settings)
            started = time.monotonic()
            try:
                found = [await mementos.widen(await archiver.lookup(u, CITED, "x"), u, CITED, "x") for u in urls]
                return found, mementos.notes(), time.monotonic() - started
            finally:
                await mementos.aclose()

    found, notes, took = asyncio.run(go())
    assert all(f.snapshot is not None and f.snapshot.archive == "holder" for f in found), found
    assert any("busy answered 429" in n for n in notes) and any(n.startswith("down failed") for n in notes), notes
    # Left alone once they failed: 429 honoured (Retry-After 1 s) at most max_rate_limited times.
    assert len(busy.requests) == 3 and took < 15


def test_memento_timemaps_empty_asks_nothing_and_the_defaults_are_documented(
    tmp_path: Path, wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    assert Config().timemaps() == tuple(DEFAULT_TIMEMAPS.items())
    assert Config(wayback_url="http://127.0.0.20").timemaps() == ()  # a mirror or a test archive: none by default
    assert Config(memento_timemaps={}).timemaps() == () and Config(memento_timemaps={}).archive_options().timemaps == ()
    url = site.url("/gone")
    archives[0].add(url, Capture("20190501000000"))
    (tmp_path / "paper.md").write_text(f"---\ndate: 2019-06-01\n---\n- [gone]({url})\n")
    (tmp_path / "linkcheck.toml").write_text('memento_timemaps = {}\nformats = "json"\n')
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(registry)).returncode == 0
    run_cli("check", "--registry", str(registry), "--wayback-url", wayback.base, cwd=tmp_path)
    assert archives[0].requests == []
    entry = yaml.safe_load(registry.read_text())["links"][url]
    assert entry["archive_lookup"]["state"] == "not_archived" and "archive" not in entry
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert all(name in readme and prefix in readme for name, prefix in DEFAULT_TIMEMAPS.items())


def test_memento_timemaps_configuration_errors_say_which(tmp_path: Path) -> None:
    (tmp_path / "linkcheck.toml").write_text('memento_timemaps = { "x" = "ftp://a.example/tm/" }\n')
    with pytest.raises(ConfigError, match="not an http"):
        load_config(tmp_path, {})
    (tmp_path / "linkcheck.toml").write_text('memento_timemaps = ["https://a.example/"]\n')
    with pytest.raises(ConfigError, match="must map archive names"):
        load_config(tmp_path, {})
    (tmp_path / "linkcheck.toml").write_text('memento_gap = "1w"\nmemento_per_minute = 0\n')
    with pytest.raises(ConfigError, match="memento_per_minute must be at least 1"):
        load_config(tmp_path, {})


# ---------------------------------------------------------------- end to end


def test_check_records_reports_and_fixes_with_another_archive_s_snapshot(
    tmp_path: Path, wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    url = site.url("/story")
    archive = archives[1]
    archive.redirect_mementos = True  # archive.today's dated addresses redirect to a short one [ATODAY]
    archive.add(url, Capture("20190528000000"))
    doc = tmp_path / "paper.md"
    doc.write_text(f"---\ndate: 2019-06-01\n---\nSee [the story]({url}).\n")
    (tmp_path / "linkcheck.toml").write_text(f'memento_timemaps = {{ "archive.example" = "{archive.prefix}" }}\n')
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(doc), "--registry", str(registry)).returncode == 0
    args = ("--registry", str(registry), "--wayback-url", wayback.base, "--output", str(tmp_path / "out"))
    result = run_cli("check", *args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    memento = archive.web.url(f"/20190528000000/{url}")
    entry = yaml.safe_load(registry.read_text())["links"][url]
    assert entry["archive"]["archive"] == "archive.example" and entry["archive"]["url"] == memento
    assert entry["archive_lookup"]["via"] == "memento"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    (link,) = [link for link in report["links"] if link["url"] == url]
    assert link["archive"]["archive"] == "archive.example" and link["archive"]["timestamp"] == "20190528000000"
    assert "in archive.example" in (tmp_path / "out" / "report.html").read_text()
    assert "(archive.example)" in (tmp_path / "out" / "report.md").read_text()
    fixed = run_cli("fix", "--registry", str(registry), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert memento in doc.read_text()


def test_archive_names_for_the_report() -> None:
    assert archive_name("https://web.archive.org/web/2019/https://a.example/") == "Wayback Machine"
    assert archive_name("https://archive.ph/AbCd1") == "archive.today"
    assert archive_name("https://perma.cc/ABCD-1234") == "perma.cc"
    assert archive_name("https://arquivo.pt/wayback/20190101000000/https://a.example/", "arquivo.pt") == "arquivo.pt"
    assert archive_name("https://other.example/x") == "other.example"


def test_content_drift_compares_with_another_archive_s_capture_as_cited(
    tmp_path: Path, wayback: FakeWayback, archives: list[FakeMemento], serve: ServerFactory
) -> None:
    """The Wayback Machine has no capture as cited; another archive has: drift uses it."""
    case = next(c for c in cases() if c.expected == "drifted" and not c.name.startswith("parked") and c.cited)
    assert case.cited is not None
    live = serve("127.0.0.22")
    live.routes["/story"] = Reply(200, {"Content-Type": "text/html; charset=utf-8"}, case.now.encode())
    url = live.url("/story")
    archives[0].add(url, Capture("20210909120000", body=case.cited.encode()))
    (tmp_path / "paper.md").write_text(f"---\ndate: 2021-09-10\n---\n- [story]({url})\n")
    (tmp_path / "linkcheck.toml").write_text(f'memento_timemaps = {{ "elsewhere" = "{archives[0].prefix}" }}\n')
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(registry)).returncode == 0
    args = ("--registry", str(registry), "--wayback-url", wayback.base, "--drift", "--output", str(tmp_path / "o"))
    result = run_cli("check", *args, cwd=tmp_path)
    entry = yaml.safe_load(registry.read_text())["links"][url]
    assert entry["check"]["status"] == "drifted", (entry, result.stderr)
    assert entry["drift"]["capture"] == archives[0].web.url(f"/20210909120000/{url}")
    assert entry["drift"]["capture_timestamp"] == "20210909120000"


def test_cited_snapshots_of_other_archives_are_checked_as_snapshots(serve: ServerFactory, wayback: FakeWayback) -> None:
    """archive.today and perma.cc addresses are left to the archive stage, which checks them as
    snapshots: an archived error page (its status with Memento-Datetime) is broken."""
    registry = Registry()
    for url in ("https://archive.ph/AbCd1", "https://perma.cc/ABCD-1234", "https://example.org/page"):
        registry.links[url] = LinkEntry(url)
    to_check, _, _ = select(registry, None, datetime.now(UTC))
    assert to_check == ["https://example.org/page"]
    host = serve(
        "127.0.0.23",
        routes={
            "/error": Reply(404, headers={"Memento-Datetime": "Tue, 18 Jun 2013 18:57:42 GMT"}),
            "/fine": Reply(200, headers={"Memento-Datetime": "Tue, 18 Jun 2013 18:57:42 GMT"}),
        },
    )

    async def go() -> list[LinkResult]:
        async with Archiver(options(wayback, [])) as archiver:
            return [await archiver.verify_url(host.url(path)) for path in ("/error", "/fine")]

    error, fine = asyncio.run(go())
    assert error.status is Verdict.BROKEN and "archived HTTP 404" in (error.error or "")
    assert fine.status is Verdict.OK


def test_each_archive_has_its_own_rate_and_one_request_at_a_time(
    wayback: FakeWayback, archives: list[FakeMemento], site: Web
) -> None:
    """`memento_per_minute` per archive (here 1 per 0.5 s window): three TimeMaps from one archive
    take at least a second, while another archive's are not held up by it."""
    slow, other = archives[0], archives[1]
    urls = [site.url(f"/rate/{n}") for n in range(3)]
    settings = options(wayback, [("slow", slow.prefix)], memento_per_minute=1, rate_window=0.5)
    both = options(wayback, [("slow", slow.prefix), ("other", other.prefix)], memento_per_minute=1, rate_window=0.5)

    async def asked(opts: ArchiveOptions) -> float:
        mementos = MementoArchives(opts)
        started = time.monotonic()
        try:
            await asyncio.gather(*(mementos.captures(url) for url in urls))
        finally:
            await mementos.aclose()
        return time.monotonic() - started

    assert asyncio.run(asked(settings)) >= 0.95
    assert len(slow.requests) == 3
    slow.web.peak = 0
    assert asyncio.run(asked(both)) < 2.0  # side by side, not one after the other
    assert slow.web.peak == 1 and other.web.peak == 1  # one request at a time to each


def test_a_hostile_memento_address_is_skipped_not_fatal(wayback: FakeWayback, archives: list[FakeMemento]) -> None:
    settings = options(wayback, named(archives[0]))

    async def go() -> MementoReplay:
        mementos = MementoArchives(settings)
        try:
            return await mementos.replay(Memento("20190101000000", "http://bad host\x00/", "archive-30"), 1024)
        finally:
            await mementos.aclose()

    replay = asyncio.run(go())
    assert not replay.ok and "could not replay" in replay.reason
