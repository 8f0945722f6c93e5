"""The demo merchant store: a real V2 integration living beside the sandbox partners. Its payment
methods are the sandbox's partners, as the simulator registry lists them."""

from __future__ import annotations

import secrets

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..core import Simulator, by_mitra_cd, simulators
from ..merchant import DEMO_MERCHANT_NAME
from ..models import ShopLink, ShopNotification, ShopOrder
from ..triggers import DESCRIPTIONS, TRIGGERS
from .client import Customer, Item, V2Client, seller

PRODUCTS = {
    "tea": (gettext_lazy("Jasmine tea, 100 g"), 45000),
    "batik": (gettext_lazy("Batik shirt"), 350000),
    "speaker": (gettext_lazy("Bluetooth speaker"), 1250000),
}
DEFAULT_CUSTOMER = Customer()
HOSTED = "00"  # ShopOrder.mitra_cd of an order paid on the gateway's hosted page
# NICEPAY V2 status codes (inquiry `status`), in words for the shopper.
STATUS_WORDS = {
    "0": gettext_lazy("paid"),
    "1": gettext_lazy("voided"),
    "2": gettext_lazy("refunded"),
    "5": gettext_lazy("expired"),
    "8": gettext_lazy("failed"),
    "9": gettext_lazy("waiting for payment"),
}
# The store's own order states, and the gateway's resultMsg words it records after an inquiry.
ORDER_WORDS = {
    "new": gettext_lazy("new"),
    "registered": gettext_lazy("waiting for payment"),
    "refused": gettext_lazy("refused"),
    "linking": gettext_lazy("linking the account"),
    "link failed": gettext_lazy("account not linked"),
    "init": gettext_lazy("waiting for payment"),
    "unpaid": gettext_lazy("waiting for payment"),
    "processing": gettext_lazy("processing"),
    "paid": gettext_lazy("paid"),
    "void": gettext_lazy("voided"),
    "refund": gettext_lazy("refunded"),
    "expired": gettext_lazy("expired"),
    "failed": gettext_lazy("failed"),
}


def client() -> V2Client:
    return V2Client(base_url=settings.PUBLIC_BASE_URL)


def _base() -> str:
    return f"{settings.PUBLIC_BASE_URL}/sandbox/shop"


def _methods() -> list[tuple[str, list[Simulator]]]:
    partners = simulators()
    return [
        (_("E-wallet"), [s for s in partners if not s.pay_later]),
        (_("Pay later"), [s for s in partners if s.pay_later]),
    ]


def index(request: HttpRequest) -> HttpResponse:
    outcomes = [("", _("Success (normal)"))] + [
        (code, f"…{code}: {DESCRIPTIONS[name]}") for code, name in TRIGGERS.items()
    ]
    return render(
        request,
        "sandbox/shop/index.html",
        {
            "store_name": DEMO_MERCHANT_NAME,
            "products": PRODUCTS,
            "method_groups": _methods(),
            "outcomes": outcomes,
            "orders": [
                (o, ORDER_WORDS.get(o.state, o.state)) for o in ShopOrder.objects.order_by("-id")[:10]
            ],
            "notifications": ShopNotification.objects.order_by("-id")[:5],
            "customer": DEFAULT_CUSTOMER,
            "error": request.GET.get("error", ""),
        },
    )


def _refused(request: HttpRequest, order: ShopOrder, code: str, message: str) -> HttpResponse:
    ctx = {"store_name": DEMO_MERCHANT_NAME, "order": order, "reg": {"resultCd": code, "resultMsg": message}}
    return render(request, "sandbox/shop/refused.html", ctx, status=422)


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    product_key = request.POST.get("product", "")
    hosted = request.POST.get("hosted") == "1"  # the gateway's hosted page: the shopper chooses there
    partner = None if hosted else by_mitra_cd(request.POST.get("method", ""))
    outcome = request.POST.get("outcome", "")
    if (
        product_key not in PRODUCTS
        or (partner is None and not hosted)
        or (outcome and outcome not in TRIGGERS)
    ):
        return HttpResponseRedirect(
            "/sandbox/shop/?error=" + _("Please choose a product and a payment method")
        )
    name, price = PRODUCTS[product_key]
    amount = price - price % 1000 + int(outcome) if outcome else price
    order = ShopOrder.objects.create(
        reference_no=f"SHOP{secrets.token_hex(6).upper()}",
        product=str(name),
        amount=amount,
        mitra_cd=partner.mitra_cd if partner else HOSTED,
    )
    customer = Customer(
        name=request.POST.get("name") or DEFAULT_CUSTOMER.name,
        phone=request.POST.get("phone") or DEFAULT_CUSTOMER.phone,
        email=request.POST.get("email") or DEFAULT_CUSTOMER.email,
    )
    callback_url = f"{_base()}/result/{order.reference_no}"
    if partner is not None and partner.account_linking:
        return _linked_payment(order, partner, customer)
    body = client().registration_body(
        reference_no=order.reference_no,
        amount=amount,
        mitra_cd=partner.mitra_cd if partner else "",
        notify_url=f"{_base()}/notify",
        callback_url=callback_url,
        product=order.product,
        items=[Item(order.product, amount)],
        customer=customer,
        pay_later=bool(partner and partner.pay_later),
        sellers=[seller()] if hosted or partner.needs_sellers else None,
        hosted=hosted,
    )
    if hosted:
        body.pop("mitraCd")  # the shopper chooses on the hosted page
    try:
        reg = client().register_redirect(body) if hosted else client().register(body)
    except (requests.RequestException, ValueError):
        return HttpResponseRedirect("/sandbox/shop/?error=" + _("The gateway did not answer"))
    if reg.get("resultCd") != "0000":
        order.state = "refused"
        order.save(update_fields=["state"])
        return _refused(request, order, reg.get("resultCd", "-"), reg.get("resultMsg", ""))
    order.txid, order.state = reg["tXid"], "registered"
    order.save(update_fields=["txid", "state"])
    if hosted:  # NICEPAY's recipe: paymentURL + "?tXid=" + tXid
        return HttpResponseRedirect(f"{reg['paymentURL']}?tXid={reg['tXid']}")
    return HttpResponseRedirect(
        client().payment_url(
            txid=order.txid, reference_no=order.reference_no, amount=amount, callback_url=callback_url
        )
    )


def result(request: HttpRequest, reference_no: str) -> HttpResponse:
    """callBackUrl: never trust the query string; ask the gateway (Status Inquiry)."""
    order = get_object_or_404(ShopOrder, reference_no=reference_no)
    if not order.txid and request.GET.get("tXid"):  # a linked payment: the tXid arrives with the callback
        order.txid = request.GET["tXid"][:30]
        order.save(update_fields=["txid"])
    callback_txid = request.GET.get("tXid", "")[:30]
    if order.mitra_cd == HOSTED and callback_txid and callback_txid != order.txid:
        # Another attempt on the hosted page paid it: adopt its tXid once the gateway confirms it
        # belongs to this order (inquiry checks tXid + referenceNo + amt).
        found = client().inquiry(txid=callback_txid, reference_no=order.reference_no, amount=order.amount)
        if found.get("resultCd") == "0000":
            order.txid = callback_txid
            order.save(update_fields=["txid"])
    status = {}
    if order.txid:
        try:
            status = client().inquiry(txid=order.txid, reference_no=order.reference_no, amount=order.amount)
        except (requests.RequestException, ValueError):
            status = {"resultCd": "9999", "resultMsg": "gateway unreachable"}
        if status.get("resultCd") == "0000":
            order.state = status.get("resultMsg", order.state)
            order.save(update_fields=["state"])
    notes = ShopNotification.objects.filter(txid=order.txid).order_by("id") if order.txid else []
    return render(
        request,
        "sandbox/shop/result.html",
        {
            "store_name": DEMO_MERCHANT_NAME,
            "order": order,
            "status": status,
            "status_word": STATUS_WORDS.get(str(status.get("status", ""))),
            "notes": notes,
        },
    )


@csrf_exempt  # the gateway's server notification (dbProcessUrl), verified by its own signature
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """Checked as a merchant would (docs/notifications.md): X-Payloan-Signature over the raw body,
    and the merchantToken the notification carries. Every one is recorded, valid or not."""
    form = {k: v for k, v in request.POST.items()}
    header = request.headers.get("X-Payloan-Signature", "")
    valid = client().notification_valid(form, raw_body=request.body, signature_header=header)
    ShopNotification.objects.create(
        txid=form.get("tXid", "")[:30],
        payload=form,
        token_valid=valid,
        signature_valid=client().signature_valid(request.body, header) if header else None,
    )
    return HttpResponse("OK" if valid else "invalid notification", status=200 if valid else 400)


def _linked_payment(order: ShopOrder, partner: Simulator, customer: Customer) -> HttpResponse:
    """A partner that pays only from a linked account: link once (linkEnable), then pay
    (linkInitiate) with the mandate the store remembers for this phone."""
    link = ShopLink.objects.filter(phone=customer.phone, linked=True).first()
    order.state = "linking" if link is None else "registered"
    order.save(update_fields=["state"])
    base = _base()
    if link is None:
        return HttpResponseRedirect(
            client().link_enable_url(
                reference_no=f"LNK{order.reference_no}",
                mitra_cd=partner.mitra_cd,
                customer=customer,
                notify_url=f"{base}/notify",
                callback_url=f"{base}/linked/{order.reference_no}?phone={customer.phone}",
            )
        )
    return HttpResponseRedirect(
        client().link_initiate_url(
            mandate_id=link.mandate_id,
            reference_no=order.reference_no,
            amount=order.amount,
            product=order.product,
            customer=customer,
            notify_url=f"{base}/notify",
            callback_url=f"{base}/result/{order.reference_no}",
        )
    )


def linked(request: HttpRequest, reference_no: str) -> HttpResponse:
    """Back from linking: remember the mandate, then pay the order with it."""
    order = get_object_or_404(ShopOrder, reference_no=reference_no)
    partner = by_mitra_cd(order.mitra_cd)
    phone = request.GET.get("phone", "")
    if partner is None or not partner.account_linking:
        return _refused(request, order, "-", _("This order does not pay from a linked account."))
    if request.GET.get("resultCd") != "0000" or not request.GET.get("mandateID") or not phone:
        order.state = "link failed"
        order.save(update_fields=["state"])
        return _refused(
            request, order, request.GET.get("resultCd", "-"), request.GET.get("resultMsg", _("not linked"))
        )
    ShopLink.objects.update_or_create(
        phone=phone, defaults={"mandate_id": request.GET["mandateID"], "linked": True}
    )
    return _linked_payment(order, partner, Customer(phone=phone))
