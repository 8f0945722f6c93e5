"""A late payment's automatic return is one of the merchant's refunds: listed on the Refunds page
(scoped to the merchant) with the gateway, not the merchant, as the one who asked."""

from __future__ import annotations

import pytest

from payments.models import Cancellation
from payments.services import late_payments
from tests.payments.test_late_payments import dana, paid_late, sent  # noqa: F401 - fixtures
from tests.support.dashboard import member

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_return_is_in_the_merchants_refunds_list(dana, sandbox_server, receiver, merchant, sent, client):  # noqa: F811
    txn = paid_late(dana, sandbox_server, receiver, merchant)
    row = late_payments.transaction_return_late_payment(transaction_id=txn.pk)
    assert row is not None and row.state == "succeeded"
    assert Cancellation.objects.get(pk=row.pk).merchant_id == merchant.pk
    client.force_login(member(merchant, "viewer").user)
    page = client.get("/dashboard/refunds/").content.decode()
    assert txn.txid in page and "Payloan (a late payment, returned automatically)" in page
    assert "your server (API)" not in page
