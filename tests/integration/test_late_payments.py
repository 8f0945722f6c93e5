"""Money a partner takes after the gateway ended the attempt goes back on its own, on the real stack,
for every partner: the hosted checkout's attempt left for another method, then paid at the partner
anyway (DANA, ShopeePay, LinkAja, AstraPay, Kredivo, Indodana, Akulaku); a direct OVO push
cancelled on the waiting page, then approved in the app; an Akulaku order expired here, then paid
there. The attempt stays as it ended, the partner's order is voided or refunded, the merchant hears
of no payment for it and sees the return on the transaction's timeline; only a return the partner
never made goes to review."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone

from payments import customer_access
from payments.models import AuditLog, Cancellation, Transaction, TransactionEvent
from payments.services import polling, reconciliation
from providers import registry
from providers.sandbox.models import SandboxOrder
from tests.hosted.test_redirect_flow import choose
from tests.integration.test_astrapay_flow import link as astrapay_link
from tests.integration.test_ovo_flow import pay as ovo_pay
from tests.integration.test_ovo_flow import simulate as ovo_simulate
from tests.integration.test_reliability import wait_until
from tests.support import checkout, flows
from tests.support.dashboard import member
from tests.support.paylater_flows import pay as paylater_pay

pytestmark = pytest.mark.integration
JAKARTA = ZoneInfo("Asia/Jakarta")


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


# --- every other partner that takes returns: the attempt left on the hosted checkout for DANA ------


def left_for_dana(stack, receiver, mitra_cd: str, amount: int, **fields: str) -> tuple[dict, dict]:
    """A hosted checkout whose `mitra_cd` attempt (A) the shopper left at the partner's page for
    another method, then paid with DANA (B). Returns both registrations (B's: A's with B's tXid).
    `fields`: the method's own step (a pay-later plan); `phone`: the shopper's (a linked account)."""
    phone = fields.pop("phone", "081234567890")
    body = flows.registration_body(mitra_cd=mitra_cd, amount=amount, db_process_url=receiver.url, phone=phone)
    body.update(payMethod="00", mitraCd="")  # the shopper chooses on our page
    reg = requests.post(f"{stack.base_url}/nicepay/redirect/v2/registration", json=body, timeout=60).json()
    assert reg["resultCd"] == "0000", reg
    reg["_body"] = body
    session = requests.Session()
    path = checkout.hosted_path(session, reg)
    slug = registry.adapter_class(mitra_cd).slug
    at_partner = choose(session, stack.base_url, path, mitra_cd, **fields)
    assert at_partner.status_code == 302 and f"/sandbox/{slug}/" in at_partner.headers["Location"]
    assert SandboxOrder.objects.filter(partner=slug, merchant_ref=reg["tXid"]).exists()

    left = abandon(session, stack.base_url, path, "methods")  # A ends failed; the partner's order stays
    assert left.status_code == 302
    second_path = re.sub(r"^https?://[^/]+", "", left.headers["Location"])
    reg_b = {**reg, "tXid": re.search(r"/pay/(IONPAYTEST00\d{18})/", second_path).group(1)}
    assert reg_b["tXid"] != reg["tXid"] and flows.inquiry(stack.base_url, reg)["status"] == "8"
    assert "/sandbox/dana/" in choose(session, stack.base_url, second_path, "DANA").headers["Location"]
    flows.simulated(stack, reg_b)
    assert flows.wait_for_status(stack.base_url, reg_b, "0")["status"] == "0"
    return reg, reg_b


def returned_once(stack, receiver, reg: dict, reg_b: dict, amount: int, reported_by: str) -> Cancellation:
    """A's late payment, reported by `reported_by` (the event's source), went back in full on its
    own: A stays failed and was never paid, B keeps its payment, and the merchant heard only of B."""
    row = returned(reg["tXid"], timeout=60)
    assert (row.state, row.amount, row.cancel_type) == ("succeeded", amount, "1"), row.result_message
    assert (row.reason, row.source) == ("paid after the order ended: returned automatically", "late_payment")
    a = Transaction.objects.get(txid=reg["tXid"])
    assert (a.status, a.paid_at, a.cancelled_amount, a.needs_review) == ("8", None, amount, False)
    assert Transaction.objects.get(txid=reg_b["tXid"]).status == "0"
    assert Cancellation.objects.filter(transaction__txid=reg["tXid"]).count() == 1
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"
    kinds = list(a.events.values_list("kind", "source"))
    assert (TransactionEvent.Kind.REJECTED, reported_by) in kinds, kinds  # the partner's success
    assert (TransactionEvent.Kind.CANCEL, "late_payment") in kinds
    assert AuditLog.objects.filter(
        target=f"transaction:{reg['tXid']}", action=AuditLog.Action.TRANSACTION_CANCELLED, actor_kind="system"
    ).exists()
    synced_again(a)  # the partner's voided or refunded order: nothing for ops, A still failed
    assert all(n.form["status"] != "0" for n in receiver.for_txid(reg["tXid"]))
    assert [n.form["status"] for n in flows.notified(receiver, reg_b, 1)] == ["0"]
    return row


def partner_order(mitra_cd: str, reg: dict) -> SandboxOrder:
    return SandboxOrder.objects.get(partner=registry.adapter_class(mitra_cd).slug, merchant_ref=reg["tXid"])


def test_a_left_shopeepay_attempt_paid_later_is_voided_at_shopeepay(stack, demo_merchant, receiver) -> None:
    reg, reg_b = left_for_dana(stack, receiver, "ESHP", 38_000)
    flows.simulated(stack, reg)  # the shopper pays ShopeePay's page too; ShopeePay notifies it
    returned_once(stack, receiver, reg, reg_b, 38_000, "partner_callback")
    order = partner_order("ESHP", reg)
    assert order.state == "7", order.data  # invalidated: the void gave the money back


@pytest.mark.parametrize("told_by", ["return", "reconcile"])
def test_a_left_linkaja_checkout_paid_later_is_reversed_at_linkaja(
    stack, demo_merchant, receiver, told_by
) -> None:
    reg, reg_b = left_for_dana(stack, receiver, "LINK", 27_000)
    result = flows.simulated(stack, reg)  # the shopper enters the PIN on LinkAja's page anyway
    assert result["state"] == "00", result
    # LinkAja pushes nothing: the gateway asks it when the browser comes back to A's return URL,
    # or, when the shopper closed the tab instead, when the day is reconciled.
    if told_by == "return":
        back = requests.get(result["redirect_url"], allow_redirects=False, timeout=30)
        assert back.status_code == 302 and f"/pay/{reg['tXid']}/" in back.headers["Location"]
    else:
        report = reconciliation.reconcile_day(timezone.localdate())
        drift = [d for d in report["drift"] if d["txid"] == reg["tXid"]]
        assert [(d["ours"], d["partner"]) for d in drift] == [("failed", "succeeded")], report["drift"]
    returned_once(stack, receiver, reg, reg_b, 27_000, told_by)
    assert partner_order("LINK", reg).state == "04"  # reversed


def test_a_left_astrapay_payment_paid_later_is_refunded_at_astrapay(stack, demo_merchant, receiver) -> None:
    astrapay_link(stack, receiver)  # the shopper's AstraPay account, linked to the shop before
    reg, reg_b = left_for_dana(stack, receiver, "ASTR", 41_000, phone="081299990000")
    flows.simulated(stack, reg)  # the shopper approves on AstraPay's page anyway; AstraPay notifies
    returned_once(stack, receiver, reg, reg_b, 41_000, "partner_callback")
    order = partner_order("ASTR", reg)
    assert order.state == "04", order.data  # refunded in full


@pytest.mark.parametrize(("mitra_cd", "refunded"), [("KDVI", "cancel"), ("IDNA", "REFUNDED"), ("AKLP", "91")])
def test_a_left_pay_later_order_paid_later_is_cancelled_at_the_partner(
    stack, demo_merchant, receiver, mitra_cd, refunded
) -> None:
    reg, reg_b = left_for_dana(stack, receiver, mitra_cd, 150_000, tenor="1")
    flows.simulated(stack, reg)  # the shopper confirms the instalment plan anyway; the partner pushes
    returned_once(stack, receiver, reg, reg_b, 150_000, "partner_callback")
    order = partner_order(mitra_cd, reg)
    assert order.state == refunded, order.data


def test_a_late_return_the_partner_never_made_lands_in_review(stack, demo_merchant, receiver) -> None:
    """ShopeePay loses the void (nothing refunded, then its own 5xx): the return's outcome is
    unknown until the cancel settle sweep asks ShopeePay, which never made it. Only then, and only
    that, goes to review, with the reason; A is never marked paid and never notified so."""
    reg, reg_b = left_for_dana(stack, receiver, "ESHP", 52_000)
    control = {"tXid": reg["tXid"], "mode": "drop", "seconds": 2}
    assert requests.post(f"{stack.base_url}/sandbox/refund-control", json=control, timeout=10).ok
    flows.simulated(stack, reg)
    row = returned(reg["tXid"], timeout=120)
    assert (row.state, row.amount) == ("failed", 52_000), row.result_message
    a = Transaction.objects.get(txid=reg["tXid"])
    assert (a.status, a.paid_at, a.cancelled_amount, a.needs_review) == ("8", None, 0, True)
    assert a.review_reason.startswith("paid after the order ended; automatic return failed: ")
    assert partner_order("ESHP", reg).state == "3"  # still paid at ShopeePay: ops return it
    assert (
        AuditLog.objects.filter(
            target=f"transaction:{reg['tXid']}", action=AuditLog.Action.TRANSACTION_CANCELLED
        ).count()
        == 0
    )
    assert Transaction.objects.get(txid=reg_b["tXid"]).status == "0"
    assert all(n.form["status"] != "0" for n in receiver.for_txid(reg["tXid"]))


def test_an_akulaku_order_expired_here_then_paid_at_akulaku_is_refunded(
    stack, demo_merchant, receiver
) -> None:
    """Expired at our side (the merchant's payValidDt/payValidTm) while Akulaku keeps its order
    open for its own 24 hours; the shopper pays it there afterwards."""
    valid_until = datetime.now(JAKARTA) + timedelta(seconds=15)
    reg, _ = paylater_pay(
        stack,
        receiver,
        "AKLP",
        63_000,
        payValidDt=valid_until.strftime("%Y%m%d"),
        payValidTm=valid_until.strftime("%H%M%S"),
    )
    assert flows.wait_for_status(stack.base_url, reg, "5", timeout=60)["status"] == "5"  # the sweep
    assert partner_order("AKLP", reg).state == "1"  # still payable at Akulaku

    flows.simulated(stack, reg)  # Akulaku takes the money and calls back
    row = returned(reg["tXid"], timeout=60)
    assert (row.state, row.amount, row.cancel_type) == ("succeeded", 63_000, "1"), row.result_message
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert (txn.status, txn.paid_at, txn.cancelled_amount, txn.needs_review) == ("5", None, 63_000, False)
    assert (TransactionEvent.Kind.REJECTED, "partner_callback") in txn.events.values_list("kind", "source")
    assert partner_order("AKLP", reg).state == "91"  # refunded
    synced_again(txn)
    assert [n.form["status"] for n in flows.notified(receiver, reg, 1)] == ["5"]  # expired, and only that
