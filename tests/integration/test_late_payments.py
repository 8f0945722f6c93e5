"""Money a partner takes after the shopper left the attempt goes back on its own, on the real stack:
the hosted checkout's DANA attempt left for ShopeePay, then paid at DANA anyway; a direct OVO push
cancelled on the waiting page, then approved in the app. The attempt stays failed, the partner's
order is voided, and the merchant sees the return on the transaction's timeline."""

from __future__ import annotations

import re

import pytest
import requests

from payments import customer_access
from payments.models import AuditLog, Cancellation, Transaction, TransactionEvent
from payments.services import polling
from providers.sandbox.models import SandboxOrder
from tests.hosted.test_redirect_flow import choose
from tests.integration.test_ovo_flow import pay as ovo_pay
from tests.integration.test_ovo_flow import simulate as ovo_simulate
from tests.integration.test_reliability import wait_until
from tests.support import checkout, flows
from tests.support.dashboard import member

pytestmark = pytest.mark.integration


def returned(txid: str, timeout: float = 30) -> Cancellation:
    """The automatic return of `txid`'s late payment, once settled."""
    settled = (Cancellation.State.SUCCEEDED, Cancellation.State.FAILED)
    wait_until(
        lambda: Cancellation.objects.filter(transaction__txid=txid, state__in=settled).exists(), timeout
    )
    return Cancellation.objects.get(transaction__txid=txid)


def synced_again(txn: Transaction) -> Transaction:
    """A later sync (or reconciliation) of the attempt: the partner's voided or refunded order
    keeps it as it ended, with nothing for ops."""
    after = polling.transaction_sync(transaction_id=txn.pk, source="sync")
    assert (after.status, after.needs_review) == (txn.status, False), after.review_reason
    return after


def abandon(
    session: requests.Session, base_url: str, path: str, then: str, *, shown: str = ""
) -> requests.Response:
    """The shopper's button on the page at `shown` (default: the checkout page `path`)."""
    page = session.get(f"{base_url}{shown or path}", timeout=30)
    assert page.status_code == 200 and f'{path}abandon"' in page.text, page.text[:300]
    data = {"csrfmiddlewaretoken": checkout.csrf(session, page.text), "then": then}
    return session.post(f"{base_url}{path}abandon", data=data, allow_redirects=False, timeout=30)


def test_a_left_dana_attempt_paid_after_shopeepay_is_voided_at_dana(
    stack, demo_merchant, receiver, client
) -> None:
    reg = checkout.register(stack.base_url, amount=45_000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    session = requests.Session()
    path = checkout.hosted_path(session, reg)
    assert "/sandbox/dana/" in choose(session, stack.base_url, path, "DANA").headers["Location"]

    # "Choose another method": attempt A ends failed here; DANA's order stays payable.
    left = abandon(session, stack.base_url, path, "methods")
    assert left.status_code == 302
    second_path = re.sub(r"^https?://[^/]+", "", left.headers["Location"])
    second = re.search(r"/pay/(IONPAYTEST00\d{18})/", second_path).group(1)
    assert second != reg["tXid"] and flows.inquiry(stack.base_url, reg)["status"] == "8"
    assert "/sandbox/shopeepay/" in choose(session, stack.base_url, second_path, "ESHP").headers["Location"]
    reg_b = {**reg, "tXid": second}
    flows.simulated(stack, reg_b)
    assert flows.wait_for_status(stack.base_url, reg_b, "0")["status"] == "0"

    # The shopper finishes DANA's page too: DANA takes the money and notifies it.
    flows.simulated(stack, reg)
    row = returned(reg["tXid"])
    assert (row.state, row.amount, row.cancel_type) == ("succeeded", 45_000, "1"), row.result_message
    assert row.reason == "paid after the order ended: returned automatically"
    order = SandboxOrder.objects.get(partner="dana", merchant_ref=reg["tXid"])
    assert (order.state, order.data["closed_reason"]) == ("05", "MERCHANT_CANCEL")  # voided at DANA

    a = Transaction.objects.get(txid=reg["tXid"])
    assert (a.status, a.paid_at, a.cancelled_amount, a.needs_review) == ("8", None, 45_000, False)
    assert Transaction.objects.get(txid=second).status == "0"  # ShopeePay keeps its payment
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"
    synced_again(a)
    kinds = list(a.events.values_list("kind", "source"))
    assert (TransactionEvent.Kind.REJECTED, "partner_callback") in kinds  # DANA's success, recorded
    assert (TransactionEvent.Kind.CANCEL, "late_payment") in kinds
    assert AuditLog.objects.filter(
        target=f"transaction:{reg['tXid']}", action=AuditLog.Action.TRANSACTION_CANCELLED, actor_kind="system"
    ).exists()
    # The merchant was never told A was paid; B's payment was notified once.
    assert all(n.form["status"] != "0" for n in receiver.for_txid(reg["tXid"]))
    assert [n.form["status"] for n in flows.notified(receiver, reg_b, 1)] == ["0"]

    # The merchant's dashboard shows the return on A's page.
    client.force_login(member(demo_merchant).user)
    page = client.get(f"/dashboard/transactions/{reg['tXid']}/").content.decode()
    assert "paid after the order ended: returned automatically" in page and "Succeeded" in page
    assert "Payloan (a late payment, returned automatically)" in page  # who asked: not the merchant


def test_an_ovo_push_cancelled_on_the_waiting_page_then_approved_is_voided(
    stack, demo_merchant, receiver
) -> None:
    reg = ovo_pay(stack, receiver, 32_000)
    session = requests.Session()
    wait_path = customer_access.page_path(reg["tXid"], "wait")
    page_path = wait_path.removesuffix("wait")
    left = abandon(session, stack.base_url, page_path, "shop", shown=wait_path)
    assert left.status_code == 302 and "resultCd=9752" in left.headers["Location"]
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"

    ovo_simulate(stack, reg, "success")  # the shopper approves the push in the OVO app anyway
    row = returned(reg["tXid"], timeout=60)
    assert (row.state, row.amount) == ("succeeded", 32_000), row.result_message
    order = SandboxOrder.objects.get(partner="ovo", merchant_ref=reg["tXid"])
    assert order.state == "voided"
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert (txn.status, txn.needs_review, txn.cancelled_amount) == ("8", False, 32_000)
    synced_again(txn)
    assert all(n.form["status"] != "0" for n in receiver.for_txid(reg["tXid"]))
