"""The simulated Akulaku Open Pay API: new order, status, whole and per-SKU cancel, receipt, and
the sandbox-only status switch. Form-encoded requests signed with sign(content); JSON answers."""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from providers.sandbox import refunds, triggers
from providers.sandbox.core import json_response, whole_amount
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS


def _ok(data: dict[str, Any]) -> JsonResponse:
    return json_response({"success": True, "data": data})


def _fail(code: str, message: str, status: int = 200) -> JsonResponse:
    return json_response({"success": False, "errCode": code, "errMsg": message}, status=status)


def _lost() -> JsonResponse:
    return _fail("SYSTEM.0001", "unknown error", status=500)


def _order(form: Any) -> tuple[SandboxOrder | None, JsonResponse | None]:
    """appId and refNo of a reference call (the caller checks the sign over its own content)."""
    if not hmac.compare_digest(str(form.get("appId", "")).encode(), state.APP_ID.encode()):
        return None, _fail("openpay.0003", "error app id")
    order = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=form.get("refNo", "")).first()
    if order is None:
        return None, _fail("openpay.0004", "order not exists")
    return order, None


@csrf_exempt
@require_POST
def new_order(request: HttpRequest) -> JsonResponse:
    form = request.POST
    if not hmac.compare_digest(form.get("appId", "").encode(), state.APP_ID.encode()):
        return _fail("openpay.0003", "error app id")
    content = "".join(form.get(k, "") for k in state.SIGN_FIELDS if form.get(k))
    if not state.signed(form.get("sign", ""), content):
        return _fail("openpay.0001", "invalid signature")
    ref_no, amount = form.get("refNo", ""), whole_amount(form.get("totalPrice", ""))
    if not ref_no or amount is None or not form.get("callbackPageUrl"):
        return _fail(
            "SYSTEM.0002", "illegal parameter(s): refNo, totalPrice and callbackPageUrl are required"
        )
    if not state.MIN_AMOUNT <= amount <= state.MAX_AMOUNT:
        return _fail(
            "SYSTEM.0002", f"illegal parameter(s): totalPrice must be {state.MIN_AMOUNT}-{state.MAX_AMOUNT}"
        )
    try:
        details = json.loads(form.get("details") or "[]")
        lines = {
            str(d["skuId"]): {
                "name": str(d.get("skuName", "")),
                "price": int(d["unitPrice"]),
                "qty": int(d["qty"]),
                "vendorId": str(d.get("vendorId", "")),
            }
            for d in details
        }
    except (ValueError, TypeError, KeyError):
        return _fail("SYSTEM.0002", "illegal parameter(s): details")
    if not lines or sum(v["price"] * v["qty"] for v in lines.values()) != amount:
        return _fail("SYSTEM.0002", "illegal parameter(s): details do not add up to totalPrice")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return _fail("SYSTEM.0001", "unknown error", status=500)
    if SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=ref_no).exists():
        return _fail("openpay.0002", "order exists")
    order = SandboxOrder.objects.create(
        partner=state.SLUG,
        ref=f"{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}",
        merchant_ref=ref_no,
        amount=amount,
        state=state.PENDING,
        expires_at=timezone.now() + state.DEFAULT_EXPIRY,
        data={"callbackPageUrl": form["callbackPageUrl"], "lines": lines, "cancelled": {}},
    )
    return _ok({"orderId": order.ref, "refNo": ref_no})


@csrf_exempt
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    order, err = _order(request.GET)
    if err:
        return err
    if not state.signed(request.GET.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    return _ok(state.status_data(order))


@csrf_exempt
@require_POST
def payment_cancel(request: HttpRequest) -> JsonResponse:
    """Whole order: an unpaid order is cancelled (92), a paid one refunded (91)."""
    order, err = _order(request.POST)
    if err:
        return err
    if not state.signed(request.POST.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    return refunds.run(order.merchant_ref, lambda: _cancel_whole(order), lost=_lost)


def _cancel_whole(order: SandboxOrder) -> JsonResponse:
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        current = ORDERS.state(order)
        if current == state.REFUNDED:
            return _fail("openpay.0006", "already refunded")
        if current in (state.FAILED, state.CANCELLED):
            return _fail("openpay.0007", "cannot refund, not successful")
        state.set_state(order, state.REFUNDED if current in state.PAID else state.CANCELLED, notify=False)
    return _ok(state.status_data(order))


@csrf_exempt
@require_POST
def sku_cancel(request: HttpRequest) -> JsonResponse:
    """One SKU (partial): skuId + skuQty, sign(refNo + skuId + skuQty)."""
    order, err = _order(request.POST)
    if err:
        return err
    sku, qty = request.POST.get("skuId", ""), request.POST.get("skuQty", "")
    if not state.signed(request.POST.get("sign", ""), order.merchant_ref + sku + qty):
        return _fail("openpay.0001", "invalid signature")
    return refunds.run(order.merchant_ref, lambda: _cancel_sku(order, sku, qty), lost=_lost)


def _cancel_sku(order: SandboxOrder, sku: str, qty: str) -> JsonResponse:
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if ORDERS.state(order) not in state.PAID:
            return _fail("openpay.0009", "order not paid")
        line = order.data["lines"].get(sku)
        left = (line["qty"] - order.data["cancelled"].get(sku, 0)) if line else 0
        if not qty.isdigit() or not 0 < int(qty) <= left:
            return _fail("SYSTEM.0002", f"illegal parameter(s): skuQty for {sku} (cancellable: {left})")
        order.data["cancelled"][sku] = order.data["cancelled"].get(sku, 0) + int(qty)
        lines = order.data["lines"].items()
        all_gone = all(order.data["cancelled"].get(k, 0) >= v["qty"] for k, v in lines)
        state.set_state(order, state.REFUNDED if all_gone else order.state, notify=False)
    return _ok(state.status_data(order))


@csrf_exempt
@require_POST
def receipt(request: HttpRequest) -> JsonResponse:
    """The merchant confirms the goods arrived; funds settle. Repeats answer the same."""
    order, err = _order(request.POST)
    if err:
        return err
    if not state.signed(request.POST.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    if ORDERS.state(order) not in state.PAID:
        return _fail("openpay.0009", "order not paid")
    if order.state == state.SUCCESS:
        order.data["receipted_at"] = int(timezone.now().timestamp())
        state.set_state(order, state.RECEIPTED, notify=False)
    return _ok(state.status_data(order))


@csrf_exempt
@require_POST
def test_status_change(request: HttpRequest) -> JsonResponse:
    """Sandbox-only switch (§3.1): set a status and send the callback."""
    order, err = _order(request.POST)
    if err:
        return err
    new = request.POST.get("status", "")
    if not state.signed(request.POST.get("sign", ""), order.merchant_ref + new):
        return _fail("openpay.0001", "invalid signature")
    if new not in (
        state.PENDING,
        state.FAILED,
        state.REFUNDED,
        state.CANCELLED,
        state.SUCCESS,
        state.RECEIPTED,
    ):
        return _fail("SYSTEM.0002", "illegal parameter(s): status")
    order.data["finished"] = True
    state.set_state(order, new)
    return _ok(state.status_data(order))
