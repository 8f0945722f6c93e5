"""The OVO waiting page's countdown ends when the payment can no longer be made: at the push's own
deadline, or earlier at the order's expiry when the merchant sent a short payValidDt/payValidTm."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from payments import customer_access
from payments.services import payment
from providers.base.types import PushToApp
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


def countdown_end(client, txn) -> datetime:
    page = client.get(customer_access.page_path(txn.txid, "wait"))
    assert page.status_code == 200
    found = re.search(r'data-expires-at="([^"]+)"', page.content.decode())
    assert found, page.content.decode()[:500]
    return datetime.fromisoformat(found.group(1))


def ovo_waiting(merchant, *, push_in: int, order_in: int):
    now = datetime.now(UTC)
    push = PushToApp(phone="081234567890", expires_at=now + timedelta(seconds=push_in))
    txn = make_txn(
        merchant,
        mitra_cd="OVOE",
        expires_at=now + timedelta(seconds=order_in),
        partner_data={"action": payment.action_to_dict(push)},
    )
    return txn, push


def test_a_short_order_validity_ends_the_countdown_first(client, merchant) -> None:
    txn, push = ovo_waiting(merchant, push_in=55, order_in=20)
    assert countdown_end(client, txn) == txn.expires_at < push.expires_at


def test_otherwise_the_push_deadline_ends_it(client, merchant) -> None:
    txn, push = ovo_waiting(merchant, push_in=55, order_in=3600)
    assert countdown_end(client, txn) == push.expires_at
