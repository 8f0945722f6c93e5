"""OVO Push-to-Pay: a synchronous, blocking push to the customer's OVO app (no redirect, no webhook)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import requests

from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidPayload, PartnerDeclined, PartnerUnavailable
from providers.base.http import HttpResponse
from providers.base.signing import minify
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    NextAction,
    PartnerStatus,
    PaymentRequest,
    PushToApp,
    RefundState,
    StatusResult,
)

from . import transformers as tf

PUSH_WINDOW = timedelta(seconds=70)  # OVO times a push out after about 55-70 s
REVERSAL_ATTEMPTS = 3  # as OVO's client libraries do
REVERSAL_TIMEOUT = 15.0
DUPLICATE_RETRIES = 2


class ReferenceClock:
    """referenceNumber must increase on every request within a batchNo (1..999999).

    The adapter keeps no DB state, so the number comes from the clock: batchNo is the Jakarta date
    (YYMMDD) and referenceNumber the tenth of a second since Jakarta midnight, plus one (at most
    864000). A lock and the last value keep it strictly increasing within a process even when two
    requests fall in the same tenth. Across processes two calls in the same tenth of a second could
    share a number; OVO then refuses the message as a duplicate (RC 94, nothing pushed) and
    complete_push retries with a fresh number.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[str, int] = ("", 0)

    def next(self, now: datetime) -> tuple[str, int]:
        local = now.astimezone(tf.WIB)
        batch = local.strftime("%y%m%d")
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        number = int((local - midnight).total_seconds() * 10) + 1
        with self._lock:
            last_batch, last_number = self._last
            if batch == last_batch and number <= last_number:
                number = last_number + 1
            self._last = (batch, number)
        return batch, number


class OvoAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "OVOE"
    slug: ClassVar[str] = "ovo"
    env_prefix: ClassVar[str] = "OVO"
    default_credentials: ClassVar[Mapping[str, str]] = {
        "app_id": "payloan-sbx",
        "app_key": "5b1d0c6a9e8f47d2a3c4b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081920",
        "tid": "PAYLOAN1",
        "mid": "PAYLOANMID01",
        "merchant_id": "110771",
        "store_code": "PAYLOANSBX",
        "push_timeout": "75",  # seconds the blocking push call may take; OVO_PUSH_TIMEOUT overrides
    }

    clock = ReferenceClock()

    # --- helpers ------------------------------------------------------------------------------
    @property
    def terminal(self) -> tf.Terminal:
        return tf.Terminal(
            self.cred("tid"), self.cred("mid"), self.cred("merchant_id"), self.cred("store_code")
        )

    @property
    def push_timeout(self) -> float:
        """Seconds to wait on the blocking push (a timeout, not money)."""
        raw = os.environ.get("OVO_PUSH_TIMEOUT") or self.config.credentials.get("push_timeout") or "75"
        return int(Decimal(raw) * 1000) / 1000

    def _body(self, op: tf.Operation, *, txid: str, amount: int, phone: str = "") -> dict[str, Any]:
        now = datetime.now(UTC)
        batch, number = self.clock.next(now)
        return tf.request_body(
            op,
            terminal=self.terminal,
            amount=amount,
            now=now,
            batch_no=batch,
            reference_number=number,
            invoice=txid,
            phone=phone,
        )

    def _post(
        self, body: dict[str, Any], *, timeout: float | None = None
    ) -> tuple[HttpResponse, dict[str, Any]]:
        random = str(int(time.time()))  # 10-digit Unix seconds
        headers = tf.auth_headers(self.cred("app_id"), self.cred("app_key"), random)
        resp = self.http.post_json(self.url("/pos"), minify(body), headers=headers, timeout=timeout)
        try:
            return resp, tf.decode(resp.body)
        except InvalidPayload:
            raise PartnerUnavailable(f"OVO answered HTTP {resp.status} without JSON") from None

    def _result(self, data: Mapping[str, Any], rc: str) -> StatusResult:
        status = tf.map_status(rc)
        return StatusResult(
            status=status,
            raw_status=rc,
            partner_ref=tf.approval_code(data),
            amount=tf.response_amount(data),
            paid_at=datetime.now(UTC) if status is PartnerStatus.SUCCEEDED else None,
            message=tf.message(rc),
            raw=dict(data),
        )

    # --- payment ------------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> NextAction:
        """No I/O: the gateway shows its waiting page and a task then calls complete_push."""
        return PushToApp(
            phone=tf.ovo_phone(req.order.billing.phone), expires_at=datetime.now(UTC) + PUSH_WINDOW
        )

    def complete_push(self, req: PaymentRequest) -> StatusResult:
        order = req.order
        phone = tf.ovo_phone(order.billing.phone)
        if not phone:
            return StatusResult(PartnerStatus.FAILED, "14", message="OVO needs the customer's phone number")
        for _ in range(DUPLICATE_RETRIES + 1):
            body = self._body(tf.PUSH, txid=order.txid, amount=order.amount, phone=phone)
            try:
                _, data = self._post(body, timeout=self.push_timeout)
            except PartnerUnavailable as exc:
                # No answer in time (or an OVO error): OVO requires a reversal before anything else.
                timed_out = isinstance(exc.__cause__, requests.Timeout)
                return self._reverse(body, error="" if timed_out else exc.message)
            rc = tf.response_code(data)
            if rc != tf.DUPLICATE:
                break
            # Another process used this referenceNumber in the same tenth of a second: OVO refused
            # the message without pushing anything, so a fresh number is safe.
        if rc == tf.DUPLICATE:
            raise PartnerUnavailable("OVO kept refusing the push as a duplicate referenceNumber")
        if not rc or tf.map_status(rc) is PartnerStatus.PENDING:
            return self._reverse(body, error="")
        return self._result(data, rc)

    def _reverse(self, push: dict[str, Any], *, error: str) -> StatusResult:
        """Reverse the push (same batchNo/referenceNumber: it names the message being reversed).
        Reversed after silence -> EXPIRED; reversed after an OVO error -> FAILED. If no reversal
        gets through, the outcome is unknown: raise, and polling settles it."""
        reversal = {**push, "type": tf.REVERSAL.type, "processingCode": tf.REVERSAL.processing_code}
        for _ in range(REVERSAL_ATTEMPTS):
            try:
                _, data = self._post(reversal, timeout=REVERSAL_TIMEOUT)
            except PartnerUnavailable:
                continue
            if tf.response_code(data) in ("00", "25"):  # reversed, or the push never arrived
                if error:
                    return StatusResult(
                        PartnerStatus.FAILED, "40", message=f"OVO error, push reversed: {error}"
                    )
                return StatusResult(PartnerStatus.EXPIRED, "68", message=tf.message("68"), raw=data)
        raise PartnerUnavailable("OVO push outcome unknown: the reversal did not go through")

    def push_outcome(self, req: PaymentRequest) -> StatusResult | None:
        """OVO's status check of the push: "no such transaction" means it never arrived."""
        result = self.fetch_status(txid=req.order.txid, partner_ref=req.partner_ref, amount=req.order.amount)
        return None if result.raw_status == tf.NOT_FOUND else result

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        _, data = self._post(self._body(tf.CHECK, txid=txid, amount=amount))
        rc = tf.response_code(data)
        if not rc:
            raise PartnerUnavailable("OVO status check carried no response code")
        return self._result(data, rc)

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        raise InvalidPayload("OVO Push-to-Pay sends no notifications; the push answer is synchronous")

    # --- cancel -------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        rules = self.partner.cancel
        if not req.is_full and not rules.partial:
            raise CancelNotAllowed("OVO allows only a full void, never a partial cancel")
        same_day = (
            req.paid_at is None or req.paid_at.astimezone(tf.WIB).date() == now.astimezone(tf.WIB).date()
        )
        if rules.same_day and not same_day:
            raise CancelNotAllowed("OVO voids only on the day of payment (until 23:59:59 Jakarta time)")

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """OVO's void status check (0100/020040): 00 voided, 25 no such void."""
        _, data = self._post(self._body(tf.VOID_CHECK, txid=req.txid, amount=req.amount))
        rc = tf.response_code(data)
        if rc == "00":
            return CancelStatus(
                RefundState.DONE, partner_cancel_ref=tf.approval_code(data), kind="void", raw=data
            )
        if rc == tf.NOT_FOUND:
            return CancelStatus(RefundState.NOT_DONE, kind="void", raw=data)
        raise PartnerUnavailable(
            f"OVO answered the void status check with {rc or 'no code'}", code=rc, raw=data
        )

    def cancel(self, req: CancelRequest) -> CancelResult:
        self.check_cancel(req, now=datetime.now(UTC))
        if req.paid_at is None:
            # Nothing was paid yet: withdraw the outstanding push instead of voiding a payment.
            push = self._body(tf.PUSH, txid=req.txid, amount=req.amount)
            result = self._reverse(push, error="")
            return CancelResult(kind="void", raw=result.raw)
        _, data = self._post(self._body(tf.VOID, txid=req.txid, amount=req.amount))
        rc = tf.response_code(data)
        if rc != "00":
            raise PartnerDeclined(tf.message(rc), code=rc, raw=data)
        return CancelResult(partner_cancel_ref=tf.approval_code(data), kind="void", raw=data)
