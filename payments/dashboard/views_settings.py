"""Developers (key, notification URL, test notification), team and sandbox pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from payments import secrets as key_store
from payments.devdocs.sandbox import sandbox_reference
from payments.exceptions import ApplicationError
from payments.selectors.merchants import invitations_pending, members_list
from payments.services import accounts
from payments.services import merchants as merchant_service
from providers import registry

from . import ratelimit
from .access import actor, can, member_required, post_or_back_to
from .forms import (
    InviteForm,
    NotificationUrlForm,
    OverlapForm,
    PasswordConfirmForm,
    RoleForm,
    TestPaymentForm,
)


def _developers(
    request: HttpRequest,
    *,
    revealed: str = "",
    rotated: bool = False,
    key_error: str = "",
    url_form: NotificationUrlForm | None = None,
    status: int = 200,
) -> HttpResponse:
    merchant = request.merchant
    return render(
        request,
        "dashboard/developers.html",
        {
            "nav": "developers",
            "merchant": merchant,
            "masked_key": key_store.mask(merchant.merchant_key),
            "previous_until": merchant.previous_key_valid_until
            if merchant.previous_key_encrypted
            and merchant.previous_key_valid_until
            and merchant.previous_key_valid_until > timezone.now()
            else None,
            "overlap_form": OverlapForm(),
            "revealed_key": revealed,
            "rotated": rotated,
            "key_error": key_error,
            "password_form": PasswordConfirmForm(),
            "url_form": url_form or NotificationUrlForm(initial={"url": merchant.default_notification_url}),
            "can_reveal": can(request.member, "reveal_key"),
            "can_rotate": can(request.member, "rotate_key"),
            "can_edit_url": can(request.member, "notification_url"),
            "can_test": can(request.member, "test_notification"),
            "api_base": settings.PUBLIC_BASE_URL,
        },
        status=status,
    )


@member_required()
def developers(request: HttpRequest) -> HttpResponse:
    return _developers(request)


def _password_ok(request: HttpRequest) -> tuple[bool, str]:
    """Re-entered password, throttled per account from any address: whoever holds a stolen
    session chooses the IP, so an IP in the key would give five more guesses per address."""
    ip, who = "any", request.user.get_username()
    try:
        allowed = ratelimit.hit("reauth", ip, who)
    except ratelimit.Unavailable:
        return False, "The password check is briefly unavailable. Try again in a minute."
    if not allowed:
        return False, "Too many wrong passwords. Try again in 15 minutes."
    form = PasswordConfirmForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        ratelimit.reset("reauth", ip, who)
        return True, ""
    return False, "The password is not correct."


@require_POST
@member_required("reveal_key")
def key_reveal(request: HttpRequest) -> HttpResponse:
    ok, error = _password_ok(request)
    if not ok:
        return _developers(request, key_error=error, status=403)
    key = merchant_service.merchant_key_revealed(merchant=request.merchant, actor=actor(request))
    response = _developers(request, revealed=key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required("rotate_key")
def key_rotate(request: HttpRequest) -> HttpResponse:
    ok, error = _password_ok(request)
    if not ok:
        return _developers(request, key_error=error, status=403)
    overlap = OverlapForm(request.POST)
    if not overlap.is_valid():
        return _developers(request, key_error="Choose how long the old key keeps working.", status=400)
    try:
        key = merchant_service.merchant_key_rotate(
            merchant=request.merchant,
            actor=actor(request),
            overlap_hours=overlap.cleaned_data["overlap_hours"],
        )
    except ApplicationError as exc:
        return _developers(request, key_error=exc.message, status=400)
    response = _developers(request, revealed=key, rotated=True)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required("rotate_key")
def key_retire_previous(request: HttpRequest) -> HttpResponse:
    ok, error = _password_ok(request)
    if not ok:
        return _developers(request, key_error=error, status=403)
    try:
        merchant_service.merchant_previous_key_retire(merchant=request.merchant, actor=actor(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The old key no longer works. Only the current key is accepted.")
    return HttpResponseRedirect("/dashboard/developers/")


@require_POST
@member_required("notification_url")
def notification_url(request: HttpRequest) -> HttpResponse:
    form = NotificationUrlForm(request.POST)
    if not form.is_valid():
        return _developers(request, url_form=form, status=400)
    merchant_service.merchant_notification_url_set(
        merchant=request.merchant,
        url=form.cleaned_data["url"],
        actor=actor(request),
    )
    messages.success(request, "Default notification URL saved.")
    return HttpResponseRedirect("/dashboard/developers/")


@member_required()
def team(request: HttpRequest, invite_form: InviteForm | None = None) -> HttpResponse:
    """The team page; with a refused invitation's `invite_form`, its field messages (HTTP 400)."""
    return render(
        request,
        "dashboard/team.html",
        {
            "nav": "team",
            "members": members_list(merchant=request.merchant),
            "invitations": invitations_pending(merchant=request.merchant)
            if can(request.member, "team")
            else [],
            "can_manage": can(request.member, "team"),
            "invite_form": invite_form or InviteForm(),
            "roles": RoleForm.base_fields["role"].choices,
            "require_two_factor": request.merchant.require_two_factor,
            "me_two_factor": request.member.has_two_factor,
        },
        status=400 if invite_form is not None else 200,
    )


@post_or_back_to("/dashboard/team/")
@member_required("team")
def team_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():  # each field says what is wrong, next to what was typed
        return team(request, form)
    try:
        inv, token = merchant_service.invitation_create(
            merchant=request.merchant,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=actor(request),
        )
    except ApplicationError as exc:  # e.g. already a member: said at the e-mail typed
        form.add_error("email", exc.message)
        return team(request, form)
    # The link goes only to the invitee's mailbox (it is the key to the new account).
    accounts.invitation_send(invitation=inv, token=token)
    role = inv.get_role_display()
    messages.success(request, f"Invitation e-mailed to {inv.email} ({role}). It works for 7 days.")
    return HttpResponseRedirect("/dashboard/team/")


@require_POST
@member_required("team")
def team_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    try:
        accounts.member_remove(merchant=request.merchant, member_id=member_id, actor=actor(request))
        messages.success(request, "Member removed. Their sessions have ended.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/dashboard/team/")


@require_POST
@member_required("team")
def team_two_factor(request: HttpRequest) -> HttpResponse:
    required = request.POST.get("required") == "1"
    try:
        accounts.merchant_two_factor_require(
            merchant=request.merchant, required=required, actor=actor(request)
        )
        messages.success(
            request,
            "Two-factor sign-in is now required for every member."
            if required
            else "Two-factor sign-in is now each member's choice.",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/dashboard/team/")


@require_POST
@member_required("team")
def team_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        merchant_service.invitation_revoke(
            merchant=request.merchant,
            invitation_id=invitation_id,
            actor=actor(request),
        )
        messages.success(request, "Invitation revoked.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/dashboard/team/")


@require_POST
@member_required("team")
def team_role(request: HttpRequest, member_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("Unknown role")
        merchant_service.member_role_set(
            merchant=request.merchant,
            member_id=member_id,
            role=form.cleaned_data["role"],
            actor=actor(request),
        )
        messages.success(request, "Role updated.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/dashboard/team/")


@member_required()
def sandbox(request: HttpRequest, form: TestPaymentForm | None = None) -> HttpResponse:
    """The sandbox page; with a refused test payment's `form`, its field messages (HTTP 400)."""
    triggers, creds = sandbox_reference()
    return render(
        request,
        "dashboard/sandbox.html",
        {
            "nav": "sandbox",
            "sandbox_on": settings.SANDBOX,
            "triggers": triggers,
            "credentials": creds,
            "form": form or TestPaymentForm(),
            "can_pay": can(request.member, "test_payment"),
            "created": request.session.pop("test_payment", None),
            "partner_names": registry.display_names(),
        },
        status=400 if form is not None else 200,
    )


@post_or_back_to("/dashboard/sandbox/")
@member_required("test_payment")
def sandbox_payment(request: HttpRequest) -> HttpResponse:
    from .testpay import create_test_payment

    if not settings.SANDBOX:
        messages.error(request, "Test payments are only available in the sandbox.")
        return HttpResponseRedirect("/dashboard/sandbox/")
    form = TestPaymentForm(request.POST)
    if not form.is_valid():  # each field says what is wrong, next to what was typed
        return sandbox(request, form)
    try:
        created = create_test_payment(request.merchant, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/dashboard/sandbox/")
    request.session["test_payment"] = created
    return HttpResponseRedirect("/dashboard/sandbox/")
