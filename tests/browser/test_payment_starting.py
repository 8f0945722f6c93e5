"""The "starting your payment" page in headless Chromium: a browser that finds the payment being
started by another window is shown a finished page that asks again by itself, and goes on to the
partner as soon as the start is done."""

from __future__ import annotations

import re
import time

import pytest
from django.utils import timezone

from payments.models import Transaction
from tests.support import flows

pytestmark = pytest.mark.browser


def test_a_second_window_waits_on_a_starting_page_then_goes_on(stack, demo_merchant, receiver, page):
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=29_000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    # Another window is asking DANA for this payment right now.
    Transaction.objects.filter(txid=reg["tXid"]).update(payment_started_at=timezone.now())
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/nicepay/direct/v2/payment" in r.url else None)

    page.goto(flows.payment_url(stack.base_url, reg, callback_url=f"{stack.base_url}/sandbox/"))
    heading = page.get_by_role("heading", name="Starting your payment…")
    assert heading.is_visible()
    assert page.get_by_text("you will be taken on automatically").is_visible()
    assert page.get_by_test_id("merchant-name").is_visible()  # the order summary, as on every step
    time.sleep(3.5)
    assert heading.is_visible() and answers.count(202) >= 2  # it asked again by itself

    # The other window gave up (its start failed and released the payment): this one starts it.
    Transaction.objects.filter(txid=reg["tXid"]).update(payment_started_at=None)
    page.wait_for_url(re.compile(r"/sandbox/dana/"), timeout=20_000)
    assert Transaction.objects.get(txid=reg["tXid"]).partner_data.get("action")
