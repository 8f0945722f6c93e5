"""A payment link's public page (/l/<code>): who pays, then the hosted checkout. The link's code
is its secret: random, 128 bits; misses count against the client's address like every page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from payments import customer_access
from payments import exceptions as err
from payments.exceptions import ApplicationError
from payments.selectors.checkout import checkout_settings_get, payment_link_get
from payments.services import payment_links

from . import throttle
from .forms import PayerForm
from .pages import error_page, miss, use_merchant_language


@require_http_methods(["GET", "POST"])
def payment_link_page(request: HttpRequest, code: str) -> HttpResponse:
    address = throttle.client_address(request)
    link = payment_link_get(code=code[:64])
    if link is None:
        return miss(request)
    use_merchant_language(request, link.merchant)
    form = PayerForm(request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        payer = payment_links.Payer(**form.cleaned_data)
        try:
            txn = payment_links.payment_link_pay(link=link, payer=payer, user_ip=address)
        except ApplicationError as exc:
            problem = exc
        else:
            return HttpResponseRedirect(customer_access.page_path(txn.txid))
    settings_ = checkout_settings_get(merchant=link.merchant)
    ctx = {
        "link": link,
        "form": form,
        "problem": problem,
        "shop_name": settings_.display_name or link.merchant.name,
        "logo_url": f"/checkout-logo/{link.merchant.imid}/{settings_.logo_version}" if settings_.logo else "",
        "state": payment_links.payment_link_state_of(link),
    }
    if ctx["state"] == "used" and problem is None:  # paid: the payer must not read "expired, nothing charged"
        return render(request, "hosted/link_used.html", ctx, status=410)
    if ctx["state"] != "active" and problem is None:
        return error_page(request, err.PaymentLinkClosed(state=ctx["state"]))
    status = 200 if request.method == "GET" else (422 if problem else 400)
    return render(request, "hosted/payment_link.html", ctx, status=status)
