"""The HTTP transport under the checker: per-host pools of kept-alive HTTP/1.1 connections on
asyncio's protocol callbacks, answers parsed by llhttp (httptools).

* **Our connections, a C parser.** The checker limits requests per host itself, follows
  redirects itself and reads only a bounded prefix of each body, so what a general client adds
  (Request/Response models, URL validation for every request, a pool with its own locks and
  queue, a coroutine per socket read) is work it does not need. `_Connection` is an
  `asyncio.Protocol`: bytes go straight from the event loop into llhttp, Node.js's HTTP parser,
  and one future per exchange wakes the checker. CPU per URL on the check benchmark's 3,000
  URLs (its `[engine]` and `[reference]` lines): a plain httpx.AsyncClient 2.5 ms, httpcore's
  HTTP/1.1 connections (this module before) 0.47 ms, these 0.22 ms. What HTTP/1.1 asks of a
  client is kept and tested wire by wire: interim 1xx answers skipped, no body after HEAD,
  bodies that end with the connection, bare LF line ends read as h11 read them, a kept-alive
  connection the server closed as the request arrived retried once on a new one (RFC 9112
  §9.3.1), an answer head over 64 KiB refused, a header that could split the request never sent.
  URLs that need encoding (non-ASCII, IDNA) go through httpx's URL parser (`request_target`);
  proxied hosts go through httpcore's proxy pool and the archive client uses httpx.AsyncClient.
* **One small pool per host**, never more than `host_concurrency` idle connections; all share
  one SSL context; idle pools beyond `max_idle_pools` are closed, least recently used first.
  That budget follows the open-file limit (`idle_pool_budget`, up to 2,048 hosts): the work
  queue takes hosts in turn, and a pool evicted between two turns of its host means a new
  connection per request.
* **asyncio's TLS, not anyio's.** httpcore's default network layer goes through anyio (and
  does TLS in Python with memory BIOs); our connections, and `_Stream` under the archive client
  (linkcheck/clients.py), use the event loop's own transports and TLS.
* **It resolves names itself**, then connects to the address it resolved. With `deny_private`
  that address is checked first (`private_reason`), so a second DNS answer cannot slip past.
* **Proxies from the environment** (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, as curl
  and httpx read them): a proxied host gets httpcore's own proxy pool (forwarding for http,
  CONNECT for https). With `deny_private` the name is resolved and checked here first; one that
  does not resolve here is not sent.
* **A small receive buffer** (set before connecting, when it sizes the TCP window) keeps a huge
  body we stop reading after a bounded prefix from costing megabytes of transfer.
* **Its own errors.** No llhttp exception leaves this module, and linkcheck/clients.py turns
  httpcore's into the same tree where they arise (as httpx does with `map_httpcore_exceptions`),
  each carrying a plain reason that never quotes a request's headers::

      TransportError            base; `reason` is for people, `network` says "the host is not there"
      ├── ConnectFailed         DNS, refused, reset, TLS: nothing reached the server (network)
      ├── TimedOut              no answer in time (network)
      ├── ExchangeFailed        the connection broke after it was made
      ├── ProtocolFailure       the answer was not HTTP as we know it
      └── DeniedAddress         --deny-private: the address must not be contacted
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import itertools
import os
import re
import socket
import ssl
import urllib.parse
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httptools

from linkcheck.errors import ConfigError
from linkcheck.models import Reason

if TYPE_CHECKING:
    from linkcheck.clients import ProxyPool

__all__ = [
    "ConnectFailed",
    "DeniedAddress",
    "Exchange",
    "ExchangeFailed",
    "HostPools",
    "ProtocolFailure",
    "TimedOut",
    "TransportError",
    "decoded_body",
    "network_failure",
    "network_reason",
    "private_reason",
    "KEEPALIVE",
    "Resolver",
    "request_target",
    "RECEIVE_BUFFER",
]

RECEIVE_BUFFER = 128 * 1024
_METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public, not `is_private` before 3.11.4


def private_reason(address: str) -> str | None:
    """Why an IP address must not be contacted under --deny-private, or None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "a cloud metadata address"
    for test, reason in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (ip.version == 4 and ip in _SHARED, "a shared (carrier-grade NAT) address"),
    ):
        if test:
            return reason
    return None


class TransportError(Exception):
    """An exchange that did not happen; `reason` says why in plain words, `kind` to code."""

    network = False  # True: the failure says the host cannot be reached at all

    def __init__(self, reason: str, kind: Reason = Reason.CONNECTION) -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind


class ConnectFailed(TransportError):
    """No connection: DNS lookup, refused or reset connection, TLS handshake."""

    network = True


class TimedOut(TransportError):
    """The server did not connect, answer or accept data in time."""

    network = True


class ExchangeFailed(TransportError):
    """The connection broke after it was made (a read or write failed, a proxy refused)."""


class ProtocolFailure(TransportError):
    """The answer was not HTTP as we know it: a garbled status line, huge headers, a broken chunk."""


class DeniedAddress(TransportError):
    """--deny-private: the host resolved to an address that must not be contacted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, Reason.DENIED_ADDRESS)


def network_failure(exc: BaseException) -> tuple[Reason, str]:
    """What kind of network failure `exc` is, and a plain reason, from the first telling
    exception in its chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return Reason.DNS, f"DNS lookup failed: {seen.strerror or seen}"
        if isinstance(seen, ssl.SSLError):
            return Reason.TLS, f"TLS failure: {seen.reason or seen}"
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return Reason.REFUSED, "connection refused"
        if isinstance(seen, ConnectionResetError) or getattr(seen, "errno", None) == errno.ECONNRESET:
            return Reason.RESET, "connection reset"
        seen = seen.__cause__ or seen.__context__
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    for marker, kind, words in (
        ("name or service not known", Reason.DNS, "DNS lookup failed"),
        ("getaddrinfo", Reason.DNS, "DNS lookup failed"),
        ("name resolution", Reason.DNS, "DNS lookup failed"),
        ("refused", Reason.REFUSED, "connection refused"),
        ("ssl", Reason.TLS, "TLS failure"),
        ("certificate", Reason.TLS, "TLS failure"),
        ("reset", Reason.RESET, "connection reset"),
    ):
        if marker in lowered:
            if text.startswith(words):  # already said (raised by this module's own backend)
                return kind, text
            return kind, f"{words}: {text}"
    return Reason.CONNECTION, f"{type(exc).__name__}: {text}"


def network_reason(exc: BaseException) -> str:
    """A plain reason for a network failure (see `network_failure`)."""
    return network_failure(exc)[1]


class Resolver:
    """Opens connections (for our pools, and under httpcore's in linkcheck/clients.py): resolve,
    check the address (`deny_private`), connect. `trusted` (host, port) pairs are exempt from
    the check: endpoints a person configured by name, such as a local archive."""

    def __init__(self, deny_private: bool = False, trusted: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.deny_private = deny_private
        self.trusted = trusted

    async def open_socket(self, host: str, port: int) -> socket.socket:
        """Resolve, check the address, connect: a connected non-blocking socket. Raises
        socket.gaierror, OSError or DeniedAddress."""
        family, kind, proto, _, address = (await self.resolve(host, port))[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, address)
        except BaseException:
            sock.close()
            raise
        return sock

    async def resolve(self, host: str, port: int) -> list[Any]:
        """The host's addresses; with `deny_private`, DeniedAddress if any must not be contacted."""
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if self.deny_private and (host.lower(), port) not in self.trusted:
            for info in infos:
                reason = private_reason(str(info[4][0]))
                if reason is not None:
                    raise DeniedAddress(f"{host} resolves to {info[4][0]}, {reason} (--deny-private)")
        return infos

    async def check_before_proxy(self, host: str, port: int, timeout: float | None = None) -> None:
        """--deny-private through a proxy: the proxy resolves the name, so the best check is
        what it resolves to here; a name that does not resolve here is not sent at all."""
        if not self.deny_private or (host.lower(), port) in self.trusted:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.resolve(host, port)
        except (OSError, TimeoutError):
            raise DeniedAddress(
                f"{host} does not resolve here, so its address cannot be checked before "
                "it goes to the proxy (--deny-private)"
            ) from None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP exchange as plain data: the status, the raw header lines, and a bounded prefix
    of the body as it came off the wire (still content-encoded)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header (`name` in lower case), or None."""
        key = name.encode()
        for raw, value in self.headers:
            if raw.lower() == key:
                return value.decode("latin-1").strip()
        return None

    def header_list(self, name: str) -> list[str]:
        key = name.encode()
        return [value.decode("latin-1").strip() for raw, value in self.headers if raw.lower() == key]


def decoded_body(answer: Exchange, limit: int) -> bytes:
    """At most `limit` decoded bytes of the body prefix. Decompression is bounded, so a gzip
    bomb decodes to `limit` bytes, not gigabytes; an encoding we did not ask for gives b""."""
    encoding = (answer.header("content-encoding") or "identity").lower()
    if encoding in ("identity", ""):
        return answer.body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return b""  # the body then says nothing
    try:
        return zlib.decompressobj(47 if "gzip" in encoding else 15).decompress(answer.body, limit)
    except zlib.error:
        if encoding != "deflate":
            return b""
    try:  # "deflate" sent raw, without the zlib header
        return zlib.decompressobj(-15).decompress(answer.body, limit)
    except zlib.error:
        return b""


_Key = tuple[bytes, bytes, int]
KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default)
_DEFAULT_PORT = {b"http": 80, b"https": 443}
# URLs made only of these characters go to httpcore as written; anything else (non-ASCII, spaces,
# quotes) is percent-encoded and IDNA-encoded by httpx's URL parser first.
_PLAIN_URL_RE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::(\d{1,5}))?(/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?", re.I)


def plain_path(url: str) -> str | None:
    """The path of a plain http(s) URL — ASCII host, a valid port, nothing but URL characters
    after it, so that nothing in it needs checking or encoding — or None for any other URL."""
    plain = _PLAIN_URL_RE.fullmatch(url)
    if plain is None or (plain.group(3) and not 0 < int(plain.group(3)) < 65536):
        return None
    return (plain.group(4) or "").partition("?")[0]


@functools.lru_cache(maxsize=1 << 16)
def request_target(url: str) -> tuple[_Key, bytes, bytes]:
    """((scheme, host, port), Host header, request target) for an http(s) URL. Raises
    ValueError for a URL that cannot be requested."""
    plain = _PLAIN_URL_RE.fullmatch(url)
    if plain is not None:
        scheme, host, port, target = plain.groups()
        scheme, host = scheme.lower(), host.lower()
        number = int(port) if port else _DEFAULT_PORT[scheme.encode()]
        if not 0 < number < 65536:
            raise ValueError(f"port out of range: {port}")
        netloc = f"{host}:{port}" if port else host
        return (scheme.encode(), host.encode(), number), netloc.encode(), (target or "/").encode()
    import httpx  # only for URLs that need encoding: its import is a start-up cost

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(str(exc)) from None
    scheme = parsed.raw_scheme
    port = parsed.port or _DEFAULT_PORT.get(scheme, 0)
    host = parsed.raw_host
    netloc = b"[%b]" % host if b":" in host else host
    if parsed.port is not None:
        netloc += b":%d" % parsed.port
    return (scheme, host, port), netloc, parsed.raw_path


def idle_pool_budget() -> int:
    """How many hosts keep idle connections: the work queue takes hosts in turn, so a run over
    many hosts reuses a connection only if its host's pool outlives a whole turn (100,000 URLs
    on 1,000 hosts with 128 pools: a new connection for every request). Bounded by the open-file
    limit — raised to its hard ceiling (at most 16,384) first, as servers do — with room for
    `host_concurrency` connections a pool and the run's other files: at most 2,048."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to read
        return 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 16_384 if hard == resource.RLIM_INFINITY else min(hard, 16_384)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return 2_048 if soft == resource.RLIM_INFINITY else max(16, min(2_048, soft // 8))


def without_credentials(url: str) -> str:
    """A proxy URL fit to be shown: a password in it becomes `***` (the user name stays)."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        return parts._replace(netloc=f"{user}:***@{host}").geturl()
    except ValueError:
        return "(a proxy URL that cannot be parsed)"


_MAX_HEAD = 64 * 1024  # the largest answer head accepted (h11's limit too)
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(rb"(?:[\x21-\x7e\x80-\xff](?:[ \t\x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?")


@functools.lru_cache(maxsize=4096)
def _header_line(name: bytes, value: bytes) -> bytes:
    """`Name: value` and its line end; ValueError for a header that is not valid HTTP (a line
    break in it could start a header or a request of its own)."""
    if _TOKEN.fullmatch(name) is None or _FIELD_VALUE.fullmatch(value) is None:
        raise ValueError("not a valid header")
    return b"%s: %s\r\n" % (name, value)


# What llhttp refuses and real servers send, as h11 (and browsers) read it: bare LF line ends
# (RFC 9112 §2.2), obs-fold and stray control characters in header values (§5.2), both
# Content-Length and chunking (§6.3: the chunking wins; the connection is then not reused), a
# space after a chunk's size. A client risks nothing by reading them: smuggling is a
# server's and an intermediary's concern, and no answer here is ever passed on.
_LENIENT = {
    "lenient_optional_cr_before_lf": True,
    "lenient_headers": True,
    "lenient_chunked_length": True,
    "lenient_spaces_after_chunk_size": True,
}
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})


class _Unasked(Exception):
    """Stops the parser at a second message after the answer: the answer stands, and the
    connection that carried more than it was asked for is not reused."""


class _HeadOnly(Exception):
    """Stops the parser once a HEAD answer's head is read: no body follows, whatever it says."""


class _Stale(Exception):
    """A kept-alive connection closed by the server before it answered: send again on a new one."""


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection, one exchange at a time, driven by asyncio's callbacks and
    parsed by llhttp (httptools): no stream objects and no coroutine per read. An exchange ends
    when the answer is complete, when `limit` bytes of its body have come, or on a failure;
    only a complete answer that allows keep-alive leaves the connection `reusable`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False  # by either side: never to be reused
        self.used = False  # carried an exchange before the current one
        self.idle_since = 0.0
        self._begin(b"GET", 0, 0.0)

    def _begin(self, method: bytes, limit: int, timeout: float) -> None:
        self._head_only, self._limit, self._timeout = method == b"HEAD", limit, timeout
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = self._head_size = 0
        self._headed = self._complete = self._keep_alive = self._upgraded = False
        self._framing = 0  # Content-Length and Transfer-Encoding fields seen
        self._head_parts: list[bytes] = []  # what came before the head was whole: read again if repaired
        self._repaired = False
        self._last = self._loop.time()

    # ------------------------------------------------------------------ the exchange

    async def exchange(self, head: bytes, method: bytes, limit: int, timeout: float) -> Exchange:
        """Send `head` (a request without a body) and read the answer. Raises TransportError,
        or `_Stale` if a reused connection turns out closed before any answer came."""
        transport = self._transport
        if not self.reusable or transport is None:
            raise _Stale()
        self._begin(method, limit, timeout)
        parser = self._parser = httptools.HttpResponseParser(self)
        parser.set_dangerous_leniencies(**_LENIENT)
        waiter = self._waiter = self._loop.create_future()
        self._timer = self._loop.call_at(self._last + timeout, self._idle)
        try:
            transport.write(head)
            await waiter
        except BaseException:
            self.close()  # failed or cancelled mid-answer: the rest of it must not meet the next request
            raise
        finally:
            self._parser = self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
            self.used = True
        if not (self._complete and self._keep_alive):
            self.close()
        self.idle_since = self._loop.time()
        return Exchange(self.status, self.headers, b"".join(self._body)[: self._limit])

    @property
    def reusable(self) -> bool:
        return not self.closed and self._transport is not None and not self._transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.abort()  # what is unread is dropped, not drained

    def _finish(self, error: BaseException | None = None) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    def _idle(self) -> None:
        """The read timeout: no byte for `timeout` seconds (each byte restarts it, as a read
        timeout does; the checker bounds the whole request besides)."""
        due = self._last + self._timeout
        if self._loop.time() >= due - 0.001:
            self._finish(TimedOut("read timed out", Reason.TIMEOUT))
        elif self._waiter is not None:
            self._timer = self._loop.call_at(due, self._idle)

    # ------------------------------------------------------------------ asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's are not asyncio.Transport subclasses

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None or self._waiter is None or self._waiter.done():
            self.close()  # a server talking out of turn is not trusted with the next request
            return
        self._last = self._loop.time()
        if not self._headed:
            self._head_size += len(data)
            self._head_parts.append(data)
        self._feed(parser, data)

    def _feed(self, parser: httptools.HttpResponseParser, data: bytes) -> None:
        repaired = None
        try:
            parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _HeadOnly):
                # Reused only if nothing followed the head (a body sent to HEAD would meet the next request).
                end = _HEAD_END.search(data)
                self._complete = end is not None and not data[end.end() :].strip()
            elif isinstance(cause, _Unasked):
                self._keep_alive = False
            else:
                self._finish(cause or exc)
                return
        except httptools.HttpParserUpgrade:
            self._upgraded = True  # a protocol switch nobody asked for: the answer stands, the connection goes
        except httptools.HttpParserError as exc:
            if self._complete:
                self._keep_alive = False  # bytes after a complete answer: it stands, the connection goes
            elif not (self._headed or self._repaired) and (repaired := _one_length(b"".join(self._head_parts))):
                # Once per answer: a server dribbling duplicates would have the head re-read for each.
                pass  # read again below, outside this handler (its exception would become the context of the next)
            else:
                self._finish(_invalid(str(exc)))
                return
        if repaired is not None:
            self._restart(repaired)
            return
        if not self._headed:
            if self._head_size > _MAX_HEAD:
                self._finish(_invalid("a head larger than 64 KiB"))
        elif self._complete or self._head_only or self._upgraded or self._size >= self._limit:
            self._finish()

    def _restart(self, received: bytes) -> None:
        """Read the answer again from its first byte, as `_one_length` repaired it, with a new
        parser; the connection is not reused after it."""
        self._begin(b"HEAD" if self._head_only else b"GET", self._limit, self._timeout)
        self._repaired = True
        parser = self._parser = httptools.HttpResponseParser(self)
        parser.set_dangerous_leniencies(**_LENIENT)
        self._head_size = len(received)
        self._head_parts.append(received)
        self._feed(parser, received)

    def eof_received(self) -> bool:
        self._ended(None)
        return False  # asyncio then closes the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)

    def _ended(self, exc: Exception | None) -> None:
        """The server closed the connection, or it broke. An answer whose head came stands with
        the body read so far (a body may end with the connection); before that, it failed."""
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._headed:
            self._finish()
        elif not self._head_size and self.used:
            self._finish(_Stale())  # closed while it sat idle, noticed only now
        elif exc is not None:
            kind, reason = network_failure(exc)
            self._finish(ExchangeFailed(reason, kind))
        elif self._head_size:
            self._finish(_invalid("the connection closed in the middle of the answer's head"))
        else:
            self._finish(_invalid("the server closed the connection without answering"))

    # ------------------------------------------------------------------ llhttp's callbacks

    def on_message_begin(self) -> None:
        if self._headed:
            raise _Unasked()
        self.headers = []  # after an interim 1xx answer: the real one's
        self._framing = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        if name.lower() in _FRAMING:
            self._framing += 1

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            return  # interim (100 Continue, 103 Early Hints): the answer is still to come
        self.status, self._headed = status, True
        if self._head_only:
            self._keep_alive = self._parser.should_keep_alive() and self._framing < 2 and not self._repaired
            raise _HeadOnly()

    def on_body(self, body: bytes) -> None:
        if self._size < self._limit:
            self._body.append(body)
        self._size += len(body)

    def on_message_complete(self) -> None:
        if self._headed:
            assert self._parser is not None
            # Framed two ways (or one way twice): read as the chunking says, never trusted again.
            keep = self._parser.should_keep_alive() and self._framing < 2 and not self._repaired
            self._complete, self._keep_alive = True, keep


_LENGTH_LINE = re.compile(rb"^content-length[ \t]*:[ \t]*([^\r\n]*)\r?\n", re.I | re.M)


def _one_length(received: bytes) -> bytes | None:
    """`received` with its Content-Length said once, when the head says it more than once and
    every time the same — two fields, or `42, 42` (RFC 9110 §8.6 lets a recipient take either
    as 42, and browsers do); None otherwise (different lengths are refused, as h11 does)."""
    first = _LENGTH_LINE.search(received)
    if first is None:
        return None
    end = _HEAD_END.search(received, first.start())  # the end of its head (interim heads come before)
    head = received[: end.end()] if end else received
    lines = list(_LENGTH_LINE.finditer(head, first.start()))
    values = [value.strip() for line in lines for value in line.group(1).split(b",")]
    if len(values) < 2 or len(set(values)) != 1 or not values[0].isdigit():
        return None
    pieces, last = [], 0
    for line in lines:
        pieces.append(head[last : line.start()])
        last = line.end()
    pieces.insert(1, b"Content-Length: %s\r\n" % values[0])
    return b"".join(pieces) + received[last:]


def _invalid(why: str) -> ProtocolFailure:
    return ProtocolFailure(f"invalid HTTP response: {why}", Reason.INVALID_HTTP)


def _request_head(method: str, target: bytes, host: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A request's head: request line, Host, the headers. ProtocolFailure for a header that is
    not valid HTTP, in words that never quote it (its value may be a secret)."""
    try:
        lines = b"".join([_header_line(name, value) for name, value in headers])
    except ValueError:
        raise ProtocolFailure("the request could not be sent: it is not valid HTTP", Reason.INVALID_HTTP) from None
    return b"%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (method.encode(), target, host, lines)


class _HostPool:
    """Kept-alive HTTP/1.1 connections to one origin. The checker's per-host semaphore bounds
    how many are in use at once; this keeps at most `keep` idle ones."""

    def __init__(self, key: _Key, keep: int) -> None:
        self.key, self.keep = key, keep
        self.idle: list[_Connection] = []

    def take(self, now: float) -> _Connection | None:
        """An idle connection that has not expired or been closed by the server, if any."""
        while self.idle:
            connection = self.idle.pop()
            if connection.reusable and now - connection.idle_since < KEEPALIVE:
                return connection
            connection.close()
        return None

    def put(self, connection: _Connection) -> None:
        if connection.reusable and len(self.idle) < self.keep:
            self.idle.append(connection)
        else:  # closed after an unfinished answer, or one too many
            connection.close()

    async def aclose(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


def _environment_proxies() -> dict[str, str]:
    """The proxies the environment names, as urllib reads them; urllib.request (9 ms to
    import) only when a `*_proxy` variable is set at all."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return {}
    import urllib.request

    return urllib.request.getproxies_environment()


class HostPools:
    """Per-host pools of our HTTP/1.1 connections (httpcore's proxy pools for proxied hosts) on
    one SSL context and one resolver (see the module's docstring). `exchange` is the whole interface."""

    def __init__(
        self,
        host_concurrency: int,
        *,
        deny_private: bool = False,
        max_idle_pools: int | None = None,
        proxies: dict[str, str] | None = None,
    ) -> None:
        self._concurrency = host_concurrency
        self._resolver = Resolver(deny_private)
        self._max_idle = idle_pool_budget() if max_idle_pools is None else max_idle_pools
        self._pools: dict[_Key, _HostPool | ProxyPool] = {}
        self._busy: dict[_Key, int] = {}
        # scheme → proxy URL, plus "no" for the hosts that bypass it; by default from the
        # environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as curl and httpx read it.
        self._proxies = _environment_proxies() if proxies is None else proxies
        for scheme in ("http", "https", "all"):
            proxy = self._proxies.get(scheme)
            if proxy and not proxy.lower().startswith(("http://", "https://")):
                shown = without_credentials(proxy)
                raise ConfigError(f"{scheme}_proxy={shown}: only http:// and https:// proxies are supported")

    @functools.cached_property
    def _ssl(self) -> ssl.SSLContext:
        """Made at the first https connection: loading the system's certificates takes 25 ms,
        which a run of http links (or one that stops early) need not wait for."""
        context = ssl.create_default_context()
        context.set_alpn_protocols(["http/1.1"])
        return context

    def _proxy_for(self, key: _Key) -> str | None:
        if not self._proxies:
            return None
        scheme, host = key[0].decode(), key[1].decode()
        import urllib.request

        if urllib.request.proxy_bypass_environment(host, self._proxies):  # type: ignore[attr-defined]  # not in typeshed
            return None
        return self._proxies.get(scheme) or self._proxies.get("all")

    async def exchange(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], timeout: float, body_limit: int = 0
    ) -> Exchange:
        """Send one request and read at most `body_limit` bytes of the answer's body; the rest
        is never read (a connection left with an unfinished answer is closed). Raises
        `TransportError` (see the module's docstring), or ValueError for a URL that cannot be requested."""
        key, host, target = request_target(url)
        pool = self._pools.pop(key, None) or self._new_pool(key)
        self._pools[key] = pool  # re-inserted: dict order is least recently used first
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            if isinstance(pool, _HostPool):
                return await self._send(
                    pool, method.encode(), _request_head(method, target, host, headers), body_limit, timeout
                )
            return await pool.exchange(method, key, host, target, headers, timeout, body_limit)
        finally:
            self._busy[key] -= 1
            await self._evict()

    def _new_pool(self, key: _Key) -> _HostPool | ProxyPool:
        proxy = self._proxy_for(key)
        if proxy is None:
            return _HostPool(key, self._concurrency)
        from linkcheck.clients import ProxyPool  # httpcore: imported only when a proxy is used

        return ProxyPool(proxy, self._ssl, self._concurrency, self._resolver)

    async def _send(self, pool: _HostPool, method: bytes, head: bytes, limit: int, timeout: float) -> Exchange:
        """Send on a kept-alive connection if there is one, else on a new one. A kept-alive
        connection the server closed just as it was reused fails before any answer: the
        request (GET or HEAD, safe to repeat) then goes once more on a new connection."""
        connection = pool.take(asyncio.get_running_loop().time())
        if connection is not None:
            try:
                answer = await connection.exchange(head, method, limit, timeout)
            except _Stale:
                pass
            else:
                pool.put(connection)
                return answer
        connection = await self._connect(pool.key, timeout)
        try:
            answer = await connection.exchange(head, method, limit, timeout)
        except _Stale:
            raise ExchangeFailed("the connection closed before the request was sent") from None
        pool.put(connection)
        return answer

    async def _connect(self, key: _Key, timeout: float) -> _Connection:
        """A new connection to `key`'s origin, TLS included for https. The socket is closed on
        any failure, a cancellation mid-handshake too."""
        scheme, host = key[0], key[1].decode("ascii")
        loop = asyncio.get_running_loop()
        sock: socket.socket | None = None
        try:
            async with asyncio.timeout(timeout):
                sock = await self._resolver.open_socket(host, key[2])
                tls = self._ssl if scheme == b"https" else None
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), sock=sock, ssl=tls, server_hostname=host if tls else None
                )
                return connection
        except BaseException as exc:
            if sock is not None:
                sock.close()
            if isinstance(exc, TimeoutError):
                raise TimedOut(
                    "connect timed out" if sock is None else "TLS handshake timed out", Reason.TIMEOUT
                ) from None
            if isinstance(exc, OSError):  # ssl.SSLError and socket.gaierror too
                kind, reason = network_failure(exc)
                raise ConnectFailed(reason, kind) from None
            raise

    async def _evict(self) -> None:
        """Close the least recently used idle pools beyond `max_idle_pools`."""
        excess = len(self._pools) - self._max_idle
        if excess > 0:
            for key in list(itertools.islice((k for k in self._pools if not self._busy.get(k)), excess)):
                await self._pools.pop(key).aclose()
                self._busy.pop(key, None)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def __aenter__(self) -> HostPools:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
