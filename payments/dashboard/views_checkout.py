"""Hosted checkout in the dashboard: payment links (create, list with their payments, QR code)
and the checkout's settings (name, logo, language, methods). Reads are scoped to the member's
merchant in payments.selectors.checkout; writes go through services."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from payments import exceptions as err
from payments.exceptions import ApplicationError
from payments.selectors import checkout as sel
from payments.services import payment_links
from payments.services.checkout_settings import CheckoutSettingsData, checkout_settings_update

from .access import actor, can, forbidden, member_required, post_or_back_to
from .forms_checkout import CheckoutSettingsForm, PaymentLinkForm

SETTINGS_FIELD_OF = {
    err.LogoInvalid: "logo",
    err.NoMethodEnabled: "methods",
    err.LanguageNotOffered: "default_language",
}


def link_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/l/{code}"


def _links_page(request: HttpRequest, form: PaymentLinkForm, status: int = 200) -> HttpResponse:
    links = list(sel.payment_links_for_merchant(merchant=request.merchant)[:100])
    for link in links:
        link.state = sel.payment_link_state(link=link, paid_count=link.paid_count)
        link.url = link_url(link.code)
    return render(
        request,
        "dashboard/links.html",
        {"nav": "links", "links": links, "form": form, "can_create": can(request.member, "payment_links")},
        status=status,
    )


@member_required()
def links(request: HttpRequest) -> HttpResponse:
    return _links_page(request, PaymentLinkForm())


@post_or_back_to("/dashboard/links/")
@member_required("payment_links")
def link_create(request: HttpRequest) -> HttpResponse:
    form = PaymentLinkForm(request.POST)
    if not form.is_valid():
        return _links_page(request, form, status=400)
    try:
        link = payment_links.payment_link_create(
            merchant=request.merchant, actor=actor(request), **form.cleaned_data
        )
    except (err.PaymentLinkAmountInvalid, err.PaymentLinkExpiryInPast) as exc:
        field = "amount" if isinstance(exc, err.PaymentLinkAmountInvalid) else "expires_at"
        form.add_error(field, exc.message)
        return _links_page(request, form, status=400)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _links_page(request, form, status=400)
    messages.success(request, "Payment link created. Share the link or its QR code.")
    return HttpResponseRedirect(f"/dashboard/links/{link.pk}/")


@member_required()
def link_detail(request: HttpRequest, link_id: int) -> HttpResponse:
    link = sel.payment_link_for_merchant(merchant=request.merchant, link_id=link_id)
    if link is None:
        raise Http404("no such link")
    url = link_url(link.code)
    qr = segno.make(url, error="m").svg_inline(scale=5, dark="#16181d", light="#ffffff")
    return render(
        request,
        "dashboard/link_detail.html",
        {
            "nav": "links",
            "link": link,
            "url": url,
            "qr_svg": mark_safe(qr),  # noqa: S308 - segno's own SVG of our URL
            "state": sel.payment_link_state(link=link, paid_count=link.paid_count),
            "payments": sel.payment_link_transactions(link=link)[:200],
            "can_edit": can(request.member, "payment_links"),
        },
    )


@require_POST
@member_required("payment_links")
def link_active(request: HttpRequest, link_id: int) -> HttpResponse:
    link = sel.payment_link_for_merchant(merchant=request.merchant, link_id=link_id)
    if link is None:
        raise Http404("no such link")
    active = request.POST.get("active") == "1"
    payment_links.payment_link_set_active(link=link, active=active, actor=actor(request))
    messages.success(
        request, "The link accepts payments again." if active else "The link no longer accepts payments."
    )
    return HttpResponseRedirect(f"/dashboard/links/{link.pk}/")


def _settings_initial(request: HttpRequest) -> dict:
    found = sel.checkout_settings_get(merchant=request.merchant)
    disabled = set(found.disabled_methods or [])
    return {
        "display_name": found.display_name,
        "default_language": found.default_language,
        "methods": [m.mitra_cd for m in sel.methods_all() if m.mitra_cd not in disabled],
        "accept_txid_only_links": found.accept_txid_only_links,
    }


@member_required()
def checkout_settings(request: HttpRequest) -> HttpResponse:
    found = sel.checkout_settings_get(merchant=request.merchant)
    editable = can(request.member, "checkout_settings")
    status = 200
    if request.method == "POST" and not editable:
        return forbidden(request, f"Your role ({request.member.role}) does not allow this action.")
    if request.method == "POST":
        form = CheckoutSettingsForm(request.POST, request.FILES)
        if form.is_valid():
            logo = form.cleaned_data["logo"]
            data = CheckoutSettingsData(
                display_name=form.cleaned_data["display_name"],
                default_language=form.cleaned_data["default_language"] or "",
                enabled_methods=tuple(form.cleaned_data["methods"]),
                accept_txid_only_links=form.cleaned_data["accept_txid_only_links"],
                logo=logo.read(300 * 1024) if logo else None,
                remove_logo=form.cleaned_data["remove_logo"],
            )
            try:
                checkout_settings_update(merchant=request.merchant, data=data, actor=actor(request))
            except ApplicationError as exc:
                form.add_error(SETTINGS_FIELD_OF.get(type(exc)), exc.message)
            else:
                messages.success(request, "Checkout settings saved.")
                return HttpResponseRedirect("/dashboard/checkout/")
        status = 400
    else:
        form = CheckoutSettingsForm(initial=_settings_initial(request))
    return render(
        request,
        "dashboard/checkout_settings.html",
        {
            "nav": "checkout",
            "form": form,
            "editable": editable,
            "logo_url": f"/checkout-logo/{request.merchant.imid}/{found.logo_version}" if found.logo else "",
        },
        status=status,
    )
