"""Proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as curl reads them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.transport import Exchange, HostPools, TransportError
from tests.conftest import ServerFactory
from tests.helpers import extract, run_cli
from tests.proxyserver import Proxy
from tests.webserver import Reply, Web


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy("127.0.0.70").start()
    yield server
    server.stop()


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    return serve("127.0.0.71", fallback=Reply())


def exchange(url: str, proxies: dict[str, str], deny_private: bool = False) -> Exchange:
    async def go() -> Exchange:
        async with HostPools(2, proxies=proxies, deny_private=deny_private) as pools:
            return await pools.exchange("GET", url, [], timeout=3, body_limit=4096)

    return asyncio.run(go())


def test_http_goes_through_the_proxy(proxy: Proxy, web: Web) -> None:
    answer = exchange(web.url("/a?b=1"), {"http": proxy.url})
    assert answer.status == 200 and b"An article" in answer.body
    assert proxy.seen == [f"GET {web.url('/a?b=1')} HTTP/1.1"]
    assert web.hits[("GET", "/a?b=1")] == 1


def test_no_proxy_lets_a_host_go_direct(proxy: Proxy, web: Web) -> None:
    answer = exchange(web.url("/a"), {"http": proxy.url, "no": "example.org,127.0.0.71"})
    assert answer.status == 200
    assert proxy.seen == []


def test_https_is_tunnelled_with_connect(proxy: Proxy, web: Web) -> None:
    # The far end speaks plain HTTP, so the TLS handshake inside the tunnel fails: the tunnel was made.
    target = f"127.0.0.71:{web.port}"
    # (the handshake fails or times out, depending on how the far end takes a ClientHello)
    with pytest.raises(TransportError) as failed:
        exchange(f"https://{target}/", {"https": proxy.url})
    assert failed.value.network and proxy.seen == [f"CONNECT {target} HTTP/1.1"]


def test_the_command_line_reads_the_proxy_from_the_environment(tmp_path: Path, proxy: Proxy, web: Web) -> None:
    registry = extract(tmp_path, f"[a]({web.url('/a')})\n")
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        "--output",
        str(tmp_path / "o"),
        "--format",
        "json",
        cwd=tmp_path,
        env={"HTTP_PROXY": proxy.url},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "o" / "report.json").read_text())["links"][0]["status"] == "ok"
    assert proxy.seen == [f"GET {web.url('/a')} HTTP/1.1"]


def test_deny_private_checks_the_name_before_it_goes_to_the_proxy(tmp_path: Path, proxy: Proxy, web: Web) -> None:
    registry = extract(tmp_path, f"[a]({web.url('/a')}) [b](http://no-such-host.invalid/x)\n")
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        "--output",
        str(tmp_path / "o"),
        "--format",
        "json",
        "--deny-private",
        cwd=tmp_path,
        env={"HTTP_PROXY": proxy.url},
    )
    links = {link["url"]: link for link in json.loads((tmp_path / "o" / "report.json").read_text())["links"]}
    assert links[web.url("/a")]["status"] == "skipped" and "loopback" in links[web.url("/a")]["error"]
    assert links["http://no-such-host.invalid/x"]["status"] == "skipped"
    assert "does not resolve here" in links["http://no-such-host.invalid/x"]["error"]
    assert proxy.seen == [] and sum(web.hits.values()) == 0, result.stderr


def test_a_socks_proxy_is_refused_plainly(tmp_path: Path, web: Web) -> None:
    registry = extract(tmp_path, f"[a]({web.url('/a')})\n")
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        cwd=tmp_path,
        env={"ALL_PROXY": "socks5://127.0.0.70:1080"},
    )
    assert result.returncode == 2
    assert "only http:// and https:// proxies are supported" in result.stderr


def test_credentials_in_the_proxy_url_are_sent_to_the_proxy_only(web: Web) -> None:
    proxy = Proxy("127.0.0.73", credentials="ann:p@ss word").start()
    try:
        url = f"http://ann:p%40ss%20word@127.0.0.73:{proxy.port}"
        assert exchange(web.url("/a"), {"http": url}).status == 200
        assert proxy.authorizations == ["Basic YW5uOnBAc3Mgd29yZA=="]
        assert all("proxy-authorization" not in h and "authorization" not in h for h in web.seen_headers)
    finally:
        proxy.stop()


def test_a_refused_proxy_url_is_shown_without_its_password(tmp_path: Path, web: Web) -> None:
    # Issue 12, item 5: the SOCKS refusal quoted the proxy URL whole, password included.
    registry = extract(tmp_path, f"[a]({web.url('/a')})\n")
    secret = "s3cr3t-proxy-pass"
    result = run_cli(
        "check",
        "--registry",
        str(registry),
        "--no-archive",
        cwd=tmp_path,
        env={"ALL_PROXY": f"socks5://ann:{secret}@127.0.0.70:1080"},
    )
    assert result.returncode == 2 and "ann:***@127.0.0.70:1080" in result.stderr
    assert secret not in result.stderr + result.stdout + registry.read_text()
