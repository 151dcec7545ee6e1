"""Content drift (issue 16): a page that still answers but no longer says what was cited.

Against loopback servers: a live site answering with each labelled case's page now, and the
fake Wayback Machine holding each case's capture as cited (real HTML, tests/driftcorpus.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from linkcheck.drift import PERMUTATIONS, Fingerprint, compare, fingerprint, read_page
from linkcheck.fix import target
from linkcheck.models import Verdict
from linkcheck.registry import load
from tests.conftest import ServerFactory
from tests.driftcorpus import ARTICLES, Case, cases
from tests.fakewayback import FakeCapture, FakeWayback
from tests.helpers import run_cli
from tests.webserver import Reply, Web

CITED_ON = "2021-09-10"
AS_CITED = "20210909120000"  # the capture the day before the citation
YEARS_AFTER = "20240301000000"


@pytest.fixture
def site(serve: ServerFactory) -> Web:
    return serve("127.0.0.31")


def _corpus(tmp_path: Path, site: Web, wayback: FakeWayback, chosen: list[Case]) -> tuple[Path, dict[str, Case]]:
    """One document citing each case's page; the site answers with the page now, the archive
    holds the capture as cited."""
    by_url: dict[str, Case] = {}
    lines = [f"---\ndate: {CITED_ON}\n---\n"]
    for number, case in enumerate(chosen):
        path = f"/story/{number}"
        url = site.url(path)
        by_url[url] = case
        site.routes[path] = Reply(200, {"Content-Type": "text/html; charset=utf-8"}, case.now.encode())
        if case.cited is not None:
            stamp = YEARS_AFTER if case.capture_years_after else AS_CITED
            wayback.add(url, FakeCapture(stamp, 200, case.cited.encode()))
        lines.append(f"- [{case.name}]({url})\n")
    (tmp_path / "paper.md").write_text("".join(lines))
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(registry)).returncode == 0
    return registry, by_url


def _check(tmp_path: Path, registry: Path, wayback: FakeWayback, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--drift",
        "--wayback-url",
        wayback.base,
        "--output",
        str(tmp_path / "reports"),
        *extra,
        cwd=tmp_path,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, yaml.safe_load(registry.read_text())["links"]


def _named(*names: str) -> list[Case]:
    return [c for c in cases() if c.name in names]


def _one_of_each() -> list[Case]:
    """Every kind of change once (the first article, news template), plus the other templates'
    hardest cases: a redesign, an update, another article."""
    seen: dict[str, Case] = {}
    for case in cases():
        seen.setdefault(case.name.split("/")[0], case)
    extra = [c for c in cases() if c.name.split("/")[1] in ("blog-1", "ministry-2") and "identical" not in c.name]
    return [*seen.values(), *extra]


def test_every_labelled_case_against_a_live_site_and_the_archive(
    tmp_path: Path, site: Web, wayback: FakeWayback
) -> None:
    chosen = _one_of_each()
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    code, links = _check(tmp_path, registry, wayback, "--drift-budget", "100")
    wrong = []
    for url, case in by_url.items():
        entry = links[url]
        status, drift = entry["check"]["status"], entry.get("drift", {})
        if case.expected == "drifted":
            right = status == "drifted" or (case.name.startswith("parked") and status == "soft_404")
        elif case.expected == "same":
            right = status == "ok" and drift.get("state") == "same"
        else:
            right = status == "ok" and drift.get("state") == "unknown" and drift.get("reason")
        if not right:
            wrong.append((case.name, status, drift.get("state"), drift.get("similarity"), drift.get("reason")))
    assert not wrong, wrong
    assert code == 1  # drifted counts for --fail-on any


def test_what_the_registry_keeps_and_reuses(tmp_path: Path, site: Web, wayback: FakeWayback) -> None:
    """A compact fingerprint and which capture, never the text; later runs ask the archive nothing."""
    chosen = _named("identical/news-0", "another article/news-1")
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    _, links = _check(tmp_path, registry, wayback)
    text = registry.read_text()
    for _, paragraphs in ARTICLES[:3]:
        assert not any(sentence[:60] in text for sentence in paragraphs)
    for url in by_url:
        drift = links[url]["drift"]
        assert drift["capture"] == f"https://web.archive.org/web/{AS_CITED}/{url}"
        assert drift["capture_timestamp"] == AS_CITED and drift["words"] > 100 and drift["title"]
        assert len(drift["fingerprint"]) == 344 and Fingerprint.decode(drift["fingerprint"], drift["words"])
    asked = sum(wayback.requests.values())
    _, again = _check(tmp_path, registry, wayback)
    assert sum(wayback.requests.values()) == asked  # the fingerprints were reused
    assert {u: again[u]["check"]["status"] for u in by_url} == {u: links[u]["check"]["status"] for u in by_url}


def test_the_budget_spreads_new_captures_over_runs(tmp_path: Path, site: Web, wayback: FakeWayback) -> None:
    chosen = [c for c in cases() if c.name.startswith("identical/")][:5]
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    result = run_cli(
        "check", "--registry", str(registry), "--drift", "--drift-budget", "2", "--wayback-url", wayback.base,
        "--output", str(tmp_path / "reports"), cwd=tmp_path,
    )  # fmt: skip
    assert "drift: 2 pages compared (0 drifted), 2 captures fetched, 3 unknown, 3 left for later runs" in result.stderr
    links = yaml.safe_load(registry.read_text())["links"]
    reasons = [links[u]["drift"].get("reason", "") for u in by_url if links[u]["drift"]["state"] == "unknown"]
    assert len([u for u in by_url if links[u]["drift"]["state"] == "same"]) == 2
    assert len(reasons) == 3 and all(r.startswith("not compared yet: this run's drift budget") for r in reasons)
    assert wayback.requests["replay"] == 2
    _, links = _check(tmp_path, registry, wayback, "--drift-budget", "2")
    _, links = _check(tmp_path, registry, wayback, "--drift-budget", "2")
    assert all(links[u]["drift"]["state"] == "same" for u in by_url)
    assert wayback.requests["replay"] == 5  # each capture fetched once, ever


def test_reports_explain_drift_and_fix_leaves_it_to_a_person(tmp_path: Path, site: Web, wayback: FakeWayback) -> None:
    chosen = _named("rewritten/news-0")
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    _check(tmp_path, registry, wayback)
    (url,) = by_url
    data = json.loads((tmp_path / "reports" / "report.json").read_text())
    row = next(link for link in data["links"] if link["url"] == url)
    assert row["status"] == "drifted" and row["problem"]
    assert row["drift"]["state"] == "drifted" and row["drift"]["similarity"] < 0.45
    assert row["drift"]["capture"].startswith("https://web.archive.org/web/20210909120000/")
    assert "no longer what was cited" in row["explanation"]
    page = (tmp_path / "reports" / "report.html").read_text()
    assert row["drift"]["capture"] in page and "2021-09-09" in page and f"{row['drift']['similarity']:.0%}" in page
    markdown = (tmp_path / "reports" / "report.md").read_text()
    assert "drifted" in markdown and row["drift"]["capture"] in markdown
    entry = load(registry).links[url]
    assert entry.result is not None and entry.result.status is Verdict.DRIFTED and target(entry) is None
    before = (tmp_path / "paper.md").read_bytes()
    run_cli("fix", "--registry", str(registry))
    assert (tmp_path / "paper.md").read_bytes() == before


def test_a_page_that_is_no_longer_html_or_not_2xx_is_not_compared(
    tmp_path: Path, site: Web, wayback: FakeWayback
) -> None:
    chosen = _named("identical/news-0")
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    (url,) = by_url
    site.routes["/story/0"] = Reply(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not a page")
    _, links = _check(tmp_path, registry, wayback)
    assert links[url]["check"]["status"] == "ok" and "drift" not in links[url]
    assert wayback.requests["replay"] == 0


def test_without_drift_nothing_is_fetched_from_the_archive(tmp_path: Path, site: Web, wayback: FakeWayback) -> None:
    chosen = _named("rewritten/news-0")
    registry, _ = _corpus(tmp_path, site, wayback, chosen)
    result = run_cli("check", "--registry", str(registry), "--wayback-url", wayback.base, cwd=tmp_path)
    assert result.returncode == 0 and sum(wayback.requests.values()) == 0


# ---------------------------------------------------------------- the judgement itself


def test_fingerprints_are_stable_compact_and_measure_shared_phrases() -> None:
    title, paragraphs = ARTICLES[0]
    text = " ".join(paragraphs)
    a, b = fingerprint(text), fingerprint(text)
    assert a == b and len(a.encode()) == 344 and len(a.minhash) == PERMUTATIONS
    assert Fingerprint.decode(a.encode(), a.words) == a
    assert a.similarity(fingerprint(text + " " + " ".join(ARTICLES[1][1][:1]))) > 0.7
    assert a.similarity(fingerprint(" ".join(ARTICLES[1][1]))) < 0.1
    with pytest.raises(ValueError):
        Fingerprint.decode("AAAA", 10)


def test_too_short_to_judge_and_a_page_emptied_since() -> None:
    short = read_page(b"<html><title>T</title><body><article><p>Only a few words here.</p></article></body></html>")
    long = read_page(
        (
            "<html><title>T</title><body><article>"
            + "".join(f"<p>{p}</p>" for p in ARTICLES[0][1])
            + "</article></body></html>"
        ).encode()
    )
    assert compare(short, long).state == "unknown" and "too short" in compare(short, long).reason
    assert compare(long, short).state == "drifted"


def test_a_fingerprint_damaged_by_hand_is_fetched_again_and_a_bad_state_is_located(
    tmp_path: Path, site: Web, wayback: FakeWayback
) -> None:
    chosen = _named("identical/news-0")
    registry, by_url = _corpus(tmp_path, site, wayback, chosen)
    (url,) = by_url
    _check(tmp_path, registry, wayback)
    data = yaml.safe_load(registry.read_text())
    data["links"][url]["drift"]["fingerprint"] = "not base64!"
    registry.write_text(yaml.safe_dump(data))
    _, links = _check(tmp_path, registry, wayback)  # the damaged record is replaced: fetched again
    assert links[url]["drift"]["state"] == "same" and wayback.requests["replay"] == 2
    data = yaml.safe_load(registry.read_text())
    data["links"][url]["drift"]["state"] = "changed"
    registry.write_text(yaml.safe_dump(data))
    result = run_cli("check", "--registry", str(registry), "--drift", cwd=tmp_path)
    assert result.returncode == 2 and f"links['{url}'].drift.state" in result.stderr


def test_drift_is_set_in_the_configuration_file(tmp_path: Path) -> None:
    from linkcheck.config import load_config

    (tmp_path / "linkcheck.toml").write_text("drift = true\ndrift_budget = 5\n")
    config = load_config(tmp_path, {})
    assert config.drift and config.drift_budget == 5 and config.check_options().drift
    (tmp_path / "linkcheck.toml").write_text("drift_budget = -1\n")
    with pytest.raises(Exception, match="drift_budget must be 0 or more"):
        load_config(tmp_path, {})
