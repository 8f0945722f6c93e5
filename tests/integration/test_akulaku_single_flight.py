"""Single flight towards Akulaku, with Akulaku slowed down behind a recording proxy (so concurrent
requests really overlap): ten concurrent confirmAkulaku calls reach order/receipt.do once, and
identical registrations at the same instant create one order."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests

from payments.models import Transaction
from providers.sandbox.models import SandboxOrder
from tests.integration.test_akulaku_flow import confirm_receipt
from tests.support import flows
from tests.support.paylater_flows import pay, simulate
from tests.support.proxy import start_proxy

pytestmark = pytest.mark.integration
CONCURRENT = 10


@pytest.fixture
def slow_akulaku(stack, extra_web):  # noqa: ANN001
    """A gateway web process whose Akulaku calls go through a recording proxy."""
    proxy = start_proxy(getattr(stack, "sandbox_url", stack.base_url))
    web = extra_web(AKULAKU_BASE_URL=f"{proxy.url}/sandbox/akulaku")
    yield web, proxy
    proxy.close()


def all_at_once(count: int, fn) -> list:  # noqa: ANN001
    together = Barrier(count)

    def run(i: int):  # noqa: ANN202
        together.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_ten_concurrent_receipt_confirmations_reach_akulaku_once(
    stack, slow_akulaku, demo_merchant, receiver
):
    web, proxy = slow_akulaku
    reg, _ = pay(stack, receiver, "AKLP", 60_000)
    simulate(stack, reg)
    assert flows.wait_for_status(stack.base_url, reg, "0")["status"] == "0"
    proxy.slow(lambda call: call.path.endswith("/order/receipt.do"), 1.5)

    def confirm(_: int) -> dict:
        return confirm_receipt(web, reg).json()

    answers = all_at_once(CONCURRENT, confirm)
    assert len(proxy.calls_to("/order/receipt.do")) == 1, answers
    assert [a["resultCd"] for a in answers] == ["0000"] * CONCURRENT  # each waited for the one answer
    assert Transaction.objects.get(txid=reg["tXid"]).receipt_confirmed_at is not None
    again = confirm(0)
    assert again["resultCd"] == "0000" and len(proxy.calls_to("/order/receipt.do")) == 1


def test_identical_registrations_at_the_same_instant_create_one_order(
    stack, slow_akulaku, demo_merchant, receiver
):
    web, proxy = slow_akulaku
    proxy.slow(lambda call: call.path.endswith("/new.do"), 1.5)
    body = flows.registration_body(mitra_cd="AKLP", amount=61_000, db_process_url=receiver.url)
    before = SandboxOrder.objects.filter(partner="akulaku").count()
    url = f"{web.base_url}/nicepay/direct/v2/registration"

    answers = all_at_once(5, lambda _: requests.post(url, data=json.dumps(body), timeout=30).json())
    assert len(proxy.calls_to("/new.do")) == 1, answers
    txids = {a.get("tXid") for a in answers}
    assert [a["resultCd"] for a in answers] == ["0000"] * 5 and len(txids) == 1, answers
    assert SandboxOrder.objects.filter(partner="akulaku").count() == before + 1  # one order at Akulaku
    assert SandboxOrder.objects.filter(partner="akulaku", merchant_ref__in=txids).count() == 1
    assert Transaction.objects.filter(reference_no=body["referenceNo"]).count() == 1
