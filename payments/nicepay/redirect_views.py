"""NICEPAY's V2 redirect ("API Checkout" / "Professional") API: registration, and the payment
page entry the merchant sends the shopper to (nicepay-v2.md §1, NICEPAY "Registration - API
Checkout" and "Payment - API Checkout"). Thin: parse, authenticate, call one service."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from payments import customer_access
from payments.exceptions import (
    ApplicationError,
    PaymentLinkIncomplete,
    PaymentStartedElsewhere,
    TooManyAttempts,
    TransactionNotFound,
)
from payments.hosted import throttle
from payments.hosted.pages import error_page
from payments.models import Transaction
from payments.selectors.checkout import checkout_settings_get, checkout_untouched
from payments.selectors.transactions import transaction_get_public
from payments.services import checkout as checkout_service

from . import requests as wire_requests
from . import responses
from .auth import registration_merchant
from .views import nicepay_json
from .wire import TIME_STAMP, Field, parse_valid_until, text

# The redirect registration takes the direct registration's fields; payMethod may be 00 and
# mitraCd is optional. The VA and card fields a checkout client may send are accepted and unused.
# (All it checks is REDIRECT_FIELDS, printed on /docs/.)
CHECKOUT_EXTRA = [
    Field("bankCd", "A", 4, required=False),
    Field("vacctValidDt", "N", 8, required=False),
    Field("vacctValidTm", "N", 6, required=False),
    Field("merFixAcctId", "ANS", 40, required=False),
    Field("paymentExpDt", "N", 8, required=False),
    Field("paymentExpTm", "N", 6, required=False),
]


def payment_url_base(txid: str) -> str:
    """NICEPAY answers paymentURL and the merchant opens paymentURL + "?tXid=" + tXid. Ours
    carries the page's secret in its path, so that link is unguessable."""
    return f"{settings.PUBLIC_BASE_URL}/nicepay/redirect/v2/payment/{customer_access.page_token(txid)}"


@nicepay_json
def registration_view(body: dict[str, Any], *, remote_addr: str) -> dict:
    merchant = registration_merchant(body, "redirect registration")
    extra = {f.name: text(body, f) for f in CHECKOUT_EXTRA}
    _, data = wire_requests.registration_data(body, remote_addr=remote_addr, checkout=True)
    if data.pay_valid_until is None and extra["paymentExpDt"]:
        data = wire_requests.with_valid_until(
            data, parse_valid_until(extra["paymentExpDt"], extra["paymentExpTm"])
        )
    txn = checkout_service.checkout_register(merchant=merchant, data=data)
    return {**responses.registration(txn), "paymentURL": payment_url_base(txn.txid)}


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_page(request, exc)


@require_GET
def payment_view(request: HttpRequest, token: str = "") -> HttpResponse:
    """The shopper's entry: /redirect/v2/payment?tXid=... (NICEPAY's form) or our paymentURL,
    which adds the page secret. Either way the shopper lands on the hosted page."""
    address = throttle.client_address(request)
    txid = request.GET.get("tXid", "")[:30]
    if token:  # our paymentURL: a right secret is always served, only misses count
        txn = transaction_get_public(txid=txid) if customer_access.token_valid(txid, token) else None
        found = txn is not None and txn.checkout_id is not None
        if not found and not throttle.count_miss(address):
            return _refused(request, TooManyAttempts())
    else:  # the tXid alone is guessable: every look-up counts until it finds its checkout
        if not throttle.count_miss(address):
            return _refused(request, TooManyAttempts())
        txn = transaction_get_public(txid=txid) if txid else None
        found = txn is not None and txn.checkout_id is not None
        if found:
            throttle.give_back(address)
    if not found:
        return _refused(
            request, TransactionNotFound("We could not find this payment. Please start again from the shop.")
        )
    page = HttpResponseRedirect(customer_access.page_path(txn.txid))
    add_never_cache_headers(page)  # it carries the page secret
    if token:
        return _with_claim(request, page, txn)
    if not checkout_settings_get(merchant=txn.merchant).accept_txid_only_links:
        return _refused(request, PaymentLinkIncomplete())
    # Whoever opens a tXid-only link gets the page, which can change or abandon the payment. So it
    # is handed out only until someone chooses a method, and after that only to a browser that
    # opened the payment before (its claim cookie).
    if checkout_untouched(txn=txn):
        return _with_claim(request, page, txn)
    if customer_access.token_valid(txn.txid, request.COOKIES.get(_claim_name(txn.txid), "")):
        return page
    return _refused(request, PaymentStartedElsewhere())


def _claim_name(txid: str) -> str:
    return f"pl_claim_{txid}"


def _with_claim(request: HttpRequest, page: HttpResponse, txn: Transaction) -> HttpResponse:
    """`page`, with the cookie that lets this browser open the payment again by its tXid alone:
    the page secret, HttpOnly, sent only to the payment entry (signed or tXid-only)."""
    page.set_cookie(
        _claim_name(txn.txid),
        customer_access.page_token(txn.txid),
        max_age=max(60, int((txn.checkout.expires_at - timezone.now()).total_seconds())),
        path=reverse("nicepay:redirect-payment"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return page


REDIRECT_FIELDS = [
    TIME_STAMP,
    wire_requests.AMT,
    # userIP may be left out: registration_data fills in the caller's address (checkout=True).
    *(replace(f, required=False) if f.name == "userIP" else f for f in wire_requests.CHECKOUT_FIELDS),
    *wire_requests.OPTIONAL_AMOUNTS,
    *CHECKOUT_EXTRA,
]
