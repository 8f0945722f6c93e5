"""The overview's rollups (services/rollups.py): kept current by registration, every status change
and the hosted checkout's partner choice, they give the same figures as grouping the transactions
themselves (the overview's former queries, kept here as the reference); and `rollups_rebuild`
restores them, idempotently, for one merchant or all, also while status changes go on."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from payments.models import Merchant, Transaction, TransactionRollup
from payments.selectors.overview import transactions_overview
from payments.services import checkout as checkout_service
from payments.services.registration import RegistrationData, transaction_register
from payments.services.rollups import rollups_rebuild
from payments.services.transitions import transaction_apply_status
from payments.status import Status
from providers import registry
from providers.base.types import CartItem
from tests.factories import MerchantFactory
from tests.support.overview import overview_from_transactions

pytestmark = pytest.mark.django_db

# 2026-11-20 23:59:59 in Jakarta is 16:59:59 UTC; the next second is the 21st there.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BEFORE_MIDNIGHT = datetime(2026, 11, 20, 16, 59, 59, tzinfo=UTC)
DELIVERY = {
    f"delivery_{k}": "x" for k in ("name", "phone", "address", "city", "state", "post_code", "country")
}


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):  # noqa: ANN202
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


class Clock:
    """timezone.now() as the services see it (created_at, paid_at), set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = NOW
        monkeypatch.setattr(timezone, "now", lambda: self.at)


def order(mitra_cd: str, amount: int, **kw: Any) -> RegistrationData:
    partner = registry.partner(mitra_cd) if mitra_cd else None
    fields: dict[str, Any] = {
        "pay_method": partner.pay_method if partner else "00",
        "mitra_cd": mitra_cd,
        "currency": "IDR",
        "amount": amount,
        "reference_no": f"REF{uuid.uuid4().hex[:12]}",
        "goods_name": "Batik",
        "billing": {
            "billing_name": "Budi",
            "billing_phone": "081234567890",
            "billing_email": "b@example.com",
        },
        "cart": lambda: (CartItem(id="1", name="Batik", unit_price=amount, quantity=1),),
        "db_process_url": "http://127.0.0.1:9/n",
        "user_ip": "127.0.0.1",
        "fingerprint": uuid.uuid4().hex,
    }
    if partner and partner.is_payloan:
        fields.update(instalment_type="1", instalment_months=partner.tenors[0], delivery=DELIVERY)
    fields.update(kw)
    return RegistrationData(**fields)


def move(txn: Transaction, to: Status, key: str | None = None) -> None:
    transaction_apply_status(
        transaction_id=txn.pk, to=to, source="partner_callback", idempotency_key=key or f"{to}-{txn.pk}"
    )


# What happens to each registered payment: the statuses it goes through, in order.
STORIES: list[list[Status]] = [
    [],  # registered, never paid
    [Status.PAID],
    [Status.UNPAID],
    [Status.PROCESSING],
    [Status.PROCESSING, Status.PAID],
    [Status.PAID, Status.REFUND],
    [Status.PAID, Status.VOID],  # cancelled after payment: still paid volume
    [Status.VOID],  # cancelled before payment
    [Status.PROCESSING, Status.FAILED],
    [Status.EXPIRED],
    [Status.EXPIRED, Status.PAID],  # a late success: rejected, returned to the payer, not counted
    [Status.PAID, Status.PAID],  # the same callback twice
]


def build(merchant: Merchant, clk: Clock) -> None:
    """Varied payments over 40 days: several partners, every story above, some registered on
    either side of a Jakarta midnight, status changes days after registration, and hosted checkout
    attempts whose partner the shopper chooses later."""
    partners = ["ESHP", "DANA", "KDVI", "OVOE"]
    moments = [NOW - timedelta(days=d, hours=h) for d in (0, 1, 2, 6, 29, 30, 39) for h in (0, 5)]
    moments += [BEFORE_MIDNIGHT, BEFORE_MIDNIGHT + timedelta(seconds=1)]
    moments += [NOW.replace(hour=16, minute=59, second=59) - timedelta(days=1)]  # yesterday, 23:59:59 WIB
    n = 0
    for at in moments:
        for story in STORIES:
            n += 1
            clk.at = at
            txn = transaction_register(
                merchant=merchant, data=order(partners[n % len(partners)], 50_000 + 1_000 * n)
            )
            for step, status in enumerate(story):
                clk.at = min(at + timedelta(hours=6 * (step + 1)), NOW)  # later, often another day
                move(txn, status, key="same" if story == [Status.PAID, Status.PAID] else None)
    for i, at in enumerate(moments[:6]):
        clk.at = at
        attempt = checkout_service.checkout_register(merchant=merchant, data=order("", 75_000 + i))
        if i % 3:  # the shopper chose; the rest never did (counted under no partner)
            checkout_service._apply_choice(attempt, checkout_service.MethodChoice(mitra_cd="DANA"))
        if i % 2:
            move(attempt, Status.PAID)
    clk.at = NOW


@pytest.fixture
def two_merchants(monkeypatch) -> tuple[Merchant, Merchant]:
    clk = Clock(monkeypatch)
    a, b = MerchantFactory(), MerchantFactory()
    build(a, clk)
    clk.at = NOW - timedelta(days=3)
    transaction_register(merchant=b, data=order("DANA", 12_345))
    clk.at = NOW
    return a, b


def rollup_rows(merchant: Merchant) -> set[tuple]:
    return set(
        TransactionRollup.objects.filter(merchant=merchant)
        .exclude(count=0)
        .values_list("day", "mitra_cd", "status", "paid", "count", "amount")
    )


def test_overview_from_rollups_equals_the_grouped_transactions(two_merchants) -> None:
    a, b = two_merchants
    assert Transaction.objects.filter(merchant=a).values("status").distinct().count() == 8
    # The rejected late success: not counted as paid, its money queued for return (late_payments.py).
    assert Transaction.objects.filter(
        merchant=a,
        status=Status.EXPIRED,
        events__kind="rejected",
        partner_calls__key__startswith="late-return:",
    ).exists()
    for days in (1, 7, 30, 31, 365):
        ours = transactions_overview(merchant=a, now=NOW, days=days)
        assert ours == overview_from_transactions(merchant=a, now=NOW, days=days), days
    month = transactions_overview(merchant=a, now=NOW, days=30)
    assert month["month"]["count"] > 100 and 0 < month["month"]["paid"] < month["month"]["count"]
    assert {p["mitra_cd"] for p in month["by_partner"]} == {"", "DANA", "ESHP", "KDVI", "OVOE"}
    # The two sides of the Jakarta midnight land on their own days.
    around = {d["day"]: d["count"] for d in transactions_overview(merchant=a, now=NOW, days=11)["by_day"]}
    assert (
        around[BEFORE_MIDNIGHT.date()] == around[BEFORE_MIDNIGHT.date() + timedelta(days=1)] == len(STORIES)
    )
    # Another merchant's figures are its own.
    other = transactions_overview(merchant=b, now=NOW, days=30)
    assert other["month"]["count"] == 1 and other == overview_from_transactions(merchant=b, now=NOW, days=30)


def test_days_outside_a_year_are_refused(merchant) -> None:
    for days in (0, 367):
        with pytest.raises(ValueError):
            transactions_overview(merchant=merchant, days=days)


def test_rebuild_restores_the_rollups_idempotently(two_merchants) -> None:
    a, b = two_merchants
    kept_a, kept_b = rollup_rows(a), rollup_rows(b)
    expected = transactions_overview(merchant=a, now=NOW, days=365)
    # Damage both merchants' rollups: a row lost, a count off, a row for a day with no payments.
    TransactionRollup.objects.filter(merchant=a).order_by("pk").first().delete()
    TransactionRollup.objects.filter(merchant=a, status=Status.PAID).update(count=999)
    TransactionRollup.objects.create(
        merchant=a, day=NOW.date() - timedelta(days=100), mitra_cd="ESHP", status="0", paid=True, count=5
    )
    TransactionRollup.objects.filter(merchant=b).update(amount=1)
    assert transactions_overview(merchant=a, now=NOW, days=365) != expected

    call_command("rollups_rebuild", imid=a.imid)
    assert rollup_rows(a) == kept_a and transactions_overview(merchant=a, now=NOW, days=365) == expected
    assert rollup_rows(b) != kept_b  # only the merchant named was rebuilt

    for _ in range(2):  # all merchants, twice: the same rows
        call_command("rollups_rebuild")
        assert (rollup_rows(a), rollup_rows(b)) == (kept_a, kept_b)
        assert not TransactionRollup.objects.filter(count=0).exists()  # empty buckets are not written
    with pytest.raises(CommandError):
        call_command("rollups_rebuild", imid="NOSUCHMER1")


@pytest.mark.django_db(transaction=True)
def test_rebuild_while_status_changes_go_on(merchant) -> None:
    """Status changes from other connections while the rollups are rebuilt again and again: none
    is lost or counted twice."""
    txns = [transaction_register(merchant=merchant, data=order("ESHP", 10_000 + i)) for i in range(120)]
    errors: list[BaseException] = []

    def pay(part: list[Transaction]) -> None:
        try:
            for txn in part:
                move(txn, Status.PAID)
                if txn.pk % 3 == 0:
                    move(txn, Status.REFUND)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=pay, args=(txns[i::3],)) for i in range(3)]
    for w in workers:
        w.start()
    rebuilds = 0
    while any(w.is_alive() for w in workers) or rebuilds < 3:
        rollups_rebuild(merchant_id=merchant.pk)
        rebuilds += 1
    for w in workers:
        w.join()
    assert not errors, errors
    assert rebuilds > 3  # they really overlapped
    incremental = rollup_rows(merchant)
    rollups_rebuild(merchant_id=merchant.pk)
    assert incremental == rollup_rows(merchant)
    by_status = {(r[2], r[3]): r[4] for r in incremental}
    assert by_status == {("0", True): 80, ("2", True): 40}
