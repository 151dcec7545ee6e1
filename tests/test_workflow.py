"""The scheduled workflow: its shape, and every linkcheck command it runs parses."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from linkcheck import registry as registry_mod
from linkcheck.cli import build_parser
from linkcheck.models import LinkResult, Verdict
from tests.helpers import ROOT, cli_subprocess_env, git_env

WORKFLOW = ROOT / ".github" / "workflows" / "citations.yml"


def load() -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_schedule_and_manual_dispatch() -> None:
    triggers = load()["on"]
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers


def _commands(job: str) -> list[list[str]]:
    """Every linkcheck command a job runs, as its arguments (shell redirections and `||` dropped)."""
    commands = []
    for step in load()["jobs"][job]["steps"]:
        for line in str(step.get("run", "")).splitlines():
            if line.strip().startswith("linkcheck "):
                words = shlex.split(line.split("||")[0].split(">")[0])
                commands.append(words)
    return commands


def test_every_linkcheck_command_exists_with_its_options() -> None:
    parser = build_parser()
    for job in ("check", "fix"):
        commands = _commands(job)
        assert commands, f"the {job} job runs no linkcheck command"
        for command in commands:
            args = parser.parse_args(command[1:])  # exits (SystemExit) on an unknown command or option
            assert args.command in ("check", "extract", "archive", "report", "fix")
    check = next(c for c in _commands("check") if c[1] == "check")
    assert check[check.index("--fail-on") + 1] == "new" and "--deny-private" in check


def test_summary_artifact_and_registry_are_kept_even_when_the_check_fails() -> None:
    steps = load()["jobs"]["check"]["steps"]
    text = WORKFLOW.read_text()
    assert "$GITHUB_STEP_SUMMARY" in text and "reports/report.md" in text
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "reports/" and upload["if"] == "always()"
    keep = next(s for s in steps if "git push" in str(s.get("run", "")))
    assert keep["if"] == "always()" and "citations.yaml" in keep["run"]
    assert load()["permissions"]["contents"] == "write"


def test_the_fix_job_is_opt_in_and_opens_a_pull_request_with_the_report() -> None:
    job = load()["jobs"]["fix"]
    assert job["needs"] == "check" and "vars.LINKCHECK_FIX == 'true'" in job["if"] and "!cancelled()" in job["if"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["ref"] == "${{ github.ref }}"
    create = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("peter-evans/create-pull-request@"))
    assert create["with"]["body-path"] == "${{ runner.temp }}/body.md"
    assert create["with"]["branch"] and create["with"]["title"]
    # The check job is not touched by the opt-in: it keeps its own read of the repository's rights.
    assert "if" not in load()["jobs"]["check"]


def test_the_fix_step_fixes_documents_and_writes_the_description(tmp_path: Path) -> None:
    """The job's script, run by bash as the runner runs it (`bash -e`), on a registry with a dead
    citation: the document is fixed, the description holds the fix summary and the report, and
    no report is left in the checkout to be committed."""
    from tests.test_fix import SNAPSHOT, _corpus

    checkout = tmp_path / "repo"
    checkout.mkdir()
    registry = _corpus(checkout, {"paper.md": b"See [r](https://dead.example/report) and https://walled.example/.\n"})
    assert registry.name == "citations.yaml"
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "linkcheck").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m linkcheck "$@"\n')
    (shim / "linkcheck").chmod(0o755)
    step = next(s for s in load()["jobs"]["fix"]["steps"] if "linkcheck fix" in str(s.get("run", "")))
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = cli_subprocess_env(RUNNER_TEMP=str(runner_temp), PATH=f"{shim}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=checkout, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (checkout / "docs" / "paper.md").read_text() == f"See [r]({SNAPSHOT}) and https://walled.example/.\n"
    body = (runner_temp / "body.md").read_text()
    assert "fixed 1 citation in 1 document; 0 skipped; 0 to fix by hand" in body
    assert "**1** blocked" in body and "need action" not in body  # the report; the fixed link gone from it
    assert sorted(p.name for p in checkout.iterdir()) == ["citations.yaml", "docs"]


def test_the_fix_step_fails_on_an_error_but_not_on_citations_left_to_a_person(tmp_path: Path) -> None:
    step = next(s for s in load()["jobs"]["fix"]["steps"] if "linkcheck fix" in str(s.get("run", "")))
    script = str(step["run"])
    shim = tmp_path / "bin"
    shim.mkdir()
    for code, expected in ((1, 0), (2, 1)):
        (shim / "linkcheck").write_text(
            f'#!/bin/sh\n[ "$1" = fix ] && exit {code}\nmkdir -p "$5"; touch "$5/report.md"\n'
        )
        (shim / "linkcheck").chmod(0o755)
        env = {**os.environ, "RUNNER_TEMP": str(tmp_path), "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
        result = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert (result.returncode != 0) == bool(expected), (code, result.stderr)


SHARDED = ROOT / ".github" / "workflows" / "citations-sharded.yml"


def test_the_sharded_sample_runs_its_matrix_then_merges_as_one_run_would(tmp_path: Path) -> None:
    """The sample's scripts, run by bash as runners run them: each shard of the matrix writes its
    results without touching the registry, the merge folds them in and judges with --fail-on."""
    workflow = yaml.safe_load(SHARDED.read_text())
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    assert workflow["jobs"]["merge"]["needs"] == "shard" and "cancelled()" in workflow["jobs"]["merge"]["if"]
    check = next(s for s in workflow["jobs"]["shard"]["steps"] if "--shard" in str(s.get("run", "")))
    merge = next(s for s in workflow["jobs"]["merge"]["steps"] if "linkcheck merge" in str(s.get("run", "")))
    download = next(s for s in workflow["jobs"]["merge"]["steps"] if "download-artifact" in str(s.get("uses", "")))
    assert download["with"]["merge-multiple"] is True and download["with"]["path"] == "results/"
    parser = build_parser()
    for script in (check["run"], merge["run"]):
        for line in script.splitlines():
            if line.strip().startswith("linkcheck "):
                words = shlex.split(line.split("||")[0].replace("$SHARD", "1").replace("$SHARDS", "4"))
                assert parser.parse_args(words[1:]).command in ("check", "merge")

    checkout = tmp_path / "repo"
    checkout.mkdir()
    (checkout / "paper.md").write_text("[a](http://127.0.0.1:9/a) [b](http://127.0.0.1:9/b)\n")
    env = cli_subprocess_env()
    bin_dir = tmp_path / "bin"  # `linkcheck` on PATH, as `pip install .` leaves it
    bin_dir.mkdir()
    (bin_dir / "linkcheck").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m linkcheck "$@"\n')
    (bin_dir / "linkcheck").chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    run = subprocess.run(["linkcheck", "extract", "paper.md"], cwd=checkout, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (checkout / "linkcheck.toml").write_text("retries = 0\narchive = false\ntimeout = 2\n")
    before = (checkout / "citations.yaml").read_text()
    for shard in shards:  # --deny-private: the loopback links are skipped, never requested
        shard_env = {**env, "SHARD": str(shard), "SHARDS": str(len(shards))}
        result = subprocess.run(
            ["bash", "-e", "-c", check["run"]], cwd=checkout, env=shard_env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert (checkout / "citations.yaml").read_text() == before
    assert len(list((checkout / "results").glob("shard-*.yaml"))) == len(shards)
    result = subprocess.run(["bash", "-e", "-c", merge["run"]], cwd=checkout, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "merged 4 shards" in result.stdout and (checkout / "reports" / "report.md").exists()
    links = yaml.safe_load((checkout / "citations.yaml").read_text())["links"]
    assert {entry["check"]["status"] for entry in links.values()} == {"skipped"}


def _keep_step(workflow: Path, job: str) -> str:
    steps = yaml.safe_load(workflow.read_text())["jobs"][job]["steps"]
    keep = next(s for s in steps if "git push" in str(s.get("run", "")))
    assert keep["if"] == "always()"
    return str(keep["run"])


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize(("workflow", "job"), [(WORKFLOW, "check"), (SHARDED, "merge")])
def test_the_registry_is_kept_when_the_branch_moved_on_during_the_run(tmp_path: Path, workflow: Path, job: str) -> None:
    """The step that commits the registry back, run by bash as the runner runs it, in a shallow
    clone (as actions/checkout makes) while a person pushed a note and a new citation to the
    same registry: the push is refused, the run's commit goes on top of theirs with the registry
    merged by link, and both the person's edits and the run's verdicts reach the branch."""
    from tests.test_threeway import link, registry

    remote = tmp_path / "remote.git"
    env = git_env(tmp_path, GITHUB_REF_NAME="main")
    env["PATH"] = f"{_linkcheck_on_path(tmp_path)}{os.pathsep}{env['PATH']}"

    def git(cwd: Path, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    urls = [f"https://h{i}.example/" for i in range(20)]
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "citations.yaml").write_text(registry_mod.dump(registry(*(link(url) for url in urls))))
    git(seed, "add", "citations.yaml")
    git(seed, "commit", "-q", "-m", "extract")
    git(seed, "push", "-q", "origin", "HEAD:main")

    runner = tmp_path / "runner"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{remote}", str(runner))
    run = registry_mod.load(runner / "citations.yaml")
    for entry in run.links.values():
        entry.result = LinkResult(Verdict.OK, "2026-02-01T00:00:00Z", http_status=200)
    (runner / "citations.yaml").write_text(registry_mod.dump(run))

    person = registry_mod.load(seed / "citations.yaml")  # meanwhile, a person pushes
    person.links[urls[3]].note = "the publisher moved it"
    person.links["https://new.example/"] = link("https://new.example/")
    (seed / "citations.yaml").write_text(registry_mod.dump(person))
    git(seed, "commit", "-q", "-am", "a note and a new citation")
    git(seed, "push", "-q", "origin", "HEAD:main")

    step = subprocess.run(
        ["bash", "-e", "-c", _keep_step(workflow, job)], cwd=runner, env=env, capture_output=True, text=True
    )
    assert step.returncode == 0, step.stdout + step.stderr
    kept = registry_mod.parse(git(remote, "show", "main:citations.yaml"))
    assert kept.links[urls[3]].note == "the publisher moved it" and "https://new.example/" in kept.links
    assert all(kept.links[url].result is not None for url in urls)
    assert git(remote, "log", "--format=%s", "main").splitlines()[1] == "a note and a new citation"

    # Nothing changed: nothing is committed, and the step succeeds.
    head = git(remote, "rev-parse", "main")
    git(runner, "reset", "-q", "--hard", "origin/main")
    step = subprocess.run(
        ["bash", "-e", "-c", _keep_step(workflow, job)], cwd=runner, env=env, capture_output=True, text=True
    )
    assert step.returncode == 0 and git(remote, "rev-parse", "main") == head


def _linkcheck_on_path(tmp_path: Path) -> Path:
    """A folder with `linkcheck` in it, as `pip install .` leaves it (this checkout's)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "linkcheck"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m linkcheck "$@"\n')
    script.chmod(0o755)
    return folder
