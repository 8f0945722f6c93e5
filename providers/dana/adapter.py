"""DANA Payment Gateway (SNAP, asymmetric RSA signature on every call, hosted cashier redirect)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from providers.base import freshness
from providers.base.adapter import PartnerAdapter
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
)
from providers.base.http import HttpResponse
from providers.base.signing import (
    minify,
    snap_headers,
    snap_rsa_signature,
    snap_rsa_verify,
    snap_timestamp_wib,
)
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    NextAction,
    PaymentRequest,
    Redirect,
    RefundState,
    StatusResult,
)

from . import sandbox_keys
from . import transformers as tf

JAKARTA = ZoneInfo("Asia/Jakarta")
CREATE_PATH = "/payment-gateway/v1.0/debit/payment-host-to-host.htm"
STATUS_PATH = "/payment-gateway/v1.0/debit/status.htm"
CANCEL_PATH = "/payment-gateway/v1.0/debit/cancel.htm"
REFUND_PATH = "/payment-gateway/v1.0/debit/refund.htm"
VOID_WINDOW = timedelta(hours=24)  # nicepay-v2 §5.3: full cancel < 24 h after payment is a void


class DanaAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "DANA"
    slug: ClassVar[str] = "dana"
    env_prefix: ClassVar[str] = "DANA"
    default_credentials: ClassVar[Mapping[str, str]] = {
        "partner_id": "PAYLOAN-SBX-DANA",  # X-PARTNER-ID (clientId)
        "merchant_id": "216620000000000000001",
        "channel_id": "95221",  # the value DANA's own SDK sends
        "origin": "https://payloan.test",
        "private_key": sandbox_keys.MERCHANT_PRIVATE_KEY,
        "dana_public_key": sandbox_keys.DANA_PUBLIC_KEY,
    }
    # A finish notify is ~1 KB (providers.md §4.4); payOptionInfos, shopInfo and extendInfo can grow it.
    max_notification_bytes: ClassVar[int] = 16 * 1024
    # DANA closes for cancels and refunds 00:00-01:00 WIB (its sandbox answers 4035715 then).
    cancel_closed_hours: ClassVar[tuple[int, ...]] = (0,)
    secret_notification_headers: ClassVar[frozenset[str]] = frozenset({"x-signature"})

    # --- outbound -----------------------------------------------------------------------------
    def _call(self, path: str, body: dict[str, Any]) -> tuple[HttpResponse, dict[str, Any]]:
        url = self.url(path)
        raw = minify(body)
        ts = snap_timestamp_wib()
        # DANA signs the URL path as sent (with any prefix of the configured base URL).
        signature = snap_rsa_signature(self.cred("private_key"), "POST", urlsplit(url).path, raw, ts)
        headers = snap_headers(
            partner_id=self.cred("partner_id"),
            external_id=uuid.uuid4().hex,  # unique per day; a fresh id per call
            timestamp=ts,
            signature=signature,
            channel_id=self.cred("channel_id"),
            origin=self.cred("origin"),
        )
        resp = self.http.post_json(url, raw, headers=headers)
        try:
            data = tf.decode(resp.body)
        except InvalidPayload:
            raise PartnerUnavailable(f"DANA answered HTTP {resp.status} without JSON") from None
        return resp, data

    @staticmethod
    def _declined(data: Mapping[str, Any]) -> PartnerDeclined:
        code = str(data.get("responseCode", ""))
        return PartnerDeclined(
            str(data.get("responseMessage") or "DANA refused the request"), code=code, raw=data
        )

    def start_payment(self, req: PaymentRequest) -> NextAction:
        body = tf.create_order_body(req.order, merchant_id=self.cred("merchant_id"), now=datetime.now(UTC))
        _, data = self._call(CREATE_PATH, body)
        if data.get("responseCode") != tf.OK_CREATE or not data.get("webRedirectUrl"):
            raise self._declined(data)
        return Redirect(url=str(data["webRedirectUrl"]), partner_ref=str(data.get("referenceNo", "")))

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        body = tf.status_body(txid=txid, partner_ref=partner_ref, merchant_id=self.cred("merchant_id"))
        _, data = self._call(STATUS_PATH, body)
        code = data.get("responseCode")
        if code == tf.NOT_FOUND_STATUS:
            # Same meaning as latestTransactionStatus "07": the order never reached DANA.
            return StatusResult(tf.map_status("07"), "07", partner_ref, message="not found at DANA", raw=data)
        if code != tf.OK_STATUS:
            raise self._declined(data)
        raw_status = str(data.get("latestTransactionStatus", ""))
        status = tf.map_closed(raw_status, tf.closed_reason(data))
        return StatusResult(
            status=status,
            raw_status=raw_status,
            partner_ref=str(data.get("originalReferenceNo") or partner_ref),
            amount=tf.parse_money(data["amount"]) if "amount" in data else None,
            paid_at=tf.paid_time(data) if raw_status == "00" else None,
            message=str(data.get("transactionStatusDesc", "")),
            raw=data,
        )

    # --- inbound ------------------------------------------------------------------------------
    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        h = _normalise(headers)
        if not snap_rsa_verify(
            self.cred("dana_public_key"),
            "POST",
            path,
            body,
            h.get("x-timestamp", ""),
            h.get("x-signature", ""),
        ):
            raise InvalidSignature("DANA notification signature does not verify")
        # The signature covers X-TIMESTAMP: a notification signed long ago is a replay.
        sent_at = freshness.snap_time(h.get("x-timestamp", ""))
        window = self.config.notification_window
        freshness.require_fresh(sent_at, now=self.now(), window=window, partner="DANA")
        data = tf.decode(body)
        txid = data.get("originalPartnerReferenceNo")
        ref = data.get("originalReferenceNo")
        raw_status = data.get("latestTransactionStatus")
        if not isinstance(txid, str) or not txid or not isinstance(raw_status, str):
            raise InvalidPayload(
                "DANA notification lacks originalPartnerReferenceNo or latestTransactionStatus"
            )
        status = tf.map_closed(raw_status, tf.closed_reason(data))
        return CallbackEvent(
            txid=txid,
            status=status,
            raw_status=raw_status,
            idempotency_key=f"dana:{ref or txid}:{raw_status}",
            partner_ref=ref if isinstance(ref, str) else "",
            amount=tf.parse_money(data.get("amount")),
            raw=data,
            reply=tf.NOTIFY_REPLY,
        )

    # --- cancel -------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        local = now.astimezone(JAKARTA)
        closed = self.config.cancel_closed_hours
        closed = self.cancel_closed_hours if closed is None else closed
        if local.hour in closed:
            h = local.hour
            raise CancelNotAllowed(
                f"DANA accepts no cancel between {h:02d}:00 and {(h + 1) % 24:02d}:00 Jakarta time",
                retry_at=_reopens(local, closed),
            )
        rules = self.partner.cancel
        if req.paid_at is not None and now - req.paid_at > rules.window:
            raise CancelNotAllowed(f"DANA refunds only within {rules.window_text} of payment")

    @staticmethod
    def is_void(req: CancelRequest, now: datetime) -> bool:
        """A full cancel before payment or within 24 h is a void; the rest is an online refund."""
        return req.is_full and (req.paid_at is None or now - req.paid_at < VOID_WINDOW)

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """The refund by its partnerRefundNo; for a full cancel not found as a refund, the payment's
        own status tells whether it was voided (cancel.htm names no cancel of ours)."""
        _, data = self._call(STATUS_PATH, tf.refund_status_body(req, merchant_id=self.cred("merchant_id")))
        code = data.get("responseCode")
        if code == tf.OK_STATUS:
            ref = str(data.get("refundNo", ""))
            return CancelStatus(RefundState.DONE, partner_cancel_ref=ref, kind="refund", raw=data)
        if code != tf.NOT_FOUND_STATUS:
            raise PartnerUnavailable(f"DANA answered the refund query with {code}", code=str(code), raw=data)
        if not req.is_full:
            return CancelStatus(RefundState.NOT_DONE, raw=data)
        return self.void_status(req)

    def cancel(self, req: CancelRequest) -> CancelResult:
        now = datetime.now(UTC)
        self.check_cancel(req, now=now)
        merchant_id = self.cred("merchant_id")
        if self.is_void(req, now):
            _, data = self._call(CANCEL_PATH, tf.cancel_body(req, merchant_id=merchant_id))
            if data.get("responseCode") != tf.OK_CANCEL:
                raise self._declined(data)
            return CancelResult(
                partner_cancel_ref=str(data.get("originalReferenceNo", "")), kind="void", raw=data
            )
        _, data = self._call(REFUND_PATH, tf.refund_body(req, merchant_id=merchant_id))
        if data.get("responseCode") not in (tf.OK_REFUND, tf.ACCEPTED_REFUND):
            raise self._declined(data)
        return CancelResult(partner_cancel_ref=str(data.get("refundNo", "")), kind="refund", raw=data)


def _normalise(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names lower-cased with dashes, whether given as HTTP names or WSGI META keys."""
    out = {}
    for k, v in headers.items():
        key = k.lower()
        if key.startswith("http_"):
            key = key[5:]
        out[key.replace("_", "-")] = v
    return out


def _reopens(local: datetime, closed: tuple[int, ...] | list[int]) -> datetime | None:
    """The first full hour after `local` (Jakarta time) that is not a closing hour, or None if
    every hour is closed."""
    at = local.replace(minute=0, second=0, microsecond=0)
    for _ in range(24):
        at += timedelta(hours=1)
        if at.hour not in closed:
            return at
    return None
