"""Akulaku receipt confirmation: the service (once, idempotent, paid AKLP only) and the V2 view."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from payments import clock, tokens
from payments.exceptions import NotAllowed, PartnerFailure, TransactionNotFound
from payments.models import Transaction, TransactionEvent
from payments.nicepay import responses
from payments.services import receipts
from providers.base.errors import PartnerDeclined, PartnerUnavailable
from providers.base.types import PartnerStatus, StatusResult

pytestmark = pytest.mark.django_db
URL = "/nicepay/api/direct/v2/confirmAkulaku"
LEGACY_URL = "/nicepay/direct/v2/confirmAkulaku"


class FakeAkulaku:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.error = error

    def confirm_receipt(self, *, txid: str, partner_ref: str) -> StatusResult:
        self.calls.append((txid, partner_ref))
        if self.error:
            raise self.error
        return StatusResult(status=PartnerStatus.SUCCEEDED, raw_status="101", partner_ref=partner_ref)


@pytest.fixture
def akulaku(monkeypatch):
    fake = FakeAkulaku()
    monkeypatch.setattr(receipts.registry, "get_adapter", lambda mitra: fake)
    return fake


def make_txn(merchant, *, mitra: str = "AKLP", status: str = "0", n: int = 1) -> Transaction:
    return Transaction.objects.create(
        txid=f"{merchant.imid}06202611221230{n:06d}"[:30],
        merchant=merchant,
        reference_no=f"ORD{n}",
        pay_method="06",
        mitra_cd=mitra,
        amount=150_000,
        status=status,
        goods_name="Rice cooker",
        billing_name="Budi",
        billing_phone="081234567890",
        billing_email="budi@example.com",
        db_process_url="http://shop.test/notify",
        expires_at=timezone.now() + timedelta(hours=24),
        partner_ref="AK-ORDER-1",
        request_fingerprint="x" * 64,
        paid_at=timezone.now() if status == "0" else None,
    )


def body(merchant, txid: str, *, key: str | None = None, ts: str | None = None) -> dict[str, str]:
    ts = ts or clock.compact()
    token = tokens.akulaku_confirm_token(ts, txid, merchant.imid, key or merchant.merchant_key)
    return {"timeStamp": ts, "tXid": txid, "iMid": merchant.imid, "merchantToken": token}


def test_confirms_once_and_repeats_the_stored_answer(merchant, akulaku):
    txn = make_txn(merchant)
    first = receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    assert first.receipt_confirmed_at is not None
    assert first.receipt_response["partnerStatus"] == "101"
    again = receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    assert akulaku.calls == [(txn.txid, "AK-ORDER-1")]  # Akulaku was asked once
    assert (
        responses.receipt(again)
        == responses.receipt(first)
        == {"resultCd": "0000", "resultMsg": "SUCCESS", "tXid": txn.txid, "ResponseData": None}
    )
    events = TransactionEvent.objects.filter(transaction=txn, kind=TransactionEvent.Kind.RECEIPT)
    assert [e.idempotency_key for e in events] == [f"receipt:{txn.txid}"]
    txn.refresh_from_db()
    assert txn.status == "0"  # receipt confirmation never touches the status


@pytest.mark.parametrize(
    ("mitra", "status", "message"),
    [
        ("AKLP", "9", "paid transaction; this one is init"),
        ("AKLP", "8", "this one is failed"),
        ("AKLP", "2", "this one is refund"),
        ("KDVI", "0", "only for Akulaku"),
    ],
)
def test_refused_unless_paid_akulaku(merchant, akulaku, mitra, status, message):
    txn = make_txn(merchant, mitra=mitra, status=status)
    with pytest.raises(NotAllowed, match=message):
        receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    assert akulaku.calls == []
    txn.refresh_from_db()
    assert txn.receipt_confirmed_at is None


def test_other_merchants_transaction_is_unknown(merchant, akulaku):
    from tests.factories import MerchantFactory

    txn = make_txn(merchant)
    with pytest.raises(TransactionNotFound):
        receipts.transaction_confirm_receipt(txid=txn.txid, merchant=MerchantFactory())


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (PartnerUnavailable("timeout"), PartnerFailure),
        (PartnerDeclined("order not paid", code="openpay.0009"), NotAllowed),
    ],
)
def test_partner_errors_record_nothing(merchant, monkeypatch, error, raised):
    fake = FakeAkulaku(error)
    monkeypatch.setattr(receipts.registry, "get_adapter", lambda mitra: fake)
    txn = make_txn(merchant)
    with pytest.raises(raised):
        receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    txn.refresh_from_db()
    assert txn.receipt_confirmed_at is None and not txn.events.filter(kind="receipt").exists()


@pytest.mark.parametrize("url", [URL, LEGACY_URL])
def test_view_json_and_form(client, merchant, akulaku, url):
    txn = make_txn(merchant)
    resp = client.post(url, json.dumps(body(merchant, txn.txid)), content_type="Application/JSON")
    assert resp.status_code == 200
    assert resp.json() == {"resultCd": "0000", "resultMsg": "SUCCESS", "tXid": txn.txid, "ResponseData": None}
    resp = client.post(url, body(merchant, txn.txid))  # form-encoded, as the old docs send it
    assert resp.status_code == 200 and resp.json()["resultCd"] == "0000"
    assert len(akulaku.calls) == 1


def test_view_refuses_bad_input(client, merchant, akulaku):
    txn = make_txn(merchant)
    bad_token = body(merchant, txn.txid, key="not-the-key")
    resp = client.post(URL, bad_token, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9010"
    old = clock.compact(timezone.now() - timedelta(days=2))  # no clock in any zone reads it
    resp = client.post(URL, body(merchant, txn.txid, ts=old), content_type="application/json")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9031"
    resp = client.post(
        URL, {**body(merchant, txn.txid), "iMid": "NOBODY0000"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9011"
    resp = client.post(URL, "{not json", content_type="application/json")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9003"
    missing = {k: v for k, v in body(merchant, txn.txid).items() if k != "tXid"}
    resp = client.post(URL, missing, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "8004"
    resp = client.get(URL)
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9003"
    assert akulaku.calls == []


def test_view_unpaid_and_unknown(client, merchant, akulaku):
    unpaid = make_txn(merchant, status="9")
    resp = client.post(URL, body(merchant, unpaid.txid), content_type="application/json")
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9502"
    assert "paid transaction" in resp.json()["resultMsg"]
    resp = client.post(
        URL, body(merchant, f"{merchant.imid}06209901010000009999"[:30]), content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["resultCd"] == "9501"


def test_a_copy_that_arrives_while_akulaku_is_asked_waits_and_is_not_sent_again(
    merchant, akulaku, monkeypatch
):
    """The copy finds the claim held: it waits briefly, then is told to ask again (never sent a
    second time); asking again afterwards answers the stored result."""
    monkeypatch.setattr(receipts, "RECEIPT_WAIT_SECONDS", 0.3)
    txn = make_txn(merchant)
    inside = []

    def copy_arrives(**kw):  # noqa: ANN003, ANN202
        with pytest.raises(receipts.err.ReceiptInProgress):
            receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
        inside.append(True)
        return FakeAkulaku.confirm_receipt(akulaku, **kw)

    monkeypatch.setattr(akulaku, "confirm_receipt", copy_arrives)
    receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    assert inside == [True] and akulaku.calls == [(txn.txid, "AK-ORDER-1")]
    again = receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    assert again.receipt_confirmed_at and akulaku.calls == [(txn.txid, "AK-ORDER-1")]


def test_a_failed_confirmation_frees_the_claim_for_a_retry(merchant, akulaku):
    txn = make_txn(merchant)
    akulaku.error = PartnerUnavailable("down")
    with pytest.raises(PartnerFailure):
        receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant)
    akulaku.error = None
    assert receipts.transaction_confirm_receipt(txid=txn.txid, merchant=merchant).receipt_confirmed_at
    assert len(akulaku.calls) == 2
