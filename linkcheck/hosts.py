"""What the checker knows about each host, and the order in which URLs are taken up.

* `Hosts` holds each host's state: its concurrency limit and spacing, what it taught us (a 429
  slows it down for the rest of the run), and a circuit breaker per origin (scheme, host,
  port) — after `breaker_threshold` connection failures or timeouts with no success, the
  origin's remaining URLs get the same verdict at once, so a dead host costs about one timeout
  instead of one per URL.
* `WorkQueue` hands URLs to a fixed number of workers, a host at a time in turn and never a
  host that already has `host_concurrency` URLs under way, so that one large host neither
  holds every worker nor queues its URLs behind each other, and a million URLs do not mean a
  million tasks.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from linkcheck.models import LinkResult
from linkcheck.transport import request_target

__all__ = ["Breaker", "HostState", "Hosts", "SlowedDown", "Tripped", "Turn", "WorkQueue", "origin_of"]


@functools.lru_cache(maxsize=1 << 16)
def origin_of(url: str) -> str:
    """`scheme://host:port` of a URL that can be requested: what a breaker is keyed by
    (remembered: asked at each step of a URL's check)."""
    (scheme, host, port), _, _ = request_target(url)
    return f"{scheme.decode()}://{host.decode()}:{port}"


class SlowedDown(Exception):
    """The host asked us to slow down (429) so much that this URL's turn would come after its
    patience ran out: it is rate limited, not waited for."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


class Tripped(Exception):
    """The breaker of the origin a request was for is open (it may be a redirect's target,
    not the cited URL's own): `result` is the verdict that opened it."""

    def __init__(self, origin: str, result: LinkResult) -> None:
        super().__init__(origin)
        self.origin, self.result = origin, result


@dataclass
class HostState:
    """Politeness towards one host name, whatever the port or scheme."""

    semaphore: asyncio.Semaphore
    delay: float = 0.0  # extra spacing after a 429
    next_slot: float = 0.0
    in_flight: int = 0
    peak: int = 0
    probes: dict[str, asyncio.Task[Any]] = field(default_factory=dict)  # soft-404 probes, by folder


@dataclass
class Breaker:
    """What one origin (scheme, host and port) taught us about being reachable: a refused
    port says nothing about another port of the same host."""

    failures: int = 0
    successes: int = 0
    result: LinkResult | None = None  # the verdict that opened it; None while closed
    deadlines: set[asyncio.Timeout] = field(default_factory=set)  # of requests in flight

    def trip(self, result: LinkResult) -> None:
        """Open the breaker and cut short the requests still in flight: they would only wait
        out the same timeout and be answered with the breaker's verdict anyway."""
        self.result = result
        for deadline in self.deadlines:
            deadline.reschedule(-1.0)  # a time in the past: fires at once


class Turn:
    """One request's turn at a host (`Hosts.turn`). A class rather than a generator-based
    context manager: it is entered for every request, and this costs a third as much."""

    __slots__ = ("_hosts", "_origin", "_state", "_breaker", "_overall", "_deadline", "_timer", "_patience")

    def __init__(
        self,
        hosts: Hosts,
        host: str,
        origin: str,
        overall: asyncio.Semaphore,
        deadline: float,
        patience: float | None = None,
    ) -> None:
        self._hosts, self._origin, self._state, self._breaker = hosts, origin, hosts[host], hosts.breaker(origin)
        self._overall, self._deadline, self._patience = overall, deadline, patience
        self._timer: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        state = self._state
        # Host first, then its spacing, then overall: a request waiting for its host (or for a
        # slow-down to pass) must not hold one of the overall slots that other hosts need.
        await state.semaphore.acquire()
        try:
            if self._breaker.result is not None:
                raise Tripped(self._origin, self._breaker.result)
            spacing = max(self._hosts.min_interval, state.delay)
            if spacing:
                now = time.monotonic()
                wait = state.next_slot - now
                if wait > 0 and state.delay > self._hosts.min_interval and self._patience is not None:
                    if now + wait > self._patience:  # the host's 429s would keep this URL waiting too long
                        raise SlowedDown(wait)
                state.next_slot = max(now, state.next_slot) + spacing
                if wait > 0:
                    await asyncio.sleep(wait)
            await self._overall.acquire()
        except BaseException:
            state.semaphore.release()
            raise
        state.in_flight += 1
        state.peak = max(state.peak, state.in_flight)
        self._timer = timer = asyncio.timeout(self._deadline)
        self._breaker.deadlines.add(timer)
        await timer.__aenter__()

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        state, timer = self._state, self._timer
        assert timer is not None
        try:
            await timer.__aexit__(kind, error, trace)  # a deadline that fired becomes TimeoutError here
        finally:
            self._breaker.deadlines.discard(timer)
            state.in_flight -= 1
            self._overall.release()
            state.semaphore.release()


class Hosts:
    """Every host's state, and a turn to send one request to one of them."""

    def __init__(self, concurrency: int, min_interval: float, breaker_threshold: int) -> None:
        self.concurrency, self.min_interval, self.breaker_threshold = concurrency, min_interval, breaker_threshold
        self._states: dict[str, HostState] = {}
        self._breakers: dict[str, Breaker] = {}

    def __getitem__(self, host: str) -> HostState:
        state = self._states.get(host)
        if state is None:
            state = self._states[host] = HostState(asyncio.Semaphore(self.concurrency))
        return state

    def breaker(self, origin: str) -> Breaker:
        breaker = self._breakers.get(origin)
        if breaker is None:
            breaker = self._breakers[origin] = Breaker()
        return breaker

    def peaks(self) -> dict[str, int]:
        """The most requests that were in flight at once, per host."""
        return {host: state.peak for host, state in self._states.items() if state.peak}

    def turn(
        self, host: str, origin: str, overall: asyncio.Semaphore, deadline: float, patience: float | None = None
    ) -> Turn:
        """Hold one of the host's slots (then one of `overall`), spaced as the host asks, for
        at most `deadline` seconds: `async with hosts.turn(...)`. Raises `Tripped` if the
        origin's breaker is open, and `SlowedDown` if a 429 slow-down would keep the request
        waiting past `patience` (a `time.monotonic()` time)."""
        return Turn(self, host, origin, overall, deadline, patience)

    def slow_down(self, host: str, retry_after: float | None, cap: float) -> None:
        """A 429: space this host's requests out for the rest of the run (doubling, at most `cap`)."""
        state = self[host]
        state.delay = min(max(state.delay * 2, retry_after or 1.0, 0.5), cap)

    def succeeded(self, origin: str) -> None:
        breaker = self.breaker(origin)
        breaker.successes += 1
        breaker.failures = 0

    def failed(self, origin: str, result: LinkResult) -> bool:
        """A connection failure or timeout; True when it opened the origin's breaker."""
        breaker = self.breaker(origin)
        breaker.failures += 1
        if breaker.successes == 0 and breaker.failures >= self.breaker_threshold:
            breaker.trip(result)
            return True
        return False


class WorkQueue:
    """URLs for a fixed set of workers, host-aware (see the module's docstring)."""

    def __init__(self, urls: Iterable[tuple[str, str]], per_host: int) -> None:
        """`urls`: (host, URL) pairs, in the order they should start within each host."""
        self._pending: dict[str, deque[str]] = {}
        for host, url in urls:
            self._pending.setdefault(host, deque()).append(url)
        self._ready: deque[str] = deque(self._pending)  # hosts with URLs waiting and a free slot
        self._active: dict[str, int] = {}
        self._per_host = per_host
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def take(self) -> tuple[str, str] | None:
        """The next (host, URL) to check, waiting while every host with URLs left is busy;
        None when no URL is left."""
        while True:
            if self._ready:
                host = self._ready.popleft()
                queue = self._pending[host]
                url = queue.popleft()
                active = self._active[host] = self._active.get(host, 0) + 1
                if not queue:
                    del self._pending[host]
                    if not self._pending:
                        self._wake(everyone=True)  # nothing left to wait for
                elif active < self._per_host:
                    self._ready.append(host)  # its turn comes again after the others'
                return host, url
            if not self._pending:
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def done(self, host: str) -> None:
        """A URL of `host` is finished: its slot is free again."""
        active = self._active[host] = self._active[host] - 1
        if host in self._pending and active == self._per_host - 1:
            self._ready.append(host)
            self._wake()

    def _wake(self, everyone: bool = False) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not everyone:
                    return
