"""No customer-page secret and no merchantToken in the run log: the request logs of Django (through
its real handlers), runserver and gunicorn's access log show the paths with the secret masked and
everything else readable."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.test import Client

from payloan_site.logfilters import MASK, MaskSecrets, mask
from payments import customer_access
from tests.support import flows
from tests.support.data import make_txn
from tests.support.stack import ROOT, database_url, free_port

BIN = Path(sys.executable).parent


def test_mask_keeps_the_line_readable() -> None:
    line = (
        '127.0.0.1 - - "GET /nicepay/direct/v2/payment?timeStamp=20261130120000&tXid=TX1'
        '&merchantToken=0a1b2c&callBackUrl=https%3A%2F%2Fshop.test%2Fdone HTTP/1.1" 200 512 '
        '"https://pay.test/pay/TX1/Rj8CztDD9otLQo4CqCZofF/method/DANA" "Mozilla/5.0"'
    )
    assert mask(line) == (
        '127.0.0.1 - - "GET /nicepay/direct/v2/payment?timeStamp=20261130120000&tXid=TX1'
        f'&merchantToken={MASK}&callBackUrl=https%3A%2F%2Fshop.test%2Fdone HTTP/1.1" 200 512 '
        f'"https://pay.test/pay/TX1/{MASK}/method/DANA" "Mozilla/5.0"'
    )
    for secret, shown in (
        (
            "/link/M1/abcDEF123/finish?authCode=A1&resultCd=0000",
            f"/link/M1/{MASK}/finish?authCode={MASK}&resultCd=0000",
        ),
        ("/l/k3yCode_-", f"/l/{MASK}"),
        ("/dashboard/invite/inv1t3/", f"/dashboard/invite/{MASK}/"),
        ("/nicepay/redirect/v2/payment/S1GN?tXid=TX1", f"/nicepay/redirect/v2/payment/{MASK}?tXid=TX1"),
        (
            "/partner/return?order_id=7&SIGNATURE_KEY=s1&sign=s2",
            f"/partner/return?order_id=7&SIGNATURE_KEY={MASK}&sign={MASK}",
        ),
        (
            "/dashboard/transactions/TX1/ /static/css/pay.css",
            "/dashboard/transactions/TX1/ /static/css/pay.css",
        ),
    ):
        assert mask(secret) == shown


def console_handler() -> logging.Handler:
    """The handler settings.LOGGING put on the root logger (the one the run log is written by)."""
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskSecrets) for f in h.filters)]
    assert handlers, "no handler of LOGGING masks secrets"
    return handlers[0]


@pytest.mark.django_db
def test_django_request_log_masks_the_page_secret(merchant, caplog) -> None:
    txn = make_txn(merchant)
    token = customer_access.page_token(txn.txid)
    handler, out = console_handler(), io.StringIO()
    old = handler.setStream(out)
    try:
        with caplog.at_level(logging.INFO):
            client = Client(REMOTE_ADDR="10.77.0.1")
            assert client.put(customer_access.page_path(txn.txid, "status")).status_code == 405
            assert client.get(f"/pay/{txn.txid}/{'Q' * 22}/status").status_code == 404
    finally:
        handler.setStream(old)
    written = out.getvalue()
    assert f"/pay/{txn.txid}/{MASK}/status" in written  # Django's "Method Not Allowed: <path>"
    assert "Not Found" in written
    assert token not in written and "Q" * 22 not in written
    assert token not in caplog.text and f"/pay/{txn.txid}/{MASK}/status" in caplog.text


def wait_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def run_and_read(argv: list[str], env: dict[str, str], log: Path, port: int, calls) -> str:  # noqa: ANN001
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_up(f"http://127.0.0.1:{port}/healthz/live", proc)
            calls(f"http://127.0.0.1:{port}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return log.read_text()


@pytest.mark.django_db
def test_runserver_log_masks_secrets(tmp_path) -> None:
    from django.db import connection

    port, txid, token = free_port(), "IONPAYTEST05202611301200001234", "Rj8CztDD9otLQo4CqCZofF"

    def calls(base: str) -> None:
        requests.get(f"{base}/pay/{txid}/{token}/status", timeout=30)
        requests.get(f"{base}/healthz/live?merchantToken=feedface{token}", timeout=30)

    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "PYTHONUNBUFFERED": "1",
        "SANDBOX": "true",
    }
    argv = [str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    written = run_and_read(argv, env, tmp_path / "runserver.log", port, calls)
    assert f"GET /pay/{txid}/{MASK}/status HTTP/1.1" in written, written[-2000:]
    assert f"GET /healthz/live?merchantToken={MASK} HTTP/1.1" in written
    assert token not in written


def test_gunicorn_access_log_masks_secrets(stack, demo_merchant, receiver, tmp_path) -> None:
    """A real payment step (merchantToken in the query) and customer pages (the page secret in the
    path and in the Referer) through gunicorn with the access log on, in its default format."""
    port = free_port()
    env = {**stack.env, "WEB_ACCESS_LOG": "-", "PORT": str(port)}
    argv = [str(BIN / "gunicorn"), "-c", "python:payloan_site.gunicorn", "--workers", "1", "--threads", "4"]
    seen: dict[str, str] = {}

    def calls(base: str) -> None:
        reg = flows.register(base, mitra_cd="ESHP", amount=31_000, db_process_url=receiver.url)
        step = flows.payment_url(base, reg)
        seen["merchantToken"] = step.split("merchantToken=")[1].split("&")[0]
        assert requests.get(step, allow_redirects=False, timeout=60).status_code == 200
        page = customer_access.page_path(reg["tXid"], "status")
        seen["page"], seen["txid"] = customer_access.page_token(reg["tXid"]), reg["tXid"]
        requests.get(
            f"{base}{page}",
            headers={"Referer": f"{base}{customer_access.page_path(reg['tXid'])}"},
            timeout=30,
        )
        requests.get(f"{base}/pay/{reg['tXid']}/{'Z' * 22}/status", timeout=30)

    written = run_and_read([*argv, "payloan_site.wsgi"], env, tmp_path / "gunicorn.log", port, calls)
    assert "GET /nicepay/direct/v2/payment?timeStamp=" in written, written[-2000:]
    assert f"merchantToken={MASK}" in written and seen["merchantToken"] not in written
    assert f'"GET /pay/{seen["txid"]}/{MASK}/status HTTP/1.1" 200' in written
    assert f'/pay/{seen["txid"]}/{MASK}/"' in written  # the Referer
    assert seen["page"] not in written and "Z" * 22 not in written
