"""A second, independent test web for the benchmarks: aiohttp's server in its own process.

`tests/webserver.py` (the first test web) is a hand-written asyncio server in the benchmark's
own process that sends a small answer's head and body in one segment with a Content-Length and
keeps connections open as long as the client wants. This one differs where a server can make a
client slow or fast:

* another HTTP implementation (aiohttp's parser and writer, not ours);
* its own process, so it does not share the benchmark's interpreter;
* each answer streamed: the head is sent, then the body in a separate write with chunked
  transfer encoding (`StreamResponse`), as dynamic pages are;
* keep-alive ended by the server: an idle connection is closed after 0.5 s (aiohttp's own
  default is 75 s; nginx's 75 s, Apache's 5 s), so a client must notice closed connections.

Every host is an address of 127.3.0.0/16 (127.3.0.1, 127.3.0.2, …), all on one port.
`GET /__peak` on the first host answers the most requests in flight on one host since the last
call, and resets it.

    python benchmarks/aioweb.py --hosts 100 --delay 0.1     (prints "port N", serves until stdin closes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

BODY = b"<html><head><title>An article</title></head><body>Text.</body></html>"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def serve(hosts: list[str], delay: float) -> None:
    from aiohttp import web  # here: the benchmark imports `addresses` without needing aiohttp

    in_flight: Counter[str] = Counter()
    peak = 0

    async def article(request: web.Request) -> web.StreamResponse:
        nonlocal peak
        host = request.host.split(":")[0]
        in_flight[host] += 1
        peak = max(peak, in_flight[host])
        try:
            await asyncio.sleep(delay)
        finally:
            in_flight[host] -= 1
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if request.method != "HEAD":
            await response.write(BODY)
        await response.write_eof()
        return response

    async def report_peak(request: web.Request) -> web.Response:
        nonlocal peak
        answer, peak = peak, 0
        return web.Response(text=json.dumps({"peak": answer}))

    app = web.Application()
    app.router.add_get("/__peak", report_peak)
    app.router.add_route("*", "/{tail:.*}", article)
    runner = web.AppRunner(app, keepalive_timeout=0.5, access_log=None, handle_signals=False)
    await runner.setup()
    port = free_port(hosts[0])
    for host in hosts:
        await web.TCPSite(runner, host, port, backlog=1024, reuse_address=True).start()
    print(f"port {port}", flush=True)
    # Serve until the benchmark closes our stdin (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    asyncio.run(serve(addresses(args.hosts), args.delay))


def addresses(count: int, network: int = 3) -> list[str]:
    """`count` loopback addresses in 127.`network`.0.0/16: 127.3.0.1 … 127.3.0.250, 127.3.1.1, …"""
    return [f"127.{network}.{i // 250}.{i % 250 + 1}" for i in range(count)]


if __name__ == "__main__":
    main()
