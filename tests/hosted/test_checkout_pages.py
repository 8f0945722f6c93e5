"""The hosted page's own rules, without a browser: the merchant's name, logo and default
language; the shopper's language switch; pay-later asks only for what the merchant did not send;
a payment link paid with Akulaku gets what Akulaku needs."""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client

from payments import customer_access
from payments.models import CheckoutSettings, Transaction
from payments.services import payment_links
from tests.hosted.test_customer_access import address, checkout_txn
from tests.support import checkout, flows
from tests.support.dashboard import PASSWORD, member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ALL = ("OVOE", "ESHP", "DANA", "LINK", "ASTR", "AKLP", "KDVI", "IDNA")


@pytest.mark.django_db
def test_name_logo_and_default_language_from_the_dashboard(merchant) -> None:
    owner = member(merchant)
    dash = Client()
    dash.login(username=owner.user.username, password=PASSWORD)
    svg = dash.post(
        "/dashboard/checkout/",
        {
            "display_name": "Toko Batik Sari",
            "default_language": "id",
            "methods": list(ALL),
            "logo": _file(b"<svg/>"),
        },
    )
    assert svg.status_code == 400 and "PNG, JPEG or WebP" in svg.content.decode()
    saved = dash.post(
        "/dashboard/checkout/",
        {
            "display_name": "Toko Batik Sari",
            "default_language": "id",
            "methods": list(ALL),
            "logo": _file(PNG),
        },
    )
    assert saved.status_code == 302
    found = CheckoutSettings.objects.get(merchant=merchant)
    assert (found.display_name, found.default_language, found.logo_version) == ("Toko Batik Sari", "id", 1)

    txn = checkout_txn(merchant)
    shopper = Client(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = shopper.get(customer_access.page_path(txn.txid)).content.decode()
    assert 'lang="id"' in page and "Pilih cara pembayaran" in page  # the merchant's default wins
    assert "Toko Batik Sari" in page and f"/checkout-logo/{merchant.imid}/1" in page
    logo = shopper.get(f"/checkout-logo/{merchant.imid}/1")
    assert logo["Content-Type"] == "image/png" and logo["X-Content-Type-Options"] == "nosniff"
    assert shopper.get(f"/checkout-logo/{merchant.imid}/0").status_code == 404

    switched = shopper.post("/i18n/setlang/", {"language": "en", "next": customer_access.page_path(txn.txid)})
    assert switched.status_code == 302
    page = shopper.get(customer_access.page_path(txn.txid)).content.decode()
    assert 'lang="en"' in page and "Choose how to pay" in page  # the shopper's own choice wins


@pytest.mark.django_db
def test_follow_the_browser_by_default(merchant) -> None:
    txn = checkout_txn(merchant)
    for accept, lang, heading in (
        ("id-ID,id;q=0.9", "id", "Pilih cara pembayaran"),
        ("en-GB", "en", "Choose how to pay"),
    ):
        page = Client(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE=accept).get(
            customer_access.page_path(txn.txid)
        )
        body = page.content.decode()
        assert f'lang="{lang}"' in body and heading in body and "Rp 45.000" in body


def _file(data: bytes):  # noqa: ANN202
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("logo.bin", data)


@pytest.mark.integration
def test_pay_later_asks_for_the_delivery_address_only_when_missing(stack, demo_merchant, receiver) -> None:
    sent = checkout.redirect_body(amount=1_250_000, db_process_url=receiver.url)
    reg = checkout.register(stack.base_url, amount=1_250_000, db_process_url=receiver.url)
    assert reg["resultCd"] == "0000" and "deliveryNm" not in sent
    session = requests.Session()
    path = checkout.hosted_path(session, reg)
    form = session.get(f"{stack.base_url}{path}method/KDVI", timeout=30).text
    assert 'name="delivery_address"' in form and 'name="tenor"' in form
    token = checkout.csrf(session, form)
    missing = session.post(
        f"{stack.base_url}{path}method/KDVI", data={"csrfmiddlewaretoken": token, "tenor": "6"}, timeout=30
    )
    assert missing.status_code == 400 and missing.text.count("This field is required.") == 6
    delivery = {
        "delivery_name": "Sari Dewi",
        "delivery_phone": "0812 1111 2222",
        "delivery_address": "Jl. Malioboro 5",
        "delivery_city": "Yogyakarta",
        "delivery_state": "DIY",
        "delivery_post_code": "55213",
    }
    answer = session.post(
        f"{stack.base_url}{path}method/KDVI",
        data={"csrfmiddlewaretoken": token, "tenor": "6", **delivery},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302 and "/sandbox/kredivo/" in answer.headers["Location"]
    txn = Transaction.objects.get(txid=reg["tXid"])
    assert (txn.pay_method, txn.mitra_cd, txn.instalment_months) == ("06", "KDVI", "6")
    assert (txn.delivery_city, txn.delivery_phone, txn.delivery_country) == (
        "Yogyakarta",
        "081211112222",
        "Indonesia",
    )

    with_delivery = flows.registration_body(mitra_cd="KDVI", amount=1_250_000, db_process_url=receiver.url)
    with_delivery.update(payMethod="00", mitraCd="")
    reg2 = requests.post(
        f"{stack.base_url}/nicepay/redirect/v2/registration", json=with_delivery, timeout=30
    ).json()
    path2 = checkout.hosted_path(session, {**reg2, "_body": with_delivery})
    form2 = session.get(f"{stack.base_url}{path2}method/KDVI", timeout=30).text
    assert 'name="delivery_address"' not in form2 and 'name="tenor"' in form2


@pytest.mark.integration
def test_akulaku_from_a_payment_link_gets_a_cart_and_the_merchant_as_seller(stack, demo_merchant) -> None:
    demo_merchant.default_notification_url = "http://127.0.0.1:9/notify"
    demo_merchant.save(update_fields=["default_notification_url"])
    link = payment_links.payment_link_create(
        merchant=demo_merchant, amount=90_000, description="Kain batik tulis", expires_at=None, multi_use=True
    )
    session = requests.Session()
    landing = session.get(f"{stack.base_url}/l/{link.code}", timeout=30).text
    payer = {"name": "Sari Dewi", "email": "sari@example.com", "phone": "081234567890"}
    opened = session.post(
        f"{stack.base_url}/l/{link.code}",
        data={"csrfmiddlewaretoken": checkout.csrf(session, landing), **payer},
        timeout=30,
    )
    path = re.sub(r"^https?://[^/]+", "", opened.url)
    form = session.get(f"{stack.base_url}{path}method/AKLP", timeout=30).text
    delivery = {
        "delivery_name": "Sari Dewi",
        "delivery_phone": "081234567890",
        "delivery_address": "Jl. Malioboro 5",
        "delivery_city": "Yogyakarta",
        "delivery_state": "DIY",
        "delivery_post_code": "55213",
    }
    answer = session.post(
        f"{stack.base_url}{path}method/AKLP",
        data={"csrfmiddlewaretoken": checkout.csrf(session, form), "tenor": "3", **delivery},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302 and "/sandbox/akulaku/" in answer.headers["Location"], answer.text[:300]
    txn = Transaction.objects.get(txid=re.search(r"/pay/(\w{30})/", path).group(1))
    assert txn.partner_ref  # Akulaku created its order when the method was chosen
    assert [s["id"] for s in txn.sellers] == [demo_merchant.imid]
    assert [(i["name"], i["unit_price"], i["seller_id"]) for i in txn.cart_data["items"]] == [
        ("Kain batik tulis", 90_000, demo_merchant.imid)
    ]
