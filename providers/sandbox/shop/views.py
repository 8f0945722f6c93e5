"""The demo merchant store: a real V2 integration living beside the sandbox partners."""

from __future__ import annotations

import secrets

import requests
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import ShopLink, ShopNotification, ShopOrder
from ..triggers import DESCRIPTIONS, TRIGGERS
from . import client

PRODUCTS = {
    "tea": ("Jasmine tea, 100 g", 45000),
    "batik": ("Batik shirt", 350000),
    "speaker": ("Bluetooth speaker", 1250000),
}
HOSTED = "00"  # ShopOrder.mitra_cd of an order paid on the gateway's hosted page
METHODS = [
    ("ESHP", "ShopeePay"),
    ("OVOE", "OVO"),
    ("DANA", "DANA"),
    ("LINK", "LinkAja"),
    ("ASTR", "AstraPay"),
    ("AKLP", "Akulaku PayLater"),
    ("KDVI", "Kredivo"),
    ("IDNA", "Indodana"),
]


def _base(request: HttpRequest) -> str:
    return f"{client.gateway().rsplit('/nicepay', 1)[0]}/sandbox/shop"


def index(request: HttpRequest) -> HttpResponse:
    outcomes = [("", "Success (normal)")] + [
        (code, f"…{code}: {DESCRIPTIONS[name]}") for code, name in TRIGGERS.items()
    ]
    return render(
        request,
        "sandbox/shop/index.html",
        {
            "products": PRODUCTS,
            "methods": METHODS,
            "outcomes": outcomes,
            "orders": ShopOrder.objects.order_by("-id")[:10],
            "error": request.GET.get("error", ""),
        },
    )


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    product_key = request.POST.get("product", "")
    hosted = request.POST.get("hosted") == "1"  # the gateway's hosted page: the shopper chooses there
    mitra = HOSTED if hosted else request.POST.get("method", "")
    outcome = request.POST.get("outcome", "")
    if (
        product_key not in PRODUCTS
        or mitra not in dict(METHODS) | {HOSTED: ""}
        or (outcome and outcome not in TRIGGERS)
    ):
        return HttpResponseRedirect("/sandbox/shop/?error=Please+choose+a+product+and+a+payment+method")
    name, price = PRODUCTS[product_key]
    amount = price - price % 1000 + int(outcome) if outcome else price
    order = ShopOrder.objects.create(
        reference_no=f"SHOP{secrets.token_hex(6).upper()}", product=name, amount=amount, mitra_cd=mitra
    )
    customer = {
        "name": request.POST.get("name") or "Budi Santoso",
        "phone": request.POST.get("phone") or "081234567890",
        "email": request.POST.get("email") or "budi@example.com",
    }
    base = _base(request)
    callback_url = f"{base}/result/{order.reference_no}"
    if mitra == "ASTR":
        return _astrapay(order, customer, base, callback_url)
    try:
        reg = client.register(
            reference_no=order.reference_no,
            amount=amount,
            mitra_cd=mitra,
            product=name,
            customer=customer,
            notify_url=f"{base}/notify",
            callback_url=callback_url,
            hosted=hosted,
        )
    except (requests.RequestException, ValueError):
        return HttpResponseRedirect("/sandbox/shop/?error=The+gateway+did+not+answer")
    if reg.get("resultCd") != "0000":
        order.state = "refused"
        order.save(update_fields=["state"])
        return render(request, "sandbox/shop/refused.html", {"order": order, "reg": reg}, status=422)
    order.txid, order.state = reg["tXid"], "registered"
    order.save(update_fields=["txid", "state"])
    if hosted:  # NICEPAY's recipe: paymentURL + "?tXid=" + tXid
        return HttpResponseRedirect(f"{reg['paymentURL']}?tXid={reg['tXid']}")
    return HttpResponseRedirect(
        client.payment_url(
            txid=order.txid, reference_no=order.reference_no, amount=amount, callback_url=callback_url
        )
    )


def result(request: HttpRequest, reference_no: str) -> HttpResponse:
    """callBackUrl: never trust the query string; ask the gateway (Status Inquiry)."""
    order = get_object_or_404(ShopOrder, reference_no=reference_no)
    if not order.txid and request.GET.get("tXid"):  # AstraPay: the tXid arrives with the callback
        order.txid = request.GET["tXid"][:30]
        order.save(update_fields=["txid"])
    callback_txid = request.GET.get("tXid", "")[:30]
    if order.mitra_cd == HOSTED and callback_txid and callback_txid != order.txid:
        # Another attempt on the hosted page paid it: adopt its tXid once the gateway confirms it
        # belongs to this order (inquiry checks tXid + referenceNo + amt).
        found = client.inquiry(txid=callback_txid, reference_no=order.reference_no, amount=order.amount)
        if found.get("resultCd") == "0000":
            order.txid = callback_txid
            order.save(update_fields=["txid"])
    status = {}
    if order.txid:
        try:
            status = client.inquiry(txid=order.txid, reference_no=order.reference_no, amount=order.amount)
        except (requests.RequestException, ValueError):
            status = {"resultCd": "9999", "resultMsg": "gateway unreachable"}
        if status.get("resultCd") == "0000":
            order.state = status.get("resultMsg", order.state)
            order.save(update_fields=["state"])
    notes = ShopNotification.objects.filter(txid=order.txid).order_by("id") if order.txid else []
    return render(
        request,
        "sandbox/shop/result.html",
        {"order": order, "status": status, "callback": request.GET, "notes": notes},
    )


@csrf_exempt  # the gateway's server notification (dbProcessUrl)
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    form = {k: v for k, v in request.POST.items()}
    valid = client.link_notification_valid(form) if "mandateID" in form else client.notification_valid(form)
    ShopNotification.objects.create(txid=form.get("tXid", "")[:30], payload=form, token_valid=valid)
    return HttpResponse("OK" if valid else "invalid token", status=200 if valid else 400)


def _astrapay(order: ShopOrder, customer: dict[str, str], base: str, callback_url: str) -> HttpResponse:
    """AstraPay pays only from a linked account: link once (linkEnable), then pay (linkInitiate)."""
    link = ShopLink.objects.filter(phone=customer["phone"], linked=True).first()
    order.state = "linking" if link is None else "registered"
    order.save(update_fields=["state"])
    if link is None:
        return HttpResponseRedirect(
            client.link_enable_url(
                reference_no=f"LNK{order.reference_no}",
                customer=customer,
                notify_url=f"{base}/notify",
                callback_url=f"{base}/astrapay/{order.reference_no}/linked?phone={customer['phone']}",
            )
        )
    return HttpResponseRedirect(
        client.link_initiate_url(
            mandate_id=link.mandate_id,
            reference_no=order.reference_no,
            amount=order.amount,
            product=order.product,
            customer=customer,
            notify_url=f"{base}/notify",
            callback_url=callback_url,
        )
    )


def astrapay_linked(request: HttpRequest, reference_no: str) -> HttpResponse:
    """Back from linking: remember the mandate, then pay the order with it."""
    order = get_object_or_404(ShopOrder, reference_no=reference_no, mitra_cd="ASTR")
    phone = request.GET.get("phone", "")
    if request.GET.get("resultCd") != "0000" or not request.GET.get("mandateID") or not phone:
        order.state = "link failed"
        order.save(update_fields=["state"])
        return render(
            request,
            "sandbox/shop/refused.html",
            {
                "order": order,
                "reg": {
                    "resultCd": request.GET.get("resultCd", "-"),
                    "resultMsg": request.GET.get("resultMsg", "not linked"),
                },
            },
            status=422,
        )
    ShopLink.objects.update_or_create(
        phone=phone, defaults={"mandate_id": request.GET["mandateID"], "linked": True}
    )
    customer = {"name": "Budi Santoso", "phone": phone, "email": "budi@example.com"}
    return _astrapay(order, customer, _base(request), f"{_base(request)}/result/{order.reference_no}")
