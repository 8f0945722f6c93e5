"""A SNAP merchant for tests: NICEPAY's published sandbox credentials, and calls signed exactly as
NICEPAY's official clients sign them (path without /nicepay, body hashed as sent)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from payments.management.commands.load_demo import NICEPAY_SANDBOX_KEY, NICEPAY_SANDBOX_SNAP_PUBLIC_KEY

# NICEPAY's published sandbox merchant private key (nodejs-nicepay README, "for testing purposes only").
NICEPAY_SANDBOX_SNAP_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAInJe1G22R2fMchI
E6BjtYRqyMj6lurP/zq6vy79WaiGKt0Fxs4q3Ab4ifmOXd97ynS5f0JRfIqakXDc
V/e2rx9bFdsS2HORY7o5At7D5E3tkyNM9smI/7dk8d3O0fyeZyrmPMySghzgkR3o
MEDW1TCD5q63Hh/oq0LKZ/4Jjcb9AgMBAAECgYA4Boz2NPsjaE+9uFECrohoR2NN
FVe4Msr8/mIuoSWLuMJFDMxBmHvO+dBggNr6vEMeIy7zsF6LnT32PiImv0mFRY5f
RD5iLAAlIdh8ux9NXDIHgyera/PW4nyMaz2uC67MRm7uhCTKfDAJK7LXqrNVDlIB
FdweH5uzmrPBn77foQJBAMPCnCzR9vIfqbk7gQaA0hVnXL3qBQPMmHaeIk0BMAfX
TVq37PUfryo+80XXgEP1mN/e7f10GDUPFiVw6Wfwz38CQQC0L+xoxraftGnwFcVN
1cK/MwqGS+DYNXnddo7Hu3+RShUjCz5E5NzVWH5yHu0E0Zt3sdYD2t7u7HSr9wn9
6OeDAkEApzB6eb0JD1kDd3PeilNTGXyhtIE9rzT5sbT0zpeJEelL44LaGa/pxkbl
Nm0K2v/ShMC8uY6Bbi9oVqnMbj04uQJAJDIgTmfkla5bPZRR/zG6nkf1jEa/0w7i
/R7szaiXlqsIFfMTPimvRtgxBmG6ASbOETxTHpEgCWTMhyLoCe54WwJATmPDSXk4
APUQNvX5rr5OSfGWEOo67cKBvp5Wst+tpvc6AbIJeiRFlKF4fXYTb6HtiuulgwQN
ePuvlzlt2Q8hqQ==
-----END PRIVATE KEY-----
"""
PUBLIC_KEY = NICEPAY_SANDBOX_SNAP_PUBLIC_KEY
PUBLIC_KEY_FINGERPRINT = "178a4ac45ef17f0c280653151ad8d639604d14013ecd97483e7c2cfc6a57245c"
TOKEN_PATH = "/nicepay/v1.0/access-token/b2b"
PAYMENT_PATH = "/nicepay/api/v1.0/debit/payment-host-to-host"
STATUS_PATH = "/nicepay/api/v1.0/debit/status"
REFUND_PATH = "/nicepay/api/v1.0/debit/refund"


def snap_demo_merchant():
    """IONPAYTEST with NICEPAY's sandbox SNAP credentials, as load_demo sets it up."""
    from payments.services.api_credentials import api_credential_load
    from tests.factories import demo_merchant

    merchant = demo_merchant()
    api_credential_load(merchant=merchant, client_secret=NICEPAY_SANDBOX_KEY, public_key_pem=PUBLIC_KEY)
    return merchant


def new_key_pair(bits: int = 2048) -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def jakarta_stamp(moment: datetime | None = None) -> str:
    return (
        (moment or datetime.now(ZoneInfo("Asia/Jakarta")))
        .astimezone(ZoneInfo("Asia/Jakarta"))
        .strftime("%Y-%m-%dT%H:%M:%S+07:00")
    )


def rsa_sign(private_pem: str, data: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return base64.b64encode(key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_pem: str, data: str, signature: str) -> bool:
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        key.verify(base64.b64decode(signature), data.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def hmac_signature(secret: str, method: str, path: str, token: str, body: bytes, stamp: str) -> str:
    digest = hashlib.sha256(body).hexdigest()
    data = f"{method}:{path}:{token}:{digest}:{stamp}".encode()
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha512).digest()).decode()


@dataclass
class Sent:
    """What a call sent and got: HTTP status and JSON answer."""

    status: int
    json: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class SnapClient:
    """Signs like python-nicepay: token by RSA, then HMAC over METHOD:path-without-/nicepay:token:
    sha256(json.dumps(body)):X-TIMESTAMP. `post(path, headers, body)` is the transport: Django's test
    client or requests against a running server."""

    def __init__(
        self,
        post,
        *,
        client_id: str = "IONPAYTEST",
        secret: str = NICEPAY_SANDBOX_KEY,
        private_key: str = NICEPAY_SANDBOX_SNAP_PRIVATE_KEY,
    ) -> None:
        self._post = post
        self.client_id, self.secret, self.private_key = client_id, secret, private_key

    def token_request(self, *, stamp: str | None = None, signature: str | None = None, body=None) -> Sent:
        stamp = stamp or jakarta_stamp()
        headers = {
            "Content-Type": "Application/JSON",
            "X-TIMESTAMP": stamp,
            "X-CLIENT-KEY": self.client_id,
            "X-SIGNATURE": signature or rsa_sign(self.private_key, f"{self.client_id}|{stamp}"),
        }
        raw = json.dumps(
            body if body is not None else {"grantType": "client_credentials", "additionalInfo": ""}
        )
        return self._post(TOKEN_PATH, headers, raw.encode())

    def token(self) -> str:
        answer = self.token_request()
        assert answer.json.get("responseCode") == "2007300", answer.json
        return answer.json["accessToken"]

    def signed(
        self,
        path: str,
        body: dict[str, Any],
        *,
        token: str | None = None,
        external_id: str | None = None,
        stamp: str | None = None,
        partner_id: str | None = None,
        sign_body: bytes | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
    ) -> Sent:
        """A transaction call. `sign_body` signs other bytes than those sent (a body changed after
        signing); `raw` sends these bytes instead of json.dumps(body)."""
        token = token if token is not None else self.token()
        stamp = stamp or jakarta_stamp()
        sent = raw if raw is not None else json.dumps(body).encode()
        signed_path = path.removeprefix("/nicepay")
        headers = {
            "Content-Type": "Application/JSON",
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": stamp,
            "X-PARTNER-ID": partner_id or self.client_id,
            "X-EXTERNAL-ID": external_id or uuid.uuid4().hex[:20],
            "CHANNEL-ID": f"{self.client_id}01",
            "X-SIGNATURE": signature
            or hmac_signature(self.secret, "POST", signed_path, token, sign_body or sent, stamp),
        }
        return self._post(path, headers, sent)


def django_transport(client):
    """SnapClient transport over Django's test client."""

    def post(path: str, headers: dict[str, str], body: bytes) -> Sent:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
        resp = client.generic("POST", path, body, content_type=headers.get("Content-Type", ""), **extra)
        return Sent(resp.status_code, json.loads(resp.content), dict(resp.headers), body)

    return post


def http_transport(base_url: str):
    """SnapClient transport over HTTP to a running server."""
    import requests

    def post(path: str, headers: dict[str, str], body: bytes) -> Sent:
        resp = requests.post(base_url + path, data=body, headers=headers, timeout=60)
        return Sent(resp.status_code, resp.json(), dict(resp.headers), body)

    return post


def payment_body(
    *,
    reference_no: str | None = None,
    mitra_cd: str = "DANA",
    value: str = "25000.00",
    notify_url: str = "http://127.0.0.1:9/notify",
    merchant_id: str = "IONPAYTEST",
    **info: Any,
) -> dict[str, Any]:
    """A payment (service 54) body in python-nicepay's shape and key order."""
    amount = value.split(".")[0]
    cart = {
        "count": "1",
        "item": [
            {
                "img_url": "http://127.0.0.1/i.png",
                "goods_name": "Test item",
                "goods_detail": "Test item",
                "goods_amt": f"{amount}.00" if amount.isdigit() else value,
                "goods_quantity": "1",
            }
        ],
    }
    additional = {
        "mitraCd": mitra_cd,
        "goodsNm": "Test item",
        "billingNm": "Budi Santoso",
        "billingPhone": "081234567890",
        "cartData": json.dumps(cart),
        "dbProcessUrl": notify_url,
        "callBackUrl": "http://127.0.0.1:9/merchant/return",
        "msId": "",
    }
    additional.update(info)
    return {
        "partnerReferenceNo": reference_no or f"OrdNo{uuid.uuid4().hex[:14]}",
        "merchantId": merchant_id,
        "subMerchantId": "",
        "externalStoreId": "",
        "validUpTo": "",
        "pointOfInitiation": "Mobile App",
        "amount": {"value": value, "currency": "IDR"},
        "urlParam": [
            {"url": notify_url, "type": "PAY_NOTIFY", "isDeeplink": "Y"},
            {"url": "http://127.0.0.1:9/merchant/return", "type": "PAY_RETURN", "isDeeplink": "Y"},
        ],
        "additionalInfo": additional,
    }


def status_body(
    answer: dict[str, Any], *, value: str = "", merchant_id: str = "IONPAYTEST"
) -> dict[str, Any]:
    return {
        "merchantId": merchant_id,
        "subMerchantId": "",
        "originalPartnerReferenceNo": answer["partnerReferenceNo"],
        "originalReferenceNo": answer["referenceNo"],
        "serviceCode": "54",
        "transactionDate": datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y%m%d%H%M%S"),
        "amount": {"value": value, "currency": "IDR"} if value else {},
        "additionalInfo": {},
    }


def refund_body(
    answer: dict[str, Any],
    *,
    value: str,
    refund_no: str | None = None,
    refund_type: str = "1",
    merchant_id: str = "IONPAYTEST",
) -> dict[str, Any]:
    return {
        "partnerRefundNo": refund_no or f"RefundNo{uuid.uuid4().hex[:12]}",
        "merchantId": merchant_id,
        "subMerchantId": "",
        "originalPartnerReferenceNo": answer["partnerReferenceNo"],
        "originalReferenceNo": answer["referenceNo"],
        "externalStoreId": "",
        "reason": "Test refund",
        "refundAmount": {"value": value, "currency": "IDR"},
        "additionalInfo": {"refundType": refund_type},
    }
