"""The redirect API end to end without a browser: register with payMethod 00, open the hosted
page, choose a method, pay at the partner (simulated), the merchant is notified; a decline, then
another method on the same order."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support import checkout, flows

pytestmark = pytest.mark.integration


def choose(session: requests.Session, base_url: str, path: str, mitra_cd: str, **fields) -> requests.Response:
    page = session.get(f"{base_url}{path}", timeout=30)
    data = {"csrfmiddlewaretoken": checkout.csrf(session, page.text), **fields}
    return session.post(f"{base_url}{path}method/{mitra_cd}", data=data, allow_redirects=False, timeout=60)


def test_register_choose_dana_pay(stack, demo_merchant, receiver) -> None:
    reg = checkout.register(stack.base_url, amount=45_000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000", reg
    assert re.fullmatch(r"IONPAYTEST00\d{18}", reg["tXid"])
    assert reg["paymentURL"].startswith(f"{stack.base_url}/nicepay/redirect/v2/payment/")
    session = requests.Session()
    path = checkout.hosted_path(session, reg)
    page = session.get(f"{stack.base_url}{path}", timeout=30).text
    for name in ("OVO", "ShopeePay", "DANA", "LinkAja", "AstraPay", "Akulaku", "Kredivo", "Indodana"):
        assert name in page
    answer = choose(session, stack.base_url, path, "DANA")
    assert answer.status_code == 302 and "/sandbox/dana/" in answer.headers["Location"]
    flows.simulated(stack, reg)
    note = flows.notified(receiver, reg, 1)[0]
    assert note.form["status"] == "0" and note.form["mitraCd"] == "DANA" and note.form["payMethod"] == "05"
    assert flows.inquiry(stack.base_url, reg)["status"] == "0"
    receipt = session.get(f"{stack.base_url}{path}", timeout=30).text
    assert "Payment successful" in receipt and "Rp 45.000" in receipt


def test_decline_then_another_method(stack, demo_merchant, receiver) -> None:
    reg = checkout.register(stack.base_url, amount=45_000, db_process_url=receiver.url)
    session = requests.Session()
    path = checkout.hosted_path(session, reg)
    choose(session, stack.base_url, path, "LINK")
    flows.simulated(stack, reg, "decline")
    assert flows.wait_for_status(stack.base_url, reg, "8")["status"] == "8"
    page = session.get(f"{stack.base_url}{path}", timeout=30).text
    assert "LinkAja declined the payment." in page and "Try another method" in page
    answer = session.post(
        f"{stack.base_url}{path}retry", data={"csrfmiddlewaretoken": checkout.csrf(session, page)}, timeout=30
    )
    second = re.search(r"/pay/(IONPAYTEST00\d{18})/", answer.url).group(1)
    assert second != reg["tXid"]
    new_path = re.sub(r"^https?://[^/]+", "", answer.url)
    choose(session, stack.base_url, new_path, "DANA")
    retry_reg = {**reg, "tXid": second}
    flows.simulated(stack, retry_reg)
    assert flows.wait_for_status(stack.base_url, retry_reg, "0")["status"] == "0"
    assert flows.inquiry(stack.base_url, reg)["status"] == "8"  # the first attempt stays declined


PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def test_shopeepay_offers_its_app_on_a_phone_and_redirects_a_desktop(stack, demo_merchant, receiver) -> None:
    phone_reg = checkout.register(stack.base_url, amount=45_000, db_process_url=receiver.url)
    phone = requests.Session()
    phone.headers["User-Agent"] = PHONE_UA
    answer = choose(phone, stack.base_url, checkout.hosted_path(phone, phone_reg), "ESHP")
    assert answer.status_code == 200
    app = re.search(r'id="open-app" href="([^"]+)"', answer.text).group(1)
    web = re.search(r'id="open-web" href="([^"]+)"', answer.text).group(1)
    assert not app.startswith("http") and "/sandbox/shopeepay/" in web.replace("&amp;", "&")

    desk_reg = checkout.register(stack.base_url, amount=45_000, db_process_url=receiver.url)
    desk = requests.Session()
    answer = choose(desk, stack.base_url, checkout.hosted_path(desk, desk_reg), "ESHP")
    assert answer.status_code == 302 and "/sandbox/shopeepay/" in answer.headers["Location"]
