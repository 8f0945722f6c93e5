"""What every customer page shares: the secret in its URL, the per-address miss limit, the
merchant's default language, and the finished error page."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from payments import customer_access
from payments.exceptions import ApplicationError, PaymentStarting, TooManyAttempts, TransactionNotFound
from payments.models import Merchant, Transaction
from payments.nicepay.errors import answer
from payments.selectors.checkout import checkout_settings_get
from payments.selectors.transactions import transaction_get_public
from providers import registry

from . import throttle

MOBILE = re.compile(r"Mobi|Android|iPhone|iPad", re.IGNORECASE)


def use_merchant_language(request: HttpRequest, merchant: Merchant) -> None:
    """The shopper's own choice (the switch's cookie) wins; then the merchant's default, when
    set; otherwise LocaleMiddleware's pick from Accept-Language stands."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return
    default = checkout_settings_get(merchant=merchant).default_language
    if default:
        translation.activate(default)
        request.LANGUAGE_CODE = default


def error_page(request: HttpRequest, exc: ApplicationError, txn: Transaction | None = None) -> HttpResponse:
    """The finished error page; its reference code is the V2 result code merchants know. A payment
    another request is starting right now is no error: the starting page asks again."""
    if isinstance(exc, PaymentStarting):
        return starting_page(request, txn)
    shown = answer(exc)
    ctx = {**order_context(txn), "show_countdown": False} if txn is not None else {}
    return render(request, "hosted/error.html", {**ctx, "error": shown}, status=shown.http_status)


def starting_page(request: HttpRequest, txn: Transaction | None = None) -> HttpResponse:
    """Another request (a second tab, a double submit) is asking the partner for this payment's
    next step: this page sends the same step again after a second (the same query, or the same
    form fields posted again), by when that request has the partner's answer, which this browser
    then gets too. HTTP 202, no web thread held while the partner answers."""
    ctx = {**order_context(txn), "show_countdown": False} if txn is not None else {}
    fields = list(request.POST.items()) if request.method == "POST" else []
    again = {"method": request.method, "fields": fields, "again": request.get_full_path()}
    return render(request, "hosted/starting.html", {**ctx, **again}, status=202)


def not_found(request: HttpRequest) -> HttpResponse:
    """No data at all: the same answer for an unknown tXid and a wrong token."""
    return error_page(request, TransactionNotFound(_("We could not find this payment.")))


def too_many(request: HttpRequest) -> HttpResponse:
    return error_page(
        request, TooManyAttempts(_("Too many attempts from your network. Please wait a few minutes."))
    )


def miss(request: HttpRequest) -> HttpResponse:
    """A wrong or unknown secret: counted against the client's address, refused past its limit."""
    if throttle.count_miss(throttle.client_address(request)):
        return not_found(request)
    return too_many(request)


def customer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """/pay/<tXid>/<token>/...: the view gets the transaction only when the token is right; a right
    token is always served, whatever misses its address has made (payments/hosted/throttle.py)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, txid: str, token: str, *args: object, **kwargs: object) -> HttpResponse:
        txn = transaction_get_public(txid=txid) if customer_access.token_valid(txid, token) else None
        if txn is None:
            return miss(request)
        use_merchant_language(request, txn.merchant)
        return view(request, txn, *args, **kwargs)

    return wrapper


def is_phone(request: HttpRequest) -> bool:
    return bool(MOBILE.search(request.META.get("HTTP_USER_AGENT", "")))


def order_context(txn: Transaction) -> dict:
    """What every checkout page shows: shop, items, amount, time left. No shopper data."""
    settings_ = checkout_settings_get(merchant=txn.merchant)
    items = [
        {
            "name": item.get("name") or txn.goods_name,
            "quantity": item.get("quantity", 1),
            "total": item.get("unit_price", 0) * item.get("quantity", 1),
        }
        for item in txn.cart_data.get("items", ())
        if item.get("unit_price")
    ]
    checkout = txn.checkout
    names = registry.display_names()
    return {
        "txn": txn,
        "shop_name": settings_.display_name or txn.merchant.name,
        "logo_url": f"/checkout-logo/{txn.merchant.imid}/{settings_.logo_version}" if settings_.logo else "",
        "items": items,
        "expires_at": checkout.expires_at if checkout else txn.expires_at,
        "page_url": customer_access.page_path(txn.txid),
        "method_name": names.get(txn.mitra_cd, ""),
        "show_countdown": checkout is not None and txn.status_enum.is_open,
    }
