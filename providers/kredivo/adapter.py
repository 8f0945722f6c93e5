"""Kredivo adapter: flows only (URLs, bodies, calls). Payloads and parsing live in transformers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from providers.base.adapter import PartnerAdapter
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
)
from providers.base.http import HttpResponse
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    PartnerStatus,
    PaymentRequest,
    Redirect,
    StatusResult,
)

from . import transformers as t

API = "/kredivo"


class KredivoAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "KDVI"
    slug: ClassVar[str] = "kredivo"
    env_prefix: ClassVar[str] = "KREDIVO"
    # The built-in sandbox's issued value; KREDIVO_SERVER_KEY overrides it.
    default_credentials: ClassVar[Mapping[str, str]] = {"server_key": "sbx-kredivo-8d3f0b6a41c2e975"}
    # A push is ~0.7 KB (providers.md §1.4); the shipping address is free text.
    max_notification_bytes: ClassVar[int] = 8 * 1024
    secret_notification_fields: ClassVar[frozenset[str]] = frozenset(t.SECRET_FIELDS)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        return self._ok(self.http.post_json(self.url(f"{API}{path}"), raw))

    @staticmethod
    def _ok(resp: HttpResponse) -> dict[str, Any]:
        return t.ok_body(resp.json_or_unavailable("Kredivo"))

    # --- payment ----------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> Redirect:
        body = t.checkout_body(req.order, server_key=self.cred("server_key"))
        data = self._post("/v2/checkout_url", body)
        url = data.get("redirect_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise PartnerUnavailable("Kredivo checkout answer has no redirect_url")
        # No Kredivo transaction id exists yet: it first appears in the push.
        return Redirect(url=url)

    def _result(self, data: Mapping[str, Any], partner_ref: str) -> StatusResult:
        ts, fraud = data.get("transaction_status"), data.get("fraud_status")
        amount = data.get("amount")
        return StatusResult(
            status=t.map_status(ts, fraud),
            raw_status=t.raw_status(ts, fraud),
            partner_ref=str(data.get("transaction_id") or partner_ref),
            amount=t.parse_amount(amount) if amount not in (None, "") else None,
            message=str(data.get("message") or ""),
            raw=t.redact(data),
        )

    def _status_data(self, txid: str) -> dict[str, Any]:
        data = self._post("/transaction/status", {"server_key": self.cred("server_key"), "order_id": txid})
        if str(data.get("order_id") or txid) != txid:
            raise InvalidPayload("Kredivo status answer is for another order")
        return data

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        return self._result(self._status_data(txid), partner_ref)

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """transaction/status lists each cancellation by the cancellation_id cancel() sent."""
        kind = "void" if req.already_cancelled + req.amount >= req.total_amount else "refund"
        return t.parse_cancellation_of(self._status_data(req.txid), req.cancel_id[:60], kind=kind)

    # --- notification -------------------------------------------------------------------------
    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        data = t.parse_push(body)
        try:
            status = t.map_status(data["transaction_status"], data.get("fraud_status"))
        except InvalidPayload:
            if str(data["transaction_status"]).lower() != "settlement":
                raise
            status = PartnerStatus.PENDING  # unconfirmed settlement: /v2/update decides
        ts, fraud = data["transaction_status"], data.get("fraud_status")
        amount = data.get("amount")
        return CallbackEvent(
            txid=data["order_id"],
            status=status,
            raw_status=t.raw_status(ts, fraud),
            idempotency_key=f"kredivo:{data['transaction_id']}:{t.raw_status(ts, fraud)}",
            partner_ref=data["transaction_id"],
            amount=t.parse_amount(amount) if amount not in (None, "") else None,
            needs_confirmation=True,  # a push is never trusted alone
            # Kept (not logged) so confirm_callback can prove the push to Kredivo.
            raw={**t.redact(data), "signature_key": data["signature_key"]},
            reply=(200, "application/json", '{"status":"OK","message":"Message success"}'),
        )

    def confirm_callback(self, event: CallbackEvent) -> StatusResult:
        params = {
            "transaction_id": event.partner_ref,
            "signature_key": str(event.raw.get("signature_key", "")),
        }
        try:
            data = self._ok(self.http.get(self.url(f"{API}/v2/update"), params=params))
        except PartnerDeclined as exc:
            # Kredivo does not know this transaction_id/signature_key pair: a forged push.
            raise InvalidSignature(f"Kredivo did not confirm the push: {exc.message}", code=exc.code)
        if str(data.get("order_id")) != event.txid or str(data.get("transaction_id")) != event.partner_ref:
            raise InvalidSignature("Kredivo confirmed a different order than the push named")
        return self._result(data, event.partner_ref)

    # --- cancel ---------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        if req.paid_at is None:
            raise CancelNotAllowed("Kredivo can only cancel a paid transaction")
        rules = self.partner.cancel
        if now - req.paid_at > rules.window:
            raise CancelNotAllowed(
                f"Kredivo cancellations are only possible within {rules.window_text} of payment"
            )

    def cancel(self, req: CancelRequest) -> CancelResult:
        # Kredivo's transaction_id first appears in the push; ask for it if we never stored it.
        transaction_id = (
            req.partner_ref or self.fetch_status(txid=req.txid, partner_ref="", amount=0).partner_ref
        )
        if not transaction_id:
            raise CancelNotAllowed("Kredivo has no transaction for this order yet")
        body = {
            "server_key": self.cred("server_key"),
            "order_id": req.txid,
            "transaction_id": transaction_id,
            "cancellation_reason": req.reason or "Cancelled by merchant",
            "cancelled_by": "merchant",
            "cancellation_date": str(int(datetime.now().timestamp())),
            "cancellation_amount": req.amount,
            "cancellation_id": req.cancel_id[:60],
        }
        try:
            data = self._post("/v2/cancel_transaction", body)
        except PartnerDeclined as exc:
            if t.ALREADY_PROCESSED_CANCEL not in exc.message.lower():
                raise
            data = {"status": "OK", "message": exc.message}  # our own earlier attempt succeeded
        # Once nothing is left Kredivo reports the order `cancel` (a void, as its status answer will
        # say); a cancel that leaves an amount is a refund of part of it.
        emptied = req.already_cancelled + req.amount >= req.total_amount
        return CancelResult(
            partner_cancel_ref=body["cancellation_id"], kind="void" if emptied else "refund", raw=data
        )
