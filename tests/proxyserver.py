"""A forward HTTP proxy on loopback for tests: absolute-form requests are forwarded, CONNECT is
tunnelled. It records each connection's first request line in `seen`; after that it only pipes
bytes (enough for clients that keep one connection per origin, as linkcheck's pools do)."""

from __future__ import annotations

import asyncio
import base64
import threading
from urllib.parse import urlsplit


class Proxy:
    def __init__(self, host: str = "127.0.0.70", credentials: str | None = None) -> None:
        self.host, self.port = host, 0
        self.credentials = credentials  # if set, "user:password" that Proxy-Authorization must carry
        self.seen: list[str] = []
        self.authorizations: list[str | None] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Proxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, self.host, 0), self._loop)
        self._server = future.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await reader.readline()).decode("latin-1")
            if not line:
                return
            self.seen.append(line.strip())
            method, target, version = line.split(" ", 2)
            head = b""
            while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                head += header
            authorization = next(
                (
                    h.split(b":", 1)[1].strip().decode("latin-1")
                    for h in head.splitlines()
                    if h.lower().startswith(b"proxy-authorization:")
                ),
                None,
            )
            self.authorizations.append(authorization)
            if self.credentials is not None:
                expected = "Basic " + base64.b64encode(self.credentials.encode()).decode()
                if authorization != expected:
                    writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                # Proxy-Authorization is for the proxy (hop-by-hop): never forwarded.
                forwarded = b"".join(h + b"\r\n" for h in head.splitlines() if not h.lower().startswith(b"proxy-"))
                up_writer.write(f"{method} {path} {version}".encode("latin-1") + forwarded + b"\r\n")
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (ConnectionError, asyncio.CancelledError, ValueError, OSError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
