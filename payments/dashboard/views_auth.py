"""Sign-in (password, then the authenticator's code when the member has one), logout, forgotten
password by e-mail, and accepting a team invitation. Every attempt counts against an atomic
throttle before it is checked (ratelimit.hit)."""

from __future__ import annotations

import time
from dataclasses import replace

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from payments.exceptions import ApplicationError
from payments.models import MerchantMember
from payments.selectors.merchants import member_for_user
from payments.services.accounts import password_changed, password_reset_send, two_factor_check
from payments.services.merchants import invitation_accept, invitation_for_token, member_signed_in

from . import ratelimit
from .access import TWO_FACTOR_OK, actor, client_ip
from .forms import AcceptForm, CodeForm, LoginForm, ResetRequestForm

LOCKED_MESSAGE = (
    f"Too many failed sign-in attempts. For your security, signing in is paused for "
    f"{ratelimit.WINDOW_SECONDS // 60} minutes. Try again later or ask an owner to help."
)
PENDING = "dash-2fa-pending"  # session: who passed the password step, waiting for the code
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/dashboard/"
    return target


def _signed_in(
    request: HttpRequest,
    user: AbstractBaseUser,
    member: MerchantMember,
    *,
    two_factor: bool,
    target: str = "",
) -> HttpResponse:
    login(request, user, backend=BACKEND)
    if two_factor:
        request.session[TWO_FACTOR_OK] = user.pk
    member_signed_in(member=member, actor=actor(request), two_factor=two_factor)
    return HttpResponseRedirect(target or _next(request))


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and member_for_user(user=request.user):
        return HttpResponseRedirect("/dashboard/")
    form = LoginForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        ip, username = client_ip(request), form.cleaned_data["username"]
        try:
            allowed: bool | None = ratelimit.hit("login", ip, username)
        except ratelimit.Unavailable:  # fail closed: no counting, no password check
            allowed = None
        if allowed is None:
            error, status = ratelimit.UNAVAILABLE_MESSAGE, 503
        elif not allowed:
            error, status = LOCKED_MESSAGE, 429
        else:
            user = authenticate(
                request, username=username.strip().lower(), password=form.cleaned_data["password"]
            )
            member = member_for_user(user=user) if user else None
            if member is None:
                error, status = "The e-mail or password is not correct.", 401
                if ratelimit.is_locked("login", ip, username):
                    error, status = LOCKED_MESSAGE, 429
            elif member.has_two_factor:
                ratelimit.reset("login", ip, username)
                request.session.cycle_key()
                request.session[PENDING] = {
                    "user": user.pk,
                    "next": _next(request),
                    "until": int(time.time()) + PENDING_SECONDS,
                }
                return HttpResponseRedirect("/dashboard/login/code/")
            else:
                ratelimit.reset("login", ip, username)
                return _signed_in(request, user, member, two_factor=False)
    return render(
        request, "dashboard/login.html", {"form": form, "error": error, "next": _next(request)}, status=status
    )


def login_code(request: HttpRequest) -> HttpResponse:
    """Step two: the 6-digit code from the member's authenticator app."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("until", 0) < time.time():
        request.session.pop(PENDING, None)
        return HttpResponseRedirect("/dashboard/login/?expired=1")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    member = member_for_user(user=user) if user else None
    if member is None:
        request.session.pop(PENDING, None)
        return HttpResponseRedirect("/dashboard/login/")
    form = CodeForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        # Per account, from any address: whoever holds the password chooses the IP.
        allowed = ratelimit.attempt("otp", "any", str(user.pk))
        if allowed is None:  # fail closed: no counting, no code check
            error, status = ratelimit.UNAVAILABLE_MESSAGE, 503
        elif not allowed:
            error, status = "Too many wrong codes. Wait 15 minutes, then sign in again.", 429
        elif two_factor_check(user=user, code=form.cleaned_data["code"]):
            ratelimit.reset("otp", "any", str(user.pk))
            request.session.pop(PENDING, None)
            return _signed_in(request, user, member, two_factor=True, target=pending.get("next") or "")
        else:
            error, status = "That code is not right. Enter the code your app shows now.", 401
    return render(request, "dashboard/login_code.html", {"form": form, "error": error}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/dashboard/login/?out=1")


def reset_request(request: HttpRequest) -> HttpResponse:
    """Forgotten password: always the same answer, whether or not the address is a member's."""
    form = ResetRequestForm(request.POST or None)
    sent, error, status = False, "", 200
    if request.method == "POST" and form.is_valid():
        email, ip = form.cleaned_data["email"], client_ip(request)
        by_ip = ratelimit.attempt("reset-ip", ip, "")
        allowed = by_ip and ratelimit.attempt("reset", "any", email)
        if allowed is None:
            error, status = "Password reset is briefly unavailable. Try again in a minute.", 503
        elif not allowed:
            error, status = "Too many reset requests. Try again in an hour.", 429
        else:
            password_reset_send(email=email, actor=actor(request))
            sent = True
    return render(
        request, "dashboard/reset_request.html", {"form": form, "sent": sent, "error": error}, status=status
    )


class ResetConfirmView(PasswordResetConfirmView):
    """Django's own token check (once, expires, void after a login or password change); the new
    password goes through AUTH_PASSWORD_VALIDATORS. Other sessions of the user end with it."""

    template_name = "dashboard/reset_confirm.html"
    success_url = "/dashboard/login/?reset=1"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        member = member_for_user(user=form.user)
        who = replace(actor(self.request), user=form.user)
        password_changed(merchant=member.merchant if member else None, reset=True, actor=who)
        return response


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    inv = invitation_for_token(token=token)
    if inv is None:
        return render(
            request,
            "dashboard/forbidden.html",
            {
                "message": "This invitation is invalid, already used or expired.",
                "status": 404,
                "public": True,
            },
            status=404,
        )
    form = AcceptForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password"], actor=actor(request)
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            login(request, user, backend=BACKEND)
            return HttpResponseRedirect("/dashboard/")
    return render(request, "dashboard/accept.html", {"form": form, "invitation": inv, "error": error})
