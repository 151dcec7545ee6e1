"""A real HTTP/1.1 server on loopback for tests and benchmarks, with full control of behaviour.

Each `Web` binds one address (127.0.0.2, 127.0.0.3, … are distinct hosts on Linux) in a
background thread and counts requests in flight, so tests can assert per-host politeness.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"<html><head><title>An article</title></head><body>Text.</body></html>"
    delay: float = 0.0
    hang: bool = False  # accept the request, never answer
    endless: bool = False  # stream a body forever (counted in `Web.sent`)
    trickle: float = 0.0  # if set: send the head, then one body byte every `trickle` seconds, forever
    raw: bytes | None = None  # send exactly these bytes as the whole response, then close


Handler = Callable[[str, str, dict[str, str]], Reply | Awaitable[Reply]]


class Web:
    def __init__(self, host: str = "127.0.0.1", share: Web | None = None) -> None:
        self.host = host
        self.port = 0
        self.routes: dict[str, Handler | Reply] = {}
        self.fallback: Handler | Reply = Reply(404, body=b"<title>Not Found</title>")
        self.in_flight = 0
        self.peak = 0
        self.hits: Counter[tuple[str, str]] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self.sent = 0
        self.connections = 0  # accepted so far
        self.answered: list[float] | None = None  # if a list: the wall-clock time of each answer sent
        self.open_connections = 0  # accepted and not yet closed
        # `share`: serve from another Web's event loop (one thread for many hosts, as a
        # benchmark needs, instead of one GIL-contending thread each).
        self._owner = share is None
        self._loop: asyncio.AbstractEventLoop = asyncio.new_event_loop() if share is None else share._loop
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread = (
            threading.Thread(target=self._loop.run_forever, daemon=True) if share is None else share._thread
        )

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> Web:
        if self._owner:
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, 0, backlog=1024), self._loop
        )
        self._server = future.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def _close() -> None:
            assert self._server is not None
            self._server.close()
            if self._owner:
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()

        asyncio.run_coroutine_threadsafe(_close(), self._loop).result(10)
        if self._owner:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_connections += 1
        # A small send buffer, so that `sent` is close to what the client actually received.
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if headers.get("content-length", "0").isdigit() and int(headers.get("content-length", "0")):
                    # A request body reaches handlers as the pseudo-header ":body" (no real header starts with ":").
                    headers[":body"] = (await reader.readexactly(int(headers["content-length"]))).decode("latin-1")
                self.hits[(method, path)] += 1
                self.seen_headers.append(headers)
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
                try:
                    route = self.routes.get(path) or self.routes.get(path.split("?")[0]) or self.fallback
                    reply = route if isinstance(route, Reply) else route(method, path, headers)
                    if not isinstance(reply, Reply):
                        reply = await reply
                    if reply.delay:
                        await asyncio.sleep(reply.delay)
                    if reply.hang:
                        await asyncio.sleep(3600)
                finally:
                    self.in_flight -= 1
                if not await self._write(writer, method, reply):
                    return
                if self.answered is not None:
                    self.answered.append(time.time())
        except (ConnectionError, asyncio.CancelledError, ValueError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()

    async def _write(self, writer: asyncio.StreamWriter, method: str, reply: Reply) -> bool:
        if reply.raw is not None:
            writer.write(reply.raw)
            await writer.drain()
            return False
        head = [f"HTTP/1.1 {reply.status} X"]
        headers = {"content-type": "text/html; charset=utf-8", **{k.lower(): v for k, v in reply.headers.items()}}
        if reply.endless or reply.trickle:
            headers["content-length"] = str(200 * 2**20)
        else:
            headers.setdefault("content-length", str(len(reply.body)))
        head += [f"{k}: {v}" for k, v in headers.items()]
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if method == "HEAD" or not (reply.endless or reply.trickle):
            # Head and a small body in one segment, as real servers send small pages.
            writer.write(head_bytes + (b"" if method == "HEAD" else reply.body))
            await writer.drain()
            return True
        writer.write(head_bytes)
        if reply.trickle:
            while True:
                writer.write(b"x")
                await writer.drain()
                self.sent += 1
                await asyncio.sleep(reply.trickle)
        if reply.endless:
            chunk = b"x" * 65536
            while True:
                writer.write(chunk)
                await writer.drain()
                self.sent += len(chunk)
        return True
