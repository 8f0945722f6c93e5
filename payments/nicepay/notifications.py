"""What merchant notifications say on the V2 wire: NICEPAY's form fields and merchantToken
(nicepay-v2.md §6), plus our `sequence`. Registered as the outbox's format in payments/apps.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone

from payments import clock, tokens
from payments.models import AccountLink, Merchant, Notification, Transaction
from providers import registry

content_type = "application/x-www-form-urlencoded"  # NICEPAY posts dbProcessUrl a form


def encode(fields: dict[str, str]) -> bytes:
    """The form body."""
    return urlencode(fields).encode()


def headers(note: Notification) -> dict[str, str]:
    """V2 notifications carry their merchantToken in the fields, no header of their own."""
    return {}


def payment(txn: Transaction, sequence: int) -> dict[str, str]:
    """NICEPAY's notification fields (§6) of a payment's status change, plus our sequence number."""
    dt, tm = clock.date_and_time(txn.paid_at or txn.updated_at or timezone.now())
    payload = {
        "tXid": txn.txid,
        "merchantToken": tokens.notification_token(
            txn.merchant.imid, txn.txid, txn.amount, txn.merchant.merchant_key
        ),
        "referenceNo": txn.reference_no,
        "payMethod": txn.pay_method,
        "amt": str(txn.amount),
        "transDt": dt,
        "transTm": tm,
        "currency": txn.currency,
        "goodsNm": txn.goods_name,
        "billingNm": txn.billing_name,
        "matchCl": "1",
        "status": txn.status,
        "mitraCd": txn.mitra_cd,
        "instmntType": txn.instalment_type,
        "instmntMon": txn.instalment_months,
        "cancelAmt": str(txn.cancelled_amount),
        "sequence": str(sequence),
    }
    if txn.payment_link_id is not None:  # paid through a payment link: which one
        payload["paymentLinkId"] = str(txn.payment_link_id)
    return payload


def link(link: AccountLink) -> dict[str, str]:
    """Form fields posted to the merchant's dbProcessUrl when a link changes state. The token uses
    the linkEnable formula (nicepay-v2.md §0.4), so the merchant verifies it with what it sent."""
    merchant = link.merchant
    dt, tm = clock.date_and_time(link.revoked_at or link.linked_at or timezone.now())
    return {
        "iMid": merchant.imid,
        "referenceNo": link.reference_no,
        "mandateID": link.mandate_id,
        "payMethod": registry.partner(link.mitra_cd).pay_method,
        "mitraCd": link.mitra_cd,
        "linkStatus": link.state,
        "billingNm": link.billing_name,
        "billingPhone": link.billing_phone,
        "transDt": dt,
        "transTm": tm,
        "merchantToken": tokens.link_enable_token(
            merchant.imid, link.reference_no, link.billing_phone, merchant.merchant_key
        ),
    }


def test(merchant: Merchant) -> dict[str, str]:
    """The dashboard's test notification: recognisable, and no transaction behind it."""
    return {
        "tXid": "TEST",
        "iMid": merchant.imid,
        "status": "test",
        "resultMsg": "Test notification",
        "sentAt": timezone.now().isoformat(),
    }


def with_current_token(note: Notification) -> dict[str, str]:
    """The stored payload with merchantToken from the merchant's key as it is now."""
    payload, key, imid = dict(note.payload), note.merchant.merchant_key, note.merchant.imid
    if note.kind == "payment" and {"merchantToken", "tXid", "amt"} <= payload.keys():
        payload["merchantToken"] = tokens.notification_token(imid, payload["tXid"], payload["amt"], key)
    elif note.kind == "link" and {"merchantToken", "referenceNo", "billingPhone"} <= payload.keys():
        payload["merchantToken"] = tokens.link_enable_token(
            imid, payload["referenceNo"], payload["billingPhone"], key
        )
    return payload
