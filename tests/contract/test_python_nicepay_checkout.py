"""NICEPAY's official Python client (python-nicepay 1.1.1, unmodified) on the redirect API: its V2
"Professional" service registers with payMethod 00 and opens the payment page; headless Chromium
then pays that page with each partner of the catalogue, and the merchant is notified."""

from __future__ import annotations

import re

import pytest

from providers import registry
from tests.contract.conftest import HERE
from tests.factories import NICEPAY_SANDBOX_KEY
from tests.support import flows
from tests.support.partner_pages import DRIVERS

AMT = 50_000
TENOR = "3"
pytestmark = [pytest.mark.integration, pytest.mark.browser]


def pay_on_hosted_page(page, url: str, mitra_cd: str) -> None:  # noqa: ANN001
    page.goto(url)
    page.wait_for_url(re.compile(r"/pay/IONPAYTEST00\d{18}/[\w-]{22}/$"))
    page.locator(f'.method[data-mitra="{mitra_cd}"]').click()
    if page.locator('input[name="tenor"]').count():
        page.locator(f'input[name="tenor"][value="{TENOR}"]').check()
        page.locator("#pay").click()
    DRIVERS[mitra_cd](page, AMT)
    page.wait_for_url(re.compile(r"/pay/IONPAYTEST00\d{18}/[\w-]{22}/$"), timeout=60000)  # under load
    page.get_by_role("heading", name="Payment successful").wait_for(timeout=30000)


def test_checkout_registration_then_each_partner_pays(stack, receiver, nicepay_client, browser) -> None:
    from tests.factories import demo_merchant

    demo_merchant()
    codes = registry.known_mitra_codes()
    assert set(DRIVERS) == set(codes), "every partner of the catalogue needs its page driver"
    result = nicepay_client.run_scenario(
        {
            "host": f"{stack.base_url}/nicepay",
            "imid": "IONPAYTEST",
            "merchant_key": NICEPAY_SANDBOX_KEY,
            "db_process_url": receiver.url,
            "callback_url": f"{stack.base_url}/sandbox/",
            "amt": AMT,
            "count": len(codes),
        },
        script=HERE / "checkout_script.py",
        timeout=240,
    )
    steps = result["steps"]
    assert len(steps) == len(codes)
    for step, mitra_cd in zip(steps, codes, strict=True):
        assert "error" not in step, step
        answer, sent = step["response"], step["request"]
        assert answer["resultCd"] == "0000", answer
        assert re.fullmatch(r"IONPAYTEST00\d{18}", answer["tXid"]), answer
        assert (answer["referenceNo"], answer["payMethod"], answer["amt"]) == (
            sent["referenceNo"],
            "00",
            str(AMT),
        )
        assert step["url"] == f"{stack.base_url}/nicepay/redirect/v2/payment?tXid={answer['tXid']}"

        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        try:
            pay_on_hosted_page(page, step["url"], mitra_cd)
        finally:
            context.close()

        reg = {"tXid": answer["tXid"], "_body": sent}
        status = flows.inquiry(stack.base_url, reg)
        assert (status["status"], status["mitraCd"]) == ("0", mitra_cd), status
        [note] = receiver.wait_for(answer["tXid"], 1, timeout=30)
        assert flows.verify_notification(note.form), note.form
        assert (note.form["status"], note.form["mitraCd"]) == ("0", mitra_cd)
        if note.form["payMethod"] == "06":
            assert note.form["instmntMon"] == TENOR and status["instmntMon"] == TENOR
