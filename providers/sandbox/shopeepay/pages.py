"""ShopeePay's pages the customer sees: the hosted pay page (the universal link: order summary ->
confirm -> PIN -> back to the merchant's return_url, with cancel at every step), and the ShopeePay
app listing the payments that wait for the customer."""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from providers.sandbox import triggers
from providers.sandbox.counters import Attempts
from providers.sandbox.models import SandboxOrder

from . import state

TEMPLATE_DIR = "sandbox/shopeepay"
TEST_CREDENTIALS = {"ShopeePay PIN": state.TEST_PIN}
DONE_TITLES = {
    state.SUCCESSFUL: gettext_lazy("This payment is paid"),
    state.FAILED: gettext_lazy("This payment is declined"),
    state.EXPIRED: gettext_lazy("This payment is expired"),
    state.INVALIDATED: gettext_lazy("This payment is cancelled"),
    state.PROCESSING: gettext_lazy("This payment is being processed"),
}


def _context(order: SandboxOrder, **extra: object) -> dict[str, object]:
    return {
        "partner_name": "ShopeePay",
        "test_credentials": TEST_CREDENTIALS,
        "order": order,
        "store_name": state.STORE_NAME,
        "token": order.ref,
        "app_url": state.app_url(order.ref),
        "return_url": order.data.get("return_url", ""),
        **extra,
    }


def _done(request: HttpRequest, order: SandboxOrder, note: str = "") -> HttpResponse:
    title = DONE_TITLES.get(order.state, _("This payment is closed"))
    return render(
        request,
        f"{TEMPLATE_DIR}/done.html",
        _context(order, title=title, paid=order.state == state.SUCCESSFUL, note=note),
    )


def pay(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or ""
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=token).first() if token else None
    if order is None:
        raise Http404("unknown ShopeePay payment token")
    order = state.lapse_if_due(order)
    if (
        request.method == "GET"
        and order.state == state.INITIAL
        and (triggers.trigger_for(order.amount) == triggers.EXPIRE)
    ):
        # 902: the customer arrives too late, the order has lapsed (and the merchant is told).
        state.finish(order, triggers.EXPIRE)
        order.refresh_from_db()
    if order.state != state.INITIAL:
        return _done(request, order)
    if request.method != "POST":
        return render(request, f"{TEMPLATE_DIR}/pay.html", _context(order))

    action = request.POST.get("action")
    if action == "cancel":
        return HttpResponseRedirect(state.finish(order, triggers.CANCEL)["return_url"])
    if action == "confirm":
        return render(request, f"{TEMPLATE_DIR}/pin.html", _context(order))
    if action == "pin":
        tries = Attempts.of(state.SLUG, order.ref, "pin", state.PIN_ATTEMPTS)
        if not tries.take():  # one atomic increment decides whether this PIN is looked at
            return _refused(request, order)
        if not hmac.compare_digest(request.POST.get("pin", "").encode(), state.TEST_PIN.encode()):
            if tries.exhausted:
                return _refused(request, order)
            left = tries.left
            more = ngettext("%(left)d attempt left.", "%(left)d attempts left.", left) % {"left": left}
            error = f"{_('Incorrect PIN.')} {more}"
            return render(request, f"{TEMPLATE_DIR}/pin.html", _context(order, error=error))
        return HttpResponseRedirect(state.finish(order, triggers.SUCCESS)["return_url"])
    return render(request, f"{TEMPLATE_DIR}/pay.html", _context(order, error=_("Please choose an action.")))


def _refused(request: HttpRequest, order: SandboxOrder) -> HttpResponse:
    """Too many wrong PINs: ShopeePay fails the payment (and notifies the merchant)."""
    state.finish(order, triggers.DECLINE)
    order.refresh_from_db()
    return _done(
        request, order, note=_("Too many wrong PINs: for your safety ShopeePay refused this payment.")
    )


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The ShopeePay app: the payments waiting for the customer, each opening its pay page (what
    the shopeeid:// deeplink does on a phone)."""
    now = timezone.now()
    waiting = [
        o
        for o in SandboxOrder.objects.filter(partner=state.SLUG, state=state.INITIAL).order_by("-id")[:20]
        if o.expires_at is None or o.expires_at > now
    ]
    ctx = {
        "partner_name": "ShopeePay",
        "test_credentials": TEST_CREDENTIALS,
        "payments": [(o, state.pay_url(o.ref)) for o in waiting],
        "store_name": state.STORE_NAME,
    }
    return render(request, f"{TEMPLATE_DIR}/app.html", ctx)
