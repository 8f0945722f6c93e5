"""The hosted checkout page: the methods that fit, each method's own step, the outcome of an
attempt (receipt, or a reason and "try another method"). Thin: rules live in
payments.services.checkout and payments.selectors.checkout."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from payments import customer_access
from payments.exceptions import ApplicationError, InvalidInput
from payments.models import Transaction
from payments.nicepay import responses
from payments.nicepay.views import with_params
from payments.selectors.checkout import (
    Method,
    checkout_failure,
    checkout_latest_attempt,
    checkout_methods,
)
from payments.services import checkout as checkout_service
from payments.services.payment import action_from_dict
from payments.status import Status
from providers.base.types import Deeplink, NextAction, PartnerKind, PushToApp, Redirect

from .forms import PayLaterForm, PhoneForm
from .pages import customer_page, error_page, is_phone, order_context

PAID_STATES = (Status.PAID, Status.VOID, Status.REFUND)


def _methods(txn: Transaction) -> list[Method]:
    checkout = txn.checkout
    return checkout_methods(
        merchant=txn.merchant,
        amount=txn.amount,
        pay_method=checkout.pay_method,
        mitra_cd=checkout.mitra_cd,
    )


def _back_to_shop(txn: Transaction) -> str:
    return with_params(txn.callback_url, responses.callback_params(txn)) if txn.callback_url else ""


def _needs_form(method: Method) -> bool:
    return method.pushes_to_app or method.kind == PartnerKind.PAYLOAN


@require_GET
@customer_page
def checkout_page(request: HttpRequest, txn: Transaction) -> HttpResponse:
    if txn.checkout_id is None:
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "return"))
    latest = checkout_latest_attempt(checkout=txn.checkout)
    if latest.pk != txn.pk:
        return HttpResponseRedirect(customer_access.page_path(latest.txid))
    ctx = {**order_context(txn), "back_url": _back_to_shop(txn)}
    checkout_open = txn.checkout.expires_at > timezone.now()
    if txn.status in PAID_STATES and txn.paid_at:
        return render(request, "hosted/receipt.html", {**ctx, "show_countdown": False})
    if txn.status_enum.is_open and not checkout_open:
        return render(request, "hosted/closed.html", {**ctx, "show_countdown": False})
    if txn.status_enum.is_open:
        action = txn.partner_data.get("action")
        if action:
            return _started(request, txn, action_from_dict(action), ctx)
        methods = _methods(txn)
        return render(
            request,
            "hosted/checkout.html",
            {
                **ctx,
                "groups": [
                    (_("E-wallets"), [m for m in methods if m.kind == PartnerKind.EWALLET]),
                    (_("Pay later"), [m for m in methods if m.kind == PartnerKind.PAYLOAN]),
                ],
                "with_form": {m.mitra_cd for m in methods if _needs_form(m)},
            },
        )
    failure = checkout_failure(txn=txn)
    return render(
        request,
        "hosted/failed.html",
        {**ctx, "failure": failure, "can_retry": checkout_open, "show_countdown": False},
    )


def _started(request: HttpRequest, txn: Transaction, action: NextAction, ctx: dict) -> HttpResponse:
    """Back on our page while the partner step is open (browser back, or a second tab)."""
    if isinstance(action, PushToApp):
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "wait"))
    url = action.url if isinstance(action, Redirect) else action.url_http
    app_url = action.url_app if isinstance(action, Deeplink) else ""
    return render(request, "hosted/started.html", {**ctx, "partner_url": url, "app_url": app_url})


def _next(request: HttpRequest, txn: Transaction, action: NextAction, method: Method) -> HttpResponse:
    if isinstance(action, PushToApp):
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "wait"))
    if isinstance(action, Deeplink) and action.url_app and is_phone(request):
        return render(
            request,
            "hosted/started.html",
            {
                **order_context(txn),
                "partner_url": action.url_http,
                "app_url": action.url_app,
                "method": method,
            },
        )
    return HttpResponseRedirect(action.url if isinstance(action, Redirect) else action.url_http)


def _method_form(txn: Transaction, method: Method, data: dict | None = None):  # noqa: ANN202
    if method.kind == PartnerKind.PAYLOAN:
        return PayLaterForm(data, tenors=method.tenors, ask_delivery=checkout_service.delivery_missing(txn))
    if method.pushes_to_app:
        return PhoneForm(data)
    return None


@require_http_methods(["GET", "POST"])
@customer_page
def method_page(request: HttpRequest, txn: Transaction, mitra_cd: str) -> HttpResponse:
    """GET: the method's own step (OVO number, pay-later plan and address). POST: pay with it."""
    if txn.checkout_id is None:
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "return"))
    method = next((m for m in _methods(txn) if m.mitra_cd == mitra_cd), None)
    if method is None or not txn.status_enum.is_open or txn.partner_data.get("action"):
        return HttpResponseRedirect(customer_access.page_path(txn.txid))
    form = _method_form(txn, method, request.POST if request.method == "POST" else None)
    if request.method == "GET" or (form is not None and not form.is_valid()):
        if form is None:
            return HttpResponseRedirect(customer_access.page_path(txn.txid))
        status = 400 if request.method == "POST" else 200
        return render(
            request,
            "hosted/method.html",
            {**order_context(txn), "method": method, "form": form},
            status=status,
        )
    choice = checkout_service.MethodChoice(
        mitra_cd=method.mitra_cd,
        phone=form.cleaned_data["phone"] if isinstance(form, PhoneForm) else "",
        tenor=form.cleaned_data["tenor"] if isinstance(form, PayLaterForm) else "",
        delivery=form.delivery() if isinstance(form, PayLaterForm) else {},
    )
    return _pay(request, txn, method, choice, form)


def _pay(
    request: HttpRequest,
    txn: Transaction,
    method: Method,
    choice: checkout_service.MethodChoice,
    form=None,  # noqa: ANN001
) -> HttpResponse:
    try:
        if method.links_account:
            finish = customer_access.page_url(txn.txid, "linked")
            outcome = checkout_service.checkout_pay_linked(txn=txn, choice=choice, finish_url=finish)
            if isinstance(outcome, str):
                return HttpResponseRedirect(outcome)
            return _next(request, txn, outcome, method)
        return _next(request, txn, checkout_service.checkout_choose_method(txn=txn, choice=choice), method)
    except InvalidInput as exc:
        txn.refresh_from_db()
        ctx = {**order_context(txn), "method": method, "form": form, "problem": exc}
        return render(request, "hosted/method.html", ctx, status=422)
    except ApplicationError as exc:
        txn.refresh_from_db()
        return error_page(request, exc, txn)


@require_GET
@customer_page
def astrapay_linked(request: HttpRequest, txn: Transaction) -> HttpResponse:
    """Back from the partner's linking page: pay with the account just linked."""
    method = next((m for m in _methods(txn) if m.links_account), None) if txn.checkout_id else None
    if method is None or not txn.status_enum.is_open or txn.partner_data.get("action"):
        return HttpResponseRedirect(customer_access.page_path(txn.txid))
    if request.GET.get("linkStatus") != "linked":
        return render(request, "hosted/link_failed.html", order_context(txn), status=200)
    return _pay(request, txn, method, checkout_service.MethodChoice(mitra_cd=method.mitra_cd))


@require_POST
@customer_page
def retry(request: HttpRequest, txn: Transaction) -> HttpResponse:
    """Try another method on the same order."""
    if txn.checkout_id is None:
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "return"))
    try:
        attempt = checkout_service.checkout_new_attempt(txn=txn)
    except ApplicationError:
        return HttpResponseRedirect(customer_access.page_path(txn.txid))
    return HttpResponseRedirect(customer_access.page_path(attempt.txid))


@require_POST
@customer_page
def abandon(request: HttpRequest, txn: Transaction) -> HttpResponse:
    """Leave the open attempt: back to the methods, to a new OVO number, or to the shop."""
    then = request.POST.get("then", "methods")
    txn = checkout_service.checkout_abandon_attempt(txn=txn)
    if txn.checkout_id is None or then == "shop":
        back = _back_to_shop(txn)
        return HttpResponseRedirect(back or customer_access.page_path(txn.txid))
    try:
        attempt = checkout_service.checkout_new_attempt(txn=txn)
    except ApplicationError:
        return HttpResponseRedirect(customer_access.page_path(txn.txid))
    if then == "phone":
        phone_method = next((m for m in _methods(attempt) if m.pushes_to_app), None)
        if phone_method is not None:
            return HttpResponseRedirect(
                customer_access.page_path(attempt.txid, f"method/{phone_method.mitra_cd}")
            )
    return HttpResponseRedirect(customer_access.page_path(attempt.txid))
