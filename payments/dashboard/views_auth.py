"""Login (throttled per IP + username), logout, and accepting a team invitation."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from payments.exceptions import ApplicationError
from payments.models import AuditLog
from payments.selectors.merchants import member_for_user
from payments.services.audit import Actor
from payments.services.merchants import invitation_accept, invitation_for_token, member_signed_in

from . import ratelimit
from .access import actor, client_ip
from .forms import AcceptForm, LoginForm

LOCKED_MESSAGE = (
    f"Too many failed sign-in attempts. For your security, signing in is paused for "
    f"{ratelimit.WINDOW_SECONDS // 60} minutes. Try again later or ask an owner to help."
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/dashboard/"
    return target


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
            else:
                ratelimit.reset("login", ip, username)
                login(request, user)
                member_signed_in(member=member, actor=Actor(AuditLog.Actor.MERCHANT, user, ip))
                return HttpResponseRedirect(_next(request))
    return render(
        request, "dashboard/login.html", {"form": form, "error": error, "next": _next(request)}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/dashboard/login/?out=1")


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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect("/dashboard/")
    return render(request, "dashboard/accept.html", {"form": form, "invitation": inv, "error": error})
