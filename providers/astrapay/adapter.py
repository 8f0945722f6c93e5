"""AstraPay SNAP flows: B2B token (RSA), service calls (HMAC-SHA512), binding, debit, refund."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

from providers.base import signing
from providers.base.adapter import PartnerAdapter
from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    PartnerDeclined,
    PartnerError,
    PartnerUnavailable,
)
from providers.base.http import HttpClient
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    LinkRequest,
    LinkResult,
    LinkToken,
    PartnerConfig,
    PaymentRequest,
    Redirect,
    RefundState,
    StatusResult,
)

from . import transformers as t
from .sandbox_keys import SANDBOX_PRIVATE_KEY

SNAP = "/snap-service/snap/v1.0"
PAY = "/merchant-service/snap/v1.0"
B2B_PATH = f"{SNAP}/access-token/b2b"
B2B2C_PATH = f"{SNAP}/access-token/b2b2c"
BINDING_PATH = f"{SNAP}/registration-account-binding"
UNBINDING_PATH = f"{SNAP}/registration-account-unbinding"
PAYMENT_PATH = f"{PAY}/debit/payment-host-to-host"
STATUS_PATH = f"{PAY}/debit/status"
REFUND_PATH = f"{PAY}/debit/refund"
# CHANNEL-ID is fixed per service at AstraPay [P1].
CHANNELS = {
    BINDING_PATH: "01207",
    UNBINDING_PATH: "01709",
    PAYMENT_PATH: "00854",
    STATUS_PATH: "00155",
    REFUND_PATH: "00258",
}
TOKEN_MARGIN = 60  # renew the B2B token a minute before it lapses


class AstraPayAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "ASTR"
    slug: ClassVar[str] = "astrapay"
    env_prefix: ClassVar[str] = "ASTRAPAY"
    # The values the built-in sandbox issued; each overridable by ASTRAPAY_<NAME>.
    default_credentials: ClassVar[Mapping[str, str]] = {
        "client_id": "PAYLOANASTR01",
        "client_secret": "sbx-astr-secret-3f8a1c9e5b7d",
        "merchant_id": "MCH0000PAYLOAN",
        "private_key": SANDBOX_PRIVATE_KEY,
    }
    # Payment and binding notices are ~0.5 KB (providers.md §8.3).
    max_notification_bytes: ClassVar[int] = 8 * 1024
    secret_notification_headers: ClassVar[frozenset[str]] = frozenset({"x-signature"})

    def __init__(self, *, config: PartnerConfig, http: HttpClient) -> None:
        super().__init__(config=config, http=http)
        # The B2B token is shared by every call of this adapter until it lapses (900 s).
        self._token = ""
        self._token_until = 0.0
        self._token_lock = threading.Lock()

    # --- transport --------------------------------------------------------------------------
    def _signed_token_call(self, path: str, body: Mapping[str, Any]) -> Any:
        """Access-token calls sign clientId|timestamp with the merchant's RSA key."""
        ts = signing.snap_timestamp_wib()
        client_id = self.cred("client_id")
        sig = signing.rsa_sign_b64(self.cred("private_key"), signing.snap_access_token_string(client_id, ts))
        headers = {"X-CLIENT-KEY": client_id, "X-TIMESTAMP": ts, "X-SIGNATURE": sig}
        resp = self.http.post_json(self.url(path), signing.minify(body), headers=headers)
        return self._json(resp.body, resp.status)

    @staticmethod
    def _json(body: bytes, status: int) -> Any:
        try:
            return json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidPayload(f"AstraPay answered HTTP {status} without JSON") from None

    def _b2b_token(self, *, renew: bool = False) -> str:
        with self._token_lock:
            if renew or not self._token or time.monotonic() >= self._token_until:
                data = self._signed_token_call(B2B_PATH, {"grantType": "client_credentials"})
                if not t.is_success(data, "73") or not data.get("accessToken"):
                    raise self._declined(data, "access token")
                ttl = int(str(data.get("expiresIn") or 900))
                self._token = str(data["accessToken"])
                self._token_until = time.monotonic() + max(ttl - TOKEN_MARGIN, 1)
            return self._token

    def _call(self, path: str, body: Mapping[str, Any], *, customer_token: str = "") -> Any:
        data = self._call_once(path, body, customer_token, self._b2b_token())
        code = t.response_code(data)
        if code.startswith("401") and code.endswith("01"):  # SNAP "Invalid Token (B2B)"
            # The partner dropped our B2B token early: renew once and retry.
            data = self._call_once(path, body, customer_token, self._b2b_token(renew=True))
        return data

    def _call_once(self, path: str, body: Mapping[str, Any], customer_token: str, token: str) -> Any:
        raw = signing.minify(body)
        url = self.url(path)
        ts = signing.snap_timestamp_wib()
        sig = signing.snap_hmac512_signature(
            self.cred("client_secret"), "POST", urlparse(url).path, token, raw, ts
        )
        extra = {"X-DEVICE-ID": "payloan-gateway"}
        if customer_token:
            extra["Authorization-Customer"] = f"Bearer {customer_token}"
        headers = signing.snap_headers(
            partner_id=self.cred("client_id"),
            external_id=f"{time.time_ns()}{secrets.randbelow(10**6):06d}",  # AstraPay wants digits
            timestamp=ts,
            signature=sig,
            channel_id=CHANNELS[path],
            access_token=token,
            extra=extra,
        )
        resp = self.http.post_json(url, raw, headers=headers)
        return self._json(resp.body, resp.status)

    @staticmethod
    def _declined(data: Any, what: str) -> PartnerError:
        code = t.response_code(data)
        msg = str(data.get("responseMessage") or "") if isinstance(data, Mapping) else ""
        if code.startswith("5"):
            return PartnerUnavailable(f"AstraPay {what} failed: {msg or code}", code=code, raw=data)
        return PartnerDeclined(f"AstraPay refused the {what}: {msg or code}", code=code, raw=data)

    # --- account linking ---------------------------------------------------------------------
    def link_start(self, req: LinkRequest) -> LinkResult:
        data = self._call(BINDING_PATH, t.binding_body(req, self.cred("merchant_id")))
        if not t.is_success(data, "07") or not data.get("redirectUrl"):
            raise self._declined(data, "account binding")
        return LinkResult(
            redirect_url=str(data["redirectUrl"]), partner_ref=str(data.get("referenceNo") or ""), raw=data
        )

    def link_finish(self, *, auth_code: str) -> LinkToken:
        data = self._signed_token_call(B2B2C_PATH, t.customer_token_body(auth_code))
        if not t.is_success(data, "74") or not data.get("accessToken"):
            raise self._declined(data, "customer token")
        # Keep the refresh token out of `raw`: the gateway may store raw answers.
        safe = {k: v for k, v in data.items() if "token" not in k.lower()}
        return LinkToken(
            token=str(data["accessToken"]),
            expires_at=t.parse_time(data.get("accessTokenExpiryTime")),
            raw=safe,
        )

    def link_revoke(self, *, token: str) -> None:
        data = self._call(
            UNBINDING_PATH, t.unbinding_body(token, self.cred("merchant_id")), customer_token=token
        )
        if not t.is_success(data, "09"):
            raise self._declined(data, "account unbinding")

    # --- payment -----------------------------------------------------------------------------
    def start_payment(self, req: PaymentRequest) -> Redirect:
        if not req.account_token:
            raise PartnerDeclined("AstraPay payments need a linked account (linkInitiate)", code="no_link")
        body = t.payment_body(req.order, self.cred("merchant_id"), datetime.now(UTC))
        data = self._call(PAYMENT_PATH, body, customer_token=req.account_token)
        if not t.is_success(data, "54") or not data.get("webRedirectUrl"):
            raise self._declined(data, "payment")
        return Redirect(url=str(data["webRedirectUrl"]), partner_ref=str(data.get("referenceNo") or ""))

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        data = self._call(STATUS_PATH, t.status_body(txid, partner_ref, amount))
        if t.response_code(data) == "4045501":  # not found: keep the payment open
            return StatusResult(t.map_status("07"), "07", partner_ref=partner_ref, raw=data)
        if not t.is_success(data, "55"):
            raise self._declined(data, "status query")
        parsed = t.parse_status(data)
        return StatusResult(
            status=parsed["status"],
            raw_status=parsed["raw_status"],
            partner_ref=parsed["ref"] or partner_ref,
            amount=parsed["amount"],
            paid_at=parsed["paid_at"],
            message=str(data.get("transactionStatusDesc") or ""),
            raw=data,
        )

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        data = t.verify_notification(
            headers,
            body,
            path,
            self.cred("client_secret"),
            now=self.now(),
            window=self.config.notification_window,
        )
        return t.parse_notification(data)

    # --- cancel ------------------------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        if req.paid_at is None:
            raise CancelNotAllowed("AstraPay has no cancel for an unpaid payment; it expires by itself")
        rules = self.partner.cancel
        if now - req.paid_at > rules.window:
            raise CancelNotAllowed(f"AstraPay refunds only within {rules.window_text} of payment")
        if req.amount <= 0 or req.already_cancelled + req.amount > req.total_amount:
            raise CancelNotAllowed("refunds would exceed the paid amount")

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """The refund by its partnerRefundNo (every AstraPay cancel is a balance refund)."""
        data = self._call(STATUS_PATH, t.refund_status_body(req))
        if t.is_success(data, "55"):
            ref = str(data.get("refundNo") or "")
            return CancelStatus(RefundState.DONE, partner_cancel_ref=ref, kind="refund", raw=data)
        if t.response_code(data) == "4045501":  # AstraPay never received that refund
            return CancelStatus(RefundState.NOT_DONE, raw=data)
        raise PartnerUnavailable(
            f"AstraPay answered the refund query with {t.response_code(data) or 'nothing'}"
        )

    def cancel(self, req: CancelRequest) -> CancelResult:
        data = self._call(REFUND_PATH, t.refund_body(req))
        if not t.is_success(data, "58"):
            raise self._declined(data, "refund")
        return CancelResult(partner_cancel_ref=str(data.get("refundNo") or ""), kind="refund", raw=data)
