"""Simulated ShopeePay v3 merchant-host API: order create, transaction check, refund, void.

Every request must carry the issued X-Airpay-ClientId and X-Airpay-Req-H = b64(HMAC-SHA256(secret,
raw body)); every answer is signed the same way. Business errors are HTTP 200 with a non-zero
errcode, as ShopeePay answers them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.sandbox import refunds, triggers
from providers.sandbox.models import SandboxOrder

from . import state

MESSAGES = {
    0: "success",
    1: "parameter error",
    2: "permission denied",
    4: "merchant or store not found",
    11: "duplicate request",
    121: "updating a completed transaction",
    304: "refund or void outside the validity period",
    -1: "server error",
}


def answer(data: dict[str, Any], status: int = 200, *, signed: bool = True) -> HttpResponse:
    body = state.dumps(data)
    resp = HttpResponse(body, status=status, content_type="application/json")
    if signed:
        resp["X-Airpay-Req-H"] = state.sign(body)
    return resp


def error(request_id: Any, code: int, status: int = 200, detail: str = "") -> HttpResponse:
    # A caller that failed authentication may not hold the secret: that answer goes unsigned.
    return answer(
        {
            "request_id": request_id if isinstance(request_id, str) else "",
            "errcode": code,
            "debug_msg": detail or MESSAGES.get(code, "error"),
        },
        status,
        signed=code != 2,
    )


Api = Callable[[HttpRequest, dict[str, Any]], HttpResponse]


def merchant_api(view: Api) -> Callable[[HttpRequest], HttpResponse]:
    """Authenticate the merchant (client id + body HMAC) and parse the JSON body."""

    @csrf_exempt  # machine-to-machine: authenticated by the HMAC header
    @require_POST
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        client_ok = secrets.compare_digest(
            request.headers.get("X-Airpay-ClientId", "").encode(), state.CLIENT_ID.encode()
        )
        if not client_ok or not state.signature_ok(request.body, request.headers.get("X-Airpay-Req-H", "")):
            return error("", 2, 401, "permission denied: unknown client id or bad signature")
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return error("", 1, 400, "parameter error: body is not JSON")
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("request_id"), str)
            or not data["request_id"]
        ):
            return error("", 1, 400, "parameter error: request_id")
        if (
            data.get("merchant_ext_id") != state.MERCHANT_EXT_ID
            or data.get("store_ext_id") != state.STORE_EXT_ID
        ):
            return error(data["request_id"], 4)
        return view(request, data)

    return wrapped


def _minor_amount(value: Any) -> int | None:
    """Whole rupiah from minor units; None when it is not a positive multiple of 100."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value % 100:
        return None
    return value // 100


@merchant_api
def order_create(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    rid = data["request_id"]
    ref = data.get("payment_reference_id")
    amount = _minor_amount(data.get("amount"))
    return_url = data.get("return_url")
    validity = data.get("validity_period", state.DEFAULT_VALIDITY)
    if not isinstance(ref, str) or not 0 < len(ref) <= 64:
        return error(rid, 1, detail="parameter error: payment_reference_id")
    if amount is None or data.get("currency") != "IDR":
        return error(rid, 1, detail="parameter error: amount must be a positive IDR amount x100")
    if not isinstance(return_url, str) or not return_url.startswith(("http://", "https://")):
        return error(rid, 1, detail="parameter error: return_url")
    if isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0:
        return error(rid, 1, detail="parameter error: validity_period")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return answer({"request_id": rid, "errcode": -1, "debug_msg": "server error"}, 500)

    existing = state.find(ref)
    if existing is not None:
        existing = state.lapse_if_due(existing)
        if existing.state != state.INITIAL or existing.amount != amount:
            return error(rid, 11, detail="duplicate request: payment_reference_id already used")
        order = existing  # the customer came back: same order, same links
    else:
        try:
            with transaction.atomic():
                order = SandboxOrder.objects.create(
                    partner=state.SLUG,
                    ref=secrets.token_urlsafe(24),
                    merchant_ref=ref,
                    amount=amount,
                    state=state.INITIAL,
                    expires_at=timezone.now() + timedelta(seconds=validity),
                    data={
                        "request": data,
                        "return_url": return_url,
                        "validity_period": validity,
                        "terminal_id": str(data.get("terminal_id") or ""),
                    },
                )
        except IntegrityError:
            return error(rid, 11)
    return answer(
        {
            "request_id": rid,
            "errcode": 0,
            "debug_msg": "success",
            "store_name": state.STORE_NAME,
            "redirect_url_app": state.app_url(order.ref),
            "redirect_url_http": state.pay_url(order.ref),
        }
    )


@merchant_api
def transaction_check(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    rid = data["request_id"]
    ref = data.get("reference_id")
    if not isinstance(ref, str) or not ref:
        return error(rid, 1, detail="parameter error: reference_id")
    kind = data.get("transaction_type", state.TXN_PAYMENT)
    if kind not in (state.TXN_PAYMENT, state.TXN_REFUND, state.TXN_VOID):
        return error(rid, 1, detail="parameter error: transaction_type")
    if kind != state.TXN_PAYMENT:
        return _refund_check(rid, kind, ref)
    order = state.find(ref)
    if order is None:
        return answer(
            {
                "request_id": rid,
                "errcode": 0,
                "debug_msg": "success",
                "payment_status": 2,
                "transaction_list": [],
            }
        )
    order = state.lapse_if_due(order)
    body: dict[str, Any] = {"request_id": rid, "errcode": 0, "debug_msg": "success"}
    status = state.payment_status(order)
    if status is not None:
        body["payment_status"] = status
    body["transaction_list"] = [] if order.state == state.INITIAL else [state.transaction(order)]
    return answer(body)


def _refund_check(rid: str, kind: int, reference_id: str) -> HttpResponse:
    """A refund (15) or void (16) by the merchant's refund_reference_id / void_reference_id: its
    transaction in transaction_list, or an empty list when ShopeePay never received it."""
    found = state.find_refund(kind, reference_id)
    body: dict[str, Any] = {"request_id": rid, "errcode": 0, "debug_msg": "success", "transaction_list": []}
    if found is not None:
        order, done = found
        body["transaction_list"] = [
            state.transaction(
                order,
                kind=kind,
                amount=done.get("amount", order.amount),
                sn=done["sn"],
                state=state.SUCCESSFUL,
                reference_id=reference_id,
            )
        ]
    return answer(body)


def _controlled(data: dict[str, Any], action: Callable[[], HttpResponse]) -> HttpResponse:
    """A refund or void, done the way the sandbox's refund control says for this payment."""
    ref = data.get("payment_reference_id")
    order = state.find(ref) if isinstance(ref, str) and ref else None
    if order is None:
        return action()  # answers the partner's own "not found"
    lost = {"request_id": data["request_id"], "errcode": -1, "debug_msg": "server error"}
    return refunds.run(order.merchant_ref, action, lost=lambda: answer(lost, 500))


def _paid_order(data: dict[str, Any]) -> tuple[SandboxOrder | None, HttpResponse | None]:
    rid = data["request_id"]
    ref = data.get("payment_reference_id")
    order = state.find(ref) if isinstance(ref, str) and ref else None
    if order is None:
        return None, error(rid, 1, detail="parameter error: payment_reference_id not found")
    if order.state != state.SUCCESSFUL:
        return None, error(rid, 121, detail="the payment is not in a refundable state")
    paid = order.data.get("finished_at") or int(order.updated_at.timestamp())
    if timezone.now().timestamp() - paid > state.REFUND_WINDOW_SECONDS:
        return None, error(rid, 304)
    return order, None


@merchant_api
def refund_create(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    rid = data["request_id"]
    refund_ref = data.get("refund_reference_id")
    amount = _minor_amount(data.get("amount"))
    if not isinstance(refund_ref, str) or not refund_ref or amount is None:
        return error(rid, 1, detail="parameter error: refund_reference_id and amount")
    return _controlled(data, lambda: _refund(data, refund_ref, amount))


def _refund(data: dict[str, Any], refund_ref: str, amount: int) -> HttpResponse:
    rid = data["request_id"]
    with transaction.atomic():
        order, problem = _paid_order(data)
        if problem:
            return problem
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        done_refunds = order.data.get("refunds", [])
        done = next((r for r in done_refunds if r["ref"] == refund_ref), None)
        if done is None:  # a repeated refund_reference_id answers the first refund again
            if state.refunded(order) + amount > order.amount:
                return error(rid, 1, detail="parameter error: amount exceeds the refundable amount")
            done = {"ref": refund_ref, "amount": amount, "sn": state.new_sn()}
            order.data = {**order.data, "refunds": [*done_refunds, done]}
            order.save(update_fields=["data", "updated_at"])
    txn = state.transaction(
        order,
        kind=state.TXN_REFUND,
        amount=done["amount"],
        sn=done["sn"],
        state=state.SUCCESSFUL,
        reference_id=refund_ref,
    )
    return answer({"request_id": rid, "errcode": 0, "debug_msg": "success", "transaction": txn})


@merchant_api
def void_create(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    rid = data["request_id"]
    void_ref = data.get("void_reference_id")
    if not isinstance(void_ref, str) or not void_ref:
        return error(rid, 1, detail="parameter error: void_reference_id")
    return _controlled(data, lambda: _void(data, void_ref))


def _void(data: dict[str, Any], void_ref: str) -> HttpResponse:
    rid = data["request_id"]
    with transaction.atomic():
        ref = data.get("payment_reference_id")
        order = state.find(ref) if isinstance(ref, str) and ref else None
        voided = (order.data.get("void") or {}) if order else {}
        if order is None or voided.get("ref") != void_ref:  # a repeat of the same void answers it again
            order, problem = _paid_order(data)
            if problem:
                return problem
            order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
            if order.data.get("refunds"):
                return error(rid, 121, detail="a refunded payment cannot be voided")
            voided = {"ref": void_ref, "sn": state.new_sn()}
            order.state = state.INVALIDATED
            order.data = {**order.data, "void": voided}
            order.save(update_fields=["state", "data", "updated_at"])
    txn = state.transaction(
        order, kind=state.TXN_VOID, sn=voided["sn"], state=state.SUCCESSFUL, reference_id=void_ref
    )
    return answer({"request_id": rid, "errcode": 0, "debug_msg": "success", "transaction": txn})
