"""LinkAja's hosted checkout: phone and PIN, or cancel; then to successUrl / failedUrl."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from providers.sandbox.counters import Attempts
from providers.sandbox.models import SandboxOrder

from . import state


def _page(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"partner_name": "LinkAja", "test_credentials": state.TEST_CREDENTIALS}
    return render(request, f"sandbox/linkaja/{template}", {**base, **ctx}, status=status)


def _message(
    request: HttpRequest, title: str, message: str, back: str = "", status: int = 200
) -> HttpResponse:
    return _page(request, "message.html", {"title": title, "message": message, "back_url": back}, status)


@csrf_exempt  # the entry is a cross-site form POST (or our 302), carrying only the pgpToken
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("message") or request.GET.get("message") or ""
    order = SandboxOrder.objects.filter(partner=state.SLUG, data__pgpToken=token).first() if token else None
    if order is None:
        return _message(request, _("Payment not found"), _("This payment link is invalid."), status=404)
    return _pin_page(request, order)


def _pin_page(request: HttpRequest, order: SandboxOrder, error: str = "") -> HttpResponse:
    current = state.current(order)
    if current != state.PENDING or order.data.get("confirmed"):
        expired = current == state.EXPIRED
        return _message(
            request,
            _("Session expired") if expired else _("Payment closed"),
            _("This LinkAja checkout is no longer open."),
            state.finish(order, current),
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
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=ref).first()
    if order is None:
        return _message(request, _("Payment not found"), _("This payment is unknown."), status=404)
    if request.POST.get("action") == "cancel":
        return HttpResponseRedirect(state.finish(order, state.CANCELLED))
    if state.current(order) != state.PENDING or order.data.get("confirmed"):
        return _pin_page(request, order)
    msisdn = request.POST.get("msisdn", "").strip()
    if not (msisdn.startswith("08") and msisdn.isdigit() and 10 <= len(msisdn) <= 14):
        return _pin_page(request, order, _("Enter a LinkAja number starting with 08."))
    tries = Attempts.of(state.SLUG, order.ref, "pin", state.PIN_ATTEMPTS)
    if not tries.take():  # one atomic increment decides whether this PIN is looked at
        return _refused(request, order)
    if not state.same(request.POST.get("pin", ""), state.PIN):
        if tries.exhausted:
            return _refused(request, order)
        left = tries.left
        more = ngettext("%(left)d attempt left.", "%(left)d attempts left.", left) % {"left": left}
        return _pin_page(request, order, f"{_('Wrong PIN.')} {more}")
    outcome = state.outcome_state(order.amount)
    if outcome == state.PENDING:  # stays pending at LinkAja, but the customer is sent back
        order.data["confirmed"] = True
        order.save(update_fields=["data", "updated_at"])
    return HttpResponseRedirect(state.finish(order, outcome))


def _refused(request: HttpRequest, order: SandboxOrder) -> HttpResponse:
    """Too many wrong PINs: LinkAja refuses the payment; the merchant learns it from the status."""
    back = state.finish(order, state.FAILED)
    return _message(
        request,
        _("Too many attempts"),
        _("For your safety LinkAja has refused this payment. Return to the merchant to try again."),
        back,
    )


def customer_outcome(order: SandboxOrder, outcome: str) -> dict[str, Any]:
    """What /sandbox/simulate does in the customer's place; the browser's next stop is returned."""
    result = state.outcome_state(order.amount, outcome)
    if state.current(order) == state.PENDING and result == state.PENDING:
        order.data["confirmed"] = True
        order.save(update_fields=["data", "updated_at"])
    redirect = state.finish(order, result)
    return {"state": order.state, "redirect_url": redirect, "notified": []}
