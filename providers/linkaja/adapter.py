"""LinkAja Web Checkout flows: token request, hosted page redirect, status check, reversal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidPayload, PartnerDeclined
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

TOKEN_PATH = "/linkaja-api/api/payment"
PAGE_PATH = "/linkaja-api/payment"
STATUS_PATH = "/linkaja-api/api/check/customer/transaction"
REVERSAL_PATH = "/tcash-api/api/rev/customer/transaction"


class LinkAjaAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "LINK"
    slug: ClassVar[str] = "linkaja"
    env_prefix: ClassVar[str] = "LINKAJA"
    # The values the built-in sandbox issued; each overridable by LINKAJA_<NAME>.
    default_credentials: ClassVar[Mapping[str, str]] = {
        "terminal_id": "PAYLOANLINK01",
        "user_key": "payloan-wco-user",
        "password": "sbx-wco-pass-7Qm2",
        "signature": "sbx-wco-sign-K9x4",
    }

    def _post(self, path: str, fields: Mapping[str, str]) -> tuple[HttpResponse, Any]:
        resp = self.http.post_form(self.url(path), fields, headers={"Accept": "application/json"})
        # Not JSON says nothing about the outcome: ambiguous, so the payment stays open (rule 6).
        return resp, resp.json_or_unavailable("LinkAja")

    def _declined(self, resp: HttpResponse, data: Any, what: str) -> PartnerDeclined:
        code, msg = t.error_message(data, f"LinkAja refused the {what} (HTTP {resp.status})")
        return PartnerDeclined(msg, code=code, raw=data)

    # --- payment ---------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> Redirect:
        resp, data = self._post(TOKEN_PATH, t.token_request(req.order, self.config.credentials))
        if resp.status != 200:
            raise self._declined(resp, data, "payment token request")
        token, ref_num = t.parse_token_response(data)
        # STAND-IN: the real page takes a form POST of message=<pgpToken>; the gateway redirects
        # with a 302, so the sandbox page also accepts it as a query parameter.
        url = f"{self.url(PAGE_PATH)}?{urlencode({'message': token})}"
        return Redirect(url=url, partner_ref=ref_num)

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        if not partner_ref:
            # No token was ever issued (the request failed): nothing to ask; expiry settles it.
            return StatusResult(PartnerStatus.PENDING, "", message="no LinkAja reference yet")
        resp, data = self._post(STATUS_PATH, t.reference_request(partner_ref, self.config.credentials))
        if resp.status != 200:
            raise self._declined(resp, data, "status check")
        parsed = t.parse_status_response(data)
        return StatusResult(
            status=parsed["status"],
            raw_status=parsed["raw_status"],
            partner_ref=parsed["ref"] or partner_ref,
            amount=parsed["amount"],
            paid_at=parsed["at"] if parsed["status"] is PartnerStatus.SUCCEEDED else None,
            raw=data,
        )

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """A LinkAja cancel is the reversal of the whole transaction: its status by refNum says
        whether it was reversed (04, with the reversal date) or is still paid (00)."""
        return self.void_status(req)

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        # WCO has no server push (STAND-IN, providers.md §7.1): status comes from fetch_status.
        raise InvalidPayload("LinkAja Web Checkout sends no server notification")

    # --- cancel ----------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        rules = self.partner.cancel
        if not req.is_full and not rules.partial:
            raise CancelNotAllowed("LinkAja allows no partial cancel: do a manual refund")
        if req.paid_at is None:
            raise CancelNotAllowed("LinkAja cannot cancel an unpaid checkout; it expires after 5 minutes")
        if now - req.paid_at > rules.window:
            raise CancelNotAllowed(
                f"LinkAja voids only within {rules.window_text} of payment: do a manual refund"
            )

    def cancel(self, req: CancelRequest) -> CancelResult:
        resp, data = self._post(REVERSAL_PATH, t.reference_request(req.partner_ref, self.config.credentials))
        if resp.status != 200 or not isinstance(data, dict) or str(data.get("status")) != "00":
            raise self._declined(resp, data, "reversal")
        return CancelResult(
            partner_cancel_ref=str(data.get("refNum") or req.partner_ref), kind="void", raw=data
        )
