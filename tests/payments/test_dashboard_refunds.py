"""Refunds: the list (filters, export, scope), partly refunded payments in the transaction list,
the cancel form's choices for this partner today, amounts in errors as Rp, and the timeline and
review notice in plain words."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import timezone

from payments.models import Cancellation, TransactionEvent
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]


def refund(
    t, amount: int, *, state: str = "succeeded", reason: str = "damaged item", by=None, kind: str = "2"
):  # noqa: ANN001
    if state == "succeeded":
        t.cancelled_amount += amount
        t.save(update_fields=["cancelled_amount"])
    row = Cancellation.objects.create(
        transaction=t,
        merchant=t.merchant,
        cancel_txid=f"CX{t.pk}{amount}{state}"[:30],
        cancel_type=kind,
        amount=amount,
        state=state,
        reason=reason,
        requested_by=by,
        source="dashboard" if by else "merchant",
        idempotency_key=f"k{amount}{state}",
        finished_at=timezone.now() if state != "pending" else None,
        partner_ref="SPR-1" if state == "succeeded" else "",
        result_message="partner refused: too late" if state == "failed" else "",
    )
    if state == "succeeded":
        TransactionEvent.objects.create(
            transaction=t,
            kind="cancel",
            source=row.source,
            idempotency_key=f"cancel:{row.cancel_txid}",
            payload={"amount": amount, "type": kind, "kind": "refund", "cancel_txid": row.cancel_txid},
        )
    return row


def test_refunds_list_filters_exports_and_is_scoped(client):
    m, other = MerchantFactory(), MerchantFactory()
    owner = member(m, email="demo@shop.test")
    viewer = member(m, "viewer")
    a = txn(m, status="0", mitra_cd="ESHP", amount=40_000, paid_at=timezone.now())
    b = txn(m, status="0", mitra_cd="DANA", amount=90_000, paid_at=timezone.now())
    refund(a, 15_000, by=owner.user, reason="one item out of stock")
    refund(b, 5_000, state="failed", reason="customer asked")
    theirs = txn(other, status="0", amount=70_000, paid_at=timezone.now())
    refund(theirs, 7_000, reason="their secret reason")
    client.force_login(viewer.user)
    page = client.get("/dashboard/refunds/").content.decode()
    assert "one item out of stock" in page and "demo@shop.test" in page and "Rp 15.000" in page
    assert "customer asked" in page and "your server (API)" in page and "their secret reason" not in page
    assert "Rp 25.000 left" in page
    failed = client.get("/dashboard/refunds/", {"state": "failed"}).content.decode()
    assert "customer asked" in failed and "one item out of stock" not in failed
    assert "customer asked" not in client.get("/dashboard/refunds/", {"partner": "ESHP"}).content.decode()
    assert "customer asked" in client.get("/dashboard/refunds/", {"q": b.txid}).content.decode()
    answer = client.get("/dashboard/refunds/export.csv", {"kind": "partial"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert {r["tXid"] for r in rows} == {a.txid, b.txid}
    mine = next(r for r in rows if r["tXid"] == a.txid)
    assert (mine["amount"], mine["reason"], mine["requestedBy"], mine["state"], mine["remainingAmount"]) == (
        "15000",
        "one item out of stock",
        "demo@shop.test",
        "succeeded",
        "25000",
    )
    # Whole seconds with the UTC offset, as the transactions CSV writes its times.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", mine["createdAt"]), mine


def test_partly_refunded_payments_have_a_badge_the_remaining_amount_and_a_filter(client):
    m = MerchantFactory()
    client.force_login(member(m, "viewer").user)
    partly = txn(m, status="0", amount=40_000, paid_at=timezone.now())
    refund(partly, 15_000)
    whole = txn(m, status="2", amount=20_000, paid_at=timezone.now(), cancelled_amount=20_000)
    plain = txn(m, status="0", amount=10_000, paid_at=timezone.now())
    body = client.get("/dashboard/transactions/").content.decode()
    assert body.count("partial-badge") == 1 and "Rp 25.000 left" in body
    found = client.get("/dashboard/transactions/", {"refunds": "partial"})
    assert [t.txid for t in found.context["page"].rows] == [partly.txid]
    full = client.get("/dashboard/transactions/", {"refunds": "full"})
    assert [t.txid for t in full.context["page"].rows] == [whole.txid]
    assert plain.txid not in client.get("/dashboard/transactions/", {"refunds": "any"}).content.decode()


def test_cancel_form_defaults_to_full_and_shows_why_not(client):
    m = MerchantFactory()
    client.force_login(member(m).user)
    ovo = txn(m, status="0", mitra_cd="OVOE", amount=50_000, paid_at=timezone.now())
    page = client.get(f"/dashboard/transactions/{ovo.txid}/")
    body = page.content.decode()
    assert page.context["cancel_default"] == "1"
    assert 'value="1" checked' in body and "Full cancel of Rp 50.000" in body
    assert "Not possible: OVO allows only a full void" in body
    assert "Today you can cancel this OVO payment in full." in page.context["cancel_rule"]
    assert "OVO: full only, on the day of payment" in body


def test_cancel_errors_show_amounts_in_rupiah(client):
    m = MerchantFactory()
    client.force_login(member(m).user)
    t = txn(m, status="0", mitra_cd="ESHP", amount=40_000, paid_at=timezone.now())
    refund(t, 15_000)
    answer = client.post(
        f"/dashboard/transactions/{t.txid}/cancel",
        {"cancel_type": "2", "amount": "30000", "reason": "x", "idempotency_key": "abc"},
        follow=True,
    )
    assert "Rp 30.000 is more than what is left to cancel: Rp 25.000." in answer.content.decode()


def test_timeline_and_status_in_plain_words(client):
    m = MerchantFactory()
    owner = member(m, email="demo@payloan.test")
    client.force_login(owner.user)
    t = txn(m, status="0", mitra_cd="DANA", amount=50_000, paid_at=timezone.now())
    TransactionEvent.objects.create(transaction=t, kind="registered", source="merchant", idempotency_key="r")
    TransactionEvent.objects.create(
        transaction=t,
        kind="status_changed",
        from_status="9",
        to_status="0",
        source="partner_callback",
        idempotency_key="p",
    )
    refund(t, 10_000, by=owner.user, reason="damaged item")
    page = client.get(f"/dashboard/transactions/{t.txid}/").content.decode()
    assert "Paid via DANA" in page and 'class="code" title="NICEPAY status code">0<' in page
    assert "Refunded Rp 10.000 by demo@payloan.test: damaged item" in page
    assert 'id="txn-status">Paid<' in page and 'id="partial-badge"' in page


def test_needs_review_says_why_and_what_to_do(client):
    m = MerchantFactory()
    client.force_login(member(m, "viewer").user)
    t = txn(
        m,
        status="0",
        mitra_cd="DANA",
        amount=50_000,
        paid_at=timezone.now(),
        needs_review=True,
        review_reason="x",
    )
    TransactionEvent.objects.create(
        transaction=t,
        kind="rejected",
        source="poll",
        from_status="0",
        idempotency_key="d",
        payload={"raw_status": "PENDING", "partner_status": "PENDING"},
    )
    page = client.get(f"/dashboard/transactions/{t.txid}/").content.decode()
    assert (
        "We hold this payment as paid, but DANA still reports it as pending; we are checking with DANA."
        in page
    )
    assert "What to do:" in page
    u = txn(m, status="0", mitra_cd="OVOE", amount=20_000, paid_at=timezone.now(), needs_review=True)
    TransactionEvent.objects.create(
        transaction=u, kind="rejected", source="poll", idempotency_key="a", payload={"partner_amount": 25_000}
    )
    page = client.get(f"/dashboard/transactions/{u.txid}/").content.decode()
    assert "OVO reports Rp 25.000 for this payment, not Rp 20.000." in page
