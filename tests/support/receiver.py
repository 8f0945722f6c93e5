"""A merchant's dbProcessUrl for tests: a threaded HTTP server that records every POST.

Its behaviour is switchable at run time: answer a status, sleep (timeout), or be down."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str]
    at: float


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    reply: bytes = b""  # the answer's body; empty: "OK" or "error" by status
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/notify"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
        self.status, self.delay, self.reply = 200, 0.0, b""

    def for_txid(self, txid: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.form.get("tXid") == txid]

    def wait_for(self, txid: str, count: int = 1, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.for_txid(txid)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        return self.for_txid(txid)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections alive, as merchants' web servers do
        disable_nagle_algorithm = True  # as they do too (nginx tcp_nodelay): no 40 ms ACK stall

        def do_POST(self) -> None:  # noqa: N802
            rec = holder["r"]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if rec.delay:
                time.sleep(rec.delay)
            status = rec.status
            if 200 <= status < 300:  # only a 2xx answer counts as a delivery
                with rec.lock:
                    rec.received.append(
                        Received(
                            self.path,
                            dict(self.headers),
                            body,
                            dict(parse_qsl(body.decode("utf-8", "replace"))),
                            time.time(),
                        )
                    )
            payload = rec.reply or (b"OK" if status < 300 else b"error")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec = Receiver(server)
    holder["r"] = rec
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return rec
