"""The member's own account: change password, two-factor sign-in (set up with a QR code, turn off)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from payments.exceptions import ApplicationError, TwoFactorCodeWrong
from payments.services import accounts

from . import ratelimit
from .access import TWO_FACTOR_OK, actor, member_required
from .forms import CodeForm, TwoFactorOffForm

TOO_MANY = "Too many wrong passwords. Try again in 15 minutes."
TOO_MANY_CODES = "Too many wrong codes. Try again in 15 minutes."
_LIMITED = {False: 429, None: 503}  # a refused attempt: over the limit, or Redis cannot count
UNAVAILABLE = "This check is briefly unavailable (nothing is wrong with your account). Try again in a minute."


def _account(
    request: HttpRequest,
    *,
    password_form: PasswordChangeForm | None = None,
    off_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "dashboard/account.html",
        {
            "nav": "account",
            "password_form": password_form or PasswordChangeForm(request.user),
            "off_errors": off_errors or {},
            "two_factor_on": request.member.has_two_factor,
        },
        status=status,
    )


@member_required(two_factor_setup=True)
def account(request: HttpRequest) -> HttpResponse:
    return _account(request)


@require_POST
@member_required(two_factor_setup=True)
def password_change(request: HttpRequest) -> HttpResponse:
    who = request.user.get_username()
    allowed = ratelimit.attempt("reauth", "any", who)
    if not allowed:
        messages.error(request, TOO_MANY if allowed is False else UNAVAILABLE)
        return HttpResponseRedirect("/dashboard/account/")
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _account(request, password_form=form, status=400)
    ratelimit.reset("reauth", "any", who)
    user = form.save()
    update_session_auth_hash(request, user)  # this session stays; every other one ends
    accounts.password_changed(merchant=request.merchant, reset=False, actor=actor(request))
    messages.success(request, "Password changed. Other sessions of your account were signed out.")
    return HttpResponseRedirect("/dashboard/account/")


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(
        scale=4, dark="#16181d", title="QR code for your authenticator app"
    )


@member_required(two_factor_setup=True)
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if request.member.has_two_factor:
        return HttpResponseRedirect("/dashboard/account/")
    form = CodeForm(request.POST or None)
    error, status = "", 200
    device = accounts.two_factor_pending(user=request.user)
    if request.method == "POST" and form.is_valid() and device is not None:
        allowed = ratelimit.attempt("otp", "any", str(request.user.pk))
        if not allowed:
            error, status = (
                ("Too many wrong codes. Wait 15 minutes and start again.", 429)
                if allowed is False
                else (
                    UNAVAILABLE,
                    503,
                )
            )
        else:
            try:
                accounts.two_factor_confirm(
                    merchant=request.merchant, code=form.cleaned_data["code"], actor=actor(request)
                )
            except ApplicationError as exc:
                error, status = exc.message, 400
            else:
                ratelimit.reset("otp", "any", str(request.user.pk))
                request.session[TWO_FACTOR_OK] = request.user.pk
                messages.success(
                    request, "Two-factor sign-in is on. You will be asked for a code at each sign-in."
                )
                return HttpResponseRedirect("/dashboard/account/")
    if device is None or request.method == "GET":
        device = accounts.two_factor_start(user=request.user)  # a fresh secret for every set-up page
    return render(
        request,
        "dashboard/two_factor_setup.html",
        {
            "nav": "account",
            "form": form,
            "error": error,
            "qr": _qr_svg(device.config_url),
            "secret": accounts.totp_secret(device),
            "required": request.merchant.require_two_factor,
        },
        status=status,
    )


@require_POST
@member_required(two_factor_setup=True)
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Needs the password and the authenticator's current code; each is limited like its own
    sign-in step (reauth per account, otp per user), and every refusal is a field message."""
    who, uid = request.user.get_username(), str(request.user.pk)
    form = TwoFactorOffForm(request.POST)
    allowed = ratelimit.attempt("reauth", "any", who)
    if not allowed:
        return _account(
            request,
            off_errors={"password": TOO_MANY if allowed is False else UNAVAILABLE},
            status=_LIMITED[allowed],
        )
    form.is_valid()
    if not request.user.check_password(form.cleaned_data.get("password", "")):
        return _account(request, off_errors={"password": "The password is not correct."}, status=400)
    ratelimit.reset("reauth", "any", who)  # the password is right; from here only codes are counted
    if not form.cleaned_data.get("code"):
        return _account(request, off_errors={"code": "Enter the code your app shows now."}, status=400)
    allowed = ratelimit.attempt("otp", "any", uid)
    if not allowed:
        message = TOO_MANY_CODES if allowed is False else UNAVAILABLE
        return _account(request, off_errors={"code": message}, status=_LIMITED[allowed])
    try:
        accounts.two_factor_disable(
            merchant=request.merchant, code=form.cleaned_data["code"], actor=actor(request)
        )
    except TwoFactorCodeWrong as exc:
        return _account(request, off_errors={"code": exc.message}, status=400)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/dashboard/account/")
    ratelimit.reset("otp", "any", uid)
    request.session.pop(TWO_FACTOR_OK, None)
    messages.success(request, "Two-factor sign-in is off.")
    return HttpResponseRedirect("/dashboard/account/")
