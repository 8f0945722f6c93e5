"""The demo merchant store: a real V2 integration living beside the sandbox partners."""

from __future__ import annotations

import secrets

import requests
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import ShopNotification, ShopOrder
from ..triggers import DESCRIPTIONS, TRIGGERS
from . import client

PRODUCTS = {
    "tea": ("Jasmine tea, 100 g", 45000),
    "batik": ("Batik shirt", 350000),
    "speaker": ("Bluetooth speaker", 1250000),
}
METHODS = [
    ("ESHP", "ShopeePay"), ("OVOE", "OVO"), ("DANA", "DANA"), ("LINK", "LinkAja"), ("ASTR", "AstraPay"),
    ("AKLP", "Akulaku PayLater"), ("KDVI", "Kredivo"), ("IDNA", "Indodana"),
]


def _base(request: HttpRequest) -> str:
    return f"{client.gateway().rsplit('/nicepay', 1)[0]}/sandbox/shop"


def index(request: HttpRequest) -> HttpResponse:
    outcomes = [("", "Success (normal)")] + [(code, f"…{code}: {DESCRIPTIONS[name]}") for code, name in TRIGGERS.items()]
    return render(request, "sandbox/shop/index.html", {
        "products": PRODUCTS, "methods": METHODS, "outcomes": outcomes,
        "orders": ShopOrder.objects.order_by("-id")[:10], "error": request.GET.get("error", ""),
    })


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    product_key = request.POST.get("product", "")
    mitra = request.POST.get("method", "")
    outcome = request.POST.get("outcome", "")
    if product_key not in PRODUCTS or mitra not in dict(METHODS) or (outcome and outcome not in TRIGGERS):
        return HttpResponseRedirect("/sandbox/shop/?error=Please+choose+a+product+and+a+payment+method")
    name, price = PRODUCTS[product_key]
    amount = price - price % 1000 + int(outcome) if outcome else price
    order = ShopOrder.objects.create(reference_no=f"SHOP{secrets.token_hex(6).upper()}", product=name,
                                     amount=amount, mitra_cd=mitra)
    customer = {"name": request.POST.get("name") or "Budi Santoso",
                "phone": request.POST.get("phone") or "081234567890",
                "email": request.POST.get("email") or "budi@example.com"}
    base = _base(request)
    callback_url = f"{base}/result/{order.reference_no}"
    if mitra == "ASTR":
        return HttpResponseRedirect(f"/sandbox/shop/astrapay/{order.reference_no}")
    try:
        reg = client.register(reference_no=order.reference_no, amount=amount, mitra_cd=mitra, product=name,
                              customer=customer, notify_url=f"{base}/notify", callback_url=callback_url)
    except (requests.RequestException, ValueError):
        return HttpResponseRedirect("/sandbox/shop/?error=The+gateway+did+not+answer")
    if reg.get("resultCd") != "0000":
        order.state = "refused"
        order.save(update_fields=["state"])
        return render(request, "sandbox/shop/refused.html", {"order": order, "reg": reg}, status=422)
    order.txid, order.state = reg["tXid"], "registered"
    order.save(update_fields=["txid", "state"])
    return HttpResponseRedirect(client.payment_url(txid=order.txid, reference_no=order.reference_no,
                                                   amount=amount, callback_url=callback_url))


def result(request: HttpRequest, reference_no: str) -> HttpResponse:
    """callBackUrl: never trust the query string; ask the gateway (Status Inquiry)."""
    order = get_object_or_404(ShopOrder, reference_no=reference_no)
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
    return render(request, "sandbox/shop/result.html", {"order": order, "status": status,
                                                        "callback": request.GET, "notes": notes})


@csrf_exempt  # the gateway's server notification (dbProcessUrl)
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    form = {k: v for k, v in request.POST.items()}
    valid = client.notification_valid(form)
    ShopNotification.objects.create(txid=form.get("tXid", "")[:30], payload=form, token_valid=valid)
    return HttpResponse("OK" if valid else "invalid token", status=200 if valid else 400)


def order_detail(request: HttpRequest, reference_no: str) -> HttpResponse:
    return result(request, reference_no)
