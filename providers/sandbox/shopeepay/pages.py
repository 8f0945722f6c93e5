"""ShopeePay's hosted pay page (the universal link): order summary -> confirm -> PIN -> back to
the merchant's return_url. A cancel button is there at every step."""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from providers.sandbox import triggers
from providers.sandbox.models import SandboxOrder

from . import flow

TEMPLATE_DIR = "sandbox/shopeepay"
STATE_WORDS = {
    flow.SUCCESSFUL: "paid",
    flow.FAILED: "declined",
    flow.EXPIRED: "expired",
    flow.INVALIDATED: "cancelled",
    flow.PROCESSING: "being processed",
}


def _context(order: SandboxOrder, **extra: object) -> dict[str, object]:
    return {
        "partner_name": flow.NAME,
        "test_credentials": {"ShopeePay PIN": flow.TEST_PIN},
        "order": order,
        "amount_text": "Rp " + f"{order.amount:,}".replace(",", "."),
        "store_name": flow.STORE_NAME,
        "token": order.ref,
        "app_url": flow.app_url(order.ref),
        "return_url": order.data.get("return_url", ""),
        **extra,
    }


def _done(request: HttpRequest, order: SandboxOrder) -> HttpResponse:
    word = STATE_WORDS.get(order.state, "closed")
    return render(request, f"{TEMPLATE_DIR}/done.html", _context(order, word=word))


def pay(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or ""
    order = SandboxOrder.objects.filter(partner=flow.SLUG, ref=token).first() if token else None
    if order is None:
        raise Http404("unknown ShopeePay payment token")
    order = flow.lapse_if_due(order)
    if (
        request.method == "GET"
        and order.state == flow.INITIAL
        and (triggers.trigger_for(order.amount) == triggers.EXPIRE)
    ):
        # 902: the customer arrives too late, the order has lapsed (and the merchant is told).
        flow.finish(order, triggers.EXPIRE)
        order.refresh_from_db()
    if order.state != flow.INITIAL:
        return _done(request, order)
    if request.method != "POST":
        return render(request, f"{TEMPLATE_DIR}/pay.html", _context(order))

    action = request.POST.get("action")
    if action == "cancel":
        return HttpResponseRedirect(flow.finish(order, triggers.CANCEL)["return_url"])
    if action == "confirm":
        return render(request, f"{TEMPLATE_DIR}/pin.html", _context(order))
    if action == "pin":
        pin = request.POST.get("pin", "")
        if not hmac.compare_digest(pin.encode(), flow.TEST_PIN.encode()):
            return render(
                request,
                f"{TEMPLATE_DIR}/pin.html",
                _context(order, error="Incorrect PIN. Please try again."),
                status=200,
            )
        return HttpResponseRedirect(flow.finish(order, triggers.SUCCESS)["return_url"])
    return render(request, f"{TEMPLATE_DIR}/pay.html", _context(order, error="Please choose an action."))
