"""Who may see and do what on the dashboard. Every view runs as one member of one merchant."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render

from payments.models import AuditLog, MerchantMember
from payments.selectors.merchants import member_for_user
from payments.services.audit import Actor

Role = MerchantMember.Role
# viewer: reads only; developer: operational actions that move no money; owner: everything.
# The merchantKey signs V2 cancels and is the REST API's password: whoever sees it can refund, so
# seeing it (reveal_key) is money-moving power and belongs to owners only (docs/security.md).
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset(),
    # Payment links ask for money; they move none.
    Role.DEVELOPER: frozenset(
        {"resend", "sync", "replay", "test_notification", "test_payment", "payment_links"}
    ),
    Role.OWNER: frozenset(
        {
            "resend",
            "sync",
            "replay",
            "test_notification",
            "reveal_key",
            "cancel",
            "confirm_receipt",
            "rotate_key",
            "notification_url",
            "team",
            "test_payment",
            "payment_links",
            "checkout_settings",
        }
    ),
}


def can(member: MerchantMember | None, capability: str) -> bool:
    return member is not None and capability in CAPABILITIES.get(member.role, frozenset())


def client_ip(request: HttpRequest) -> str:
    # The client's own address: behind TRUSTED_PROXIES the first middleware has set it from
    # X-Forwarded-For (payloan_site/proxy.py); from anyone else that header is ignored.
    return request.META.get("REMOTE_ADDR", "")[:45]


def actor(request: HttpRequest) -> Actor:
    """The signed-in member, as the services audit them."""
    return Actor(AuditLog.Actor.MERCHANT, request.user, client_ip(request))


def forbidden(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "dashboard/forbidden.html", {"message": message, "status": status}, status=status)


TWO_FACTOR_OK = "dash-2fa-ok"  # session: the user id whose code was checked in this session
SETUP_URL = "/dashboard/account/two-factor/"


def member_required(capability: str | None = None, *, two_factor_setup: bool = False) -> Callable:
    """Attaches request.member and request.merchant; refuses anyone without the capability.

    A member with an authenticator must have passed the code step in this session (a session
    opened elsewhere, e.g. the admin's sign-in, is sent through the dashboard's). When the team
    requires two-factor sign-in, a member without an authenticator only reaches the pages that
    set one up (`two_factor_setup=True`)."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = member_for_user(user=request.user)
            if member is None:
                return forbidden(request, "Your account is not a member of any merchant.")
            if member.has_two_factor and request.session.get(TWO_FACTOR_OK) != request.user.pk:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if member.merchant.require_two_factor and not member.has_two_factor and not two_factor_setup:
                messages.warning(request, "Your team requires two-factor sign-in: set it up to continue.")
                return HttpResponseRedirect(SETUP_URL)
            if capability and not can(member, capability):
                return forbidden(request, f"Your role ({member.role}) does not allow this action.")
            request.member, request.merchant = member, member.merchant
            return view(request, *args, **kwargs)

        return inner

    return wrap


def post_or_back_to(page: str) -> Callable:
    """For a form's POST address whose refusal answers the form's page there (HTTP 400, messages
    at the fields): a GET of that address, e.g. the browser reloaded it, goes back to `page`
    instead of a 405. Other methods still get a 405."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return HttpResponseRedirect(page)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return wrap
