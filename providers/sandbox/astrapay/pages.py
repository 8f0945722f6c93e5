"""AstraPay's pages the customer sees: the account-binding webview (phone + OTP, then PIN) and the
payment page (PIN). Each secret allows a few tries, counted atomically; then the page locks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from providers.sandbox import triggers
from providers.sandbox.counters import Attempts
from providers.sandbox.models import SandboxOrder
from providers.sandbox.snap import same

from . import state

TEST_CREDENTIALS = {"Phone": "08…", "OTP": state.OTP, "PIN": state.PIN}


def _page(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"partner_name": "AstraPay", "test_credentials": TEST_CREDENTIALS}
    return render(request, f"sandbox/astrapay/{template}", {**base, **ctx}, status=status)


def _closed(
    request: HttpRequest, title: str, message: str, back: str = "", status: int = 200
) -> HttpResponse:
    return _page(request, "message.html", {"title": title, "message": message, "back_url": back}, status)


def _tries(order: SandboxOrder, what: str) -> Attempts:
    limit = state.OTP_ATTEMPTS if what == "otp" else state.PIN_ATTEMPTS
    return Attempts.of(state.SLUG, order.ref, what, limit)


def _wrong(tries: Attempts, message: str) -> str:
    left = tries.left
    text = ngettext("%(left)d attempt left.", "%(left)d attempts left.", left) % {"left": left}
    return f"{message} {text}"


@require_http_methods(["GET", "POST"])
def binding_page(request: HttpRequest, ref: str) -> HttpResponse:
    binding = SandboxOrder.objects.filter(partner=state.SLUG, ref=ref, data__kind="binding").first()
    if binding is None:
        return _closed(
            request, _("Link not found"), _("This account-linking request is unknown."), status=404
        )
    if binding.state != "PENDING":
        return _closed(
            request,
            _("Already finished"),
            _("This account-linking request is closed."),
            state.finish_binding(binding, False),
        )
    step = binding.data.get("step")
    tries = _tries(binding, step or "otp")
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            return HttpResponseRedirect(state.finish_binding(binding, False))
        phone = binding.data.get("phoneNo") or request.POST.get("phone", "").strip()
        if step == "otp" and not (phone.startswith(("08", "628")) and phone.isdigit()):
            error = _("Enter an AstraPay number starting with 08.")
        elif not tries.take():  # one atomic increment decides whether this guess is looked at
            return _locked(request, binding)
        elif step == "otp" and not same(request.POST.get("otp", ""), state.OTP):
            error = _wrong(tries, _("Wrong OTP code."))
        elif step == "otp":
            binding.data.update(step="pin", phoneNo=phone)
            binding.save(update_fields=["data", "updated_at"])
            step = "pin"
        elif not same(request.POST.get("pin", ""), state.PIN):
            error = _wrong(tries, _("Wrong PIN."))
        else:
            return HttpResponseRedirect(state.finish_binding(binding, True))
        if error and tries.exhausted:
            return _locked(request, binding)
    return _page(request, "binding.html", {"binding": binding, "step": step, "error": error})


def _locked(request: HttpRequest, binding: SandboxOrder) -> HttpResponse:
    """Too many wrong codes: linking is refused and the merchant told, as AstraPay blocks it."""
    return _closed(
        request,
        _("Too many attempts"),
        _("For your safety this account-linking request has been stopped. Start again from the merchant."),
        state.finish_binding(binding, False),
    )


@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest, pid: str) -> HttpResponse:
    order = SandboxOrder.objects.filter(partner=state.SLUG, ref=pid, data__kind="payment").first()
    if order is None:
        return _closed(request, _("Payment not found"), _("This payment is unknown."), status=404)
    back = order.data.get("returnUrl", "")
    if state.current(order) not in state.OPEN or order.data.get("confirmed"):
        return _closed(request, _("Payment closed"), _("This AstraPay payment is no longer open."), back)
    tries = _tries(order, "pin")
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            state.settle(order, state.CANCELED)
            return HttpResponseRedirect(back)
        if not tries.take():
            return _pin_locked(request, order)
        if not same(request.POST.get("pin", ""), state.PIN):
            if tries.exhausted:
                return _pin_locked(request, order)
            error = _wrong(tries, _("Wrong PIN."))
        else:
            status, desc = state.outcome(order.amount)
            state.settle(order, status, desc)
            if status == state.PAYING:
                order.data["confirmed"] = True
                order.save(update_fields=["data", "updated_at"])
            return HttpResponseRedirect(back)
    binding = SandboxOrder.objects.filter(partner=state.SLUG, ref=order.data.get("binding")).first()
    phone = binding.data.get("phoneNo", "") if binding else ""
    return _page(
        request,
        "pay.html",
        {
            "order": order,
            "error": error,
            "masked_phone": _mask(phone),
            "description": order.data.get("description", ""),
            "attempts_left": tries.left,
        },
    )


def _pin_locked(request: HttpRequest, order: SandboxOrder) -> HttpResponse:
    """Too many wrong PINs: AstraPay refuses the payment (06 Failed) and tells the merchant."""
    state.settle(order, state.FAILED, "PIN attempts exceeded")
    return _closed(
        request,
        _("Too many attempts"),
        _("For your safety this payment has been refused. Return to the merchant to try again."),
        order.data.get("returnUrl", ""),
    )


def _mask(phone: str) -> str:
    return f"{phone[:4]}****{phone[-3:]}" if len(phone) > 7 else phone


def customer_outcome(order: SandboxOrder, outcome: str) -> dict[str, Any]:
    """What /sandbox/simulate does in the customer's place, on a binding or on a payment."""
    if order.data.get("kind") == "binding":
        redirect = state.finish_binding(order, outcome == triggers.SUCCESS)
        return {"state": order.state, "redirect_url": redirect}
    status, desc = state.outcome(order.amount, outcome)
    notified = state.settle(order, status, desc)
    return {"state": order.state, "redirect_url": order.data.get("returnUrl", ""), "notified": notified}
