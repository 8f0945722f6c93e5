"""The OVO push is made exactly once in effect, with the worker that makes it killed: a push that never
reached OVO is made by the worker that takes over, and a push OVO already holds is never made again.
The worker reaches OVO through a recording proxy, so the test sees every call OVO got."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest

from payments.models import PartnerCall, Transaction
from providers.sandbox.models import SandboxOrder
from tests.integration.test_ovo_flow import pay, wait_for_push
from tests.integration.test_reliability import wait_until
from tests.support import flows
from tests.support.proxy import Call, PartnerProxy, start_proxy

pytestmark = pytest.mark.integration


def op(call: Call) -> tuple[str, str]:
    body = json.loads(call.body or b"{}")
    return body.get("type", ""), body.get("processingCode", "")


def is_push(call: Call) -> bool:
    return op(call) == ("0200", "040000")


def is_check(call: Call) -> bool:
    return op(call) == ("0100", "040000")


@pytest.fixture
def ovo_proxy(stack) -> Iterator[PartnerProxy]:  # noqa: ANN001
    proxy = start_proxy(getattr(stack, "sandbox_url", stack.base_url))
    yield proxy
    proxy.close()


def pushes_at_ovo(reg: dict) -> int:
    return SandboxOrder.objects.filter(partner="ovo", merchant_ref=reg["tXid"]).count()


def test_worker_killed_before_the_push_reached_ovo_the_push_is_still_made(
    stack, tuned_workers, ovo_proxy, demo_merchant, receiver
):
    ovo_proxy.hold_next(is_push)
    workers = tuned_workers(OVO_BASE_URL=f"{ovo_proxy.url}/sandbox/ovo", PUSH_CLAIM_SECONDS="4")
    reg = pay(stack, receiver, 26_000)
    assert ovo_proxy.held.wait(20), "the worker never sent the push"
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert PartnerCall.objects.get(key=f"push:{txn.pk}").done_at is None  # claimed, "push sent" marked
    workers.stop("worker", signal.SIGKILL)  # dies between the marker and OVO receiving the push
    ovo_proxy.drop()
    assert pushes_at_ovo(reg) == 0
    killed_at = time.time()
    workers.start_worker()

    order = wait_for_push(reg, timeout=30)  # the worker that took over asked OVO, then pushed
    assert order.state == "pending"
    checks = [c for c in ovo_proxy.calls if is_check(c) and c.at > killed_at]
    pushes = [c for c in ovo_proxy.calls if is_push(c)]
    assert len(pushes) == 2 and checks and checks[0].at < pushes[1].at  # asked before pushing again
    flows.simulated(stack, reg, "success")  # the customer approves in the app
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    assert pushes_at_ovo(reg) == 1
    assert [n.form["status"] for n in flows.notified(receiver, reg, 1)] == ["0"]


def test_worker_killed_while_ovo_holds_the_push_it_is_never_pushed_again(
    stack, tuned_workers, ovo_proxy, demo_merchant, receiver
):
    workers = tuned_workers(OVO_BASE_URL=f"{ovo_proxy.url}/sandbox/ovo", PUSH_CLAIM_SECONDS="4")
    reg = pay(stack, receiver, 26_500)
    wait_for_push(reg)  # OVO has it: the customer's phone shows it, the worker waits on the call
    workers.stop("worker", signal.SIGKILL)
    killed_at = time.time()
    workers.start_worker()
    txn = Transaction.objects.get(txid=reg["tXid"])

    def claim_settled() -> bool:
        """the worker that took over asked OVO and settled the claim"""
        return PartnerCall.objects.filter(key=f"push:{txn.pk}", done_at__isnull=False).exists()

    wait_until(claim_settled, 30)
    call = PartnerCall.objects.get(key=f"push:{txn.pk}")
    assert call.attempt >= 2 and call.data["outcome"] == "09"  # still waiting on the customer
    assert any(is_check(c) and c.at > killed_at for c in ovo_proxy.calls)
    assert len([c for c in ovo_proxy.calls if is_push(c)]) == 1 and pushes_at_ovo(reg) == 1

    flows.simulated(stack, reg, "success")  # approved in the app: polling settles it
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    assert len([c for c in ovo_proxy.calls if is_push(c)]) == 1 and pushes_at_ovo(reg) == 1
