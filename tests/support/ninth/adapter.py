"""The fake ninth partner's adapter: no HTTP of its own (no partner server behind it)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from providers.base.adapter import PartnerAdapter
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
)
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    OrderInfo,
    PaymentRequest,
    Redirect,
    RegisterResult,
    StatusResult,
)

from . import transformers as t


class NinthAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "NINE"
    slug: ClassVar[str] = "ninth"
    env_prefix: ClassVar[str] = "NINTH"
    default_credentials: ClassVar[Mapping[str, str]] = {"secret": "sbx-ninth-secret"}
    max_notification_bytes: ClassVar[int] = 1024  # {"order", "status"}: a few dozen bytes
    secret_notification_headers: ClassVar[frozenset[str]] = frozenset({"x-signature"})

    def register(self, order: OrderInfo) -> RegisterResult:
        """Used when the catalogue says it registers orders. Amounts ending in 909 find it down,
        in 901 refused (the sandbox's outcome triggers)."""
        if order.amount % 1000 == 909:
            raise PartnerUnavailable("timed out")
        if order.amount % 1000 == 901:
            raise PartnerDeclined("order refused", code="R01")
        return RegisterResult(partner_ref=f"NO-{order.txid}", data={"orderNo": f"NO-{order.txid}"})

    def start_payment(self, req: PaymentRequest) -> Redirect:
        return Redirect(url=self.url(f"/pay/{req.order.txid}"), partner_ref=f"N-{req.order.txid}")

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        return StatusResult(status=t.map_status("WAITING"), raw_status="WAITING", partner_ref=partner_ref)

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        if not hmac.compare_digest(headers.get("X-Signature", ""), t.sign(self.cred("secret"), body)):
            raise InvalidSignature("signature does not verify")
        try:
            data = json.loads(body)
            return CallbackEvent(
                txid=data["order"], status=t.map_status(data["status"]), raw_status=data["status"],
                idempotency_key=f"{data['order']}:{data['status']}",
            )  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPayload(f"unreadable notification: {type(exc).__name__}")

    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        super().check_cancel(req, now=now)
        rules = self.partner.cancel
        if req.paid_at is not None and rules.window is not None and now - req.paid_at > rules.window:
            raise CancelNotAllowed(f"Ninth Pay refunds only within {rules.window_text} of payment")

    def cancel(self, req: CancelRequest) -> CancelResult:
        return CancelResult(partner_cancel_ref=f"NC-{req.cancel_id}", kind="refund")
