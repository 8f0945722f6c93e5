"""Cancellation.merchant is required (the merchant's refunds list pages on its own index): the
migration fills it from the transaction before the column turns NOT NULL, every service path
writes the transaction's merchant, and the database refuses a row without one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from payments.models import Cancellation
from payments.services import cancellation
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers.base.types import CancelResult
from tests.factories import MerchantFactory
from tests.support.data import make_txn

BEFORE = ("payments", "0018_merchantmember_grant_owner")
AFTER = ("payments", "0019_cancellation_merchant_required")


class Partner:
    def check_cancel(self, req, *, now) -> None:  # noqa: ANN001
        return None

    def cancel(self, req) -> CancelResult:  # noqa: ANN001
        return CancelResult(partner_cancel_ref=f"P-{req.cancel_id}", kind="refund")


@pytest.mark.django_db
def test_every_cancel_path_writes_the_transactions_merchant(monkeypatch):
    monkeypatch.setattr(cancellation.registry, "get_adapter", lambda mitra_cd: Partner())
    merchant = MerchantFactory()
    MerchantFactory()  # another merchant exists: the copy must be this transaction's
    paid = make_txn(merchant, amount=50_000)
    transaction_apply_status(transaction_id=paid.pk, to=Status.PAID, source="cb", idempotency_key="p")
    unpaid = make_txn(merchant, amount=20_000)
    cancels = [  # (transaction, cancelType, amount): a partial, the rest, and a void before payment
        (paid, "2", 10_000),
        (paid, "2", 40_000),
        (unpaid, "1", 20_000),
    ]
    rows = [
        cancellation.transaction_cancel(
            merchant=merchant, txid=t.txid, cancel_type=kind, amount=amt, reason="", idempotency_key=f"k{n}"
        )
        for n, (t, kind, amt) in enumerate(cancels)
    ]
    assert [r.state for r in rows] == ["succeeded"] * 3
    assert {r.merchant_id for r in Cancellation.objects.all()} == {merchant.pk}


@pytest.mark.django_db
def test_the_database_refuses_a_cancellation_without_merchant():
    txn = make_txn(MerchantFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Cancellation.objects.create(
            transaction=txn,
            cancel_txid="NOMERCHANT1",
            cancel_type="1",
            amount=txn.amount,
            idempotency_key="k",
        )


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_merchant_from_the_transaction():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        apps = executor.loader.project_state([BEFORE]).apps
        merchant_model, txn_model = (
            apps.get_model("payments", "Merchant"),
            apps.get_model("payments", "Transaction"),
        )
        row_model = apps.get_model("payments", "Cancellation")
        made = []
        for n in range(2):
            merchant = merchant_model.objects.create(imid=f"MIGSHOP0{n}", name=f"Shop {n}")
            txn = txn_model.objects.create(
                txid=f"MIGSHOP0{n}05{n:018d}",
                merchant=merchant,
                reference_no=f"MIGREF{n}",
                pay_method="05",
                mitra_cd="ESHP",
                amount=10_000 + n,
                goods_name="Item",
                billing_name="Budi",
                billing_phone="0812",
                billing_email="b@example.com",
                db_process_url="http://127.0.0.1:9/n",
                expires_at=timezone.now() + timedelta(minutes=5),
                request_fingerprint="x" * 64,
            )
            made.append(
                (
                    row_model.objects.create(
                        transaction_id=txn.pk,
                        cancel_txid=f"MIGCANCEL{n}",
                        cancel_type="1",
                        amount=txn.amount,
                        idempotency_key="k",
                    ).pk,
                    merchant.pk,
                )
            )
        assert row_model.objects.filter(merchant__isnull=True).count() == 2
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    for pk, merchant_id in made:
        assert Cancellation.objects.get(pk=pk).merchant_id == merchant_id
    with connection.cursor() as cur:
        cur.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'payments_cancellation' AND column_name = 'merchant_id'"
        )
        assert cur.fetchone() == ("NO",)
