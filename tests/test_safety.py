"""Network safety: --deny-private, and secrets that never leave their host or reach the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkcheck.transport as transport_mod
from linkcheck.config import CheckOptions
from linkcheck.models import Verdict
from linkcheck.transport import private_reason
from tests.conftest import ServerFactory
from tests.fakewayback import FakeCapture, FakeWayback
from tests.helpers import check, extract, run_cli
from tests.webserver import Reply, Web


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.40")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("fc00::1", "private"),
    ],
)
def test_private_addresses_are_named(address: str, reason: str) -> None:
    assert reason in (private_reason(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert private_reason(address) is None


def test_deny_private_skips_with_the_reason_and_sends_nothing(web: Web) -> None:
    web.routes["/a"] = Reply()
    options = CheckOptions(timeout=2, retries=0, deny_private=True)
    # By name too: "localhost" is checked after resolution, not by its spelling.
    urls = [web.url("/a"), f"http://localhost:{web.port}/a"]
    results = check(urls, options).results
    assert all(r.status is Verdict.SKIPPED for r in results.values())
    assert "resolves to 127.0.0.40, a loopback address (--deny-private)" in (results[urls[0]].error or "")
    assert "localhost resolves to" in (results[urls[1]].error or "")
    assert sum(web.hits.values()) == 0
    # Off by default: intranet links can be checked.
    assert check([web.url("/a")], CheckOptions(timeout=2, retries=0)).results[web.url("/a")].status is Verdict.OK


def test_deny_private_checks_every_redirect_target(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first host is allowed (playing a public site); it redirects to a metadata-like
    private host, which must not be contacted."""
    inner = Web("127.0.0.41").start()
    try:
        inner.routes["/latest/meta-data/"] = Reply(body=b"secret-role")
        web.routes["/go"] = Reply(302, headers={"Location": inner.url("/latest/meta-data/")})
        real = transport_mod.private_reason
        monkeypatch.setattr(transport_mod, "private_reason", lambda a: None if a == "127.0.0.40" else real(a))
        result = check([web.url("/go")], CheckOptions(timeout=2, retries=0, deny_private=True)).results[web.url("/go")]
        assert result.status is Verdict.SKIPPED
        assert f"redirected to {inner.url('/latest/meta-data/')}" in (result.error or "")
        assert sum(inner.hits.values()) == 0 and sum(web.hits.values()) == 1
    finally:
        inner.stop()


def test_deny_private_from_the_command_line(tmp_path: Path, web: Web) -> None:
    registry = extract(tmp_path, f"[a]({web.url('/a')})\n")
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--deny-private",
        "--no-archive",
        "--output",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["links"][0]["status"] == "skipped" and "--deny-private" in report["links"][0]["error"]
    assert sum(web.hits.values()) == 0


def test_deny_private_covers_the_archive_stage(tmp_path: Path, serve: ServerFactory) -> None:
    """Issue 12, item 2: a registry's archive_url at a private address, and a replay that
    redirects to one, are not contacted; the archive a person named (--wayback-url) is."""
    wayback = FakeWayback().start()
    site = serve("127.0.0.42", fallback=Reply(404))
    inner = serve("127.0.0.43", fallback=Reply(body=b"secret-role"))
    try:
        dead, cited = site.url("/gone"), site.url("/cited")
        wayback.add(cited, FakeCapture("20190101000000"))
        snapshot = f"https://web.archive.org/web/20190101000000/{cited}"
        wayback.web.routes[f"/web/20190101000000id_/{cited}"] = Reply(
            302, headers={"Location": inner.url("/latest/meta-data/")}
        )
        registry = extract(tmp_path, f"[a]({dead}) and [b]({snapshot})\n")
        args = ("--registry", str(registry), "--output", str(tmp_path / "o"))
        assert run_cli("check", *args, "--no-archive", cwd=tmp_path).returncode == 1
        data = yaml.safe_load(registry.read_text())
        data["links"][dead]["archive_url"] = inner.url("/latest/meta-data/")
        registry.write_text(yaml.safe_dump(data))
        before = sum(wayback.web.hits.values())
        result = run_cli("archive", *args, "--deny-private", "--wayback-url", wayback.base, cwd=tmp_path)
        assert result.returncode in (0, 1), result.stderr
        assert sum(inner.hits.values()) == 0
        assert sum(wayback.web.hits.values()) > before  # the named archive itself is trusted
        links = yaml.safe_load(registry.read_text())["links"]
        assert links[dead]["archive_lookup"]["state"] == "manual_unverified"
        assert "127.0.0.43, a loopback address (--deny-private)" in links[dead]["archive_lookup"]["detail"]
        check_result = links[snapshot]["check"]
        assert check_result["status"] == "skipped" and "--deny-private" in check_result["error"]
        # Without --deny-private the same registry reaches the address: the test can tell.
        run_cli("archive", *args, "--wayback-url", wayback.base, cwd=tmp_path)
        assert sum(inner.hits.values()) > 0
    finally:
        wayback.stop()


def test_header_secrets_stay_with_their_host_and_out_of_every_record(tmp_path: Path, web: Web) -> None:
    other = Web("127.0.0.42").start()
    try:
        other.routes["/landing"] = Reply()
        web.routes["/api"] = Reply(302, headers={"Location": other.url("/landing")})
        registry = extract(tmp_path, f"[a]({web.url('/api')}) [b]({other.url('/landing')})\n")
        secret = "s3cr3t-token-value"
        result = run_cli(
            "check",
            "--registry",
            str(registry),
            "--no-archive",
            "--output",
            str(tmp_path / "o"),
            "--header",
            f"http://127.0.0.40:{web.port}:Authorization=API_TOKEN",
            cwd=tmp_path,
            env={"API_TOKEN": secret},
        )
        assert result.returncode in (0, 1), result.stderr
        assert {h.get("authorization") for h in web.seen_headers} == {secret}
        assert all("authorization" not in h for h in other.seen_headers)  # not across the redirect
        everything = result.stdout + result.stderr + registry.read_text()
        everything += "".join(p.read_text() for p in (tmp_path / "o").iterdir())
        assert secret not in everything
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("127.0.0.40:Bad Name=API_TOKEN", "x", "not a valid header name"),
        ("ftp://127.0.0.40:Authorization=API_TOKEN", "x", "not a host, host:port or origin"),
        ("127.0.0.40:Authorization=API_TOKEN", "s3cr3t\r\nX-Injected: 1", "holds a line break"),
        # Issue 12, item 1: the HTTP layer refused these with a message quoting the value, which
        # became the link's error: the secret in the registry, the reports and the log.
        ("127.0.0.40:Authorization=API_TOKEN", " s3cr3t", "starts or ends with white space"),
        ("127.0.0.40:Authorization=API_TOKEN", "s3cr3t\t", "starts or ends with white space"),
        ("127.0.0.40:Authorization=API_TOKEN", "s3\vcr3t", "holds a control character"),
        ("127.0.0.40:Authorization=API_TOKEN", "s3cr3t\f", "holds a control character"),
    ],
)
def test_a_header_that_would_break_the_request_is_a_configuration_error(
    tmp_path: Path, web: Web, header: str, value: str, message: str
) -> None:
    registry = extract(tmp_path, f"[a]({web.url('/api')})\n")
    result = run_cli(
        "check", "--registry", str(registry), "--no-archive", "--header", header, cwd=tmp_path, env={"API_TOKEN": value}
    )
    assert result.returncode == 2 and message in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr
    assert sum(web.hits.values()) == 0
    assert all("s3cr3t" not in path.read_text() for path in tmp_path.rglob("*") if path.is_file())


_SECRET_TAIL = st.text(
    # Every ASCII character but NUL, which no environment variable can hold; some non-ASCII.
    alphabet=st.characters(min_codepoint=1, max_codepoint=0x7F) | st.sampled_from(["\u00a0", "é", "\u2028"]),
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(["", " ", "\t", "\x0b", "\x0c"]), tail=_SECRET_TAIL)
def test_no_header_value_reaches_any_output_whatever_it_holds(
    tmp_path_factory: pytest.TempPathFactory, web: Web, head: str, tail: str
) -> None:
    """Issue 12, item 1, as a property: whatever a configured header's value holds (white space
    at either end, control characters, line breaks, non-ASCII), it is refused with a message
    naming the variable, or sent — and it never appears in the terminal, the registry or a report."""
    tmp_path = tmp_path_factory.mktemp("secret")
    secret = head + "S3CR3T" + tail
    web.routes["/api"] = Reply(500, body=b"<title>error</title>")
    registry = extract(tmp_path, f"[a]({web.url('/api')})\n")
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        "--retries",
        "0",
        "--output",
        str(tmp_path / "o"),
        "--header",
        f"http://127.0.0.40:{web.port}:Authorization=API_TOKEN",
        cwd=tmp_path,
        env={"API_TOKEN": secret},
    )
    assert result.returncode in (1, 2), result.stderr
    outputs = result.stdout + result.stderr + "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "S3CR3T" not in outputs
    if result.returncode == 2:
        assert "API_TOKEN" in result.stderr
    else:  # sent (the test server reads header bytes as Latin-1)
        assert any(h.get("authorization", "").startswith(head + "S3CR3T") for h in web.seen_headers)
