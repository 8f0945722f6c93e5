"""SSRF through a merchant's notification URL, production mode. The attacker controls the DNS of
the URL's host (here: socket.getaddrinfo answered by the test, the attack's own resolver) and we
run real HTTP servers on loopback: one stands for the merchant's public server, one for something
on our own network that must never be reached."""

from __future__ import annotations

import http.server
import ipaddress
import re
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from payments import outbound
from payments.models import Notification
from payments.services import notifications
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db
PUBLIC_STAND_IN = ipaddress.ip_address("127.0.0.2")  # plays a merchant's public address


class Recorder(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ip: str, port: int, answer: tuple[int, dict[str, str], bytes]) -> None:
        self.hits: list[dict[str, str]] = []
        self.peers: list[tuple[str, int]] = []  # the client end of each POST's connection
        self.cookies: list[str | None] = []
        self.answer = answer
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a merchant's web server
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.hits.append({"path": self.path, "host": self.headers.get("Host", "")})
                outer.peers.append(self.client_address)
                outer.cookies.append(self.headers.get("Cookie"))
                status, headers, body = outer.answer
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        super().__init__((ip, port), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@contextmanager
def servers(**answers):  # noqa: ANN003
    """A 'merchant' server on 127.0.0.2 and an 'internal' one on 127.0.0.1, on the same port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ok = (200, {}, b"OK")
    merchant = Recorder(str(PUBLIC_STAND_IN), port, answers.get("merchant", ok))
    internal = Recorder("127.0.0.1", port, (200, {}, b"internal: db password hunter2"))
    try:
        yield port, merchant, internal
    finally:
        for srv in (merchant, internal):
            srv.shutdown()
            srv.server_close()


@pytest.fixture
def dns(monkeypatch):
    """The attacker's resolver: answers for *.rebind.test follow a script (the last one repeats);
    every other name or address resolves as usual. Counts lookups per name."""
    real = socket.getaddrinfo
    script: dict[str, list[str]] = {}
    lookups: Counter[str] = Counter()

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if isinstance(host, str) and host.endswith(".rebind.test"):
            lookups[host] += 1
            answers = script[host]
            ip = answers.pop(0) if len(answers) > 1 else answers[0]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return script, lookups


@pytest.fixture
def production(settings, monkeypatch):
    settings.NOTIFICATION_ALLOW_PRIVATE_URLS = False
    settings.NOTIFICATION_TIMEOUT = 2
    real = outbound.address_allowed
    monkeypatch.setattr(outbound, "address_allowed", lambda ip: ip == PUBLIC_STAND_IN or real(ip))
    monkeypatch.setattr(notifications, "_enqueue", lambda pk: None)


def deliver(merchant, url: str) -> Notification:  # noqa: ANN001
    txn = make_txn(merchant, db_process_url=url)
    note = Notification.objects.create(
        merchant=merchant,
        transaction=txn,
        sequence=1,
        url=url,
        payload={"tXid": txn.txid},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    notifications.notification_deliver(notification_id=note.pk)
    note.refresh_from_db()
    return note


def test_rebinding_after_the_check_reaches_nothing_internal(production, dns, merchant):
    script, lookups = dns
    # Public for the early check, then 127.0.0.1 for whoever asks again.
    script["shop.rebind.test"] = ["8.8.8.8", "127.0.0.1"]
    with servers() as (port, _, internal):
        note = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    attempt = note.attempt_log.get()
    assert internal.hits == []
    assert attempt.error == "destination not allowed" and attempt.http_status is None
    assert "hunter2" not in attempt.response_excerpt


def test_the_connection_goes_to_the_address_that_was_checked(production, dns, merchant):
    script, lookups = dns
    # Allowed for the check and for the pinned lookup; any later lookup would get 127.0.0.1.
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN), str(PUBLIC_STAND_IN), "127.0.0.1"]
    with servers() as (port, merchant_server, internal):
        note = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert note.state == "delivered" and note.attempt_log.get().http_status == 200
    assert internal.hits == []
    assert merchant_server.hits == [{"path": "/notify", "host": f"shop.rebind.test:{port}"}]
    assert lookups["shop.rebind.test"] == 2  # the early check, then the one the connection uses


def test_redirects_are_answers_never_followed(production, dns, merchant):
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    with servers() as (port, _, internal):
        redirect = (302, {"Location": f"http://127.0.0.1:{port}/admin"}, b"")
        with servers(merchant=redirect) as (port2, merchant_server, internal2):
            note = deliver(merchant, f"http://shop.rebind.test:{port2}/notify")
    assert len(merchant_server.hits) == 1 and internal.hits == [] and internal2.hits == []
    attempt = note.attempt_log.get()
    assert attempt.http_status == 302 and note.state == "failed"


@pytest.mark.parametrize(
    "hidden",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1: is_global says yes in Python 3.11
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::ffff:169.254.169.254",  # IPv4-mapped metadata address
        "192.0.0.8",
        "192.88.99.1",
        "224.0.0.251",
        "ff02::1",
        "fec0::1",
        "100.64.0.1",
    ],
)
def test_special_ranges_that_is_global_lets_through_are_refused(production, dns, merchant, hidden):
    script, _ = dns
    script["shop.rebind.test"] = [hidden]
    note = deliver(merchant, "http://shop.rebind.test:8080/notify")
    assert note.attempt_log.get().error == "destination not allowed"


def test_address_rules_without_the_stand_in():
    refused = [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ]
    allowed = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
    assert not any(outbound.address_allowed(ipaddress.ip_address(a)) for a in refused)
    assert all(outbound.address_allowed(ipaddress.ip_address(a)) for a in allowed)


def test_https_is_pinned_with_the_host_name_for_sni_and_the_certificate():
    pool = outbound._pinned_pool("https", "shop.example.com", 443, ipaddress.ip_address("93.184.216.34"))
    assert (pool.host, pool.port) == ("93.184.216.34", 443)
    assert pool.conn_kw["server_hostname"] == pool.assert_hostname == "shop.example.com"
    assert pool.cert_reqs == "CERT_REQUIRED" and pool.ca_certs == requests.utils.DEFAULT_CA_BUNDLE_PATH


def test_a_kept_connection_carries_the_next_post_to_the_same_checked_address(production, dns, merchant):
    script, lookups = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    with servers() as (port, merchant_server, internal):
        first = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
        second = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert first.state == second.state == "delivered"
    assert len(merchant_server.peers) == 2 and merchant_server.peers[0] == merchant_server.peers[1]
    assert lookups["shop.rebind.test"] == 4  # each POST still resolved and checked the name twice


def test_a_kept_connection_never_carries_a_post_once_the_name_resolves_elsewhere(production, dns, merchant):
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN), str(PUBLIC_STAND_IN), "127.0.0.1"]
    with servers() as (port, merchant_server, internal):
        first = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
        # A connection to the merchant's address is kept; the name now answers 127.0.0.1.
        second = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert first.state == "delivered" and len(merchant_server.hits) == 1
    assert second.attempt_log.get().error == "destination not allowed" and internal.hits == []


def test_a_connection_idle_too_long_is_not_reused(production, dns, merchant, monkeypatch):
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    monkeypatch.setattr(outbound, "KEEP_ALIVE_SECONDS", 0.0)
    with servers() as (port, merchant_server, _):
        deliver(merchant, f"http://shop.rebind.test:{port}/notify")
        deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert merchant_server.peers[0] != merchant_server.peers[1]


def test_a_kept_connection_keeps_no_cookie(production, dns, merchant):
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    with servers(merchant=(200, {"Set-Cookie": "session=abc"}, b"OK")) as (port, merchant_server, _):
        deliver(merchant, f"http://shop.rebind.test:{port}/notify")
        deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert merchant_server.peers[0] == merchant_server.peers[1]  # the same session and connection
    assert merchant_server.cookies == [None, None]


@contextmanager
def trickler(what: bytes):
    """A 'merchant' on 127.0.0.2 that answers `what`, then one byte every 0.3 s for a minute: every
    single read gets a byte well within the read timeout, so only a deadline on the whole answer
    ends it."""
    listener = socket.create_server((str(PUBLIC_STAND_IN), 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(what)
            for _ in range(200):
                if stop.wait(0.3):
                    break
                try:
                    conn.sendall(b"x" if what.endswith(b"\r\n\r\n") else b"X-Slow: 1\r\n")
                except OSError:
                    break

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


@pytest.mark.parametrize(
    "what",
    [
        b"HTTP/1.1 200 OK\r\n",  # the headers trickle in
        b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",  # the body trickles in
    ],
)
def test_a_trickling_answer_does_not_hold_the_worker_past_the_timeout(production, dns, merchant, what):
    """NOTIFICATION_TIMEOUT is 2 s here and the row's lease 2 x 2 + 5 s: a merchant that sends a
    byte now and then must not keep the worker (and hold the row past its lease, so that the sweep
    posts it again beside us)."""
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    with trickler(what) as port:
        t0 = time.monotonic()
        note = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
        took = time.monotonic() - t0
    assert took < 2 * 2 + 1, took  # connect and answer within their two timeouts, then cut
    attempt = note.attempt_log.get()
    assert attempt.finished_at is not None
    if attempt.http_status is None:
        assert attempt.error == "ReadTimeout" and note.state == "failed"


def self_signed(directory) -> str:  # noqa: ANN001
    """A certificate and key (one PEM file) for shop.rebind.test and 127.0.0.2, signed by itself."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.rebind.test")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("shop.rebind.test"), x509.IPAddress(PUBLIC_STAND_IN)]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "shop.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(path)


@contextmanager
def tls_merchant(pem: str):
    """An https 'merchant' on 127.0.0.2 with that certificate; records the SNI of each request."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)  # noqa: ARG005
    hits: list[bytes] = []
    listener = socket.create_server((str(PUBLIC_STAND_IN), 0))

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    request = _whole_request(conn)
                    if request:  # b"": the client refused the certificate after the handshake
                        hits.append(request)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
            except (OSError, ssl.SSLError):
                raw.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1], hits, names
    finally:
        listener.close()


def _whole_request(conn) -> bytes:  # noqa: ANN001
    """Headers and body: one recv gets one TLS record, and the client sends the body in its own.
    Answering and closing with the body unread resets the connection before the client reads."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    declared = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(declared.group(1)) if declared else 0
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_https_verifies_the_certificate_against_the_host_name(
    production, dns, merchant, tmp_path, monkeypatch
):
    """A self-signed certificate fails (SSLError in the log, nothing posted); one the CA bundle
    trusts passes, with the URL's name in SNI although the connection goes to the checked address;
    and a trusted certificate for another name fails."""
    script, _ = dns
    for name in ("shop.rebind.test", "other.rebind.test"):
        script[name] = [str(PUBLIC_STAND_IN)]
    pem = self_signed(tmp_path)
    with tls_merchant(pem) as (port, hits, names):
        untrusted = deliver(merchant, f"https://shop.rebind.test:{port}/notify")
        assert untrusted.attempt_log.get().error == "SSLError" and hits == []
        outbound._kept.pools = None  # pools keep the bundle they were made with
        monkeypatch.setattr(requests.utils, "DEFAULT_CA_BUNDLE_PATH", pem)
        trusted = deliver(merchant, f"https://shop.rebind.test:{port}/notify")
        assert trusted.state == "delivered" and len(hits) == 1 and names[-1] == "shop.rebind.test", [
            (a.error, a.http_status, a.response_excerpt) for a in trusted.attempt_log.all()
        ]
        wrong_name = deliver(merchant, f"https://other.rebind.test:{port}/notify")
        assert wrong_name.attempt_log.get().error == "SSLError" and len(hits) == 1


def test_no_proxy_from_the_environment_is_used(production, dns, merchant, monkeypatch):
    """A proxy would resolve the name again (past the check); the environment's is never used."""
    script, _ = dns
    script["shop.rebind.test"] = [str(PUBLIC_STAND_IN)]
    with servers() as (port, merchant_server, internal):
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
        note = deliver(merchant, f"http://shop.rebind.test:{port}/notify")
    assert note.state == "delivered" and len(merchant_server.hits) == 1 and internal.hits == []
