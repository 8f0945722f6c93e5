"""The simulated LinkAja WCO API: token request, status check, reversal. Static credentials in
each form (no computed signature); errors as {"status", "message"}."""

from __future__ import annotations

import json
import secrets

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.sandbox import refunds, triggers
from providers.sandbox.core import json_response
from providers.sandbox.models import SandboxOrder

from . import state


def _error(status: int, code: str, message: str) -> JsonResponse:
    return json_response({"status": code, "message": message}, status=status)


def _items(raw: str) -> list[dict[str, str]]:
    try:
        rows = json.loads(raw)
        return [{"name": str(r[0]), "price": str(r[1]), "qty": str(r[2])} for r in rows]
    except (ValueError, TypeError, IndexError, KeyError):
        return []


@csrf_exempt
@require_POST
def token_request(request: HttpRequest) -> JsonResponse:
    form = request.POST
    if not state.credentials_ok(form, "password", "signature"):
        return _error(401, "401", "Invalid merchant credentials")
    trx_id, total = form.get("trxId", ""), form.get("total", "")
    missing = [f for f in ("trxId", "total", "successUrl", "failedUrl", "items") if not form.get(f)]
    if missing:
        return _error(400, "400", f"Missing field: {missing[0]}")
    if not total.isdigit() or int(total) <= 0:
        return _error(400, "400", "Invalid total")
    amount = int(total)
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return _error(500, "500", "Internal server error")
    existing = SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=trx_id).order_by("-id").first()
    if existing is not None:
        if existing.amount != amount:
            return _error(400, "409", "Duplicate trxId with a different total")
        if state.current(existing) == state.PENDING:  # a repeated request: the same session
            return json_response(
                {"pgpToken": existing.data["pgpToken"], "refNum": existing.ref, "fastTime": 300}
            )
        return _error(400, "409", "Duplicate trxId")
    order = SandboxOrder.objects.create(
        partner=state.SLUG,
        ref=f"LA{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}",
        merchant_ref=trx_id,
        amount=amount,
        state=state.PENDING,
        expires_at=timezone.now() + state.SESSION,
        data={
            "pgpToken": secrets.token_urlsafe(24),
            "successUrl": form["successUrl"],
            "failedUrl": form["failedUrl"],
            "items": _items(form["items"]),
            "msisdn": form.get("msisdn", ""),
        },
    )
    return json_response({"pgpToken": order.data["pgpToken"], "refNum": order.ref, "fastTime": 300})


def _reference_call(request: HttpRequest) -> tuple[SandboxOrder | None, JsonResponse | None]:
    form = request.POST
    if not state.credentials_ok(form, "passKey", "signKey"):
        return None, _error(401, "401", "Invalid merchant credentials")
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=form.get("refNum", "")).first()
    if order is None:
        return None, _error(404, "14", "Transaction not found")
    return order, None


def _txn_answer(order: SandboxOrder, status: str) -> JsonResponse:
    answer = {
        "refNum": order.ref,
        "amount": order.amount,
        "transactionDate": order.data.get("paid_at")
        or timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M:%S%z"),
        "status": status,
    }
    if order.data.get("reversed_at"):
        answer["reversalDate"] = order.data["reversed_at"]
    return json_response(answer)


@csrf_exempt
@require_POST
def check_status(request: HttpRequest) -> JsonResponse:
    """The transaction by refNum; after a reversal its status is 04 ([STAND-IN] "refunded") with
    the reversalDate: this is how a merchant learns whether a reversal it got no answer to went
    through."""
    order, err = _reference_call(request)
    if err:
        return err
    return _txn_answer(order, state.current(order))


@csrf_exempt
@require_POST
def reversal(request: HttpRequest) -> JsonResponse:
    order, err = _reference_call(request)
    if err:
        return err
    return refunds.run(order.merchant_ref, lambda: _reverse(order), lost=_lost)


def _lost() -> JsonResponse:
    return _error(500, "500", "Internal server error")


def _reverse(order: SandboxOrder) -> JsonResponse:
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if state.current(order) == state.REVERSED:  # idempotent repeat
            return _txn_answer(order, state.SUCCESS)
        if order.state != state.SUCCESS:
            return _error(400, "12", "Transaction cannot be reversed in its state")
        order.state = state.REVERSED
        order.data["reversed_at"] = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S%z")
        order.save(update_fields=["state", "data", "updated_at"])
    return _txn_answer(order, state.SUCCESS)
