"""A NICEPAY V2 merchant client: what any merchant writes against Payloan, over HTTP only. The demo
store uses it, and tests may too (the gateway never does: this is the merchant's side).

    client = V2Client(base_url="http://127.0.0.1:8000")       # the gateway's public address
    body = client.registration_body(reference_no="ORD1", amount=45_000, mitra_cd="...",
                                    notify_url="https://shop.example/notify")
    reg = client.register(body)                                 # NICEPAY's answer, as a dict
    url = client.payment_url(txid=reg["tXid"], reference_no="ORD1", amount=45_000,
                             callback_url="https://shop.example/done")
    # or the gateway's hosted page, where the shopper chooses the method:
    reg = client.register_redirect(client.registration_body(..., mitra_cd="", hosted=True))
    url = f"{reg['paymentURL']}?tXid={reg['tXid']}"
    client.inquiry(txid=reg["tXid"], reference_no="ORD1", amount=45_000)
    client.cancel(txid=reg["tXid"], amount=45_000, pay_method="05")
    client.notification_valid(form, raw_body=..., signature_header=...)

Every `*_body` method builds the JSON body with its correct merchantToken (nicepay-v2.md §0.4) and
takes `**overrides` to replace any field (a test sending a wrong token passes merchantToken=...).
Amounts are whole rupiah (int). Every HTTP method returns the gateway's JSON answer as a dict."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import requests

IMID = "IONPAYTEST"
# NICEPAY's published sandbox key (the demo merchant uses it, as a NICEPAY sandbox client would).
MERCHANT_KEY = "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="
ANY_METHOD, E_WALLET, PAY_LATER = "00", "05", "06"
SIGNATURE_TOLERANCE = 300  # seconds a notification's X-Payloan-Signature time may differ from ours


def sha(*parts: object) -> str:
    """NICEPAY's merchantToken: lower-case hex SHA-256 of the plain concatenation."""
    return hashlib.sha256("".join(str(p) for p in parts).encode()).hexdigest()


def now_stamp() -> str:
    """timeStamp: YYYYMMDDHHMMSS in Jakarta time."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class Customer:
    name: str = "Budi Santoso"
    phone: str = "081234567890"
    email: str = "budi@example.com"
    address: str = "Jl. Sudirman 1"
    city: str = "Jakarta"
    state: str = "DKI Jakarta"
    post_code: str = "10210"
    country: str = "Indonesia"


@dataclass(frozen=True)
class Item:
    """One cart line; `amount` is the unit price in whole rupiah."""

    name: str
    amount: int
    quantity: int = 1
    goods_id: str = "SKU-1"
    seller_id: str = "SEL-1"
    seller_name: str = "Demo Seller"

    def cart_line(self) -> dict[str, str]:
        return {
            "goods_id": self.goods_id,
            "goods_name": self.name,
            "goods_detail": self.name,
            "goods_amt": str(self.amount),
            "goods_quantity": str(self.quantity),
            "goods_type": "General",
            "goods_url": "http://shop.example/item",
            "img_url": "http://shop.example/img.png",
            "goods_sellers_id": self.seller_id,
            "goods_sellers_name": self.seller_name,
        }


def seller(seller_id: str = "SEL-1", name: str = "Demo Seller") -> dict[str, Any]:
    """A `sellers` entry as Akulaku needs it (nicepay-v2.md, Payloan)."""
    first, _, last = name.partition(" ")
    return {
        "sellersId": seller_id,
        "sellersNm": name,
        "sellersEmail": "seller@shop.example",
        "sellersUrl": "http://shop.example",
        "sellersAddress": {
            "sellerNm": first,
            "sellerLastNm": last or first,
            "sellerAddr": "Jl. Thamrin 2",
            "sellerCity": "Jakarta",
            "sellerPostCd": "10230",
            "sellerPhone": "0812000000",
            "sellerCountry": "ID",
        },
    }


@dataclass
class V2Client:
    """One merchant (iMid + merchantKey) talking to the gateway at `base_url`."""

    base_url: str
    imid: str = IMID
    merchant_key: str = MERCHANT_KEY
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/nicepay{path}"

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.session.post(self.url(path), json=body, timeout=self.timeout).json()

    # --- registration, payment, inquiry ----------------------------------------------------------
    def registration_body(
        self,
        *,
        reference_no: str,
        amount: int,
        mitra_cd: str,
        notify_url: str,
        callback_url: str = "",
        product: str = "Demo item",
        items: list[Item] | None = None,
        customer: Customer | None = None,
        pay_later: bool = False,
        sellers: list[dict[str, Any]] | None = None,
        instmnt_mon: int = 1,
        hosted: bool = False,
        **overrides: Any,
    ) -> dict[str, Any]:
        """The V2 registration (payMethod 05, or 06 when `pay_later`, with delivery and instalment
        fields); `sellers` for partners that need them. Items default to one line of `amount`.
        `hosted`: payMethod 00 for the redirect API, the shopper choosing any method on the
        gateway's page, so the body carries what every partner needs (pay sellers too)."""
        pay_later = pay_later or hosted
        customer = customer or Customer()
        items = items or [Item(product, amount)]
        ts = now_stamp()
        body: dict[str, Any] = {
            "timeStamp": ts,
            "iMid": self.imid,
            "payMethod": ANY_METHOD if hosted else PAY_LATER if pay_later else E_WALLET,
            "currency": "IDR",
            "amt": str(amount),
            "referenceNo": reference_no,
            "goodsNm": product,
            "billingNm": customer.name,
            "billingPhone": customer.phone,
            "billingEmail": customer.email,
            "billingAddr": customer.address,
            "billingCity": customer.city,
            "billingState": customer.state,
            "billingPostCd": customer.post_code,
            "billingCountry": customer.country,
            "cartData": json.dumps({"count": str(len(items)), "item": [i.cart_line() for i in items]}),
            "dbProcessUrl": notify_url,
            "mitraCd": mitra_cd,
            "userIP": "127.0.0.1",
            "description": f"Order {reference_no}",
        }
        if callback_url:
            body["callBackUrl"] = callback_url
        if pay_later:
            body.update(
                instmntType="1",
                instmntMon=str(instmnt_mon),
                deliveryNm=customer.name,
                deliveryPhone=customer.phone,
                deliveryAddr=customer.address,
                deliveryCity=customer.city,
                deliveryState=customer.state,
                deliveryPostCd=customer.post_code,
                deliveryCountry=customer.country,
            )
        if sellers:
            body["sellers"] = json.dumps(sellers)
        body.update(overrides)
        body.setdefault(
            "merchantToken",
            sha(body["timeStamp"], body["iMid"], body["referenceNo"], body["amt"], self.merchant_key),
        )
        return body

    def register(self, body: dict[str, Any]) -> dict[str, Any]:
        """The direct API: the merchant has chosen the partner (mitraCd)."""
        return self._post("/direct/v2/registration", body)

    def register_redirect(self, body: dict[str, Any]) -> dict[str, Any]:
        """The redirect ("API Checkout") API: the answer's paymentURL + "?tXid=" is the hosted page."""
        return self._post("/redirect/v2/registration", body)

    def payment_url(self, *, txid: str, reference_no: str, amount: int, callback_url: str) -> str:
        """Where to send the shopper's browser (Redirect-GET payment, same token as registration)."""
        ts = now_stamp()
        query = {
            "timeStamp": ts,
            "tXid": txid,
            "callBackUrl": callback_url,
            "merchantToken": sha(ts, self.imid, reference_no, amount, self.merchant_key),
        }
        return f"{self.url('/direct/v2/payment')}?{urlencode(query)}"

    def inquiry_body(self, *, txid: str, reference_no: str, amount: int, **overrides: Any) -> dict[str, Any]:
        ts = now_stamp()
        body = {
            "timeStamp": ts,
            "tXid": txid,
            "iMid": self.imid,
            "referenceNo": reference_no,
            "amt": str(amount),
            "merchantToken": sha(ts, self.imid, reference_no, amount, self.merchant_key),
        }
        return {**body, **overrides}

    def inquiry(self, *, txid: str, reference_no: str, amount: int) -> dict[str, Any]:
        return self._post(
            "/direct/v2/inquiry", self.inquiry_body(txid=txid, reference_no=reference_no, amount=amount)
        )

    # --- after the payment ---------------------------------------------------------------------
    def cancel_body(
        self,
        *,
        txid: str,
        amount: int,
        pay_method: str,
        cancel_type: str = "1",
        cancel_msg: str = "",
        **overrides: Any,
    ) -> dict[str, Any]:
        """Full (`cancel_type` "1") or partial ("2") cancel of `amount` whole rupiah."""
        ts = now_stamp()
        body = {
            "timeStamp": ts,
            "tXid": txid,
            "iMid": self.imid,
            "payMethod": pay_method,
            "cancelType": cancel_type,
            "amt": str(amount),
            "cancelMsg": cancel_msg,
            "merchantToken": sha(ts, self.imid, txid, amount, self.merchant_key),
        }
        return {**body, **overrides}

    def cancel(self, **kw: Any) -> dict[str, Any]:
        return self._post("/direct/v2/cancel", self.cancel_body(**kw))

    def confirm_akulaku_body(self, *, txid: str, **overrides: Any) -> dict[str, Any]:
        """Goods received (Akulaku settles only after it). Token order: timeStamp + tXid + iMid."""
        ts = now_stamp()
        body = {
            "timeStamp": ts,
            "tXid": txid,
            "iMid": self.imid,
            "merchantToken": sha(ts, txid, self.imid, self.merchant_key),
        }
        return {**body, **overrides}

    def confirm_akulaku(self, *, txid: str) -> dict[str, Any]:
        return self._post("/api/direct/v2/confirmAkulaku", self.confirm_akulaku_body(txid=txid))

    # --- account linking (linkEnable.do / linkInitiate.do, browser redirects) -------------------
    def link_enable_url(
        self, *, reference_no: str, mitra_cd: str, customer: Customer, notify_url: str, callback_url: str
    ) -> str:
        """Link the customer's wallet: SHA256(iMid + referenceNo + billingPhone + key)."""
        query = {
            "timeStamp": now_stamp(),
            "iMid": self.imid,
            "referenceNo": reference_no,
            "payMethod": E_WALLET,
            "billingNm": customer.name,
            "billingPhone": customer.phone,
            "billingEmail": customer.email,
            "mitraCd": mitra_cd,
            "dbProcessUrl": notify_url,
            "callBackUrl": callback_url,
            "userIP": "127.0.0.1",
            "merchantToken": sha(self.imid, reference_no, customer.phone, self.merchant_key),
        }
        return f"{self.url('/api/linkEnable.do')}?{urlencode(query)}"

    def link_initiate_url(
        self,
        *,
        mandate_id: str,
        reference_no: str,
        amount: int,
        product: str,
        customer: Customer,
        notify_url: str,
        callback_url: str,
    ) -> str:
        """Pay from a linked account: SHA256(iMid + referenceNo + amt + key)."""
        query = {
            "timeStamp": now_stamp(),
            "iMid": self.imid,
            "mandateID": mandate_id,
            "payMethod": E_WALLET,
            "currency": "IDR",
            "amt": str(amount),
            "goodsNm": product,
            "referenceNo": reference_no,
            "billingNm": customer.name,
            "billingPhone": customer.phone,
            "billingEmail": customer.email,
            "dbProcessUrl": notify_url,
            "callBackUrl": callback_url,
            "userIP": "127.0.0.1",
            "merchantToken": sha(self.imid, reference_no, amount, self.merchant_key),
        }
        return f"{self.url('/api/linkInitiate.do')}?{urlencode(query)}"

    # --- notifications we receive ---------------------------------------------------------------
    def token_valid(self, form: dict[str, str]) -> bool:
        """The notification's merchantToken: SHA256(iMid + tXid + amt + key) for a payment;
        SHA256(iMid + referenceNo + billingPhone + key) for an account-linked notice."""
        if "mandateID" in form:
            expected = sha(
                self.imid, form.get("referenceNo", ""), form.get("billingPhone", ""), self.merchant_key
            )
        else:
            expected = sha(self.imid, form.get("tXid", ""), form.get("amt", ""), self.merchant_key)
        return hmac.compare_digest(expected, form.get("merchantToken", "").lower())

    def signature_valid(self, raw_body: bytes, header: str, now: float | None = None) -> bool:
        """X-Payloan-Signature `t=<unix>,v1=<hex>`: HMAC-SHA256(key, t + "." + raw body), with `t`
        at most SIGNATURE_TOLERANCE seconds from our clock (docs/notifications.md)."""
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        stamp, given = parts.get("t", ""), parts.get("v1", "")
        if not stamp.isdigit() or abs((now or time.time()) - int(stamp)) > SIGNATURE_TOLERANCE:
            return False
        expected = hmac.new(self.merchant_key.encode(), stamp.encode() + b"." + raw_body, hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), given)

    def notification_valid(self, form: dict[str, str], *, raw_body: bytes, signature_header: str) -> bool:
        """A merchant's whole check: the signature over the raw body when the gateway sent one, and
        the merchantToken whenever the notification carries one. A notification with neither
        proves nothing and is refused."""
        signed = bool(signature_header)
        if signed and not self.signature_valid(raw_body, signature_header):
            return False
        if "merchantToken" in form:
            return self.token_valid(form)
        return signed
