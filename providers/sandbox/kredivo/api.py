"""The simulated Kredivo checkout API v2: server_key in every JSON body; application errors answer
HTTP 200 with status ERROR, as Kredivo does."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from providers.sandbox import refunds, triggers
from providers.sandbox.core import items_total, json_body, json_response, public_url, whole_amount
from providers.sandbox.models import SandboxOrder

from . import state
from .state import ORDERS


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a).encode(), str(b).encode())


def _error(message: str, code: int | None = None, kind: str = "", status: int = 200) -> JsonResponse:
    return json_response(
        {"status": "ERROR", "error": {"code": code, "message": message, "kind": kind}}, status=status
    )


def signin_url(order: SandboxOrder) -> str:
    return public_url(f"/{state.SLUG}/kredivo/v2/signin?{urlencode({'tk': order.ref})}")


@csrf_exempt
@require_POST
def checkout_url(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    if body is None:
        return _error("Invalid JSON body", kind="validation")
    if not _same(body.get("server_key", ""), state.SERVER_KEY):
        return _error("Invalid merchant")
    details = body.get("transaction_details") if isinstance(body.get("transaction_details"), dict) else {}
    order_id, items = str(details.get("order_id") or ""), details.get("items")
    amount_int = whole_amount(details.get("amount"))
    if amount_int is None:
        return _error("Field transaction_details.amount is INVALID.", kind="validation")
    if not order_id or not isinstance(items, list) or not items:
        return _error("Field transaction_details is REQUIRED.", kind="validation")
    if not state.MIN_AMOUNT <= amount_int <= state.MAX_AMOUNT:
        return _error(f"Amount must be between {state.MIN_AMOUNT} and {state.MAX_AMOUNT}.", kind="validation")
    if items_total(items) != amount_int:
        return _error("Total price of items does not match transaction amount.", kind="validation")
    for field in ("push_uri", "back_to_store_uri"):
        if not str(body.get(field) or "").startswith(("http://", "https://")):
            return _error(f"Field {field} is REQUIRED.", kind="validation")
    payment_type = body.get("payment_type") or "30_days"
    if payment_type not in state.PAYMENT_TYPES:
        return _error("Field payment_type is INVALID.", kind="validation")
    if triggers.trigger_for(amount_int) == triggers.PARTNER_ERROR:
        return _error("Internal server error", kind="system", status=503)
    existing = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=order_id).order_by("-id").first()
    if existing is not None:
        if existing.amount == amount_int and ORDERS.is_open(existing):
            return json_response({"status": "OK", "message": "", "redirect_url": signin_url(existing)})
        return _error("This order is already PROCESSED.")
    expiry = timezone.now() + state.DEFAULT_EXPIRY
    if str(body.get("expiration_time", "")).isdigit():
        expiry = datetime.fromtimestamp(int(body["expiration_time"]), tz=UTC)
    order = SandboxOrder.objects.create(
        partner=state.SLUG,
        ref=secrets.token_urlsafe(18),
        merchant_ref=order_id,
        amount=amount_int,
        state=state.PENDING,
        expires_at=expiry,
        data={
            "transaction_id": f"KRD{secrets.token_hex(10)}",
            "signature_key": secrets.token_hex(32),
            "payment_type": payment_type,
            "push_uri": body["push_uri"],
            "back_to_store_uri": body["back_to_store_uri"],
            "user_cancel_uri": str(body.get("user_cancel_uri") or ""),
            "items": [
                {"name": str(i.get("name") or i["id"]), "qty": i.get("quantity", 1), "price": i.get("price")}
                for i in items
            ],
            "shipping_address": body.get("shipping_address") or {},
            "cancellations": [],
        },
    )
    return json_response({"status": "OK", "message": "", "redirect_url": signin_url(order)})


@csrf_exempt
@require_GET
def update(request: HttpRequest) -> JsonResponse:
    """Confirm a push: only a (transaction_id, signature_key) pair this sandbox issued passes."""
    tid, key = request.GET.get("transaction_id", ""), request.GET.get("signature_key", "")
    order = SandboxOrder.objects.filter(partner=state.SLUG, data__transaction_id=tid).first() if tid else None
    if order is None or not order.data.get("finished"):
        return _error("Transaction not found.", kind="validation")
    if not _same(key, order.data["signature_key"]):
        return _error("Field secret_key is INCORRECT.", kind="validation")
    return json_response(state.transaction(order, "Confirmed order status. Valid!"))


@csrf_exempt
@require_POST
def transaction_status(request: HttpRequest) -> JsonResponse:
    """The transaction by order_id. [STAND-IN] Kredivo publishes no query for one cancellation:
    the answer also lists `cancellations` (cancellation_id, cancellation_amount, cancellation_date),
    so a merchant whose cancel call got no answer can tell whether Kredivo made it."""
    body = json_body(request) or {}
    if not _same(body.get("server_key", ""), state.SERVER_KEY):
        return _error("Invalid merchant")
    order_id = str(body.get("order_id") or "")
    order = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error("Transaction not found.", kind="validation")
    cancellations = [
        {
            "cancellation_id": c["id"],
            "cancellation_amount": state.money(c["amount"]),
            "cancellation_date": str(c["at"]),
            "status": "success",
        }
        for c in order.data.get("cancellations", [])
    ]
    return json_response({**state.transaction(order), "cancellations": cancellations})


@csrf_exempt
@require_POST
def cancel_transaction(request: HttpRequest) -> JsonResponse:
    body = json_body(request) or {}
    if not _same(body.get("server_key", ""), state.SERVER_KEY):
        return _error("Invalid merchant")
    order = SandboxOrder.objects.filter(
        partner=state.SLUG, merchant_ref=str(body.get("order_id") or "")
    ).first()
    if order is None or not _same(body.get("transaction_id", ""), order.data["transaction_id"]):
        return _error("Transaction not found.", kind="validation")
    return refunds.run(order.merchant_ref, lambda: _cancel(order, body), lost=_lost)


def _lost() -> JsonResponse:
    return _error("Internal server error", kind="system", status=503)


def _cancel(order: SandboxOrder, body: dict[str, Any]) -> JsonResponse:
    cancel_id = str(body.get("cancellation_id") or "")[:60]
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        done = order.data["cancellations"]
        if cancel_id and any(c["id"] == cancel_id for c in done):
            return _error("This cancellation_id is already PROCESSED.")
        if ORDERS.state(order) == state.CANCEL:
            return _error("Transaksi sudah dibatalkan.", code=1009)
        if order.state != state.SETTLEMENT:
            return _error("Transaction cannot be cancelled in its status.", kind="validation")
        remaining = order.amount - sum(c["amount"] for c in done)
        raw_amount = body.get("cancellation_amount")
        amount = remaining if raw_amount in (None, "") else whole_amount(raw_amount)
        if amount is None or amount <= 0:
            return _error("Field cancellation_amount is INVALID.", kind="validation")
        if amount > remaining:
            return _error("Cancellation amount is larger than the remaining amount.", code=2415)
        done.append({"id": cancel_id, "amount": amount, "at": int(timezone.now().timestamp())})
        if amount == remaining:
            order.state = state.CANCEL
        order.save(update_fields=["state", "data", "updated_at"])
    return json_response(
        {
            "status": "OK",
            "message": "Cancellation success",
            "order_id": order.merchant_ref,
            "transaction_id": order.data["transaction_id"],
            "cancellation_id": cancel_id,
            "transaction_status": order.state,
        }
    )
