"""Partner notifications: verified by the partner's adapter, stored, then applied through the settle
path; every refusal is a 4xx, and one that did not verify is kept apart with its reason (the fake
ninth partner signs with HMAC, tests/support/ninth)."""

from __future__ import annotations

import json

import pytest

from payments.models import PartnerCallback, UnverifiedCallback
from payments.services.callbacks import partner_callback_receive
from payments.status import Status
from tests.support.data import make_txn
from tests.support.ninth import transformers as ninth

pytestmark = pytest.mark.django_db
SECRET = "sbx-ninth-secret"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


def receive(mitra_cd: str, body: bytes, signature: str | None = None) -> tuple[int, str, str]:
    headers = {"X-Signature": ninth.sign(SECRET, body) if signature is None else signature}
    return partner_callback_receive(
        mitra_cd=mitra_cd,
        headers=headers,
        body=body,
        path=f"/partners/{mitra_cd}/notify",
        remote_addr="10.1.1.1",
    )


def notice(txid: str, status: str) -> bytes:
    return json.dumps({"order": txid, "status": status}).encode()


def test_an_unknown_partner_is_refused_and_nothing_is_kept(ninth_partner):
    assert receive("NOPE", b"{}")[0] == 404
    assert not PartnerCallback.objects.exists() and not UnverifiedCallback.objects.exists()


def test_a_forged_or_unreadable_notice_is_refused_before_anything_is_applied(ninth_partner, merchant):
    txn = make_txn(merchant, mitra_cd="NINE", pay_method="06")
    assert receive("NINE", notice(txn.txid, "DONE"), signature="forged")[0] == 401
    assert receive("NINE", b"not json")[0] == 400
    assert receive("NINE", notice(txn.txid, "NO-SUCH-STATUS"))[0] == 400
    reasons = list(UnverifiedCallback.objects.order_by("id").values_list("reason", flat=True))
    assert len(reasons) == 3 and not PartnerCallback.objects.exists()  # kept apart from verified ones
    assert reasons[0].startswith("invalid signature") and reasons[1].startswith("invalid payload")
    txn.refresh_from_db()
    assert txn.status == Status.INIT and not txn.events.exists()


def test_a_notice_for_an_unknown_transaction_is_a_404(ninth_partner):
    status, _, body = receive("NINE", notice("IONPAYTEST06" + "0" * 18, "DONE"))
    assert (status, body) == (404, '{"error":"unknown transaction"}')


def test_a_verified_notice_is_applied_once(ninth_partner, merchant):
    txn = make_txn(merchant, mitra_cd="NINE", pay_method="06")
    assert receive("NINE", notice(txn.txid, "DONE")) == (200, "application/json", '{"status":"OK"}')
    assert receive("NINE", notice(txn.txid, "DONE"))[0] == 200  # the partner retries: no second change
    txn.refresh_from_db()
    assert txn.status == Status.PAID and txn.events.filter(kind="status_changed").count() == 1
    rows = list(
        PartnerCallback.objects.order_by("id").values_list("outcome", "transaction_id", "remote_addr")
    )
    assert rows == [("applied", txn.pk, "10.1.1.1"), ("duplicate", txn.pk, "10.1.1.1")]
