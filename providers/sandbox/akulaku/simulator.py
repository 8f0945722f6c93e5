"""Simulated Akulaku Open Pay (providers.md §3, stand-ins of §9).

Form-encoded calls signed with b64url(SHA-512(appId + secretKey + content)); answers are the
`{"success": ..., "data"|"errCode"}` envelope. The server callback goes to the URL configured
at onboarding (the gateway's /partners/AKLP/notify) as a form `refNo, status, sign`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from providers.sandbox import triggers
from providers.sandbox.checkout import Checkout, Input, Step
from providers.sandbox.core import (
    Simulator,
    gateway_url,
    json_response,
    lapse,
    register,
    send,
    whole_amount,
    with_query,
)
from providers.sandbox.models import SandboxOrder

SLUG = "akulaku"
# The credentials this sandbox issued to the gateway.
APP_ID = "AKLSBX7001"
SECRET_KEY = "sbx-akulaku-2f9c41d7e6b84a0c"
PHONE, PASSWORD, OTP = "081234567890", "akulaku123", "123456"
MIN_AMOUNT, MAX_AMOUNT = 300, 25_000_000
DEFAULT_EXPIRY = timedelta(hours=24)
SIGN_FIELDS = (
    "refNo",
    "totalPrice",
    "userAccount",
    "receiverName",
    "receiverPhone",
    "province",
    "city",
    "street",
    "postcode",
    "callbackPageUrl",
    "details",
    "virtualDetails",
    "extraInfo",
)
PENDING, FAILED, REFUNDED, CANCELLED, SUCCESS, RECEIPTED = "1", "90", "91", "92", "100", "101"
PAID = (SUCCESS, RECEIPTED)
PERIODS = {
    "1": "1 month (pay once)",
    "2": "2 months",
    "3": "3 months",
    "6": "6 months",
    "9": "9 months",
    "12": "12 months",
}
TEST_CREDENTIALS = {"Phone": PHONE, "Password": PASSWORD, "OTP": OTP}


def sign(content: str, secret: str = SECRET_KEY) -> str:
    digest = hashlib.sha512(f"{APP_ID}{secret}{content}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _signed(given: str, content: str) -> bool:
    return hmac.compare_digest((given or "").encode(), sign(content).encode())


def _ok(data: dict[str, Any]) -> JsonResponse:
    return json_response({"success": True, "data": data})


def _fail(code: str, message: str, status: int = 200) -> JsonResponse:
    return json_response({"success": False, "errCode": code, "errMsg": message}, status=status)


def _state(order: SandboxOrder) -> str:
    # Akulaku has no "expired": an unpaid order lapses to cancelled.
    return lapse(order, open_state=PENDING, lapsed=CANCELLED)


def _callback(order: SandboxOrder) -> list[int]:
    """The server callback (§3.4) to the URL configured at onboarding, honouring the triggers."""
    copies = triggers.notification_copies(order.amount)
    if not copies:
        return []
    secret = secrets.token_hex(12) if triggers.forge_signature(order.amount) else SECRET_KEY
    form = {
        "refNo": order.merchant_ref,
        "status": order.state,
        "sign": sign(order.merchant_ref + order.state, secret),
    }
    return send(gateway_url("/partners/AKLP/notify"), body=form, form=True, copies=copies)


def _set(order: SandboxOrder, status: str, *, notify: bool = True) -> list[int]:
    order.state = status
    order.save(update_fields=["state", "data", "updated_at"])
    return _callback(order) if notify else []


# The status each outcome leads to at Akulaku; anything else is paid.
OUTCOMES = {
    triggers.DECLINE: FAILED,
    triggers.EXPIRE: CANCELLED,
    triggers.CANCEL: CANCELLED,
    triggers.FRAUD: FAILED,  # Akulaku has no separate fraud status: its risk check refuses
    triggers.PENDING: PENDING,
}


def _outcome(amount: int, outcome: str = triggers.SUCCESS) -> str:
    return OUTCOMES.get(triggers.effective(amount, outcome), SUCCESS)


def _back_url(order: SandboxOrder) -> str:
    params = {
        "appId": APP_ID,
        "refNo": order.merchant_ref,
        "sign": sign(order.merchant_ref),
        "status": order.state,
    }
    return with_query(order.data["callbackPageUrl"], params)


def _finish(order: SandboxOrder, outcome: str = triggers.SUCCESS) -> tuple[str, list[int]]:
    if _state(order) != PENDING or order.data.get("finished"):
        return _back_url(order), []
    status = _outcome(order.amount, outcome)
    order.data["finished"] = True
    if status == SUCCESS:
        order.data["paid_at"] = int(timezone.now().timestamp())
    if status == PENDING:  # the customer is done, Akulaku keeps the order pending
        order.save(update_fields=["data", "updated_at"])
        return _back_url(order), []
    sent = _set(order, status)
    return _back_url(order), sent


def _order(form: Any) -> tuple[SandboxOrder | None, JsonResponse | None]:
    """appId, refNo and sign(content) of a reference call; the content is refNo unless given."""
    if not hmac.compare_digest(str(form.get("appId", "")).encode(), APP_ID.encode()):
        return None, _fail("openpay.0003", "error app id")
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=form.get("refNo", "")).first()
    if order is None:
        return None, _fail("openpay.0004", "order not exists")
    return order, None


# --- partner API -----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def new_order(request: HttpRequest) -> JsonResponse:
    form = request.POST
    if not hmac.compare_digest(form.get("appId", "").encode(), APP_ID.encode()):
        return _fail("openpay.0003", "error app id")
    content = "".join(form.get(k, "") for k in SIGN_FIELDS if form.get(k))
    if not _signed(form.get("sign", ""), content):
        return _fail("openpay.0001", "invalid signature")
    ref_no, amount = form.get("refNo", ""), whole_amount(form.get("totalPrice", ""))
    if not ref_no or amount is None or not form.get("callbackPageUrl"):
        return _fail(
            "SYSTEM.0002", "illegal parameter(s): refNo, totalPrice and callbackPageUrl are required"
        )
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        return _fail("SYSTEM.0002", f"illegal parameter(s): totalPrice must be {MIN_AMOUNT}-{MAX_AMOUNT}")
    try:
        details = json.loads(form.get("details") or "[]")
        lines = {
            str(d["skuId"]): {
                "name": str(d.get("skuName", "")),
                "price": int(d["unitPrice"]),
                "qty": int(d["qty"]),
                "vendorId": str(d.get("vendorId", "")),
            }
            for d in details
        }
    except (ValueError, TypeError, KeyError):
        return _fail("SYSTEM.0002", "illegal parameter(s): details")
    if not lines or sum(v["price"] * v["qty"] for v in lines.values()) != amount:
        return _fail("SYSTEM.0002", "illegal parameter(s): details do not add up to totalPrice")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return _fail("SYSTEM.0001", "unknown error", status=500)
    if SandboxOrder.objects.filter(partner=SLUG, merchant_ref=ref_no).exists():
        return _fail("openpay.0002", "order exists")
    order = SandboxOrder.objects.create(
        partner=SLUG,
        ref=f"{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}",
        merchant_ref=ref_no,
        amount=amount,
        state=PENDING,
        expires_at=timezone.now() + DEFAULT_EXPIRY,
        data={"callbackPageUrl": form["callbackPageUrl"], "lines": lines, "cancelled": {}},
    )
    return _ok({"orderId": order.ref, "refNo": ref_no})


def _status_data(order: SandboxOrder) -> dict[str, Any]:
    data: dict[str, Any] = {
        "refNo": order.merchant_ref,
        "orderId": order.ref,
        "status": int(_state(order)),
        "totalPrice": order.amount,
    }
    if order.data.get("period"):
        period = int(order.data["period"])
        data.update(periods=period, monthlyInstallmentPayment=-(-order.amount // period))
    return data


@csrf_exempt
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    order, err = _order(request.GET)
    if err:
        return err
    if not _signed(request.GET.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    return _ok(_status_data(order))


@csrf_exempt
@require_POST
def payment_cancel(request: HttpRequest) -> JsonResponse:
    """Whole order: an unpaid order is cancelled (92), a paid one refunded (91)."""
    order, err = _order(request.POST)
    if err:
        return err
    if not _signed(request.POST.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    state = _state(order)
    if state == REFUNDED:
        return _fail("openpay.0006", "already refunded")
    if state in (FAILED, CANCELLED):
        return _fail("openpay.0007", "cannot refund, not successful")
    _set(order, REFUNDED if state in PAID else CANCELLED, notify=False)
    return _ok(_status_data(order))


@csrf_exempt
@require_POST
def sku_cancel(request: HttpRequest) -> JsonResponse:
    """One SKU (partial): skuId + skuQty, sign(refNo + skuId + skuQty)."""
    order, err = _order(request.POST)
    if err:
        return err
    sku, qty = request.POST.get("skuId", ""), request.POST.get("skuQty", "")
    if not _signed(request.POST.get("sign", ""), order.merchant_ref + sku + qty):
        return _fail("openpay.0001", "invalid signature")
    if _state(order) not in PAID:
        return _fail("openpay.0009", "order not paid")
    line = order.data["lines"].get(sku)
    left = (line["qty"] - order.data["cancelled"].get(sku, 0)) if line else 0
    if not qty.isdigit() or not 0 < int(qty) <= left:
        return _fail("SYSTEM.0002", f"illegal parameter(s): skuQty for {sku} (cancellable: {left})")
    order.data["cancelled"][sku] = order.data["cancelled"].get(sku, 0) + int(qty)
    all_gone = all(order.data["cancelled"].get(k, 0) >= v["qty"] for k, v in order.data["lines"].items())
    _set(order, REFUNDED if all_gone else order.state, notify=False)
    return _ok(_status_data(order))


@csrf_exempt
@require_POST
def receipt(request: HttpRequest) -> JsonResponse:
    """The merchant confirms the goods arrived; funds settle. Repeats answer the same."""
    order, err = _order(request.POST)
    if err:
        return err
    if not _signed(request.POST.get("sign", ""), order.merchant_ref):
        return _fail("openpay.0001", "invalid signature")
    if _state(order) not in PAID:
        return _fail("openpay.0009", "order not paid")
    if order.state == SUCCESS:
        order.data["receipted_at"] = int(timezone.now().timestamp())
        _set(order, RECEIPTED, notify=False)
    return _ok(_status_data(order))


@csrf_exempt
@require_POST
def test_status_change(request: HttpRequest) -> JsonResponse:
    """Sandbox-only switch (§3.1): set a status and send the callback."""
    order, err = _order(request.POST)
    if err:
        return err
    new = request.POST.get("status", "")
    if not _signed(request.POST.get("sign", ""), order.merchant_ref + new):
        return _fail("openpay.0001", "invalid signature")
    if new not in (PENDING, FAILED, REFUNDED, CANCELLED, SUCCESS, RECEIPTED):
        return _fail("SYSTEM.0002", "illegal parameter(s): status")
    order.data["finished"] = True
    _set(order, new)
    return _ok(_status_data(order))


# --- hosted page ----------------------------------------------------------------------------


def _page_finish(order: SandboxOrder, period: str) -> str:
    order.data["period"] = period
    order.save(update_fields=["data", "updated_at"])
    return _finish(order)[0]


def _page_cancel(order: SandboxOrder) -> str:
    if _state(order) == PENDING and not order.data.get("finished"):
        order.data["finished"] = True
        _set(order, CANCELLED)
    return _back_url(order)


CHECKOUT = Checkout(
    partner_name="Akulaku",
    template="sandbox/akulaku/checkout.html",
    steps=(
        Step(
            "login",
            "Log in to Akulaku",
            (
                Input(
                    "phone",
                    "Phone number",
                    PHONE,
                    type="tel",
                    autocomplete="tel",
                    phone=True,
                    error="Phone number or password is not right.",
                ),
                Input(
                    "password",
                    "Password",
                    PASSWORD,
                    type="password",
                    inputmode="text",
                    autocomplete="current-password",
                    error="Phone number or password is not right.",
                ),
            ),
            button="Log in",
        ),
        Step("periods", "Choose your instalment", kind="tenor", button="Continue"),
        Step(
            "otp",
            "Enter the code we sent by SMS",
            (Input("otp", "One-time code (OTP)", OTP, autocomplete="one-time-code", error="Wrong code."),),
            kind="otp",
            button="Pay now",
        ),
    ),
    test_credentials=TEST_CREDENTIALS,
    tenor_options=lambda o: list(PERIODS.items()),
    finish=_page_finish,
    cancel=_page_cancel,
    is_open=lambda o: _state(o) == PENDING and not o.data.get("finished"),
    summary=lambda o: {
        "items": [
            {"name": v["name"], "qty": v["qty"], "price": v["price"]}
            for v in o.data.get("lines", {}).values()
        ],
        "partner_ref_label": "Akulaku order",
    },
)


@require_http_methods(["GET", "POST"])
def open_pay(request: HttpRequest) -> HttpResponse:
    ref_no = request.GET.get("refNo", "")
    ok = hmac.compare_digest(request.GET.get("appId", "").encode(), APP_ID.encode()) & _signed(
        request.GET.get("sign", ""), ref_no
    )
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=ref_no).first() if ok and ref_no else None
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)


@register
class AkulakuSimulator(Simulator):
    slug = SLUG
    name = "Akulaku"
    mitra_cd = "AKLP"
    test_credentials = TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        api = "api/json/public/openpay"
        return [
            path(f"{api}/new.do", new_order, name="akulaku-new"),
            path(f"{api}/status.do", status, name="akulaku-status"),
            path(f"{api}/payment/cancel.do", payment_cancel, name="akulaku-payment-cancel"),
            path(f"{api}/cancel.do", sku_cancel, name="akulaku-sku-cancel"),
            path(f"{api}/order/receipt.do", receipt, name="akulaku-receipt"),
            path(f"{api}/test/status/change.do", test_status_change, name="akulaku-test-status"),
            path("v2/openPay.html", open_pay, name="akulaku-open-pay"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the Akulaku page; Akulaku then calls back as it does."""
        redirect, sent = _finish(order, outcome)
        return {"state": order.state, "redirect_url": redirect, "notified": sent}
