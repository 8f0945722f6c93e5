"""The hosted checkout every simulated pay-later partner shows (Kredivo, Indodana, Akulaku).

A small step machine kept in `SandboxOrder.data["page"]`: login fields, an OTP step (three codes
per checkout, counted by one atomic increment each, then the checkout locks; "resend" has a
cooldown), then the tenor choice. Each POST moves the machine under a row lock, so two submits at
once cannot skip a step. Each partner supplies its steps, its tenor options and its orders."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import triggers
from .counters import Attempts
from .models import SandboxOrder
from .paylater import PayLaterOrders

OTP_ATTEMPTS = 3
RESEND_COOLDOWN = 30  # seconds


@dataclass(frozen=True)
class Input:
    name: str
    label: str | Promise
    expected: str
    type: str = "text"  # html input type
    inputmode: str = "numeric"
    autocomplete: str = "off"
    error: str | Promise = gettext_lazy("That is not right. Please try again.")
    phone: bool = False  # compare as an Indonesian phone number (0…, 62…, +62…)


@dataclass(frozen=True)
class Step:
    name: str
    title: str | Promise
    inputs: tuple[Input, ...] = ()
    kind: str = "form"  # form | otp | tenor
    button: str | Promise = gettext_lazy("Continue")
    note: str | Promise = ""


def phone_step(title: str | Promise, phone: str, error: str | Promise, *extra: Input, **kw: Any) -> Step:
    """The sign-in step: the account's phone number (written any Indonesian way), and more fields."""
    field = Input(
        "phone", gettext_lazy("Phone number"), phone, type="tel", autocomplete="tel", phone=True, error=error
    )
    return Step("phone", title, (field, *extra), **kw)


VERIFY = gettext_lazy("Verify")


def otp_step(otp: str, button: str | Promise = VERIFY) -> Step:
    """The SMS code step, with its attempt limit and resend cooldown."""
    field = Input(
        "otp",
        gettext_lazy("One-time code (OTP)"),
        otp,
        autocomplete="one-time-code",
        error=gettext_lazy("Wrong code."),
    )
    return Step("otp", gettext_lazy("Enter the code we sent by SMS"), (field,), kind="otp", button=button)


def pin_step(pin: str) -> Step:
    field = Input("pin", gettext_lazy("6-digit PIN"), pin, type="password", error=gettext_lazy("Wrong PIN."))
    return Step("pin", gettext_lazy("Enter your PIN"), (field,))


@dataclass
class Checkout:
    """One partner's page: what it asks, and the partner's orders behind it."""

    partner_name: str
    template: str
    steps: tuple[Step, ...]
    test_credentials: dict[str, str]
    orders: PayLaterOrders
    tenor_options: Callable[[SandboxOrder], list[tuple[str, Any]]]
    summary: Callable[[SandboxOrder], dict[str, Any]] = field(default=lambda o: {})

    # --- state ------------------------------------------------------------------------------
    @staticmethod
    def page(order: SandboxOrder) -> dict[str, Any]:
        page = order.data.setdefault("page", {})
        page.setdefault("step", 0)
        return page

    def otp_attempts(self, order: SandboxOrder) -> Attempts:
        return Attempts.of(order.partner, order.ref, "otp", OTP_ATTEMPTS)

    def locked(self, order: SandboxOrder) -> bool:
        step = self.steps[min(self.page(order)["step"], len(self.steps) - 1)]
        return step.kind == "otp" and self.otp_attempts(order).exhausted

    @staticmethod
    def cooldown_left(page: dict[str, Any]) -> int:
        sent = page.get("otp_sent_at")
        if sent is None:
            return 0
        return max(0, int(sent + RESEND_COOLDOWN - timezone.now().timestamp()))

    # --- rendering --------------------------------------------------------------------------
    def render(
        self,
        request: HttpRequest,
        order: SandboxOrder | None,
        *,
        error: str = "",
        notice: str = "",
        status: int = 200,
        closed: str = "",
    ) -> HttpResponse:
        ctx: dict[str, Any] = {
            "partner_name": self.partner_name,
            "test_credentials": self.test_credentials,
            "order": order,
            "error": error,
            "notice": notice,
            "closed": closed,
            "action_url": request.path
            + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""),
        }
        if order is not None:
            page = self.page(order)
            step = self.steps[min(page["step"], len(self.steps) - 1)]
            ctx.update(self.summary(order))
            ctx.update(
                step=step,
                step_number=page["step"] + 1,
                step_count=len(self.steps),
                locked=self.locked(order),
                attempts_left=self.otp_attempts(order).left,
                cooldown=self.cooldown_left(page),
                cooldown_total=RESEND_COOLDOWN,
                tenors=self.tenor_options(order) if step.kind == "tenor" else [],
                chosen_tenor=page.get("tenor") or ctx.get("preselect", ""),
            )
        return render(request, self.template, ctx, status=status)

    def not_found(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, None, closed=_("This checkout link is not valid."), status=404)

    # --- the view ---------------------------------------------------------------------------
    def handle(self, request: HttpRequest, order: SandboxOrder) -> HttpResponse:
        if not self.orders.is_open(order):
            return self._closed(request, order)
        action = request.POST.get("action", "") if request.method == "POST" else ""
        if action == "cancel":
            return HttpResponseRedirect(self.orders.finish(order, triggers.CANCEL)[0])
        with transaction.atomic():  # one step move at a time per order
            order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
            if not self.orders.is_open(order):
                return self._closed(request, order)
            outcome = self._step(request, order, action)
        if isinstance(outcome, HttpResponse):
            return outcome
        return HttpResponseRedirect(self.orders.finish(order, tenor=outcome)[0])

    def _closed(self, request: HttpRequest, order: SandboxOrder) -> HttpResponse:
        if order.expires_at and timezone.now() >= order.expires_at and not order.data.get("finished"):
            return self.render(
                request,
                order,
                closed=_("This checkout has expired. Return to the store and start a new payment."),
            )
        return self.render(request, order, closed=_("This checkout is already finished."))

    def _step(self, request: HttpRequest, order: SandboxOrder, action: str) -> HttpResponse | str:
        """Moves the locked order's page one step; the chosen tenor when the last step is done."""
        page = self.page(order)
        step = self.steps[page["step"]]
        if self.locked(order):
            return self.render(request, order)
        if step.kind == "otp" and page.get("otp_sent_at") is None:
            page["otp_sent_at"] = timezone.now().timestamp()  # entering the step "sends" the code
            self._save(order)
        if request.method != "POST":
            return self.render(request, order)
        if action == "resend" and step.kind == "otp":
            left = self.cooldown_left(page)
            if left:
                wait = _("Please wait %(seconds)s s before asking for a new code.") % {"seconds": left}
                return self.render(request, order, error=wait)
            page["otp_sent_at"] = timezone.now().timestamp()
            self._save(order)
            return self.render(request, order, notice=_("A new code has been sent by SMS."))
        if step.kind == "tenor":
            choice = request.POST.get("tenor", "")
            if choice not in dict(self.tenor_options(order)):
                return self.render(request, order, error=_("Choose one of the instalment plans offered."))
            page["tenor"] = choice
            return self._advance(request, order, page)
        if step.kind == "otp" and not self.otp_attempts(order).take():
            return self.render(request, order)  # the limit was reached meanwhile: locked
        for inp in step.inputs:
            if not _matches(request.POST.get(inp.name, ""), inp):
                if step.kind == "otp":
                    return self._wrong_otp(request, order, inp)
                return self.render(request, order, error=str(inp.error))
        return self._advance(request, order, page)

    def _wrong_otp(self, request: HttpRequest, order: SandboxOrder, inp: Input) -> HttpResponse:
        left = self.otp_attempts(order).left
        if not left:
            return self.render(request, order)  # locked
        more = ngettext("%(left)d attempt left.", "%(left)d attempts left.", left) % {"left": left}
        return self.render(request, order, error=f"{inp.error} {more}")

    def _advance(self, request: HttpRequest, order: SandboxOrder, page: dict[str, Any]) -> HttpResponse | str:
        if page["step"] + 1 < len(self.steps):
            page["step"] += 1
            self._save(order)
            return HttpResponseRedirect(request.get_full_path())  # post/redirect/get
        return page.get("tenor", "")

    @staticmethod
    def _save(order: SandboxOrder) -> None:
        order.save(update_fields=["data", "updated_at"])


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("62"):
        digits = digits[2:]
    return digits.lstrip("0")


def _matches(given: str, inp: Input) -> bool:
    if inp.phone:
        a, b = normalise_phone(given), normalise_phone(inp.expected)
    else:
        a, b = (given or "").strip(), inp.expected
    return hmac.compare_digest(a.encode(), b.encode())
