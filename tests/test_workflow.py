"""The scheduled workflow: its shape, and every linkcheck command it runs parses."""

from __future__ import annotations

import shlex
from typing import Any

import yaml

from linkcheck.cli import build_parser
from tests.helpers import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "citations.yml"


def load() -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_schedule_and_manual_dispatch() -> None:
    triggers = load()["on"]
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers


def test_every_linkcheck_command_exists_with_its_options() -> None:
    steps = load()["jobs"]["check"]["steps"]
    commands = [
        shlex.split(line)
        for step in steps
        for line in str(step.get("run", "")).splitlines()
        if line.strip().startswith("linkcheck ")
    ]
    assert commands, "the workflow runs no linkcheck command"
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(command[1:])  # exits (SystemExit) on an unknown command or option
        assert args.command in ("check", "extract", "archive", "report")
    check = next(c for c in commands if c[1] == "check")
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
