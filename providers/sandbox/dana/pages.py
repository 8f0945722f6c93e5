"""DANA's hosted cashier: phone + PIN, or cancel; then back to the merchant's PAY_RETURN url."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from providers.sandbox import triggers

from . import state

TEST_CREDENTIALS = {"DANA phone": state.TEST_PHONE, "PIN": state.TEST_PIN}


def _page(request: HttpRequest, template: str, status: int = 200, **ctx: object) -> HttpResponse:
    ctx.setdefault("partner_name", "DANA")
    ctx.setdefault("test_credentials", TEST_CREDENTIALS)
    return render(request, f"sandbox/dana/{template}", ctx, status=status)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    biz_no = request.GET.get("bizNo") or request.POST.get("bizNo") or ""
    order = state.find(biz_no)
    if order is None:
        return _page(request, "missing.html", status=404)
    order = state.lapse_if_due(order)
    if order.state not in state.OPEN:
        return _page(request, "closed.html", order=order, description=_describe(order))
    error = ""
    if request.method == "POST":
        phone_ok = _digits(request.POST.get("phone", "")) == state.TEST_PHONE
        pin_ok = request.POST.get("pin", "") == state.TEST_PIN
        if phone_ok and pin_ok:
            state.customer_outcome(order, triggers.SUCCESS)
            return HttpResponseRedirect(order.data["return_url"])
        error = "The phone number or PIN is incorrect. Please try again."
    return _page(
        request,
        "checkout.html",
        order=order,
        amount=f"{order.amount:,}".replace(",", "."),
        error=error,
        phone=request.POST.get("phone", ""),
    )


@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    order = state.find(request.POST.get("bizNo", ""))
    if order is None:
        return _page(request, "missing.html", status=404)
    state.customer_outcome(order, triggers.CANCEL)
    return HttpResponseRedirect(order.data["return_url"])


def _describe(order: object) -> str:
    st = getattr(order, "state", "")
    if st == state.PAID:
        return "This order has already been paid."
    reason = getattr(order, "data", {}).get("closed_reason", "")
    return "This order has expired." if reason == "EXPIRED" else "This order is closed."
