"""Sandbox "create a test payment": the dashboard acts as the merchant's server would, registering
over HTTP through the public V2 API (so it exercises exactly what a merchant integration does)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import requests
from django.conf import settings

from payments import clock, tokens
from payments.exceptions import ApplicationError
from payments.models import Merchant
from providers import registry


def registration_body(merchant: Merchant, *, mitra_cd: str, amount: int, phone: str) -> dict[str, str]:
    partner = registry.partner(mitra_cd)
    ref = f"DASH{uuid.uuid4().hex[:14].upper()}"
    ts = clock.compact()
    item = {
        "goods_id": "TEST1",
        "goods_name": "Sandbox test item",
        "goods_detail": "Sandbox test item",
        "goods_amt": str(amount),
        "goods_quantity": "1",
        "goods_type": "General",
        "goods_url": f"{settings.PUBLIC_BASE_URL}/sandbox/shop/",
        "img_url": f"{settings.PUBLIC_BASE_URL}/static/img/favicon.svg",
        "goods_sellers_id": "SEL1",
        "goods_sellers_name": merchant.name[:50],
    }
    notify = merchant.default_notification_url or f"{settings.PUBLIC_BASE_URL}/sandbox/shop/notify"
    body = {
        "timeStamp": ts,
        "iMid": merchant.imid,
        "payMethod": partner.pay_method,
        "currency": "IDR",
        "amt": str(amount),
        "referenceNo": ref,
        "goodsNm": "Sandbox test item",
        "billingNm": "Sandbox Customer",
        "billingPhone": phone,
        "billingEmail": "customer@example.com",
        "billingAddr": "Jl. Sudirman 1",
        "billingCity": "Jakarta",
        "billingState": "DKI Jakarta",
        "billingPostCd": "10210",
        "billingCountry": "Indonesia",
        "cartData": json.dumps({"count": "1", "item": [item]}),
        "dbProcessUrl": notify,
        "mitraCd": mitra_cd,
        "userIP": "127.0.0.1",
        "description": "Dashboard sandbox test payment",
        "merchantToken": tokens.registration_token(ts, merchant.imid, ref, amount, merchant.merchant_key),
    }
    if partner.is_payloan:
        body.update(
            instmntType="1",
            instmntMon="1",
            deliveryNm="Sandbox Customer",
            deliveryPhone=phone,
            deliveryAddr="Jl. Sudirman 1",
            deliveryCity="Jakarta",
            deliveryState="DKI Jakarta",
            deliveryPostCd="10210",
            deliveryCountry="Indonesia",
        )
    if partner.sellers_required:
        body["sellers"] = json.dumps(
            [
                {
                    "sellersId": "SEL1",
                    "sellersNm": "Seller",
                    "sellersEmail": "s@shop.test",
                    "sellersUrl": "http://shop.test",
                    "sellersAddress": {
                        "sellerNm": "Sel",
                        "sellerLastNm": "Ler",
                        "sellerAddr": "Jl. 2",
                        "sellerCity": "Jakarta",
                        "sellerPostCd": "10230",
                        "sellerPhone": "0812000000",
                        "sellerCountry": "ID",
                    },
                }
            ]
        )
    return body


def create_test_payment(merchant: Merchant, *, mitra_cd: str, amount: int, phone: str) -> dict[str, str]:
    """Registers; returns {"tXid", "referenceNo", "payment_url"}. Raises ApplicationError with the
    gateway's own resultMsg when it refuses."""
    body = registration_body(merchant, mitra_cd=mitra_cd, amount=amount, phone=phone)
    try:
        answer = requests.post(
            f"{settings.PUBLIC_BASE_URL}/nicepay/direct/v2/registration", json=body, timeout=60
        ).json()
    except (requests.RequestException, ValueError):
        raise ApplicationError("The registration API did not answer.")
    if answer.get("resultCd") != "0000":
        raise ApplicationError(f"Registration refused: {answer.get('resultCd')} {answer.get('resultMsg')}")
    ts = clock.compact()
    query = {
        "timeStamp": ts,
        "tXid": answer["tXid"],
        "callBackUrl": f"{settings.PUBLIC_BASE_URL}/dashboard/transactions/{answer['tXid']}/",
        "merchantToken": tokens.registration_token(
            ts, merchant.imid, body["referenceNo"], amount, merchant.merchant_key
        ),
    }
    return {
        "tXid": answer["tXid"],
        "referenceNo": body["referenceNo"],
        "payment_url": f"{settings.PUBLIC_BASE_URL}/nicepay/direct/v2/payment?{urlencode(query)}",
    }
