"""httpx and httpcore on the transport's network layer: the proxy pools under the checker
(imported the first time a host goes through a proxy) and the archive services' httpx client.

The archive client connects through `transport.Resolver`, and a proxied host's name is checked
by it before the request goes to the proxy, so --deny-private holds for every request,
redirects and proxied ones included. Failures come out as the transport's own errors
(`_translated`, as httpx does with `map_httpcore_exceptions`) or as httpx's (`AddressDenied`).
The checker's direct connections do not come here (transport.py): importing httpx and httpcore
alone takes about 45 ms, a tenth of a small run's start-up.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import urllib.parse
import urllib.request
from typing import Any

import httpcore
import httpx

from linkcheck.models import Reason
from linkcheck.transport import (
    KEEPALIVE,
    ConnectFailed,
    DeniedAddress,
    Exchange,
    ExchangeFailed,
    ProtocolFailure,
    Resolver,
    TimedOut,
    TransportError,
    network_failure,
)

__all__ = ["AddressDenied", "AsyncioBackend", "ProxyPool", "guarded_client"]


def _translated(exc: Exception) -> TransportError:
    """httpcore's exception (or an OSError under it) as one of ours."""
    if isinstance(exc, httpcore.TimeoutException):
        return TimedOut(type(exc).__name__, Reason.TIMEOUT)
    if isinstance(exc, httpcore.LocalProtocolError):
        # Our own request was refused by the HTTP layer, whose message may quote a header's
        # value (a secret): say what happened, never what it said.
        return ProtocolFailure("the request could not be sent: it is not valid HTTP", Reason.INVALID_HTTP)
    if isinstance(exc, httpcore.RemoteProtocolError):
        return ProtocolFailure(f"invalid HTTP response: {exc}", Reason.INVALID_HTTP)
    kind, reason = network_failure(exc)
    if isinstance(exc, (httpcore.ConnectError, OSError)):
        return ConnectFailed(reason, kind)
    return ExchangeFailed(reason, kind)


def _socket_readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: for a kept-alive connection, that the
    server closed it (or broke the protocol). A closed descriptor counts as readable."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """A connected socket; asyncio's streams are opened on it at first use, with TLS if that is
    asked for first (so no byte is read before the TLS layer can see it)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(sock=self._sock)
        return self._reader, self._writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                reader = self._reader or (await self._streams())[0]
                return await reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("read timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            writer = self._writer or (await self._streams())[1]
            writer.write(buffer)
            if writer.transport.get_write_buffer_size():  # the kernel did not take it all at once
                async with asyncio.timeout(timeout):
                    await writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("write timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
        else:
            self._sock.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    sock=self._sock, ssl=ssl_context, server_hostname=server_hostname or ""
                )
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (ssl.SSLError, OSError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked before a kept-alive connection is reused
            # asyncio reads ahead: an end of stream may already sit in the reader, not the socket.
            reader = self._reader
            return (reader is not None and (reader.at_eof() or reader.exception() is not None)) or _socket_readable(
                self._sock
            )
        if self._writer is None:
            return {"socket": self._sock}.get(info)
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer on the transport's `Resolver`: resolve, check the address
    (`deny_private`), connect, with asyncio's own sockets and TLS."""

    def __init__(self, deny_private: bool = False, trusted: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.resolver = Resolver(deny_private, trusted)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> _Stream:
        try:
            async with asyncio.timeout(timeout):
                sock = await self.resolver.open_socket(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("connect timed out") from exc
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"DNS lookup failed: {exc.strerror or exc}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return _Stream(sock)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AddressDenied(httpx.ConnectError):
    """`DeniedAddress` as httpx's error, for the archive client (whose callers handle httpx's)."""


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on this module's network layer, so that the archive client's requests
    (redirects included) meet the same address policy as the checker's."""

    def __init__(self, backend: AsyncioBackend, max_connections: int) -> None:
        super().__init__()
        # httpx's transport offers no way to choose the network layer; its pool does.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=max_connections, network_backend=backend
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except DeniedAddress as exc:
            raise AddressDenied(exc.reason, request=request) from None


def guarded_client(
    *, deny_private: bool, trusted: frozenset[tuple[str, int]], max_connections: int, **settings: Any
) -> httpx.AsyncClient:
    """An httpx client whose every request (redirects and proxied ones included) goes through
    the --deny-private policy. A proxy resolves names itself, so for a proxied request the name
    is resolved and checked here first, as the checker does."""
    backend = AsyncioBackend(deny_private, trusted)

    async def before(request: httpx.Request) -> None:
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            await backend.resolver.check_before_proxy(request.url.host, port)
        except DeniedAddress as exc:
            raise AddressDenied(exc.reason, request=request) from None

    return httpx.AsyncClient(
        transport=_GuardedTransport(backend, max_connections),
        limits=httpx.Limits(max_connections=max_connections),
        event_hooks={"request": [before]} if deny_private and urllib.request.getproxies() else {},
        **settings,
    )


class ProxyPool:
    """A proxied host's connections: httpcore's proxy pool (forwarding for http, CONNECT for
    https). Credentials in the proxy's URL (http://user:password@proxy:3128) become its
    Proxy-Authorization. With --deny-private the name is resolved and checked here first."""

    def __init__(self, proxy: str, ssl_context: ssl.SSLContext, concurrency: int, resolver: Resolver) -> None:
        parts = urllib.parse.urlsplit(proxy)
        auth = None
        if parts.username is not None:
            auth = (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
            proxy = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        self._resolver = resolver
        self._pool = httpcore.AsyncHTTPProxy(
            proxy, proxy_auth=auth, ssl_context=ssl_context, max_connections=concurrency, keepalive_expiry=KEEPALIVE
        )

    async def exchange(
        self,
        method: str,
        key: tuple[bytes, bytes, int],
        host: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        timeout: float,
        body_limit: int,
    ) -> Exchange:
        request = httpcore.Request(
            method.encode(),
            httpcore.URL(scheme=key[0], host=key[1], port=key[2], target=target),
            headers=[(b"Host", host), *headers],
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}},
        )
        try:
            await self._resolver.check_before_proxy(key[1].decode(), key[2], timeout)
            response = await self._pool.handle_async_request(request)
            return Exchange(response.status, response.headers, await _read_prefix(response, body_limit))
        except (
            httpcore.TimeoutException,
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.ProxyError,
            httpcore.UnsupportedProtocol,
            httpcore.ConnectionNotAvailable,
            OSError,
        ) as exc:
            raise _translated(exc) from None

    async def aclose(self) -> None:
        await self._pool.aclose()


async def _read_prefix(response: httpcore.Response, limit: int) -> bytes:
    """At most `limit` bytes of the body; the response is closed either way."""
    chunks: list[bytes] = []
    size = 0
    try:
        if limit > 0:
            async for chunk in response.aiter_stream():
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
    finally:
        await response.aclose()
    return b"".join(chunks)[:limit]
