"""The demo store's own NICEPAY V2 client: what any merchant writes. It talks HTTP only."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

IMID = "IONPAYTEST"
# NICEPAY's published sandbox key (the demo merchant uses it, as a NICEPAY sandbox client would).
MERCHANT_KEY = "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="


def gateway() -> str:
    return f"{settings.PUBLIC_BASE_URL}/nicepay"


def sha(*parts: object) -> str:
    return hashlib.sha256("".join(str(p) for p in parts).encode()).hexdigest()


def now_stamp() -> str:
    return datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S")


def register(
    *,
    reference_no: str,
    amount: int,
    mitra_cd: str,
    product: str,
    customer: dict[str, str],
    notify_url: str,
    callback_url: str,
    hosted: bool = False,
) -> dict:
    """Direct registration for mitra_cd; with hosted=True the redirect ("API Checkout")
    registration with payMethod 00 instead: the shopper chooses on the gateway's page."""
    ts = now_stamp()
    payloan = hosted or mitra_cd in ("AKLP", "KDVI", "IDNA")
    item = {
        "goods_id": "SKU-1",
        "goods_name": product,
        "goods_detail": product,
        "goods_amt": str(amount),
        "goods_quantity": "1",
        "goods_type": "General",
        "goods_url": "http://shop.example/item",
        "img_url": "http://shop.example/img.png",
        "goods_sellers_id": "SEL-1",
        "goods_sellers_name": "Demo Seller",
    }
    body = {
        "timeStamp": ts,
        "iMid": IMID,
        "payMethod": "00" if hosted else "06" if payloan else "05",
        "currency": "IDR",
        "amt": str(amount),
        "referenceNo": reference_no,
        "goodsNm": product,
        "billingNm": customer["name"],
        "billingPhone": customer["phone"],
        "billingEmail": customer["email"],
        "billingAddr": "Jl. Sudirman 1",
        "billingCity": "Jakarta",
        "billingState": "DKI Jakarta",
        "billingPostCd": "10210",
        "billingCountry": "Indonesia",
        "cartData": json.dumps({"count": "1", "item": [item]}),
        "dbProcessUrl": notify_url,
        "callBackUrl": callback_url,
        "mitraCd": mitra_cd,
        "userIP": "127.0.0.1",
        "description": f"Demo order {reference_no}",
        "merchantToken": sha(ts, IMID, reference_no, amount, MERCHANT_KEY),
    }
    if payloan:
        body.update(
            instmntType="1",
            instmntMon="1",
            deliveryNm=customer["name"],
            deliveryPhone=customer["phone"],
            deliveryAddr="Jl. Sudirman 1",
            deliveryCity="Jakarta",
            deliveryState="DKI Jakarta",
            deliveryPostCd="10210",
            deliveryCountry="Indonesia",
        )
    if mitra_cd == "AKLP" or hosted:
        body["sellers"] = json.dumps(
            [
                {
                    "sellersId": "SEL-1",
                    "sellersNm": "Demo Seller",
                    "sellersEmail": "seller@shop.example",
                    "sellersUrl": "http://shop.example",
                    "sellersAddress": {
                        "sellerNm": "Demo",
                        "sellerLastNm": "Seller",
                        "sellerAddr": "Jl. Thamrin 2",
                        "sellerCity": "Jakarta",
                        "sellerPostCd": "10230",
                        "sellerPhone": "0812000000",
                        "sellerCountry": "ID",
                    },
                }
            ]
        )
    path = "redirect/v2/registration" if hosted else "direct/v2/registration"
    return requests.post(f"{gateway()}/{path}", json=body, timeout=30).json()


def payment_url(*, txid: str, reference_no: str, amount: int, callback_url: str) -> str:
    ts = now_stamp()
    query = {
        "timeStamp": ts,
        "tXid": txid,
        "callBackUrl": callback_url,
        "merchantToken": sha(ts, IMID, reference_no, amount, MERCHANT_KEY),
    }
    return f"{gateway()}/direct/v2/payment?{urlencode(query)}"


def inquiry(*, txid: str, reference_no: str, amount: int) -> dict:
    ts = now_stamp()
    body = {
        "timeStamp": ts,
        "tXid": txid,
        "iMid": IMID,
        "referenceNo": reference_no,
        "amt": str(amount),
        "merchantToken": sha(ts, IMID, reference_no, amount, MERCHANT_KEY),
    }
    return requests.post(f"{gateway()}/direct/v2/inquiry", json=body, timeout=30).json()


def notification_valid(form: dict[str, str]) -> bool:
    expected = sha(IMID, form.get("tXid", ""), form.get("amt", ""), MERCHANT_KEY)
    return hmac.compare_digest(expected, form.get("merchantToken", ""))


def link_notification_valid(form: dict[str, str]) -> bool:
    """The account-linked notification carries the linkEnable token."""
    expected = sha(IMID, form.get("referenceNo", ""), form.get("billingPhone", ""), MERCHANT_KEY)
    return hmac.compare_digest(expected, form.get("merchantToken", ""))


def link_enable_url(
    *, reference_no: str, customer: dict[str, str], notify_url: str, callback_url: str
) -> str:
    """AstraPay account linking (NICEPAY linkEnable.do): SHA256(iMid + referenceNo + billingPhone + key)."""
    query = {
        "timeStamp": now_stamp(),
        "iMid": IMID,
        "referenceNo": reference_no,
        "payMethod": "05",
        "billingNm": customer["name"],
        "billingPhone": customer["phone"],
        "billingEmail": customer["email"],
        "mitraCd": "ASTR",
        "dbProcessUrl": notify_url,
        "callBackUrl": callback_url,
        "userIP": "127.0.0.1",
        "merchantToken": sha(IMID, reference_no, customer["phone"], MERCHANT_KEY),
    }
    return f"{gateway()}/api/linkEnable.do?{urlencode(query)}"


def link_initiate_url(
    *,
    mandate_id: str,
    reference_no: str,
    amount: int,
    product: str,
    customer: dict[str, str],
    notify_url: str,
    callback_url: str,
) -> str:
    """AstraPay payment on a linked account (linkInitiate.do): SHA256(iMid + referenceNo + amt + key)."""
    query = {
        "timeStamp": now_stamp(),
        "iMid": IMID,
        "mandateID": mandate_id,
        "payMethod": "05",
        "currency": "IDR",
        "amt": str(amount),
        "goodsNm": product,
        "referenceNo": reference_no,
        "billingNm": customer["name"],
        "billingPhone": customer["phone"],
        "billingEmail": customer["email"],
        "dbProcessUrl": notify_url,
        "callBackUrl": callback_url,
        "userIP": "127.0.0.1",
        "merchantToken": sha(IMID, reference_no, amount, MERCHANT_KEY),
    }
    return f"{gateway()}/api/linkInitiate.do?{urlencode(query)}"
