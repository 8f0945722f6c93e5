"""Simulated LinkAja WCO (providers.md §7, stand-ins of §9).

API: static credentials in each form (no computed signature); errors as {"status", "message"}.
No server push: after the PIN the page sends the browser to successUrl/failedUrl with
?trxId&refNum&status, and the merchant must call the status check."""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from providers.sandbox import triggers
from providers.sandbox.core import Simulator, json_response, register
from providers.sandbox.models import SandboxOrder

SLUG = "linkaja"
SESSION = timedelta(minutes=5)
PIN = "123456"
# The credentials this sandbox issued to the gateway (static, as LinkAja issues them).
CREDENTIALS = {
    "terminalId": "PAYLOANLINK01",
    "userKey": "payloan-wco-user",
    "password": "sbx-wco-pass-7Qm2",
    "signature": "sbx-wco-sign-K9x4",
}
SUCCESS, FAILED, PENDING, EXPIRED, REVERSED, CANCELLED = "00", "01", "02", "03", "04", "05"
FINAL = {SUCCESS, FAILED, EXPIRED, REVERSED, CANCELLED}
TEST_CREDENTIALS = {"Phone": "any number starting with 08", "PIN": PIN}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _error(status: int, code: str, message: str) -> JsonResponse:
    return json_response({"status": code, "message": message}, status=status)


def _credentials_ok(form: Any, password_field: str, signature_field: str) -> bool:
    return (
        _same(form.get("terminalId", ""), CREDENTIALS["terminalId"])
        & _same(form.get("userKey", ""), CREDENTIALS["userKey"])
        & _same(form.get(password_field, ""), CREDENTIALS["password"])
        & _same(form.get(signature_field, ""), CREDENTIALS["signature"])
    )


def _state(order: SandboxOrder) -> str:
    """The order's state, with the 5-minute session lapsing lazily."""
    if order.state == PENDING and order.expires_at and timezone.now() >= order.expires_at:
        if triggers.trigger_for(order.amount) != triggers.PENDING:
            order.state = EXPIRED
            order.save(update_fields=["state", "updated_at"])
    return order.state


def _finish(order: SandboxOrder, state: str) -> str:
    """Settle the order and answer the browser's next stop (successUrl or failedUrl)."""
    if order.state == PENDING:
        order.state = state
        if state == SUCCESS:
            order.data["paid_at"] = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S%z")
        order.save(update_fields=["state", "data", "updated_at"])
    url = order.data["successUrl"] if order.state in (SUCCESS, PENDING) else order.data["failedUrl"]
    query = urlencode({"trxId": order.merchant_ref, "refNum": order.ref, "status": order.state})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _outcome_state(amount: int) -> str:
    """What a confirmed PIN leads to, by the amount's trigger digits."""
    return {
        triggers.DECLINE: FAILED,
        triggers.EXPIRE: EXPIRED,
        triggers.CANCEL: CANCELLED,
        triggers.PENDING: PENDING,
    }.get(triggers.trigger_for(amount), SUCCESS)


def _items(raw: str) -> list[dict[str, str]]:
    try:
        rows = json.loads(raw)
        return [{"name": str(r[0]), "price": str(r[1]), "qty": str(r[2])} for r in rows]
    except (ValueError, TypeError, IndexError, KeyError):
        return []


# --- partner API ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def token_request(request: HttpRequest) -> JsonResponse:
    form = request.POST
    if not _credentials_ok(form, "password", "signature"):
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
    existing = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=trx_id).order_by("-id").first()
    if existing is not None:
        if existing.amount != amount:
            return _error(400, "409", "Duplicate trxId with a different total")
        if _state(existing) == PENDING:  # a repeated request: the same session
            return json_response(
                {"pgpToken": existing.data["pgpToken"], "refNum": existing.ref, "fastTime": 300}
            )
        return _error(400, "409", "Duplicate trxId")
    order = SandboxOrder.objects.create(
        partner=SLUG,
        ref=f"LA{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}",
        merchant_ref=trx_id,
        amount=amount,
        state=PENDING,
        expires_at=timezone.now() + SESSION,
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
    if not _credentials_ok(form, "passKey", "signKey"):
        return None, _error(401, "401", "Invalid merchant credentials")
    order = SandboxOrder.objects.filter(partner=SLUG, ref=form.get("refNum", "")).first()
    if order is None:
        return None, _error(404, "14", "Transaction not found")
    return order, None


def _txn_answer(order: SandboxOrder, status: str) -> JsonResponse:
    return json_response(
        {
            "refNum": order.ref,
            "amount": order.amount,
            "transactionDate": order.data.get("paid_at")
            or timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M:%S%z"),
            "status": status,
        }
    )


@csrf_exempt
@require_POST
def check_status(request: HttpRequest) -> JsonResponse:
    order, err = _reference_call(request)
    if err:
        return err
    return _txn_answer(order, _state(order))


@csrf_exempt
@require_POST
def reversal(request: HttpRequest) -> JsonResponse:
    order, err = _reference_call(request)
    if err:
        return err
    if _state(order) == REVERSED:  # idempotent repeat
        return _txn_answer(order, SUCCESS)
    if order.state != SUCCESS:
        return _error(400, "12", "Transaction cannot be reversed in its state")
    order.state = REVERSED
    order.data["reversed_at"] = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S%z")
    order.save(update_fields=["state", "data", "updated_at"])
    return _txn_answer(order, SUCCESS)


# --- hosted page ---------------------------------------------------------------------------


def _page(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"partner_name": "LinkAja", "test_credentials": TEST_CREDENTIALS}
    return render(request, f"sandbox/linkaja/{template}", {**base, **ctx}, status=status)


@csrf_exempt  # the entry is a cross-site form POST (or our 302), carrying only the pgpToken
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("message") or request.GET.get("message") or ""
    order = SandboxOrder.objects.filter(partner=SLUG, data__pgpToken=token).first() if token else None
    if order is None:
        return _page(
            request,
            "message.html",
            {"title": "Payment not found", "message": "This payment link is invalid."},
            404,
        )
    return _pin_page(request, order)


def _pin_page(request: HttpRequest, order: SandboxOrder, error: str = "") -> HttpResponse:
    state = _state(order)
    if state != PENDING or order.data.get("confirmed"):
        return _page(
            request,
            "message.html",
            {
                "title": "Session expired" if state == EXPIRED else "Payment closed",
                "message": "This LinkAja checkout is no longer open.",
                "back_url": _finish(order, state),
            },
        )
    remaining = max(0, int((order.expires_at - timezone.now()).total_seconds())) if order.expires_at else 0
    return _page(
        request,
        "pay.html",
        {
            "order": order,
            "items": order.data.get("items", []),
            "error": error,
            "msisdn": request.POST.get("msisdn") or order.data.get("msisdn", ""),
            "remaining": remaining,
        },
    )


@require_POST
def confirm(request: HttpRequest, ref: str) -> HttpResponse:
    order = SandboxOrder.objects.filter(partner=SLUG, ref=ref).first()
    if order is None:
        return _page(
            request,
            "message.html",
            {"title": "Payment not found", "message": "This payment is unknown."},
            404,
        )
    if request.POST.get("action") == "cancel":
        return HttpResponseRedirect(_finish(order, CANCELLED))
    if _state(order) != PENDING or order.data.get("confirmed"):
        return _pin_page(request, order)
    msisdn = request.POST.get("msisdn", "").strip()
    if not (msisdn.startswith("08") and msisdn.isdigit() and 10 <= len(msisdn) <= 14):
        return _pin_page(request, order, "Enter a LinkAja number starting with 08.")
    if not _same(request.POST.get("pin", ""), PIN):
        return _pin_page(request, order, "Wrong PIN. Please try again.")
    state = _outcome_state(order.amount)
    if state == PENDING:  # stays pending at LinkAja, but the customer is sent back
        order.data["confirmed"] = True
        order.save(update_fields=["data", "updated_at"])
    return HttpResponseRedirect(_finish(order, state))


@register
class LinkAjaSimulator(Simulator):
    slug = SLUG
    name = "LinkAja"
    mitra_cd = "LINK"
    test_credentials = TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("linkaja-api/api/payment", token_request, name="linkaja-token"),
            path("linkaja-api/api/check/customer/transaction", check_status, name="linkaja-status"),
            path("tcash-api/api/rev/customer/transaction", reversal, name="linkaja-reversal"),
            path("linkaja-api/payment", checkout, name="linkaja-checkout"),
            path("linkaja-api/payment/<str:ref>/confirm", confirm, name="linkaja-confirm"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the PIN page; the browser's next stop is returned."""
        if outcome == triggers.SUCCESS:
            state = _outcome_state(order.amount)
        else:
            state = {triggers.DECLINE: FAILED, triggers.EXPIRE: EXPIRED}.get(outcome, CANCELLED)
        if _state(order) == PENDING and state == PENDING:
            order.data["confirmed"] = True
            order.save(update_fields=["data", "updated_at"])
        redirect = _finish(order, state)
        return {"state": order.state, "redirect_url": redirect, "notified": []}
