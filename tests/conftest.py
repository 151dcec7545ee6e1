"""Fixtures shared by every test module; plain helpers live in tests/helpers.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakewayback import FakeWayback
from tests.helpers import FIXTURES
from tests.webserver import Reply, Web

# Tests talk to loopback servers only: a proxy set in the machine's environment must not carry
# their traffic elsewhere (tests/test_proxy.py sets its own).
for _name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.upper(), None)

ServerFactory = Callable[..., Web]


@pytest.fixture
def corpus() -> Path:
    return FIXTURES / "corpus"


@pytest.fixture
def serve() -> Iterator[ServerFactory]:
    """Start test web servers on loopback, stopped when the test ends:
    `serve("127.0.0.4", routes={"/ok": Reply()}, fallback=Reply(404))`."""
    started: list[Web] = []

    def start(host: str = "127.0.0.2", routes: dict[str, Reply] | None = None, fallback: Reply | None = None) -> Web:
        server = Web(host).start()
        server.routes.update(routes or {})
        if fallback is not None:
            server.fallback = fallback
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def wayback() -> Iterator[FakeWayback]:
    """The fake Wayback Machine (tests/fakewayback.py) on 127.0.0.20."""
    fake = FakeWayback().start()
    yield fake
    fake.stop()


@pytest.fixture
def web(serve: ServerFactory) -> Web:
    """One test web server on 127.0.0.2 with no routes (modules with routes of their own override this)."""
    return serve("127.0.0.2")
