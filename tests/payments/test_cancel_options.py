"""What a merchant may cancel of one payment today: the gateway's rules first, then the partner's
own (its adapter's check, no partner call)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.services.cancel_options import cancel_options
from tests.factories import MerchantFactory
from tests.payments.test_dashboard_refunds import refund
from tests.support.dashboard import txn

pytestmark = pytest.mark.django_db


def test_cancel_choices_follow_the_partner_rules_of_today():
    m = MerchantFactory()
    now = timezone.now()
    ovo_today = txn(m, status="0", mitra_cd="OVOE", amount=50_000, paid_at=now)
    full, partial = cancel_options(txn=ovo_today, now=now)
    assert full.allowed and not partial.allowed and "OVO allows only a full void" in partial.why_not
    ovo_old = txn(m, status="0", mitra_cd="OVOE", amount=50_000, paid_at=now - timedelta(days=2))
    full, partial = cancel_options(txn=ovo_old, now=now)
    assert not full.allowed and "day of payment" in full.why_not
    shopee = txn(m, status="0", mitra_cd="ESHP", amount=40_000, paid_at=now)
    assert [o.allowed for o in cancel_options(txn=shopee, now=now)] == [True, True]
    refund(shopee, 15_000)
    full, partial = cancel_options(txn=shopee, now=now)
    assert not full.allowed and "cancel the rest as a partial" in full.why_not
    assert partial.allowed and partial.amount == 25_000


def test_unpaid_payments_offer_a_full_void_only_before_the_partner_saw_them():
    m = MerchantFactory()
    fresh = txn(m, status="9", mitra_cd="DANA", amount=20_000)
    full, partial = cancel_options(txn=fresh)
    assert full.allowed and not partial.allowed and "only possible after payment" in partial.why_not
    started = txn(m, status="9", mitra_cd="DANA", amount=20_000, partner_ref="P1")
    full, _ = cancel_options(txn=started)
    assert not full.allowed and "cancelled when it expires" in full.why_not
    failed = txn(m, status="8", mitra_cd="DANA", amount=20_000)
    assert not any(o.allowed for o in cancel_options(txn=failed))


def test_each_partner_s_cancel_rule_is_written_out_from_the_catalogue():
    from payments.dashboard.words import cancel_terms

    assert cancel_terms("OVOE") == "OVO: full only, on the day of payment (until 23:59 Jakarta time)."
    assert cancel_terms("DANA") == "DANA: in full or in part, within 30 days of payment."
    assert cancel_terms("ESHP") == "ShopeePay: in full or in part, within 24 hours of payment."
    assert cancel_terms("LINK") == "LinkAja: full only, within 30 days of payment."
