"""ShopeePay (mitraCd ESHP) over the regional "v3 merchant-host" API.

Checkout with ShopeePay: create an order, send the customer to ShopeePay's universal link (or the
app deeplink when the merchant asked for returnJsonFormat=1), receive a signed notification at the
callback URL registered at onboarding, and check the transaction when no notification comes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidPayload, InvalidSignature, PartnerUnavailable
from providers.base.signing import equal, minify
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    Deeplink,
    PaymentRequest,
    StatusResult,
)

from . import transformers as t

CREATE_PATH = "/v3/merchant-host/order/create"
CHECK_PATH = "/v3/merchant-host/transaction/check"
REFUND_PATH = "/v3/merchant-host/transaction/refund/create"
VOID_PATH = "/v3/merchant-host/transaction/void/create"
# ShopeePay refuses refunds and voids after 24 hours (errcode 304); we refuse them first.


class ShopeePayAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "ESHP"
    slug: ClassVar[str] = "shopeepay"
    env_prefix: ClassVar[str] = "SHOPEEPAY"
    # The values the built-in sandbox issued at onboarding; SHOPEEPAY_<NAME> overrides each.
    default_credentials: ClassVar[Mapping[str, str]] = {
        "client_id": "payloan-sbx-eshp",
        "secret": "sbx-eshp-7Qm2Vx9LcT4nR8wK",
        "merchant_ext_id": "PAYLOAN",
        "store_ext_id": "PAYLOAN-ONLINE",
    }
    # NICEPAY's default for ESHP is 5 minutes; sent to ShopeePay as validity_period.
    # A notify is ~0.4 KB of JSON (providers.md §5.1).
    max_notification_bytes: ClassVar[int] = 4 * 1024
    secret_notification_headers: ClassVar[frozenset[str]] = frozenset({t.SIGNATURE_HEADER.lower()})

    # --- HTTP ----------------------------------------------------------------------------------
    def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = minify(payload)
        headers = {
            t.CLIENT_ID_HEADER: self.cred("client_id"),
            t.SIGNATURE_HEADER: t.sign(self.cred("secret"), body),
        }
        resp = self.http.post_json(self.url(path), body, headers=headers)
        # ShopeePay may sign its answer; when it does, an answer that does not verify is not
        # trusted either way, so the outcome stays unknown (retryable, polling settles it).
        signature = t.header(resp.headers, t.SIGNATURE_HEADER)
        if signature and not t.signature_valid(self.cred("secret"), resp.body, signature):
            raise PartnerUnavailable("ShopeePay answer signature does not verify")
        data = resp.json_or_unavailable("ShopeePay")
        if not isinstance(data, dict):
            raise PartnerUnavailable("ShopeePay answered a non-object")
        return data

    def _ids(self) -> dict[str, str]:
        return {
            "merchant_ext_id": self.cred("merchant_ext_id"),
            "store_ext_id": self.cred("store_ext_id"),
        }

    @staticmethod
    def _request_id(txid: str) -> str:
        return f"{txid}-{uuid.uuid4().hex[:12]}"

    # --- payment -------------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> Deeplink:
        order = req.order
        payload = t.build_create(
            order, request_id=self._request_id(order.txid), now=datetime.now(UTC), **self._ids()
        )
        return t.parse_create(self._call(CREATE_PATH, payload), txid=order.txid)

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        payload = t.build_check(request_id=self._request_id(txid), txid=txid, amount=amount, **self._ids())
        return t.parse_check(self._call(CHECK_PATH, payload), txid=txid)

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        client_id = t.header(headers, t.CLIENT_ID_HEADER)
        if client_id and not equal(client_id, self.cred("client_id")):
            raise InvalidSignature("ShopeePay notification for another client id")
        if not t.signature_valid(self.cred("secret"), body, t.header(headers, t.SIGNATURE_HEADER)):
            raise InvalidSignature("ShopeePay notification signature does not verify")
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidPayload("ShopeePay notification is not JSON")
        fields = t.parse_notification(data)
        for name, value in self._ids().items():
            if name in data and data[name] != value:
                raise InvalidPayload(f"ShopeePay notification for another {name}")
        return CallbackEvent(
            txid=fields["txid"],
            status=fields["status"],
            raw_status=fields["raw_status"],
            idempotency_key=f"shopeepay:{fields['txid']}:{fields['transaction_sn']}:{fields['raw_status']}",
            partner_ref=fields["txid"],
            amount=fields["amount"],
            raw=data,
            reply=t.NOTIFY_ACK,
        )

    # --- cancel --------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        if req.paid_at is None:
            raise CancelNotAllowed(
                "ShopeePay cannot cancel an unpaid order; it lapses at the end of its validity period"
            )
        rules = self.partner.cancel
        if now - req.paid_at > rules.window:
            raise CancelNotAllowed(
                f"ShopeePay allows a refund or void only within {rules.window_text} of payment"
            )
        if req.amount <= 0 or req.already_cancelled + req.amount > req.total_amount:
            raise CancelNotAllowed("cancel amount exceeds what is left to cancel")

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """transaction/check of the void (full) or refund (partial) by the reference cancel() gave it."""
        kind = t.TRANSACTION_TYPE_VOID if req.is_full else t.TRANSACTION_TYPE_REFUND
        payload = t.build_cancel_check(
            request_id=self._request_id(req.txid), reference_id=req.cancel_id, kind=kind, **self._ids()
        )
        return t.parse_cancel_check(self._call(CHECK_PATH, payload), reference_id=req.cancel_id, kind=kind)

    def cancel(self, req: CancelRequest) -> CancelResult:
        """A full cancel voids the payment; a partial one is a refund of that amount."""
        request_id = self._request_id(req.txid)
        if req.is_full:
            payload = t.build_void(
                request_id=request_id, txid=req.txid, void_reference_id=req.cancel_id, **self._ids()
            )
            data = self._call(VOID_PATH, payload)
            return CancelResult(partner_cancel_ref=t.parse_cancel(data), kind="void", raw=data)
        payload = t.build_refund(
            request_id=request_id,
            txid=req.txid,
            refund_reference_id=req.cancel_id,
            amount=req.amount,
            **self._ids(),
        )
        data = self._call(REFUND_PATH, payload)
        return CancelResult(partner_cancel_ref=t.parse_cancel(data), kind="refund", raw=data)
