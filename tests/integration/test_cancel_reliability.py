"""Cancels on the real stack: two different cancels in one second are two refunds, only a true
replay of one cancel gets its first answer, and a cancel whose partner answer is lost (a timeout, a
web process killed during the call) is settled from the partner's own refund status, never twice."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import requests

from payments.models import Cancellation, Transaction
from tests.integration.test_reliability import wait_until
from tests.support import flows

pytestmark = pytest.mark.integration


def partial(reg: dict, amount: int, msg: str, ts: str = "") -> dict:
    """A signed partial cancel (cancelType 2) of `amount` with cancelMsg `msg`."""
    return flows.cancel_body(reg, cancel_type="2", amount=amount, ts=ts, msg=msg)


def paid(stack, receiver, amount: int) -> dict:  # noqa: ANN001
    reg = flows.register(stack.base_url, mitra_cd="ESHP", amount=amount, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    assert flows.payment_started(stack.base_url, reg).startswith("http")  # on to ShopeePay
    flows.simulated(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    return reg


def test_two_partial_cancels_in_one_second_are_two_refunds(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, 30_000)
    ts = flows.stamp()
    first = flows.post_cancel(stack.base_url, partial(reg, 5_000, "item A out of stock", ts=ts))
    second = flows.post_cancel(stack.base_url, partial(reg, 5_000, "item B damaged", ts=ts))
    assert first["resultCd"] == second["resultCd"] == "0000", (first, second)
    assert first["canceltXid"] != second["canceltXid"]

    txn = Transaction.objects.get(txid=reg["tXid"])
    rows = list(Cancellation.objects.filter(transaction=txn).order_by("id"))
    assert [(r.state, r.amount, r.reason) for r in rows] == [
        ("succeeded", 5_000, "item A out of stock"),
        ("succeeded", 5_000, "item B damaged"),
    ]
    assert rows[0].partner_ref != rows[1].partner_ref  # two refunds at the partner
    assert txn.cancelled_amount == 10_000 and txn.status == "0"
    assert flows.inquiry(stack.base_url, reg)["cancelAmt"] == "10000"


def test_only_a_true_replay_gets_the_first_answer(stack, demo_merchant, receiver):
    reg = paid(stack, receiver, 31_000)
    body = partial(reg, 4_000, "customer changed size")
    first = flows.post_cancel(stack.base_url, body)
    assert first["resultCd"] == "0000", first
    # The same request again (its answer was lost on the way back, the client retries): the same
    # answer, nothing refunded twice - also when the client counts its retries in cancelRetryCnt.
    again = flows.post_cancel(stack.base_url, body)
    retried = flows.post_cancel(stack.base_url, {**body, "cancelRetryCnt": "1"})
    assert again == first and retried == first
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert txn.cancelled_amount == 4_000
    assert Cancellation.objects.filter(transaction=txn).count() == 1


# --- cancels whose partner answer is lost (the sandbox's refund control: /sandbox/refund-control) ---


def refund_control(stack, txid: str, mode: str, seconds: int = 0) -> None:  # noqa: ANN001
    """How the simulated partner treats this payment's refunds: normal, slow, hang (refunds, then
    holds its answer) or drop (refunds nothing, holds the caller)."""
    sandbox = getattr(stack, "sandbox_url", stack.base_url)
    body = {"tXid": txid, "mode": mode, "seconds": seconds}
    resp = requests.post(f"{sandbox}/sandbox/refund-control", json=body, timeout=10)
    assert resp.status_code == 200, resp.text


def refunds_at_partner(reg: dict) -> list[dict]:
    from providers.sandbox.models import SandboxOrder

    order = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=reg["tXid"])
    return list(order.data.get("refunds", []))


def settled(row_id: int, timeout: float = 40) -> Cancellation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = Cancellation.objects.get(pk=row_id)
        if row.state in ("succeeded", "failed"):
            return row
        time.sleep(0.3)
    raise AssertionError(f"cancellation {row_id} still {Cancellation.objects.get(pk=row_id).state}")


def test_web_process_killed_during_the_partner_refund_is_settled_from_the_partner(
    stack, extra_web, demo_merchant, receiver
):
    reg = paid(stack, receiver, 32_000)
    web = extra_web(PARTNER_HTTP_TIMEOUT="8")  # its pending cancels are checked 21 s after they start
    refund_control(stack, reg["tXid"], "hang", 60)  # ShopeePay refunds, then holds its answer
    body = partial(reg, 5_000, "size too small")
    caller = threading.Thread(target=lambda: _post_quietly(web.base_url, body), daemon=True)
    caller.start()

    def refunded_at_partner() -> bool:
        """the partner made the refund while the web process waits for its answer"""
        return len(refunds_at_partner(reg)) == 1

    wait_until(refunded_at_partner, 20)
    row = Cancellation.objects.get(transaction__txid=reg["tXid"])
    assert row.state == "pending"
    web.stop("web", signal.SIGKILL)  # the process dies during the partner call
    refund_control(stack, reg["tXid"], "normal")
    # Before the sweep settles it, no other cancel may start: what is left to cancel is unknown.
    other = flows.post_cancel(stack.base_url, partial(reg, 1_000, "other"))
    assert other["resultCd"] == "9315", other

    done = settled(row.pk)
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert done.state == "succeeded" and done.partner_ref and txn.cancelled_amount == 5_000
    assert txn.events.filter(kind="cancel", source="cancel_check").count() == 1
    # The merchant never got the answer and sends the same cancel again: the first answer, no refund.
    again = flows.post_cancel(stack.base_url, body)
    assert again["resultCd"] == "0000" and again["canceltXid"] == done.cancel_txid
    assert len(refunds_at_partner(reg)) == 1
    second = flows.post_cancel(stack.base_url, partial(reg, 2_000, "second"))
    assert second["resultCd"] == "0000" and len(refunds_at_partner(reg)) == 2
    assert Transaction.objects.get(txid=reg["tXid"]).cancelled_amount == 7_000


def _post_quietly(base_url: str, body: dict) -> None:
    try:
        requests.post(f"{base_url}/nicepay/direct/v2/cancel", json=body, timeout=60)
    except requests.RequestException:
        pass  # its web process is killed: no answer


@pytest.mark.parametrize(("mode", "made"), [("hang", True), ("drop", False)])
def test_a_timed_out_cancel_is_never_failed_while_the_partner_may_have_made_it(
    stack, extra_web, demo_merchant, receiver, mode, made
):
    reg = paid(stack, receiver, 33_000 if made else 34_000)
    web = extra_web(PARTNER_HTTP_TIMEOUT="2", CANCEL_CHECK_SCHEDULE="3,3,5")
    refund_control(stack, reg["tXid"], mode, 30)
    answer = flows.post_cancel(web.base_url, partial(reg, 6_000, "late"))
    assert answer["resultCd"] == "8090", answer  # the partner's answer is lost: the outcome follows
    row = Cancellation.objects.get(transaction__txid=reg["tXid"])
    assert row.state == "unknown"  # never "failed" while the partner may have refunded
    refund_control(stack, reg["tXid"], "normal")

    done = settled(row.pk)
    txn = Transaction.objects.get(txid=reg["tXid"])
    if made:
        assert done.state == "succeeded" and txn.cancelled_amount == 6_000
    else:
        assert done.state == "failed" and done.result_code == "cancel_not_made" and txn.cancelled_amount == 0
        retry = flows.post_cancel(stack.base_url, partial(reg, 6_000, "again"))
        assert retry["resultCd"] == "0000"
        assert Transaction.objects.get(txid=reg["tXid"]).cancelled_amount == 6_000
    assert len(refunds_at_partner(reg)) == 1  # whatever happened, refunded exactly once
