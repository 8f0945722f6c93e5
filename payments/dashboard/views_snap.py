"""BI-SNAP credentials: client id and secret (reveal, rotate), the merchant's RSA public key
(paste or upload, fingerprint shown), and the gateway's public key for checking our notifications."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from payments import secrets as key_store
from payments.exceptions import PublicKeyInvalid
from payments.selectors.merchants import api_credential_get
from payments.services import api_credentials, gateway_keys

from .access import actor, can, member_required
from .forms import PasswordConfirmForm, PublicKeyForm
from .views_settings import _password_ok


def _page(
    request: HttpRequest,
    *,
    revealed: str = "",
    rotated: bool = False,
    secret_error: str = "",
    key_form: PublicKeyForm | None = None,
    key_saved: bool = False,
    status: int = 200,
) -> HttpResponse:
    merchant = request.merchant
    cred = api_credential_get(merchant=merchant)
    secret = cred.client_secret if cred else ""
    response = render(
        request,
        "dashboard/snap.html",
        {
            "nav": "developers",
            "merchant": merchant,
            "has_secret": bool(secret),
            "masked_secret": key_store.mask(secret) if secret else "",
            "revealed_secret": revealed,
            "rotated": rotated,
            "secret_error": secret_error,
            "public_key": cred.public_key_pem if cred else "",
            "fingerprint": _pairs(cred.public_key_fingerprint) if cred else "",
            "key_form": key_form or PublicKeyForm(),
            "key_saved": key_saved,
            "password_form": PasswordConfirmForm(),
            "gateway_key": gateway_keys.public_key(),
            "gateway_fingerprint": _pairs(gateway_keys.public_key().fingerprint),
            "can_reveal": can(request.member, "reveal_key"),
            "can_rotate": can(request.member, "rotate_key"),
            "api_base": settings.PUBLIC_BASE_URL,
            "token_seconds": settings.ACCESS_TOKEN_SECONDS,
        },
        status=status,
    )
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def _pairs(hex_digest: str) -> str:
    """A fingerprint as colon-separated pairs (AB:CD:…), as key tools print them."""
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()


@member_required()
def snap_credentials(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@member_required("reveal_key")
def snap_secret_reveal(request: HttpRequest) -> HttpResponse:
    ok, error = _password_ok(request)
    if not ok:
        return _page(request, secret_error=error, status=403)
    secret = api_credentials.client_secret_revealed(merchant=request.merchant, actor=actor(request))
    return _page(request, revealed=secret)


@require_POST
@member_required("rotate_key")
def snap_secret_rotate(request: HttpRequest) -> HttpResponse:
    ok, error = _password_ok(request)
    if not ok:
        return _page(request, secret_error=error, status=403)
    secret = api_credentials.client_secret_rotate(merchant=request.merchant, actor=actor(request))
    return _page(request, revealed=secret, rotated=True)


@require_POST
@member_required("rotate_key")
def snap_public_key(request: HttpRequest) -> HttpResponse:
    form = PublicKeyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, key_form=form, status=400)
    try:
        api_credentials.public_key_set(
            merchant=request.merchant, pem=form.cleaned_data["pem"], actor=actor(request)
        )
    except PublicKeyInvalid as exc:
        form.add_error("pem", exc.message)
        return _page(request, key_form=form, status=400)
    return _page(request, key_saved=True)
