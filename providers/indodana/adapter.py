"""Indodana adapter: flows only (URLs, headers, calls). Payloads and parsing live in transformers."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from providers.base import freshness
from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidPayload, InvalidSignature, PartnerUnavailable
from providers.base.http import HttpResponse
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    PaymentRequest,
    Redirect,
    StatusResult,
)

from . import transformers as t

API = "/chermes/merchant"


class IndodanaAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "IDNA"
    slug: ClassVar[str] = "indodana"
    env_prefix: ClassVar[str] = "INDODANA"
    # The built-in sandbox's issued values; INDODANA_API_KEY / INDODANA_API_SECRET override them.
    default_credentials: ClassVar[Mapping[str, str]] = {
        "api_key": "sbx-idn-merchant-01",
        "api_secret": "sbx-indodana-5c1e9a70b3d24f68",
    }
    # A notification is ~0.3 KB of JSON (providers.md §2.4).
    max_notification_bytes: ClassVar[int] = 4 * 1024

    def _auth(self) -> dict[str, str]:
        token = t.bearer(self.cred("api_key"), self.cred("api_secret"), int(time.time()))
        return {"Authorization": token, "Accept": "application/json"}

    @staticmethod
    def _ok(resp: HttpResponse) -> dict[str, Any]:
        return t.ok_body(resp.status, resp.json_or_unavailable("Indodana"))

    # --- payment --------------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> Redirect:
        raw = json.dumps(t.checkout_body(req.order), separators=(",", ":")).encode()
        data = self._ok(self.http.post_json(self.url(f"{API}/v2/checkout_url"), raw, headers=self._auth()))
        url, ref = data.get("redirectUrl"), data.get("transactionId")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise PartnerUnavailable("Indodana checkout answer has no redirectUrl")
        return Redirect(url=url, partner_ref=str(ref or ""))

    def _check_status(self, txid: str) -> dict[str, Any]:
        resp = self.http.get(
            self.url(f"{API}/v1/transactions/check_status"),
            params={"merchantOrderId": txid},
            headers=self._auth(),
        )
        data = self._ok(resp)
        if str(data.get("merchantOrderId") or txid) != txid:
            raise InvalidPayload("Indodana status answer is for another order")
        return data

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        data = self._check_status(txid)
        raw = str(data.get("transactionStatus") or "")
        value = data.get("amount")
        return StatusResult(
            status=t.map_status(raw),
            raw_status=raw,
            partner_ref=str(data.get("transactionId") or partner_ref),
            amount=t.parse_amount(value) if value not in (None, "") else None,
            message=str(data.get("message") or ""),
            raw=data,
        )

    # --- notification ---------------------------------------------------------------------------
    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        auth = t.header(headers, "Authorization")
        if not t.verify_bearer(auth, self.cred("api_key"), self.cred("api_secret")):
            raise InvalidSignature("Indodana notification Authorization does not verify")
        # The signature covers only apiKey:nonce (not the body), and the nonce is Unix seconds: an
        # old one is refused, and the gateway accepts each (nonce, body) once (replay_key). Not the
        # nonce alone: Indodana's own SDK stamps time(), so two genuine notifications sent in one
        # second share it. A copy with another body is only a hint: check_status decides.
        nonce = t.bearer_nonce(auth)
        sent_at = freshness.unix_time(nonce)
        freshness.require_fresh(
            sent_at, now=self.now(), window=self.config.notification_window, partner="Indodana"
        )
        data = t.parse_notification(body)
        raw = str(data["transactionStatus"])
        value = data.get("amount")
        return CallbackEvent(
            txid=str(data["merchantOrderId"]),
            status=t.map_status(raw),
            raw_status=raw,
            idempotency_key=f"indodana:{data['transactionId']}:{raw.upper()}",
            partner_ref=str(data["transactionId"]),
            amount=t.parse_amount(value) if value not in (None, "") else None,
            needs_confirmation=True,  # the body is unsigned: check_status decides
            raw=data,
            reply=(200, "application/json", '{"status":"OK","message":"OK"}'),
            replay_key=f"nonce:{nonce}:{hashlib.sha256(body).hexdigest()}",
        )

    def confirm_callback(self, event: CallbackEvent) -> StatusResult:
        result = self.fetch_status(txid=event.txid, partner_ref=event.partner_ref, amount=event.amount or 0)
        if event.partner_ref and result.partner_ref != event.partner_ref:
            raise InvalidSignature("Indodana knows another transaction for this order than the push named")
        return result

    # --- cancel ---------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        if req.paid_at is None:
            raise CancelNotAllowed("Indodana can only cancel a paid transaction")
        rules = self.partner.cancel
        if now - req.paid_at > rules.window:
            raise CancelNotAllowed(
                f"Indodana cancellations are only possible within {rules.window_text} of payment"
            )

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """The transaction's refunds[] (check_status) hold each cancellation by our refundId."""
        return t.parse_refund_of(self._check_status(req.txid), req.cancel_id)

    def cancel(self, req: CancelRequest) -> CancelResult:
        body = {
            "refundId": req.cancel_id,
            "merchantOrderId": req.txid,
            "cancellationAmount": req.amount,
            "cancellationReason": req.reason or "Cancelled by merchant",
            "cancelledBy": "merchant",
            "cancellationDate": t.iso_jakarta(datetime.now().astimezone()),
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        url = self.url(f"{API}/v3/order_cancellation")
        data = self._ok(self.http.post_json(url, raw, headers=self._auth()))
        return CancelResult(
            partner_cancel_ref=str(data.get("refundId") or req.cancel_id), kind="refund", raw=data
        )
