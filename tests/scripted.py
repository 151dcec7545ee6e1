"""A raw HTTP server for the wire-level cases `tests/webserver.py` cannot play: each answer is
written byte for byte by the test, per connection and per request.

`script(connection, request, head)` gets the connection's number (from 0), the request's
number on that connection (from 0) and the request's head, and returns the bytes to send; a
list sends its parts one at a time with a pause between them (a server that streams), None
closes the connection without answering. With `close`, each answer ends with the connection;
with `tls` (a server-side SSL context), connections are TLS.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable

Script = Callable[[int, int, bytes], bytes | list[bytes] | None]


class Scripted:
    def __init__(
        self, host: str, script: Script, pause: float = 0.05, close: bool = False, tls: ssl.SSLContext | None = None
    ) -> None:
        self.script, self.pause, self.close, self.tls = script, pause, close, tls
        self.listener = socket.create_server((host, 0))
        self.port: int = self.listener.getsockname()[1]
        self.host = host
        self.connections = 0
        self.requests: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def url(self, path: str) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            number = self.connections
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        buffer = b""
        sock.settimeout(10)
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                sock.close()
                return
        with sock:
            for request in range(1_000):  # bounded: no test sends more on one connection
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.requests.append(head)
                answer = self.script(number, request, head)
                if answer is None:
                    return
                try:
                    for i, part in enumerate([answer] if isinstance(answer, bytes) else answer):
                        if i:
                            time.sleep(self.pause)
                        sock.sendall(part)
                except OSError:
                    return
                if self.close:
                    return

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.listener.close()
        self._accepting.join(5)
