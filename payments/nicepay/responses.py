"""V2 response bodies (nicepay-v2.md §2.2, §3.3, §4.2, §5.2)."""

from __future__ import annotations

from datetime import datetime

from payments.clock import date_and_time
from payments.models import Cancellation, Transaction
from payments.status import Status
from providers import registry


def _summary(txn: Transaction, code: str, msg: str, *, at: datetime) -> dict:
    """The fields registration's answer and the callBackUrl return share (§2.2, §3.3)."""
    dt, tm = date_and_time(at)
    return {
        "resultCd": code,
        "resultMsg": msg,
        "tXid": txn.txid,
        "referenceNo": txn.reference_no,
        "payMethod": txn.pay_method,
        "amt": str(txn.amount),
        "transDt": dt,
        "transTm": tm,
        "description": txn.description,
        "mitraCd": txn.mitra_cd,
        "currency": txn.currency,
        "goodsNm": txn.goods_name,
        "billingNm": txn.billing_name,
    }


def registration(txn: Transaction) -> dict:
    valid_dt, valid_tm = date_and_time(txn.expires_at)
    body = _summary(txn, "0000", "SUCCESS", at=txn.created_at)
    body.update(payValidDt=valid_dt, payValidTm=valid_tm)
    if txn.partner_data.get("order"):
        body["partnerOrder"] = txn.partner_data["order"]  # Akulaku's order, relayed
    return body


def _confirms_receipt(txn: Transaction) -> bool:
    partner = registry.find(txn.mitra_cd)
    return partner is not None and partner.receipt_confirmation


# What inquiry() reads of a transaction: the selector loads these columns only.
INQUIRY_FIELDS = (
    "txid",
    "merchant_id",
    "currency",
    "amount",
    "instalment_months",
    "instalment_type",
    "reference_no",
    "goods_name",
    "pay_method",
    "billing_name",
    "created_at",
    "status",
    "mitra_cd",
    "cancelled_amount",
    "paid_at",
    "expires_at",
    "receipt_confirmed_at",
)


def inquiry(txn: Transaction) -> dict:
    req_dt, req_tm = date_and_time(txn.created_at)
    paid_dt, paid_tm = date_and_time(txn.paid_at) if txn.paid_at else (None, None)
    valid_dt, valid_tm = date_and_time(txn.expires_at)
    status = Status(txn.status)
    return {
        "resultCd": "0000",
        "resultMsg": status.word,
        "tXid": txn.txid,
        "iMid": txn.merchant.imid,
        "currency": txn.currency,
        "amt": str(txn.amount),
        "instmntMon": txn.instalment_months or None,
        "instmntType": txn.instalment_type or None,
        "referenceNo": txn.reference_no,
        "goodsNm": txn.goods_name,
        "payMethod": txn.pay_method,
        "billingNm": txn.billing_name,
        "reqDt": req_dt,
        "reqTm": req_tm,
        "status": status.value,
        "mitraCd": txn.mitra_cd,
        "cancelAmt": str(txn.cancelled_amount),
        "transDt": paid_dt,
        "transTm": paid_tm,
        "payValidDt": valid_dt,
        "payValidTm": valid_tm,
        "depositDt": None,
        "depositTm": None,
        "receiptCode": None,
        "mRefNo": None,
        "payNo": None,
        "cardNo": None,
        "acquBankCd": None,
        "issuBankCd": None,
        "vacctNo": None,
        "bankCd": None,
        "receiptConfirmed": "Y" if txn.receipt_confirmed_at else "N" if _confirms_receipt(txn) else None,
    }


def cancel(txn: Transaction, row: Cancellation) -> dict:
    dt, tm = date_and_time(row.finished_at or row.created_at)
    return {
        "resultCd": "0000",
        "resultMsg": "SUCCESS",
        "tXid": txn.txid,
        "referenceNo": txn.reference_no,
        "transDt": dt,
        "transTm": tm,
        "description": row.reason or txn.description,
        "amt": str(row.amount),
        "canceltXid": row.cancel_txid,
    }


def callback_params(txn: Transaction) -> dict:
    """Query parameters for the browser's return to callBackUrl (§3.3). Not proof of payment."""
    status = Status(txn.status)
    if status == Status.PAID:
        code, msg = "0000", "SUCCESS"
    elif status.is_open:
        code, msg = "9005", "Payment not final yet: confirm with Status Inquiry"
    else:
        code, msg = "9752", f"Payment {status.word}"
    params = _summary(txn, code, msg, at=txn.paid_at or txn.updated_at)
    if txn.is_payloan:
        params.update(instmntType=txn.instalment_type, instmntMon=txn.instalment_months)
    return params


def receipt(txn: Transaction) -> dict:
    """confirmAkulaku's answer, the same for the first call and every repeat."""
    return {"resultCd": "0000", "resultMsg": "SUCCESS", "tXid": txn.txid, "ResponseData": None}
