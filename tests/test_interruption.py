"""Interruption: Ctrl-C and SIGTERM keep what was checked; SIGKILL never leaves half a registry."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
import yaml

from linkcheck import registry as registry_mod
from tests.conftest import ServerFactory
from tests.helpers import run_cli, start_check
from tests.webserver import Reply, Web


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.60")


def make_registry(tmp_path: Path, web: Web, count: int) -> Path:
    (tmp_path / "paper.md").write_text("".join(f"- [{i}]({web.url(f'/article/{i}')})\n" for i in range(count)))
    registry = tmp_path / "citations.yaml"
    assert run_cli("extract", str(tmp_path / "paper.md"), "--registry", str(registry)).returncode == 0
    return registry


def checked(registry: Path) -> dict[str, str]:
    links = yaml.safe_load(registry.read_text())["links"]
    return {url: entry["check"]["status"] for url, entry in links.items() if "check" in entry}


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_fast_keeps_verdicts_and_resumes(tmp_path: Path, web: Web, sig: int, code: int) -> None:
    web.fallback = Reply(delay=0.4)
    registry = make_registry(tmp_path, web, 40)  # 40 URLs, 4 at a time, 0.4 s each: about 4 s
    process = start_check(registry)
    time.sleep(2.0)
    sent = time.monotonic()
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=10)
    assert time.monotonic() - sent < 2.0, "must stop within 2 seconds"
    assert process.returncode == code, stderr
    assert f"interrupted ({signal.Signals(sig).name})" in stderr and "--max-age" in stderr
    # Issue 12, item 27: the command to go on repeats every option the run was given.
    resume = next(line.strip() for line in stderr.splitlines() if line.strip().startswith("linkcheck check"))
    assert "--no-archive" in resume and "--retries 0" in resume and f"--registry {registry}" in resume
    registry_mod.load(registry)  # valid
    done = checked(registry)
    assert 0 < len(done) < 40 and set(done.values()) == {"ok"}
    assert yaml.safe_load(registry.read_text())["last_run"]["interrupted"] is True
    # Resume: what was verified is not asked again; the rest is.
    hits_before = {path for (_, path) in web.hits}
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        "--max-age",
        "10m",
        "--output",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert len(checked(registry)) == 40
    repeated = [path for (_, path), n in web.hits.items() if n > 1 and path in hits_before and web.url(path) in done]
    assert repeated == []


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_registry(tmp_path: Path, web: Web) -> None:
    web.fallback = Reply(delay=0.005)
    registry = make_registry(tmp_path, web, 1500)  # big enough that saving takes a while
    urls = set(yaml.safe_load(registry.read_text())["links"])
    rng = random.Random(20261123)
    kills = 0
    for _ in range(12):
        process = start_check(registry, "--format", "json")
        time.sleep(rng.uniform(0.3, 2.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate(timeout=30)
        loaded = registry_mod.load(registry)  # never truncated or half-written
        assert set(loaded.links) == urls
    assert kills >= 6, "the kills should mostly land while the check runs"
    # A temporary file left by a write that was killed is removed by the next complete write.
    process = start_check(registry, "--format", "json")
    process.communicate(timeout=60)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".citations.yaml.")]


def test_two_checks_on_one_registry_never_interleave(tmp_path: Path, web: Web) -> None:
    web.fallback = Reply(delay=0.15)
    registry = make_registry(tmp_path, web, 60)  # about 2.5 s of checking
    first = start_check(registry)
    # The first run holds the lock from before its first request to after its save: wait for
    # that request rather than for a guessed start-up time (a loaded CI machine starts slowly).
    deadline = time.monotonic() + 30
    while not web.hits and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
    refused = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        "--lock-timeout",
        "0.2",
        "--output",
        str(tmp_path / "out2"),
        cwd=tmp_path,
    )
    second = start_check(registry)  # waits, says so, then runs on the first one's result
    _, first_err = first.communicate(timeout=60)
    _, second_err = second.communicate(timeout=60)
    assert refused.returncode == 2 and "locked by another linkcheck run" in refused.stderr
    assert first.returncode == 0 and second.returncode == 0, first_err + second_err
    assert "waiting" in second_err
    history = yaml.safe_load(registry.read_text())["links"][web.url("/article/0")]["history"]
    assert history["previous_status"] == "ok"  # the second run saw the first one's verdicts
