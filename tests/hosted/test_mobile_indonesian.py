"""A shopper on a 360 px phone with an Indonesian browser: the hosted page, an OVO attempt the
shopper declines in the app, "try another method", then DANA to the receipt. Every page of ours is
in Indonesian, nothing scrolls sideways, touch targets are 44 px, and axe-core finds no serious
or critical violation."""

from __future__ import annotations

import re

import pytest

from tests.support import checkout, flows
from tests.support.pagecheck import check_shopper_page
from tests.support.partner_pages import dana, ovo

pytestmark = [pytest.mark.integration, pytest.mark.browser]
HOSTED = re.compile(r"/pay/IONPAYTEST00\d{18}/[\w-]{22}/$")


@pytest.fixture
def phone(browser):  # noqa: ANN001
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="id-ID",
        extra_http_headers={"Accept-Language": "id-ID,id;q=0.9"},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20000)
    yield page
    context.close()
    assert errors == []


def test_decline_then_dana_in_indonesian_on_a_small_phone(stack, demo_merchant, receiver, phone) -> None:
    reg = checkout.register(
        stack.base_url, amount=45_000, db_process_url=receiver.url, callBackUrl=f"{stack.base_url}/sandbox/"
    )
    assert reg["resultCd"] == "0000", reg
    phone.goto(checkout.shopper_url(reg))
    phone.wait_for_url(HOSTED)
    assert phone.get_by_role("heading", level=1).inner_text() == "Pilih cara pembayaran"
    assert phone.get_by_test_id("amount").inner_text() == "Rp 45.000"
    check_shopper_page(phone)

    phone.locator('.method[data-mitra="OVOE"]').click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Bayar dengan OVO"
    check_shopper_page(phone)
    phone.locator("#pay").click()  # without a number: the field says what is missing, in Indonesian
    assert phone.locator(".field-error").inner_text() == "Kolom ini wajib diisi."
    check_shopper_page(phone)

    ovo(phone, 45_000, approve=False)  # the number, the waiting page, then "Decline" in the app
    phone.wait_for_url(HOSTED, timeout=30000)
    assert phone.get_by_role("heading", level=1).inner_text() == "Pembayaran tidak selesai"
    assert phone.locator("#failure-reason").inner_text().startswith("OVO menolak pembayaran.")
    check_shopper_page(phone)
    assert flows.wait_for_status(stack.base_url, reg, "8")["status"] == "8"

    phone.get_by_role("button", name="Coba metode lain").click()
    phone.wait_for_url(HOSTED)
    second = re.search(r"/pay/(\w{30})/", phone.url).group(1)
    assert second != reg["tXid"]
    check_shopper_page(phone)
    phone.locator('.method[data-mitra="DANA"]').click()
    dana(phone, 45_000)
    phone.wait_for_url(HOSTED, timeout=30000)
    assert phone.get_by_role("heading", level=1).inner_text() == "Pembayaran berhasil"
    assert "Rp 45.000" in phone.get_by_test_id("receipt").inner_text()
    back = phone.get_by_role("link", name=re.compile(r"^Kembali ke "))
    assert back.get_attribute("href").startswith(f"{stack.base_url}/sandbox/?resultCd=0000")
    check_shopper_page(phone)

    retry = {**reg, "tXid": second}
    assert flows.inquiry(stack.base_url, retry)["status"] == "0"
    [declined] = receiver.wait_for(reg["tXid"], 1, timeout=20)
    [paid] = receiver.wait_for(second, 1, timeout=20)
    assert (declined.form["status"], paid.form["status"]) == ("8", "0")
    assert paid.form["referenceNo"] == declined.form["referenceNo"] == reg["_body"]["referenceNo"]
    assert flows.verify_notification(paid.form)
