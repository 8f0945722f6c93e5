"""ShopeePay regional "v3 merchant-host" API: pure payload builders, parsers and status maps.

No I/O here. Amounts on the wire are minor units (Rp 1 = 100); inside Payloan they are whole rupiah.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    PartnerDeclined,
    PartnerUnavailable,
    UnknownStatus,
)
from providers.base.signing import equal, hmac_sha256_b64
from providers.base.types import CancelStatus, Deeplink, OrderInfo, PartnerStatus, RefundState, StatusResult

CURRENCY = "IDR"
POINT_OF_INITIATION = "app"
TRANSACTION_TYPE_PAYMENT = 13
TRANSACTION_TYPE_REFUND = 15
TRANSACTION_TYPE_VOID = 16
MINOR_PER_RUPIAH = 100
SIGNATURE_HEADER = "X-Airpay-Req-H"
CLIENT_ID_HEADER = "X-Airpay-ClientId"
NOTIFY_ACK = (200, "application/json", '{"errcode":0}')

# ShopeePay has two status vocabularies (common objects): the *transaction* status of one
# transaction and the *payment* status of a payment reference. Their numbers overlap, so the
# raw status we keep and map is prefixed with the field it came from.
TRANSACTION_STATUS = "transaction_status"
PAYMENT_STATUS = "payment_status"
STATUS_MAP: dict[str, PartnerStatus] = {
    # Transaction status
    "transaction_status:1": PartnerStatus.PENDING,  # initial
    "transaction_status:2": PartnerStatus.PENDING,  # processing
    "transaction_status:3": PartnerStatus.SUCCEEDED,  # successful
    "transaction_status:4": PartnerStatus.FAILED,  # failed
    "transaction_status:6": PartnerStatus.EXPIRED,  # expired
    "transaction_status:7": PartnerStatus.CANCELLED,  # invalidated (cancelled or voided)
    # Payment status
    "payment_status:1": PartnerStatus.SUCCEEDED,  # successful
    # "not found": the customer has not paid (yet). No payment exists, so nothing changes; the
    # gateway's own expiry closes the order at the end of validity_period.
    "payment_status:2": PartnerStatus.PENDING,
    "payment_status:3": PartnerStatus.REFUNDED,  # refunded
    "payment_status:4": PartnerStatus.CANCELLED,  # cancelled (voided)
    "payment_status:5": PartnerStatus.PENDING,  # processing
    "payment_status:6": PartnerStatus.FAILED,  # failed
}

# errcode table (providers.md 5.1). Used for messages; the codes themselves travel as `code`.
ERRCODES: dict[int, str] = {
    -2: "connection dropped",
    -1: "server error",
    0: "success",
    1: "parameter error",
    2: "permission denied",
    4: "merchant or store not found",
    6: "wallet not activated",
    7: "expired",
    9: "account banned",
    11: "duplicate request",
    24: "account frozen",
    42: "insufficient balance",
    101: "wallet limit exceeded",
    102: "wallet limit exceeded",
    103: "daily limit exceeded",
    104: "wallet limit exceeded",
    105: "invalid auth code",
    121: "updating a completed transaction",
    301: "invalid payment code",
    303: "paying own account",
    304: "refund or void outside the validity period",
}
TRANSIENT_ERRCODES = frozenset({-1, -2})
OUTSIDE_VALIDITY = 304


def raw_status(field: str, value: Any) -> str:
    return f"{field}:{_code(value)}"


def map_status(raw: str) -> PartnerStatus:
    """`raw` is `transaction_status:<n>` or `payment_status:<n>`. Never guesses."""
    try:
        return STATUS_MAP[raw]
    except KeyError:
        raise UnknownStatus(f"unknown ShopeePay status {raw!r}", code=raw) from None


def resolve_status(payment_status: Any, transaction_status: Any) -> str:
    """Pick the raw status to map from whichever vocabulary the message carries.

    The payment status summarises the payment reference (it alone knows refunds), so it wins; a
    transaction status is used when no payment status is given or when it only says "not found"
    (an expired order has no payment, but its transaction says "expired")."""
    if payment_status is not None and _code(payment_status) != "2":
        return raw_status(PAYMENT_STATUS, payment_status)
    if transaction_status is not None:
        return raw_status(TRANSACTION_STATUS, transaction_status)
    if payment_status is not None:
        return raw_status(PAYMENT_STATUS, payment_status)
    raise InvalidPayload("ShopeePay message carries no payment_status or transaction status")


def _code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(f"ShopeePay status is not a number: {value!r}")
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise InvalidPayload(f"ShopeePay status is not a number: {value!r}")
    return str(int(text))


# --- money -------------------------------------------------------------------------------------
def to_minor(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("amount must be a non-negative integer number of rupiah")
    return amount * MINOR_PER_RUPIAH


def from_minor(value: Any) -> int:
    """Minor units back to whole rupiah. Integers only: a fractional rupiah is a garbled payload."""
    if isinstance(value, bool):
        raise InvalidPayload("ShopeePay amount is not an integer")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise InvalidPayload(f"ShopeePay amount is not a non-negative integer: {value!r}")
    rupiah, rest = divmod(value, MINOR_PER_RUPIAH)
    if rest:
        raise InvalidPayload(f"ShopeePay amount {value} is not a whole rupiah amount")
    return rupiah


# --- signing -----------------------------------------------------------------------------------
def sign(secret: str, body: bytes) -> str:
    """X-Airpay-Req-H: b64(HMAC-SHA256(secret, raw body))."""
    return hmac_sha256_b64(secret, body)


def signature_valid(secret: str, body: bytes, signature: str) -> bool:
    return bool(signature) and equal(sign(secret, body), signature)


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup; also accepts Django META style (HTTP_X_AIRPAY_REQ_H)."""
    wanted = {name.lower(), "http_" + name.lower().replace("-", "_")}
    for key, value in headers.items():
        if key.lower() in wanted:
            return value
    return ""


# --- requests ----------------------------------------------------------------------------------
def validity_seconds(expires_at: datetime, now: datetime) -> int:
    """Seconds the order stays payable: the gateway's expiry (NICEPAY's 5-minute default for ESHP
    or the merchant's payValidDt), sent to ShopeePay as validity_period. At least one second."""
    return max(1, int((expires_at - now).total_seconds()))


def build_create(
    order: OrderInfo, *, request_id: str, merchant_ext_id: str, store_ext_id: str, now: datetime
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "payment_reference_id": order.txid,
        "merchant_ext_id": merchant_ext_id,
        "store_ext_id": store_ext_id,
        "amount": to_minor(order.amount),
        "currency": CURRENCY,
        "return_url": order.return_url,
        "point_of_initiation": POINT_OF_INITIATION,
        "validity_period": validity_seconds(order.expires_at, now),
    }


def build_check(
    *, request_id: str, txid: str, amount: int, merchant_ext_id: str, store_ext_id: str
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "reference_id": txid,
        "transaction_type": TRANSACTION_TYPE_PAYMENT,
        "merchant_ext_id": merchant_ext_id,
        "store_ext_id": store_ext_id,
        "amount": to_minor(amount),
    }


def build_cancel_check(
    *, request_id: str, reference_id: str, kind: int, merchant_ext_id: str, store_ext_id: str
) -> dict[str, Any]:
    """transaction/check of one refund (15) or void (16), by the reference_id we gave it."""
    return {
        "request_id": request_id,
        "reference_id": reference_id,
        "transaction_type": kind,
        "merchant_ext_id": merchant_ext_id,
        "store_ext_id": store_ext_id,
    }


def build_void(
    *, request_id: str, txid: str, void_reference_id: str, merchant_ext_id: str, store_ext_id: str
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "payment_reference_id": txid,
        "void_reference_id": void_reference_id,
        "merchant_ext_id": merchant_ext_id,
        "store_ext_id": store_ext_id,
    }


def build_refund(
    *,
    request_id: str,
    txid: str,
    refund_reference_id: str,
    amount: int,
    merchant_ext_id: str,
    store_ext_id: str,
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "payment_reference_id": txid,
        "refund_reference_id": refund_reference_id,
        "merchant_ext_id": merchant_ext_id,
        "store_ext_id": store_ext_id,
        "amount": to_minor(amount),
    }


# --- responses ---------------------------------------------------------------------------------
def errcode_of(data: Mapping[str, Any]) -> int:
    code = data.get("errcode")
    if isinstance(code, bool) or not isinstance(code, int):
        raise PartnerUnavailable("ShopeePay answered without an errcode", raw=dict(data))
    return code


def raise_for_errcode(data: Mapping[str, Any], *, cancelling: bool = False) -> None:
    """errcode 0 passes. -1/-2 are ShopeePay's own outages (retryable); 304 on a refund or void is
    the 24-hour window; anything else is a business refusal carrying ShopeePay's code."""
    code = errcode_of(data)
    if code == 0:
        return
    text = ERRCODES.get(code, "unknown error")
    message = f"ShopeePay errcode {code}: {text}"
    if code in TRANSIENT_ERRCODES:
        raise PartnerUnavailable(message, code=str(code))
    if cancelling and code == OUTSIDE_VALIDITY:
        raise CancelNotAllowed(message, code=str(code))
    raise PartnerDeclined(message, code=str(code))


def parse_create(data: Mapping[str, Any], *, txid: str) -> Deeplink:
    raise_for_errcode(data)
    url_http = data.get("redirect_url_http")
    if not isinstance(url_http, str) or not url_http.startswith(("https://", "http://")):
        raise InvalidPayload("ShopeePay create answer has no usable redirect_url_http")
    url_app = data.get("redirect_url_app")
    return Deeplink(url_http=url_http, url_app=url_app if isinstance(url_app, str) else "", partner_ref=txid)


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _payment_transaction(data: Mapping[str, Any], txid: str) -> Mapping[str, Any] | None:
    listed = data.get("transaction_list") or []
    if isinstance(listed, Mapping):  # some answers carry one object instead of a list
        listed = [listed]
    if not isinstance(listed, list):
        raise InvalidPayload("ShopeePay transaction_list is not a list")
    for item in listed:
        if not isinstance(item, Mapping):
            raise InvalidPayload("ShopeePay transaction_list holds a non-object")
        same_ref = item.get("reference_id", txid) == txid
        if same_ref and item.get("transaction_type", TRANSACTION_TYPE_PAYMENT) == TRANSACTION_TYPE_PAYMENT:
            return item
    return None


def parse_check(data: Mapping[str, Any], *, txid: str) -> StatusResult:
    raise_for_errcode(data)
    txn = _payment_transaction(data, txid)
    raw = resolve_status(data.get("payment_status"), txn.get("status") if txn else None)
    status = map_status(raw)
    amount = from_minor(txn["amount"]) if txn and "amount" in txn else None
    paid_at = _epoch(txn.get("update_time")) if txn and status is PartnerStatus.SUCCEEDED else None
    return StatusResult(
        status=status,
        raw_status=raw,
        partner_ref=txid,
        amount=amount,
        paid_at=paid_at,
        message=str(data.get("debug_msg") or ""),
        raw=dict(data),
    )


def parse_cancel(data: Mapping[str, Any]) -> str:
    """The transaction_sn of the refund/void, ShopeePay's own id for it."""
    raise_for_errcode(data, cancelling=True)
    txn = data.get("transaction")
    if isinstance(txn, Mapping) and txn.get("transaction_sn"):
        return str(txn["transaction_sn"])
    return str(data.get("request_id") or "")


def parse_cancel_check(data: Mapping[str, Any], *, reference_id: str, kind: int) -> CancelStatus:
    """What transaction/check says about our refund or void `reference_id`: its transaction when
    ShopeePay made it (successful: DONE; initial or processing: PENDING), none when it never
    received it (NOT_DONE)."""
    raise_for_errcode(data)
    listed = data.get("transaction_list") or []
    if isinstance(listed, Mapping):
        listed = [listed]
    if not isinstance(listed, list):
        raise InvalidPayload("ShopeePay transaction_list is not a list")
    mine = [
        item
        for item in listed
        if isinstance(item, Mapping)
        and item.get("reference_id") == reference_id
        and item.get("transaction_type") == kind
    ]
    kind_word = "void" if kind == TRANSACTION_TYPE_VOID else "refund"
    if not mine:
        return CancelStatus(RefundState.NOT_DONE, kind=kind_word, raw=dict(data))
    status = map_status(f"{TRANSACTION_STATUS}:{mine[0].get('status')}")
    if status is PartnerStatus.SUCCEEDED:
        ref = str(mine[0].get("transaction_sn") or reference_id)
        return CancelStatus(RefundState.DONE, partner_cancel_ref=ref, kind=kind_word, raw=dict(data))
    if status is PartnerStatus.PENDING:
        return CancelStatus(RefundState.PENDING, kind=kind_word, raw=dict(data))
    return CancelStatus(RefundState.NOT_DONE, kind=kind_word, raw=dict(data))


def parse_notification(data: Any) -> dict[str, Any]:
    """Normalised fields of a notification body: txid, amount (rupiah), raw status, transaction_sn."""
    if not isinstance(data, Mapping):
        raise InvalidPayload("ShopeePay notification is not a JSON object")
    txid = data.get("payment_reference_id")
    if not isinstance(txid, str) or not txid:
        raise InvalidPayload("ShopeePay notification has no payment_reference_id")
    if "amount" not in data:
        raise InvalidPayload("ShopeePay notification has no amount")
    raw = resolve_status(data.get("payment_status"), data.get("transaction_status"))
    return {
        "txid": txid,
        "amount": from_minor(data["amount"]),
        "raw_status": raw,
        "status": map_status(raw),
        "transaction_sn": str(data.get("transaction_sn") or ""),
    }
