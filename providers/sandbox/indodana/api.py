"""The simulated Indodana merchant API: checkout, status, cancellation (Bearer-signed calls)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from providers.sandbox import refunds, triggers
from providers.sandbox.core import items_total, json_body, json_response, public_url, whole_amount
from providers.sandbox.merchant import DEMO_MERCHANT_NAME
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS


def _error(status: int, kind: str, message: Any) -> JsonResponse:
    return json_response({"status": "ERROR", "error": {"kind": kind, "message": message}}, status=status)


def _unauthorised() -> JsonResponse:
    return _error(401, "UNAUTHORIZED", "Invalid request authorization")


def page_url(order: SandboxOrder) -> str:
    return public_url(f"/{state.SLUG}/chermes/checkout/{order.ref}")


@csrf_exempt
@require_POST
def checkout_url(request: HttpRequest) -> JsonResponse:
    if not state.authorised(request):
        return _unauthorised()
    body = json_body(request)
    if body is None:
        return _error(400, "BAD_REQUEST", "Invalid request body")
    details = body.get("transactionDetails") if isinstance(body.get("transactionDetails"), dict) else {}
    order_id, items = str(details.get("merchantOrderId") or ""), details.get("items")
    problems = []
    if not state.ORDER_ID.match(order_id):
        problems.append("transactionDetails.merchantOrderId must be 1-32 allowed characters")
    amount = whole_amount(details.get("amount"))
    if amount is None or not state.MIN_AMOUNT <= amount <= state.MAX_AMOUNT:
        problems.append(
            f"transactionDetails.amount must be between {state.MIN_AMOUNT} and {state.MAX_AMOUNT}"
        )
    elif not isinstance(items, list) or items_total(items) != amount:
        problems.append("transactionDetails.amount must equal the sum of the items")
    for field in ("approvedNotificationUrl", "backToStoreUrl"):
        if not str(body.get(field) or "").startswith(("http://", "https://")):
            problems.append(f"{field} is required")
    payment_type = body.get("paymentType") or "30_days"
    if payment_type not in state.PAYMENT_TYPES:
        problems.append("paymentType is invalid")
    if problems or amount is None:
        return _error(422, "VALIDATION_ERROR", problems)
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    existing = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=order_id).order_by("-id").first()
    if existing is not None:
        if existing.amount == amount and ORDERS.is_open(existing):
            return json_response(
                {"status": "OK", "redirectUrl": page_url(existing), "transactionId": existing.ref}
            )
        return _error(409, "DUPLICATE_ORDER", f"Duplicate merchantOrderId: {order_id}")
    expiry = timezone.now() + state.DEFAULT_EXPIRY
    if body.get("expirationAt"):
        try:
            expiry = datetime.fromisoformat(str(body["expirationAt"]))
        except ValueError:
            expiry = None
        if expiry is None or expiry.tzinfo is None:  # a naive time cannot be compared later
            return _error(422, "VALIDATION_ERROR", ["expirationAt must be ISO-8601 with an offset"])
    order = SandboxOrder.objects.create(
        partner=state.SLUG,
        ref=str(uuid.uuid4()),
        merchant_ref=order_id,
        amount=amount,
        state=state.INITIATED,
        expires_at=expiry,
        data={
            "paymentType": payment_type,
            "approvedNotificationUrl": body["approvedNotificationUrl"],
            "backToStoreUrl": body["backToStoreUrl"],
            "cancellationRedirectUrl": str(body.get("cancellationRedirectUrl") or ""),
            "items": [
                {"name": str(i.get("name") or i["id"]), "qty": i.get("quantity", 1), "price": i.get("price")}
                for i in items
            ],
            "refunds": [],
        },
    )
    return json_response({"status": "OK", "redirectUrl": page_url(order), "transactionId": order.ref})


@csrf_exempt
@require_GET
def check_status(request: HttpRequest) -> JsonResponse:
    """The transaction by merchantOrderId. [STAND-IN] Indodana publishes no refund query: the answer
    also lists `refunds` (refundId, cancellationAmount, status), so a merchant whose cancellation
    call got no answer can tell whether Indodana made it."""
    if not state.authorised(request):
        return _unauthorised()
    order_id = request.GET.get("merchantOrderId", "")
    order = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error(404, "NOT_FOUND", f"Order not found for merchant order id: {order_id}")
    return json_response(
        {
            "status": "OK",
            "fraudStatus": order.data.get("fraudStatus", "ACCEPTED"),
            "legalName": DEMO_MERCHANT_NAME,
            "entityId": "SANDBOX",
            "message": "",
            **state.transaction(order),
            "refunds": [{**r, "status": "SUCCESS"} for r in order.data.get("refunds", [])],
        }
    )


@csrf_exempt
@require_POST
def order_cancellation(request: HttpRequest) -> JsonResponse:
    if not state.authorised(request):
        return _unauthorised()
    body = json_body(request) or {}
    order_id, refund_id = str(body.get("merchantOrderId") or ""), str(body.get("refundId") or "")
    order = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error(404, "NOT_FOUND", f"Order not found for merchant order id: {order_id}")
    if not refund_id:
        return _error(422, "VALIDATION_ERROR", ["refundId is required"])
    return refunds.run(order.merchant_ref, lambda: _cancel(order, body, refund_id), lost=_lost)


def _lost() -> JsonResponse:
    return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")


def _cancel(order: SandboxOrder, body: dict[str, Any], refund_id: str) -> JsonResponse:
    order_id = order.merchant_ref
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        done = order.data["refunds"]
        previous = next((r for r in done if r["refundId"] == refund_id), None)
        if previous is not None:  # a repeated refundId answers the first result
            return json_response({"status": "OK", "merchantOrderId": order_id, **previous})
        if ORDERS.state(order) != state.PAID:
            return _error(409, "INVALID_STATUS", f"Order cannot be cancelled in status {order.state}")
        remaining = order.amount - sum(int(r["cancellationAmount"]) for r in done)
        amount = whole_amount(body.get("cancellationAmount"))
        if amount is None or not 0 < amount <= remaining:
            return _error(422, "VALIDATION_ERROR", [f"cancellationAmount must be between 1 and {remaining}"])
        record = {"refundId": refund_id, "cancellationAmount": amount}
        done.append(record)
        if amount == remaining:
            order.state = state.REFUNDED
        order.save(update_fields=["state", "data", "updated_at"])
    return json_response({"status": "OK", "merchantOrderId": order_id, **record})
