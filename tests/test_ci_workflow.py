"""The CI workflow: runs the suite the way .ci/run does, and lint, format and types as documented."""

from __future__ import annotations

import shlex
from typing import Any

import yaml

from tests.helpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def load() -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def runs(job: str) -> list[str]:
    return [str(step["run"]) for step in load()["jobs"][job]["steps"] if "run" in step]


def test_runs_on_every_push_and_pull_request_with_read_only_rights() -> None:
    workflow = load()
    assert "push" in workflow["on"] and "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert all(job.get("timeout-minutes") for job in workflow["jobs"].values())


def test_the_suite_runs_through_ci_run() -> None:
    assert ".ci/run" in runs("tests")
    script = (ROOT / ".ci" / "run").read_text()
    assert "pytest" in script and "-n auto" in script and 'if [ "$status" -eq 5 ]' in script


def test_lint_format_and_types_are_the_configured_commands() -> None:
    commands = [shlex.split(line) for line in runs("lint")]
    assert ["ruff", "check", "."] in commands
    assert ["ruff", "format", "--check", "."] in commands
    assert ["mypy"] in commands  # files and --strict come from pyproject.toml
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'files = ["linkcheck", "tests"]' in pyproject and "strict = true" in pyproject
    install = next(line for line in runs("lint") if line.startswith("pip install"))
    assert "dev" in install and "test" in install
