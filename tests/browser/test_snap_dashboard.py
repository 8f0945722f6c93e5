"""A SNAP payment in the dashboard (headless Chromium, real stack): found, shown as a BI-SNAP payment,
cancelled from its page; V2 inquiry and SNAP status then tell the same story, and the merchant gets
the refund's SNAP notification. Also the BI-SNAP credentials page: a new key pasted, then used."""

from __future__ import annotations

import json
import time

import pytest

from payments.models import Transaction
from tests.support import flows, snap
from tests.support.dashboard import PASSWORD, member

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _accept_confirms(page):
    page.on("dialog", lambda d: d.accept())


def go(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    go(page, page.get_by_role("button", name="Sign in"))


def snap_notes(receiver, txid: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 30
    while True:
        with receiver.lock:
            got = [json.loads(r.body) for r in receiver.received if r.body.startswith(b"{")]
        got = [g for g in got if g.get("originalReferenceNo") == txid]
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_snap_payment_is_seen_and_cancelled_in_the_dashboard(stack, receiver, page) -> None:
    merchant = snap.snap_demo_merchant()
    api = snap.SnapClient(snap.http_transport(stack.base_url))
    paid = api.signed(snap.PAYMENT_PATH, snap.payment_body(value="30000.00", notify_url=receiver.url)).json
    assert paid["responseCode"] == "2005400", paid
    txid = paid["referenceNo"]
    assert flows.simulate(stack.base_url, txid, "success").status_code == 200
    assert [n["latestTransactionStatus"] for n in snap_notes(receiver, txid, 1)] == ["00"]

    owner = member(merchant)
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/transactions/?q={paid['partnerReferenceNo']}")
    go(page, page.get_by_role("link", name=txid))
    assert page.locator("#door").inner_text() == "BI-SNAP"
    assert page.locator("#txn-status").inner_text() == "paid"

    page.get_by_label("Cancel", exact=True).select_option("1")
    page.get_by_label("Amount (Rp)").fill("30000")
    page.get_by_label("Reason").fill("customer changed their mind")
    go(page, page.get_by_role("button", name="Cancel payment"))
    assert "succeeded" in page.get_by_role("status").inner_text()

    txn = Transaction.objects.get(txid=txid)
    assert txn.cancelled_amount == 30_000
    status = api.signed(snap.STATUS_PATH, snap.status_body(paid)).json
    v2 = flows.inquiry(
        stack.base_url,
        {
            "tXid": txid,
            "_body": {"iMid": "IONPAYTEST", "referenceNo": paid["partnerReferenceNo"], "amt": "30000"},
        },
    )
    assert (status["latestTransactionStatus"], v2["status"]) == ("04", txn.status)
    assert v2["status"] in ("1", "2") and v2["cancelAmt"] == "30000"
    assert status["refundHistory"][0]["refundAmount"]["value"] == "30000.00"
    assert [n["latestTransactionStatus"] for n in snap_notes(receiver, txid, 2)] == ["00", "04"]


def test_paste_a_new_key_and_use_it(stack, page) -> None:
    merchant = snap.snap_demo_merchant()
    owner = member(merchant)
    private, public = snap.new_key_pair()
    sign_in(page, stack.base_url, owner.user.username)
    page.goto(f"{stack.base_url}/dashboard/developers/")
    go(page, page.locator("#snap-link"))
    assert page.locator("#client-id").inner_text() == "IONPAYTEST"

    page.get_by_label("Paste the public key (PEM)").fill("not a key")
    go(page, page.get_by_role("button", name="Replace key"))
    assert "could not be read" in page.locator("#key-error").inner_text()
    page.get_by_label("Paste the public key (PEM)").fill(public)
    go(page, page.get_by_role("button", name="Replace key"))
    assert page.locator("#key-saved").is_visible()
    fingerprint = page.locator("#key-fingerprint").inner_text()
    assert len(fingerprint) == 95  # 32 pairs and 31 colons

    old = snap.SnapClient(snap.http_transport(stack.base_url))
    assert old.token_request().json["responseCode"] == "4017300"  # NICEPAY's sandbox key is replaced
    new = snap.SnapClient(snap.http_transport(stack.base_url), private_key=private)
    assert new.token_request().json["responseCode"] == "2007300"
