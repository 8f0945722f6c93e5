"""SNAP bodies: the payment request read into the services' RegistrationData, and the answers of
services 54, 55 and 58 (the BI/ASPI direct-debit fields, plus what NICEPAY's plugins read)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from payments import clock, textcheck
from payments.models import Cancellation, Merchant, Transaction
from payments.nicepay.cart import cart_count, cart_item
from payments.services.registration import RegistrationData
from payments.status import Status
from providers import registry
from providers.base.types import CartItem, Deeplink, NextAction, PartnerKind, PushToApp

from .errors import field_format, field_missing
from .wire import money, money_out, obj, text

EWALLET = next(code for code, kind in registry.PAY_METHODS.items() if kind == PartnerKind.EWALLET)
PHONE = re.compile(r"^\+?\d{6,15}$")
SUCCESSFUL = "Successful"  # NICEPAY's clients and plugins compare this text literally


def iso(moment: datetime | None) -> str:
    """yyyy-MM-ddTHH:mm:ss+07:00 (Asia/Jakarta), "" for none."""
    return clock.jakarta(moment).isoformat(timespec="seconds") if moment else ""


# --- latestTransactionStatus (BI's vocabulary) ---------------------------------------------------
def latest_status(txn: Transaction) -> tuple[str, str]:
    """(latestTransactionStatus, transactionStatusDesc) of a transaction. A void after payment is
    money given back, so it reads 04 Refunded; a void before payment is 05 Canceled."""
    status = txn.status_enum
    if status == Status.VOID:
        return ("04", "Refunded") if txn.paid_at else ("05", "Canceled")
    return STATUS_MAP[status]


STATUS_MAP: dict[Status, tuple[str, str]] = {
    Status.PAID: ("00", "Success"),
    Status.INIT: ("01", "Initiated"),
    Status.PROCESSING: ("02", "Paying"),
    Status.UNPAID: ("03", "Pending"),
    Status.REFUND: ("04", "Refunded"),
    Status.EXPIRED: ("05", "Canceled"),
    Status.FAILED: ("06", "Failed"),
}


# --- payment request (54) ------------------------------------------------------------------------
def _url(value: str, field: str) -> str:
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise field_format(field, "must be an http(s) URL")
    return value


def _url_params(body: dict[str, Any]) -> dict[str, str]:
    """urlParam [{url, type: PAY_NOTIFY | PAY_RETURN, isDeeplink}] as {type: url}."""
    params = body.get("urlParam")
    if params in (None, "", []):
        return {}
    if isinstance(params, dict):
        params = [params]
    if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
        raise field_format("urlParam", "must be a list of {url, type, isDeeplink}")
    found = {}
    for p in params:
        kind = str(p.get("type") or "").strip().upper()
        found[kind] = _url(text(p, "url", 255, label=f"urlParam {kind} url"), f"urlParam {kind} url")
    return found


def _whole(value: Any, field: str) -> int:
    raw = str(value).strip() if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{1,13}(\.0{1,2})?", raw):
        raise field_format("additionalInfo.cartData", f"item {field} must be whole rupiah such as 10000.00")
    return int(Decimal(raw))


def parse_cart(raw: Any, *, goods_name: str, amount: int) -> tuple[CartItem, ...]:
    """cartData, a JSON string {"count", "item": [{goods_name, goods_amt, goods_quantity, ...}]}
    (goods_amt in SNAP's "10000.00" form or whole digits); one line of the whole amount when absent."""
    if raw in (None, "", {}):
        return (CartItem(id="1", name=goods_name, unit_price=amount, quantity=1),)
    try:
        data = json.loads(raw, parse_float=Decimal) if isinstance(raw, str) else raw
    except (ValueError, RecursionError):
        raise field_format("additionalInfo.cartData", "is not valid JSON")
    try:  # JSON inside a string: the body's text check never saw these values (a NUL, a surrogate)
        textcheck.check_tree(data, "cartData")
    except textcheck.BadText as exc:
        raise field_format("additionalInfo.cartData", exc.message)
    items = data.get("item") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise field_format("additionalInfo.cartData", 'must be {"count": n, "item": [...]} with items')
    cart_count(data)  # count and goods_quantity: the V2 door's rule (CartInvalid)
    return tuple(cart_item(it, n, _whole) for n, it in enumerate(items))


def fingerprint(body: dict[str, Any]) -> str:
    """The order as sent, canonical: the same body again (under a new X-EXTERNAL-ID) is the same
    payment and gets the same answer."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def payment_request(
    body: dict[str, Any], *, merchant: Merchant, external_id: str, remote_addr: str
) -> tuple[RegistrationData, str]:
    """The payment request as the services' RegistrationData, and the account-link id (mandateId)
    to pay from ("" for none). Raises SnapError for a missing or malformed field."""
    ref = text(body, "partnerReferenceNo", 40, required=True)
    amount = money(body, "amount")
    info = obj(body, "additionalInfo")
    mitra_cd = text(info, "mitraCd", 4, required=True, label="additionalInfo.mitraCd").upper()
    goods = text(info, "goodsNm", 100, required=True, label="additionalInfo.goodsNm")
    phone = text(info, "billingPhone", 16, required=True, label="additionalInfo.billingPhone")
    if not PHONE.match(phone):
        raise field_format("additionalInfo.billingPhone", "digits only, such as 081234567890")
    billing = {
        "billing_name": text(info, "billingNm", 100, required=True, label="additionalInfo.billingNm"),
        "billing_phone": phone.lstrip("+"),
        "billing_email": text(info, "billingEmail", 40, label="additionalInfo.billingEmail"),
    }
    urls = _url_params(body)
    notify = urls.get("PAY_NOTIFY") or _url(
        text(info, "dbProcessUrl", 255, label="additionalInfo.dbProcessUrl"), "additionalInfo.dbProcessUrl"
    )
    notify = notify or merchant.default_notification_url
    if not notify:
        raise field_missing("urlParam PAY_NOTIFY (or additionalInfo.dbProcessUrl)")
    callback = urls.get("PAY_RETURN") or _url(
        text(info, "callBackUrl", 255, label="additionalInfo.callBackUrl"), "additionalInfo.callBackUrl"
    )
    valid_up_to = text(body, "validUpTo", 40)
    until = None
    if valid_up_to:
        until = _datetime(valid_up_to)
        if until is None:
            raise field_format("validUpTo", "use yyyy-MM-ddTHH:mm:ss+07:00")
    merchant_data = {
        "externalId": external_id,
        "subMerchantId": text(body, "subMerchantId", 32),
        "externalStoreId": text(body, "externalStoreId", 32),
        "pointOfInitiation": text(body, "pointOfInitiation", 20),
    }
    data = RegistrationData(
        pay_method=EWALLET,
        mitra_cd=mitra_cd,
        currency="IDR",
        amount=amount,
        reference_no=ref,
        goods_name=goods,
        billing=billing,
        cart=functools.partial(parse_cart, info.get("cartData"), goods_name=goods, amount=amount),
        db_process_url=notify,
        user_ip=remote_addr[:15],
        fingerprint=fingerprint(body),
        callback_url=callback,
        pay_valid_until=until,
        door=Transaction.Door.SNAP,
        door_data=merchant_data,
    )
    return data, text(info, "mandateId", 40, label="additionalInfo.mandateId")


def _datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.JAKARTA)


def _door(txn: Transaction, name: str) -> str:
    return str((txn.door_data or {}).get(name, ""))


def payment(txn: Transaction, action: NextAction, wait_url: str) -> dict[str, Any]:
    """Service 54's answer: where the customer goes next. A redirect or deeplink partner gives its
    page (and app link); an app-push partner (OVO) gives our waiting page, where the customer
    watches the push they approve in the app."""
    if isinstance(action, PushToApp):
        web, app = wait_url, ""
    elif isinstance(action, Deeplink):
        web, app = action.url_http, action.url_app
    else:
        web, app = action.url, ""
    return {
        "responseCode": "2005400",
        "responseMessage": SUCCESSFUL,
        "partnerReferenceNo": txn.reference_no,
        "referenceNo": txn.txid,
        "webRedirectUrl": web,
        "appRedirectUrl": app,
        "additionalInfo": {
            "mitraCd": txn.mitra_cd,
            "pushToApp": "Y" if isinstance(action, PushToApp) else "N",  # approve in the app
        },
    }


def _info(txn: Transaction) -> dict[str, str]:
    return {
        "mitraCd": txn.mitra_cd,
        "goodsNm": txn.goods_name,
        "billingNm": txn.billing_name,
        "billingPhone": txn.billing_phone,
    }


def status(txn: Transaction, refunds: list[Cancellation]) -> dict[str, Any]:
    """Service 55's answer."""
    code, desc = latest_status(txn)
    return {
        "responseCode": "2005500",
        "responseMessage": SUCCESSFUL,
        "originalPartnerReferenceNo": txn.reference_no,
        "originalReferenceNo": txn.txid,
        "originalExternalId": _door(txn, "externalId"),
        "serviceCode": "54",
        "latestTransactionStatus": code,
        "transactionStatusDesc": desc,
        "transAmount": money_out(txn.amount),
        "amount": money_out(txn.amount),
        "paidTime": iso(txn.paid_at),
        "refundHistory": [
            {
                "refundNo": row.cancel_txid,
                "refundAmount": money_out(row.amount),
                "refundTime": iso(row.finished_at),
                "refundStatus": "00",
                "reason": row.reason,
            }
            for row in refunds
        ],
        "additionalInfo": _info(txn),
    }


def refund(txn: Transaction, row: Cancellation, partner_refund_no: str) -> dict[str, Any]:
    """Service 58's answer."""
    return {
        "responseCode": "2005800",
        "responseMessage": SUCCESSFUL,
        "originalPartnerReferenceNo": txn.reference_no,
        "originalReferenceNo": txn.txid,
        "originalExternalId": _door(txn, "externalId"),
        "refundNo": row.cancel_txid,
        "partnerRefundNo": partner_refund_no,
        "refundAmount": money_out(row.amount),
        "refundTime": iso(row.finished_at or row.created_at),
        "additionalInfo": {"refundType": row.cancel_type},
    }


def notification(txn: Transaction, sequence: int) -> dict[str, Any]:
    """Service 56, the notification we post to the merchant (BI's fields, and NICEPAY's
    externalStoreId spelling that its Magento plugin reads)."""
    code, desc = latest_status(txn)
    final = not txn.status_enum.is_open
    return {
        "originalReferenceNo": txn.txid,
        "originalPartnerReferenceNo": txn.reference_no,
        "originalExternalId": _door(txn, "externalId"),
        "merchantId": txn.merchant.imid,
        "subMerchantId": _door(txn, "subMerchantId"),
        "externalStoreId": _door(txn, "externalStoreId"),
        "amount": money_out(txn.amount),
        "latestTransactionStatus": code,
        "transactionStatusDesc": desc,
        "createdTime": iso(txn.created_at),
        "finishedTime": iso(txn.paid_at or txn.updated_at) if final else "",
        "additionalInfo": {
            **_info(txn),
            "refundedAmount": money_out(txn.cancelled_amount),
            "sequence": str(sequence),
        },
    }
