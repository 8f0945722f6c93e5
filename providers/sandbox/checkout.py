"""The hosted checkout every simulated pay-later partner shows (Kredivo, Indodana, Akulaku).

A small step machine kept in `SandboxOrder.data["page"]`: login fields, an OTP step (three wrong
codes lock the checkout, "resend" has a cooldown), then the tenor choice. Each partner supplies
its steps, its tenor options and what finishing or cancelling does at that partner."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from providers.sandbox.models import SandboxOrder

OTP_ATTEMPTS = 3
RESEND_COOLDOWN = 30  # seconds


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    expected: str
    type: str = "text"  # html input type
    inputmode: str = "numeric"
    autocomplete: str = "off"
    error: str = "That is not right. Please try again."
    phone: bool = False  # compare as an Indonesian phone number (0…, 62…, +62…)


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    inputs: tuple[Input, ...] = ()
    kind: str = "form"  # form | otp | tenor
    button: str = "Continue"
    note: str = ""


@dataclass
class Checkout:
    """One partner's page: what it asks, and the partner-side hooks."""

    partner_name: str
    template: str
    steps: tuple[Step, ...]
    test_credentials: dict[str, str]
    tenor_options: Callable[[SandboxOrder], list[tuple[str, str]]]
    finish: Callable[[SandboxOrder, str], str]  # (order, tenor) -> the browser's next URL
    cancel: Callable[[SandboxOrder], str]  # -> the browser's next URL
    is_open: Callable[[SandboxOrder], bool]  # still payable at the partner (lazy expiry inside)
    summary: Callable[[SandboxOrder], dict[str, Any]] = field(default=lambda o: {})

    # --- state ------------------------------------------------------------------------------
    def state(self, order: SandboxOrder) -> dict[str, Any]:
        page = order.data.setdefault("page", {})
        page.setdefault("step", 0)
        page.setdefault("otp_wrong", 0)
        page.setdefault("locked", False)
        return page

    def _save(self, order: SandboxOrder) -> None:
        order.save(update_fields=["data", "updated_at"])

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
            page = self.state(order)
            step = self.steps[min(page["step"], len(self.steps) - 1)]
            ctx.update(self.summary(order))
            ctx.update(
                step=step,
                step_number=page["step"] + 1,
                step_count=len(self.steps),
                locked=page["locked"],
                attempts_left=OTP_ATTEMPTS - page["otp_wrong"],
                cooldown=self.cooldown_left(page),
                cooldown_total=RESEND_COOLDOWN,
                tenors=self.tenor_options(order) if step.kind == "tenor" else [],
                chosen_tenor=page.get("tenor") or ctx.get("preselect", ""),
                values={k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "action")}
                if request.method == "POST"
                else {},
            )
        return render(request, self.template, ctx, status=status)

    def not_found(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, None, closed="This checkout link is not valid.", status=404)

    # --- the view ---------------------------------------------------------------------------
    def handle(self, request: HttpRequest, order: SandboxOrder) -> HttpResponse:
        page = self.state(order)
        if not self.is_open(order):
            if order.expires_at and timezone.now() >= order.expires_at and not page.get("done"):
                return self.render(
                    request,
                    order,
                    closed="This checkout has expired. Return to the store and start a new payment.",
                )
            return self.render(request, order, closed="This checkout is already finished.")
        action = request.POST.get("action", "") if request.method == "POST" else ""
        if action == "cancel":
            return HttpResponseRedirect(self.cancel(order))
        if page["locked"]:
            return self.render(request, order)
        step = self.steps[page["step"]]
        if step.kind == "otp" and page.get("otp_sent_at") is None:
            page["otp_sent_at"] = timezone.now().timestamp()  # entering the step "sends" the code
            self._save(order)
        if request.method != "POST":
            return self.render(request, order)
        if action == "resend" and step.kind == "otp":
            left = self.cooldown_left(page)
            if left:
                return self.render(
                    request, order, error=f"Please wait {left} s before asking for a new code."
                )
            page["otp_sent_at"] = timezone.now().timestamp()
            self._save(order)
            return self.render(request, order, notice="A new code has been sent by SMS.")
        if step.kind == "tenor":
            return self._tenor(request, order, page)
        for inp in step.inputs:
            if not _matches(request.POST.get(inp.name, ""), inp):
                if step.kind == "otp":
                    return self._wrong_otp(request, order, page, inp)
                return self.render(request, order, error=inp.error)
        return self._advance(request, order, page)

    def _wrong_otp(
        self, request: HttpRequest, order: SandboxOrder, page: dict[str, Any], inp: Input
    ) -> HttpResponse:
        page["otp_wrong"] += 1
        if page["otp_wrong"] >= OTP_ATTEMPTS:
            page["locked"] = True
            self._save(order)
            return self.render(request, order)
        self._save(order)
        left = OTP_ATTEMPTS - page["otp_wrong"]
        return self.render(request, order, error=f"{inp.error} {left} attempt{'s' if left > 1 else ''} left.")

    def _tenor(self, request: HttpRequest, order: SandboxOrder, page: dict[str, Any]) -> HttpResponse:
        options = dict(self.tenor_options(order))
        choice = request.POST.get("tenor", "")
        if choice not in options:
            return self.render(request, order, error="Choose one of the instalment plans offered.")
        page["tenor"] = choice
        return self._advance(request, order, page)

    def _advance(self, request: HttpRequest, order: SandboxOrder, page: dict[str, Any]) -> HttpResponse:
        page["step"] += 1
        if page["step"] < len(self.steps):
            self._save(order)
            return HttpResponseRedirect(request.get_full_path())  # post/redirect/get
        page["done"] = True
        page["step"] = len(self.steps) - 1
        self._save(order)
        return HttpResponseRedirect(self.finish(order, page.get("tenor", "")))


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
