"""Akulaku adapter: flows only (URLs, forms, calls). Payloads and parsing live in transformers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidSignature, PartnerDeclined
from providers.base.http import HttpResponse
from providers.base.money import whole_rupiah
from providers.base.signing import equal
from providers.base.types import (
    CallbackEvent,
    CancelRequest,
    CancelResult,
    CancelStatus,
    OrderInfo,
    PartnerStatus,
    PaymentRequest,
    Redirect,
    RegisterResult,
    StatusResult,
)

from . import transformers as t

API = "/api/json/public/openpay"
ORDER_EXISTS = "openpay.0002"


class AkulakuAdapter(PartnerAdapter):
    mitra_cd: ClassVar[str] = "AKLP"
    slug: ClassVar[str] = "akulaku"
    env_prefix: ClassVar[str] = "AKULAKU"
    # The built-in sandbox's issued values; AKULAKU_APP_ID / AKULAKU_SECRET_KEY override them.
    default_credentials: ClassVar[Mapping[str, str]] = {
        "app_id": "AKLSBX7001",
        "secret_key": "sbx-akulaku-2f9c41d7e6b84a0c",
        # Akulaku serves its payment page from another host than its API (mall.akulaku.com);
        # AKULAKU_PAGE_URL sets the page root. Empty: the built-in sandbox's public pages
        # (registry.build_config), or the API base when AKULAKU_BASE_URL names another server.
        "page_url": "",
    }
    # The server callback is three form fields, ~0.2 KB (providers.md §3.4).
    max_notification_bytes: ClassVar[int] = 2 * 1024
    secret_notification_fields: ClassVar[frozenset[str]] = frozenset({"sign"})

    @property
    def app_id(self) -> str:
        return self.cred("app_id")

    def sign(self, content: str) -> str:
        return t.sign(self.app_id, self.cred("secret_key"), content)

    def _data(self, resp: HttpResponse) -> dict[str, Any]:
        return t.envelope_data(resp.json_or_unavailable("Akulaku"))

    def _ref_call(self, path: str, txid: str) -> dict[str, Any]:
        """The calls whose only content is refNo: appId, refNo, sign(refNo)."""
        fields = {"appId": self.app_id, "refNo": txid, "sign": self.sign(txid)}
        return self._data(self.http.post_form(self.url(f"{API}/{path}"), fields))

    # --- registration and payment -------------------------------------------------------
    def register(self, order: OrderInfo) -> RegisterResult:
        form = t.signed_order(order, app_id=self.app_id, secret=self.cred("secret_key"))
        try:
            data = self._data(self.http.post_form(self.url(f"{API}/new.do"), form))
        except PartnerDeclined as exc:
            if exc.code != ORDER_EXISTS:
                raise
            # Our earlier attempt reached Akulaku but its answer was lost: adopt that order.
            data = self._status_data(order.txid)
        order_id = str(data.get("orderId") or "")
        return RegisterResult(
            partner_ref=order_id or order.txid,
            data={"orderId": order_id, "refNo": order.txid, "appId": self.app_id},
        )

    def start_payment(self, req: PaymentRequest) -> Redirect:
        txid = req.order.txid
        query = urlencode({"appId": self.app_id, "refNo": txid, "sign": self.sign(txid), "lang": "id"})
        page_root = (self.config.credentials.get("page_url") or self.config.base_url).rstrip("/")
        return Redirect(url=f"{page_root}/v2/openPay.html?{query}", partner_ref=req.partner_ref)

    # --- status ---------------------------------------------------------------------------
    def _status_data(self, txid: str) -> dict[str, Any]:
        params = {"appId": self.app_id, "refNo": txid, "sign": self.sign(txid)}
        return self._data(self.http.get(self.url(f"{API}/status.do"), params=params))

    def fetch_status(self, *, txid: str, partner_ref: str, amount: int) -> StatusResult:
        data = self._status_data(txid)
        raw = str(data.get("status", ""))
        total = data.get("totalPrice")
        return StatusResult(
            status=t.map_status(raw),
            raw_status=raw,
            partner_ref=str(data.get("orderId") or partner_ref),
            amount=whole_rupiah(total, partner="Akulaku") if total not in (None, "") else None,
            raw=data,
        )

    def parse_callback(self, *, headers: Mapping[str, str], body: bytes, path: str) -> CallbackEvent:
        form = t.parse_callback_form(body)
        if not equal(form["sign"], self.sign(form["refNo"] + form["status"])):
            raise InvalidSignature("Akulaku callback sign does not verify")
        status = t.map_status(form["status"])
        return CallbackEvent(
            txid=form["refNo"],
            status=status,
            raw_status=form["status"],
            idempotency_key=f"akulaku:{form['refNo']}:{form['status']}",
            raw={k: v for k, v in form.items() if k != "sign"},
            reply=(200, "application/json", '{"success":true}'),
        )

    # --- cancel and receipt ---------------------------------------------------------------
    def check_cancel(self, req: CancelRequest, *, now: datetime) -> None:
        rules = self.partner.cancel
        if req.paid_at is not None and now - req.paid_at > rules.window:
            raise CancelNotAllowed(f"Akulaku refunds are only possible within {rules.window_text} of payment")
        if not req.is_full:
            t.whole_lines_for(req.items, req.amount)

    def cancel_status(self, req: CancelRequest) -> CancelStatus:
        """status.do, with the refunds Akulaku made (refundDetails)."""
        state = t.parse_cancel_state(
            self._status_data(req.txid),
            full=req.is_full,
            before=req.already_cancelled,
            amount=req.amount,
            kind="refund" if req.paid_at else "void",
        )
        return CancelStatus(state.state, partner_cancel_ref=req.cancel_id, kind=state.kind, raw=state.raw)

    def cancel(self, req: CancelRequest) -> CancelResult:
        kind = "refund" if req.paid_at else "void"
        if req.is_full:
            data = self._ref_call("payment/cancel.do", req.txid)
            return CancelResult(partner_cancel_ref=req.cancel_id, kind=kind, raw=data)
        done: list[str] = []
        for line in t.whole_lines_for(req.items, req.amount):
            qty = str(line.quantity)
            fields = {
                "appId": self.app_id,
                "refNo": req.txid,
                "skuId": line.id,
                "skuQty": qty,
                "sign": self.sign(req.txid + line.id + qty),
            }
            try:
                self._data(self.http.post_form(self.url(f"{API}/cancel.do"), fields))
            except PartnerDeclined as exc:
                if done:  # Akulaku has no batch call: say exactly what went through.
                    exc.message = f"{exc.message} (items already cancelled: {', '.join(done)})"
                raise
            done.append(line.id)
        return CancelResult(partner_cancel_ref=req.cancel_id, kind=kind, raw={"skuIds": done})

    def confirm_receipt(self, *, txid: str, partner_ref: str) -> StatusResult:
        data = self._ref_call("order/receipt.do", txid)
        return StatusResult(
            status=PartnerStatus.SUCCEEDED,
            raw_status=t.RECEIPTED,
            partner_ref=partner_ref,
            message="receipt confirmed",
            raw=data,
        )
