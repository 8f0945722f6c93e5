"""The one transaction search (REST and dashboard), its page and its detail."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from payments.exceptions import TransactionNotFound
from payments.models import Transaction
from payments.selectors.pages import decode_cursor
from payments.selectors.transactions import (
    TransactionFilters,
    transaction_detail,
    transaction_page,
    transactions_search,
)
from tests.factories import MerchantFactory
from tests.support.rest import make_txn

pytestmark = pytest.mark.django_db


def found(merchant, **filters) -> list[str]:
    return [t.txid for t in transactions_search(merchant=merchant, filters=TransactionFilters(**filters))]


def at(txn: Transaction, moment: datetime) -> Transaction:
    Transaction.objects.filter(pk=txn.pk).update(created_at=moment)
    txn.refresh_from_db()
    return txn


def test_filters_combine_and_the_newest_comes_first(merchant):
    old = make_txn(merchant, amount=5000, mitra_cd="DANA")
    new = make_txn(merchant, amount=50000, mitra_cd="DANA", status="0")
    make_txn(merchant, amount=50000, mitra_cd="ESHP")
    make_txn(MerchantFactory(), amount=50000, mitra_cd="DANA")  # another merchant's: never
    assert found(merchant, mitra_cd="DANA") == [new.txid, old.txid]
    assert found(merchant, mitra_cd="DANA", amount_min=10000) == [new.txid]
    assert found(merchant, mitra_cd="DANA", amount_max=5000) == [old.txid]
    assert found(merchant, mitra_cd="DANA", status="0") == [new.txid]


def test_days_include_both_ends_and_moments_exclude_the_end(merchant):
    tz = timezone.get_current_timezone()
    first = at(make_txn(merchant), datetime(2026, 3, 1, 0, 0, tzinfo=tz))
    last = at(make_txn(merchant), datetime(2026, 3, 2, 23, 59, 59, tzinfo=tz))
    after = at(make_txn(merchant), datetime(2026, 3, 3, 0, 0, tzinfo=tz))
    assert found(merchant, date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)) == [last.txid, first.txid]
    assert found(merchant, created_from=first.created_at, created_to=after.created_at) == [
        last.txid,
        first.txid,
    ]
    assert found(merchant, created_from=last.created_at) == [after.txid, last.txid]


def test_search_tries_identifiers_then_exact_contacts_then_parts(merchant):
    a = make_txn(merchant, name="Sari Dewi", phone="0812111", email="sari@shop.id")
    b = make_txn(merchant, name=f"Ref {a.reference_no}", phone="08121110", email="xsari@shop.id")
    assert found(merchant, q=a.reference_no) == [a.txid]  # not b, whose name contains it
    assert found(merchant, q=a.txid) == [a.txid]
    assert found(merchant, q="0812111") == [a.txid]  # exact phone: b's longer number is not mixed in
    assert found(merchant, q="sari@shop.id") == [a.txid]
    assert found(merchant, q="SARI") == [b.txid, a.txid]  # a part of a name or e-mail, any case
    assert found(merchant, q="2111") == [b.txid, a.txid]  # a part of a phone
    assert found(MerchantFactory(), q=a.txid) == []


def test_page_follows_the_cursor_without_gaps_or_repeats(merchant):
    rows = [make_txn(merchant) for _ in range(5)]
    first = transaction_page(merchant=merchant, filters=TransactionFilters(), size=2)
    second = transaction_page(
        merchant=merchant, filters=TransactionFilters(), cursor=first.next_cursor, size=2
    )
    third = transaction_page(
        merchant=merchant, filters=TransactionFilters(), cursor=second.next_cursor, size=2
    )
    seen = [t.txid for p in (first, second, third) for t in p.rows]
    assert seen == [t.txid for t in reversed(rows)] and third.next_cursor == ""
    assert decode_cursor("not a cursor") is None


def test_detail_is_scoped_and_loads_the_timeline_in_a_fixed_number_of_queries(
    merchant, django_assert_num_queries
):
    txn = make_txn(merchant, status="0")
    with django_assert_num_queries(6):
        detail = transaction_detail(merchant=merchant, txid=txn.txid)
        assert [e.kind for e in detail.events.all()] == ["status_changed"]
        assert [n.sequence for n in detail.notifications.all()] == [1]
    with pytest.raises(TransactionNotFound):
        transaction_detail(merchant=MerchantFactory(), txid=txn.txid)
