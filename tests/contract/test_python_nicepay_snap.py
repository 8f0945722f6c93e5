"""NICEPAY's official Python client (python-nicepay 1.1.1 from PyPI, unmodified, in its own
virtualenv) on our SNAP API: access token, DANA direct-debit payment, status, refund.

The client is configured only through its own setters, with the demo merchant's published sandbox
SNAP credentials and our host. /sandbox/simulate pays in between, as the customer would on DANA's
page. The merchant's SNAP notification must verify with the public key we publish."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
import requests

from tests.contract.conftest import HERE
from tests.support import flows, snap

pytestmark = pytest.mark.integration
SCRIPT = HERE / "snap_client_script.py"
AMOUNT = 25_000


def bare_base64(pem: str) -> str:
    """The key's base64 body without its BEGIN/END lines: what python-nicepay's setter expects."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def answers(result: dict[str, Any], expected: list[str]) -> dict[str, dict[str, Any]]:
    steps = result["steps"]
    assert [s["name"] for s in steps] == expected
    for step in steps:
        assert "error" not in step, step
        assert step["returned"] is None  # serviceTransaction returns nothing; its answer is logged
        assert step["token"]["responseCode"] == "2007300" and step["token"]["accessToken"], step["token"]
    return {s["name"]: s["response"] for s in steps}


def snap_notes(receiver, txid: str, count: int, timeout: float = 30.0) -> list:
    """SNAP notifications (JSON) for `txid` that reached the merchant."""
    deadline = time.monotonic() + timeout
    while True:
        with receiver.lock:
            got = [
                r for r in receiver.received if json.loads(r.body or b"{}").get("originalReferenceNo") == txid
            ]
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_official_python_client_pays_checks_and_refunds_over_snap(stack, receiver, nicepay_client):
    from payments.models import Transaction

    snap.snap_demo_merchant()
    cfg = {
        "host": f"{stack.base_url}/nicepay",
        "client_id": "IONPAYTEST",
        "client_secret": snap.NICEPAY_SANDBOX_KEY,
        "private_key": bare_base64(snap.NICEPAY_SANDBOX_SNAP_PRIVATE_KEY),
        "partner_reference_no": f"OrdNo{uuid.uuid4().hex[:14]}",
        "partner_refund_no": f"RefundNo{uuid.uuid4().hex[:12]}",
        "amount": AMOUNT,
        "notify_url": receiver.url,
        "return_url": f"{stack.base_url}/contract-test/return",
    }
    first = answers(nicepay_client.run_scenario({**cfg, "steps": ["payment", "status"]}, script=SCRIPT),
                    ["payment", "status"])  # fmt: skip
    paid_req = first["payment"]
    assert (paid_req["responseCode"], paid_req["responseMessage"]) == ("2005400", "Successful"), paid_req
    assert paid_req["partnerReferenceNo"] == cfg["partner_reference_no"]
    txid = paid_req["referenceNo"]
    assert "/sandbox/dana/" in paid_req["webRedirectUrl"]
    assert first["status"]["responseCode"] == "2005500", first["status"]
    assert first["status"]["latestTransactionStatus"] == "01"

    txn = Transaction.objects.get(txid=txid)
    assert (txn.door, txn.amount, txn.mitra_cd, txn.reference_no) == (
        "snap",
        AMOUNT,
        "DANA",
        cfg["partner_reference_no"],
    )
    assert txn.door_data["externalId"].startswith("ordNo")  # the client's own X-EXTERNAL-ID

    # The customer pays on DANA's page.
    assert flows.simulate(stack.base_url, txid, "success").status_code == 200
    [note] = snap_notes(receiver, txid, 1)
    body = json.loads(note.body)
    assert (body["latestTransactionStatus"], body["transactionStatusDesc"]) == ("00", "Success")
    assert body["amount"] == {"value": "25000.00", "currency": "IDR"}
    assert body["originalPartnerReferenceNo"] == cfg["partner_reference_no"]
    assert body["originalExternalId"] == txn.door_data["externalId"]
    assert note.headers["Content-Type"] == "application/json"

    # The merchant verifies it as NICEPAY's plugins do: clientId|X-TIMESTAMP with the published key.
    published = requests.get(f"{stack.base_url}/nicepay/snap/public-key.pem", timeout=10)
    assert published.status_code == 200 and published.text.startswith("-----BEGIN PUBLIC KEY-----")
    headers = {k.upper(): v for k, v in note.headers.items()}
    assert headers["X-CLIENT-KEY"] == "IONPAYTEST" and headers["X-TIMESTAMP"].endswith("+07:00")
    signed = f"{headers['X-CLIENT-KEY']}|{headers['X-TIMESTAMP']}"
    assert snap.rsa_verify(published.text, signed, headers["X-SIGNATURE"])
    assert not snap.rsa_verify(published.text, signed + "x", headers["X-SIGNATURE"])
    # ...and the body, which that signature leaves out, by our X-Payloan-Signature.
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-PAYLOAN-SIGNATURE"].split(","))
    key = snap.NICEPAY_SANDBOX_KEY.encode()
    assert hmac.compare_digest(
        mac, hmac.new(key, stamp.encode() + b"." + note.body, hashlib.sha256).hexdigest()
    )

    # python-nicepay makes X-EXTERNAL-ID from the clock's second, and a status call reusing the first
    # status call's id is rightly refused (409, reused X-EXTERNAL-ID): on a quick machine the steps
    # above can all fit in one second. A real merchant's next status call comes seconds later.
    time.sleep(1.1)
    then = answers(nicepay_client.run_scenario({**cfg, "reference_no": txid, "steps": ["status", "refund"]},
                                               script=SCRIPT), ["status", "refund"])  # fmt: skip
    status = then["status"]
    assert (status["responseCode"], status["latestTransactionStatus"]) == ("2005500", "00"), status
    assert status["transAmount"] == {"value": "25000.00", "currency": "IDR"}
    refund = then["refund"]
    assert (refund["responseCode"], refund["responseMessage"]) == ("2005800", "Successful"), refund
    assert (
        refund["partnerRefundNo"] == cfg["partner_refund_no"] and refund["refundNo"] and refund["refundTime"]
    )

    txn.refresh_from_db()
    assert txn.cancelled_amount == AMOUNT and txn.status in ("1", "2")
    refunded = snap_notes(receiver, txid, 2)
    assert [json.loads(n.body)["latestTransactionStatus"] for n in refunded] == ["00", "04"]
