"""For sandbox tests: a paid order at each simulated partner, and that partner's refund call and
refund status query, each signed the way the partner wants (its own protocol, over HTTP)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.utils import timezone

from providers.dana.sandbox_keys import MERCHANT_PRIVATE_KEY
from providers.sandbox import snap
from providers.sandbox.akulaku import state as akulaku
from providers.sandbox.astrapay import snap as astrapay
from providers.sandbox.dana import state as dana
from providers.sandbox.indodana import state as indodana
from providers.sandbox.kredivo import state as kredivo
from providers.sandbox.linkaja import state as linkaja
from providers.sandbox.models import SandboxOrder
from providers.sandbox.ovo import state as ovo
from providers.sandbox.shopeepay import state as shopeepay

AMOUNT = 50_000
BACK = "http://127.0.0.1:9/back"


def order(partner: str, ref: str, state: str, amount: int = AMOUNT, **data: object) -> SandboxOrder:
    """A partner-side order in `state`, open for an hour, for a new tXid."""
    return SandboxOrder.objects.create(
        partner=partner,
        ref=ref,
        merchant_ref=f"TX{uuid.uuid4().hex[:20].upper()}",
        amount=amount,
        state=state,
        expires_at=timezone.now() + timedelta(hours=1),
        data=data,
    )


@dataclass(frozen=True)
class Partner:
    """`refund(base, order, refund_id, timeout)` makes a partial refund of 10,000; `refunded(base,
    order, refund_id)` asks the partner, in its protocol, whether that refund was made."""

    name: str
    paid: Callable[[], SandboxOrder]
    refund: Callable[[str, SandboxOrder, str, float], requests.Response]
    refunded: Callable[[str, SandboxOrder, str], bool]


# --- Kredivo -----------------------------------------------------------------------------------
def _kredivo_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    body = {
        "server_key": kredivo.SERVER_KEY,
        "order_id": o.merchant_ref,
        "transaction_id": o.data["transaction_id"],
        "cancellation_id": rid,
        "cancellation_amount": 10_000,
    }
    return requests.post(f"{base}/sandbox/kredivo/kredivo/v2/cancel_transaction", json=body, timeout=timeout)


def _kredivo_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    body = {"server_key": kredivo.SERVER_KEY, "order_id": o.merchant_ref}
    answer = requests.post(f"{base}/sandbox/kredivo/kredivo/transaction/status", json=body, timeout=10).json()
    assert answer["status"] == "OK", answer
    return any(c["cancellation_id"] == rid and c["status"] == "success" for c in answer["cancellations"])


KREDIVO = Partner(
    "kredivo",
    lambda: order(
        "kredivo",
        secrets.token_urlsafe(12),
        kredivo.SETTLEMENT,
        transaction_id=f"KRD{secrets.token_hex(6)}",
        signature_key="k",
        payment_type="30_days",
        finished=True,
        cancellations=[],
        push_uri=BACK,
        back_to_store_uri=BACK,
    ),
    _kredivo_refund,
    _kredivo_refunded,
)


# --- Indodana ----------------------------------------------------------------------------------
def _indodana_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    body = {"merchantOrderId": o.merchant_ref, "refundId": rid, "cancellationAmount": 10_000}
    return requests.post(
        f"{base}/sandbox/indodana/chermes/merchant/v3/order_cancellation",
        json=body,
        headers={"Authorization": indodana.bearer()},
        timeout=timeout,
    )


def _indodana_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    answer = requests.get(
        f"{base}/sandbox/indodana/chermes/merchant/v1/transactions/check_status",
        params={"merchantOrderId": o.merchant_ref},
        headers={"Authorization": indodana.bearer()},
        timeout=10,
    ).json()
    return any(r["refundId"] == rid and r["status"] == "SUCCESS" for r in answer["refunds"])


INDODANA = Partner(
    "indodana",
    lambda: order(
        "indodana", str(uuid.uuid4()), indodana.PAID, paymentType="30_days", refunds=[], finished=True
    ),
    _indodana_refund,
    _indodana_refunded,
)


# --- Akulaku (a partial cancel is one SKU) ------------------------------------------------------
def _akulaku_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    form = {
        "appId": akulaku.APP_ID,
        "refNo": o.merchant_ref,
        "skuId": "SKU-1",
        "skuQty": "1",
        "sign": akulaku.sign(o.merchant_ref + "SKU-1" + "1"),
    }
    return requests.post(
        f"{base}/sandbox/akulaku/api/json/public/openpay/cancel.do", data=form, timeout=timeout
    )


def _akulaku_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    params = {"appId": akulaku.APP_ID, "refNo": o.merchant_ref, "sign": akulaku.sign(o.merchant_ref)}
    answer = requests.get(
        f"{base}/sandbox/akulaku/api/json/public/openpay/status.do", params=params, timeout=10
    )
    details = answer.json()["data"]["refundDetails"]
    return details == [{"skuId": "SKU-1", "skuQty": 1, "refundAmount": 10_000}]


AKULAKU = Partner(
    "akulaku",
    lambda: order(
        "akulaku",
        f"{secrets.randbelow(10**12)}",
        akulaku.SUCCESS,
        lines={
            "SKU-1": {"name": "Rice", "price": 10_000, "qty": 2, "vendorId": ""},
            "SKU-2": {"name": "Pot", "price": 30_000, "qty": 1, "vendorId": ""},
        },
        cancelled={},
        callbackPageUrl=BACK,
        finished=True,
    ),
    _akulaku_refund,
    _akulaku_refunded,
)


# --- LinkAja (a reversal is the whole payment) --------------------------------------------------
def _linkaja_form(o: SandboxOrder) -> dict[str, str]:
    c = linkaja.CREDENTIALS
    return {
        "terminalId": c["terminalId"],
        "userKey": c["userKey"],
        "passKey": c["password"],
        "signKey": c["signature"],
        "refNum": o.ref,
    }


def _linkaja_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    url = f"{base}/sandbox/linkaja/tcash-api/api/rev/customer/transaction"
    return requests.post(url, data=_linkaja_form(o), timeout=timeout)


def _linkaja_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    url = f"{base}/sandbox/linkaja/linkaja-api/api/check/customer/transaction"
    answer = requests.post(url, data=_linkaja_form(o), timeout=10).json()
    return answer["status"] == linkaja.REVERSED and bool(answer.get("reversalDate"))


LINKAJA = Partner(
    "linkaja",
    lambda: order(
        "linkaja",
        f"LA{secrets.randbelow(10**12)}",
        linkaja.SUCCESS,
        pgpToken=secrets.token_urlsafe(8),
        successUrl=BACK,
        failedUrl=BACK,
        items=[],
        paid_at="2026-01-01 10:00:00+0700",
    ),
    _linkaja_refund,
    _linkaja_refunded,
)


# --- ShopeePay ---------------------------------------------------------------------------------
def _shopee_post(base: str, path: str, data: dict, timeout: float) -> requests.Response:
    body = shopeepay.dumps(
        {
            "request_id": uuid.uuid4().hex,
            "merchant_ext_id": shopeepay.MERCHANT_EXT_ID,
            "store_ext_id": shopeepay.STORE_EXT_ID,
            **data,
        }
    )
    headers = {
        "Content-Type": "application/json",
        "X-Airpay-ClientId": shopeepay.CLIENT_ID,
        "X-Airpay-Req-H": shopeepay.sign(body),
    }
    return requests.post(
        f"{base}/sandbox/shopeepay/v3/merchant-host/{path}", data=body, headers=headers, timeout=timeout
    )


def _shopee_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    data = {"payment_reference_id": o.merchant_ref, "refund_reference_id": rid, "amount": 10_000 * 100}
    return _shopee_post(base, "transaction/refund/create", data, timeout)


def _shopee_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    data = {"reference_id": rid, "transaction_type": shopeepay.TXN_REFUND}
    answer = _shopee_post(base, "transaction/check", data, 10).json()
    assert answer["errcode"] == 0, answer
    return [(t["reference_id"], t["amount"], t["status"]) for t in answer["transaction_list"]] == [
        (rid, 10_000 * 100, 3)
    ]


SHOPEEPAY = Partner(
    "shopeepay",
    lambda: order(
        "shopeepay",
        secrets.token_urlsafe(12),
        shopeepay.SUCCESSFUL,
        finished_at=int(time.time()),
        refunds=[],
        transaction_sn="1" * 18,
        return_url=BACK,
    ),
    _shopee_refund,
    _shopee_refunded,
)


# --- OVO (a void is the whole payment, the same day) ---------------------------------------------
def _ovo_call(base: str, o: SandboxOrder, type_: str, code: str, timeout: float) -> requests.Response:
    random = str(int(time.time()))
    body = {
        "type": type_,
        "processingCode": code,
        "amount": o.amount,
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S.000"),
        "referenceNumber": secrets.randbelow(999_999) + 1,
        **ovo.TERMINAL,
        "appSource": "POS",
        "transactionRequestData": {
            "batchNo": o.data["batchNo"],
            "phone": o.data["phone"],
            "merchantInvoice": o.merchant_ref,
        },
    }
    mac = hmac.new(ovo.APP_KEY.encode(), (ovo.APP_ID + random).encode(), hashlib.sha256).hexdigest()
    headers = {"app-id": ovo.APP_ID, "random": random, "hmac": mac}
    return requests.post(f"{base}/sandbox/ovo/pos", json=body, headers=headers, timeout=timeout)


def _ovo_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    return _ovo_call(base, o, "0200", "020040", timeout)


def _ovo_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    answer = _ovo_call(base, o, "0100", "020040", 10).json()
    assert answer["responseCode"] in ("00", "25"), answer
    return answer["responseCode"] == "00"


OVO = Partner(
    "ovo",
    lambda: order(
        "ovo",
        f"B{secrets.randbelow(10**6)}-000001",
        ovo.APPROVED,
        phone="081234567890",
        batchNo="B1",
        rc="00",
        approved_at=timezone.now().isoformat(),
    ),
    _ovo_refund,
    _ovo_refunded,
)


def _snap_refunded(answer: requests.Response, rid: str) -> bool:
    """A SNAP status inquiry about a refund (serviceCode 58): 00 when made, 404xx01 when unknown."""
    if answer.status_code == 404:
        assert answer.json()["responseCode"] == "4045501", answer.text
        return False
    data = answer.json()
    assert (data["responseCode"], data["serviceCode"], data["partnerRefundNo"]) == ("2005500", "58", rid), (
        data
    )
    return data["latestTransactionStatus"] == "00" and data["refundAmount"] == snap.money(10_000)


# --- DANA (SNAP, RSA-signed) -------------------------------------------------------------------
def _dana_post(base: str, path: str, body: dict, timeout: float) -> requests.Response:
    raw = snap.minify(body)
    ts = snap.timestamp()
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": snap.rsa_sign(
            MERCHANT_PRIVATE_KEY.encode(), snap.asymmetric_string("POST", path, raw, ts)
        ),
        "X-PARTNER-ID": dana.PARTNER_ID,
        "X-EXTERNAL-ID": uuid.uuid4().hex,
        "CHANNEL-ID": "95221",
    }
    return requests.post(f"{base}{path}", data=raw, headers=headers, timeout=timeout)


def _dana_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    body = {
        "originalPartnerReferenceNo": o.merchant_ref,
        "partnerRefundNo": rid,
        "merchantId": dana.MERCHANT_ID,
        "refundAmount": snap.money(10_000),
    }
    return _dana_post(base, "/sandbox/dana/payment-gateway/v1.0/debit/refund.htm", body, timeout)


def _dana_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    body = {"originalPartnerReferenceNo": o.merchant_ref, "serviceCode": "58", "partnerRefundNo": rid}
    return _snap_refunded(
        _dana_post(base, "/sandbox/dana/payment-gateway/v1.0/debit/status.htm", body, 10), rid
    )


DANA = Partner(
    "dana",
    lambda: order(
        "dana",
        f"2026{secrets.randbelow(10**20):020d}",
        dana.PAID,
        paid_time=snap.timestamp(),
        return_url=BACK,
        notify_url="",
    ),
    _dana_refund,
    _dana_refunded,
)


# --- AstraPay (SNAP, HMAC-signed service calls) -------------------------------------------------
def _astrapay_post(base: str, path: str, body: dict, timeout: float) -> requests.Response:
    raw = snap.minify(body)
    ts, token = snap.timestamp(), astrapay.issue_b2b_token()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": snap.symmetric_signature(astrapay.CLIENT_SECRET, "POST", path, token, raw, ts),
        "X-PARTNER-ID": astrapay.CLIENT_ID,
        "X-EXTERNAL-ID": str(time.time_ns()),
        "CHANNEL-ID": "00258",
    }
    return requests.post(f"{base}{path}", data=raw, headers=headers, timeout=timeout)


def _astrapay_refund(base: str, o: SandboxOrder, rid: str, timeout: float) -> requests.Response:
    body = {
        "originalPartnerReferenceNo": o.merchant_ref,
        "partnerRefundNo": rid,
        "refundAmount": snap.money(10_000),
        "reason": "test",
    }
    return _astrapay_post(base, "/sandbox/astrapay/merchant-service/snap/v1.0/debit/refund", body, timeout)


def _astrapay_refunded(base: str, o: SandboxOrder, rid: str) -> bool:
    body = {"originalPartnerReferenceNo": o.merchant_ref, "serviceCode": "58", "partnerRefundNo": rid}
    return _snap_refunded(
        _astrapay_post(base, "/sandbox/astrapay/merchant-service/snap/v1.0/debit/status", body, 10), rid
    )


ASTRAPAY = Partner(
    "astrapay",
    lambda: order(
        "astrapay",
        str(uuid.uuid4()),
        "00",
        kind="payment",
        referenceNo=f"INV/PAC/ONP/{secrets.randbelow(10**9)}",
        refunds=[],
        refunded=0,
        paidTime=snap.timestamp(),
        returnUrl=BACK,
        binding="",
    ),
    _astrapay_refund,
    _astrapay_refunded,
)

ALL = (KREDIVO, INDODANA, AKULAKU, LINKAJA, SHOPEEPAY, OVO, DANA, ASTRAPAY)
