"""MDR fees: the rounding rule, which row applies, and the fee stored with the paid status."""

from __future__ import annotations

import csv
import io
import re

import pytest
from rest_framework.test import APIClient

from payments.models import PartnerFee, Transaction
from payments.services.fees import fee_amount, fee_terms_by_partner, transaction_fee
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from tests.factories import MerchantFactory
from tests.support.dashboard import member, txn
from tests.support.rest import basic, make_merchant


@pytest.mark.parametrize(
    ("amount", "bp", "fixed", "expected"),
    [
        (10_000, 150, 0, 150),  # 1.50 % of 10,000
        (10_033, 150, 0, 150),  # 150.495 rounds down
        (10_034, 150, 0, 151),  # 150.51 rounds up
        (10_000, 155, 0, 155),
        (333, 150, 0, 5),  # 4.995 rounds up (half up)
        (300, 150, 0, 5),  # 4.5 exactly: half up
        (299, 150, 0, 4),  # 4.485
        (50_000, 70, 1_500, 1_850),  # 0.70 % + Rp 1,500
        (1_000, 0, 2_500, 1_000),  # never more than the payment
        (0, 150, 1_000, 0),
        (999_999_999_999, 10_000, 0, 999_999_999_999),  # 100 %: integers, no overflow
    ],
)
def test_fee_is_fixed_plus_percent_rounded_half_up(amount, bp, fixed, expected):
    assert fee_amount(amount=amount, percent_bp=bp, fixed=fixed) == expected


@pytest.mark.django_db
def test_merchant_row_replaces_the_partner_default_and_days_fall_back(settings):
    settings.SETTLEMENT_DAYS_DEFAULT = 1
    a, b = MerchantFactory(), MerchantFactory()
    PartnerFee.objects.create(mitra_cd="DANA", percent_bp=150, fixed=0, settlement_days=2)
    PartnerFee.objects.create(merchant=a, mitra_cd="DANA", percent_bp=100, fixed=500)
    PartnerFee.objects.create(merchant=a, mitra_cd="OVOE", percent_bp=0, fixed=1_000, settlement_days=3)
    terms_a = fee_terms_by_partner(merchant_id=a.pk, mitra_codes=["DANA", "OVOE", "ESHP"])
    terms_b = fee_terms_by_partner(merchant_id=b.pk, mitra_codes=["DANA", "OVOE"])
    assert (terms_a["DANA"].percent_bp, terms_a["DANA"].fixed, terms_a["DANA"].settlement_days) == (
        100,
        500,
        2,
    )
    assert (terms_a["OVOE"].fixed, terms_a["OVOE"].settlement_days) == (1_000, 3)
    assert (terms_a["ESHP"].percent_bp, terms_a["ESHP"].fixed, terms_a["ESHP"].settlement_days) == (0, 0, 1)
    assert (terms_b["DANA"].percent_bp, terms_b["DANA"].settlement_days) == (150, 2)
    assert terms_b["OVOE"].fixed == 0
    assert transaction_fee(merchant_id=a.pk, mitra_cd="DANA", amount=20_000) == 700
    assert transaction_fee(merchant_id=b.pk, mitra_cd="DANA", amount=20_000) == 300


@pytest.mark.django_db
def test_one_default_per_partner_and_percent_at_most_100():
    from django.db import IntegrityError, transaction

    PartnerFee.objects.create(mitra_cd="DANA", percent_bp=150)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerFee.objects.create(mitra_cd="DANA", percent_bp=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerFee.objects.create(mitra_cd="OVOE", percent_bp=10_001)


@pytest.mark.django_db
def test_the_fee_is_stored_when_the_payment_becomes_paid(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    merchant = MerchantFactory()
    PartnerFee.objects.create(mitra_cd="ESHP", percent_bp=200, fixed=100)
    t = txn(merchant, status="9", amount=45_000, mitra_cd="ESHP")
    assert t.fee == 0
    transaction_apply_status(transaction_id=t.pk, to=Status.PROCESSING, source="test", idempotency_key="a")
    assert Transaction.objects.get(pk=t.pk).fee == 0
    transaction_apply_status(transaction_id=t.pk, to=Status.PAID, source="test", idempotency_key="b")
    t.refresh_from_db()
    assert t.status == "0" and t.fee == 1_000  # 900 + 100
    # Terms changed later do not touch a payment already paid.
    PartnerFee.objects.filter(mitra_cd="ESHP").update(percent_bp=0, fixed=0)
    transaction_apply_status(transaction_id=t.pk, to=Status.REFUND, source="test", idempotency_key="c")
    t.refresh_from_db()
    assert t.fee == 1_000


def _csv_rows(client) -> dict[str, dict[str, str]]:  # noqa: ANN001
    body = b"".join(client.get("/dashboard/transactions/export.csv").streaming_content).decode()
    return {r["tXid"]: r for r in csv.DictReader(io.StringIO(body))}


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_cache")
def test_fee_and_net_on_the_payment_page_in_the_csv_and_the_rest_api(client, monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)
    merchant, key = make_merchant("FEESHOW01")
    PartnerFee.objects.create(mitra_cd="ESHP", percent_bp=200, fixed=100)
    paid = txn(merchant, status="9", amount=45_000, mitra_cd="ESHP")
    transaction_apply_status(transaction_id=paid.pk, to=Status.PAID, source="test", idempotency_key="p")
    Transaction.objects.filter(pk=paid.pk).update(cancelled_amount=4_000)  # a partial refund
    waiting = txn(merchant, status="3", amount=12_345, mitra_cd="ESHP")
    client.force_login(member(merchant, "viewer").user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic(merchant.imid, key))

    page = client.get(f"/dashboard/transactions/{paid.txid}/").content.decode()
    assert re.search(r'id="txn-fee">Rp 1\.000<', page)  # 2 % of 45,000 + Rp 100
    assert re.search(r'id="txn-net">Rp 40\.000 ', page)  # 45,000 - 1,000 - 4,000
    assert 'id="txn-fee"' not in client.get(f"/dashboard/transactions/{waiting.txid}/").content.decode()

    rows = _csv_rows(client)
    assert (rows[paid.txid]["mdrFee"], rows[paid.txid]["netAmount"]) == ("1000", "40000")
    assert (rows[waiting.txid]["mdrFee"], rows[waiting.txid]["netAmount"]) == ("0", "0")

    listed = {t["tXid"]: t for t in api.get("/api/v1/transactions").json()["results"]}
    assert (listed[paid.txid]["mdrFee"], listed[paid.txid]["netAmount"]) == (1_000, 40_000)
    assert (listed[waiting.txid]["mdrFee"], listed[waiting.txid]["netAmount"]) == (0, 0)
    detail = api.get(f"/api/v1/transactions/{paid.txid}").json()
    assert (detail["mdrFee"], detail["netAmount"]) == (1_000, 40_000)

    # Refunded in full: the fee is not returned, so the payment nets minus the fee.
    Transaction.objects.filter(pk=paid.pk).update(cancelled_amount=45_000)
    transaction_apply_status(transaction_id=paid.pk, to=Status.REFUND, source="test", idempotency_key="r")
    assert re.search(
        r'id="txn-net">−Rp 1\.000 ', client.get(f"/dashboard/transactions/{paid.txid}/").content.decode()
    )
    assert _csv_rows(client)[paid.txid]["netAmount"] == "-1000"
    assert api.get(f"/api/v1/transactions/{paid.txid}").json()["netAmount"] == -1_000
