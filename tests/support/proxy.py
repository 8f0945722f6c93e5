"""A recording HTTP proxy in front of the simulated partners: a gateway process's adapter is pointed at
it (<PARTNER>_BASE_URL = proxy URL + the partner's usual path, so signed paths stay the same), and
the test sees every call the partner got, and can slow a call down or hold it (the request never
reaches the partner unless released)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


@dataclass
class Call:
    method: str
    path: str
    body: bytes
    at: float


Match = Callable[[Call], bool]


@dataclass
class PartnerProxy:
    upstream: str  # the partner's server root, e.g. http://127.0.0.1:8000; paths are forwarded as they are
    server: ThreadingHTTPServer | None = None
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delays: list[tuple[Match, float]] = field(default_factory=list)
    hold_match: Match | None = None
    held: threading.Event = field(default_factory=threading.Event)
    _decision: threading.Event = field(default_factory=threading.Event)
    _forward_held: bool = False

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def calls_to(self, suffix: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path.split("?", 1)[0].endswith(suffix)]

    def slow(self, match: Match, seconds: float) -> None:
        """Calls that match reach the partner only after `seconds`."""
        self.delays.append((match, seconds))

    def hold_next(self, match: Match) -> None:
        """The next matching call is held here (not forwarded) until release() or drop()."""
        self.held.clear()
        self._decision.clear()
        self.hold_match = match

    def release(self) -> None:
        self._forward_held = True
        self._decision.set()

    def drop(self) -> None:
        """The held call never reaches the partner (it was lost on the way)."""
        self._forward_held = False
        self._decision.set()

    def close(self) -> None:
        self._decision.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def start_proxy(upstream: str) -> PartnerProxy:
    proxy = PartnerProxy(upstream=upstream.rstrip("/"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            call = Call(self.command, self.path, body, time.time())
            with proxy.lock:
                proxy.calls.append(call)
            if proxy.hold_match is not None and proxy.hold_match(call):
                proxy.hold_match = None
                proxy.held.set()
                proxy._decision.wait(120)
                if not proxy._forward_held:
                    self.close_connection = True
                    return  # dropped: nothing reaches the partner, the caller gets no answer
            for match, seconds in proxy.delays:
                if match(call):
                    time.sleep(seconds)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                resp = requests.request(
                    self.command, proxy.upstream + self.path, headers=headers, data=body, timeout=300
                )
            except requests.RequestException:
                self.send_error(502)
                return
            self.send_response(resp.status_code)
            for key, value in resp.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(resp.content)))
            self.end_headers()
            self.wfile.write(resp.content)

        do_GET = do_POST = do_PUT = _handle  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return proxy
