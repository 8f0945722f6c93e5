"""Simulated Indodana PayLater merchant API (providers.md §2, stand-ins of §9).

Every call carries `Authorization: Bearer apiKey:nonce:hex(HMAC-SHA256(apiSecret, "apiKey:nonce"))`,
and Indodana signs its notification the same way with the merchant's own key. Statuses follow
the stand-in vocabulary INITIATED -> PAID | EXPIRED | REJECTED | CANCELLED, PAID -> REFUNDED."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta
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
    items_total,
    json_body,
    json_response,
    lapse,
    public_url,
    register,
    send,
    whole_amount,
)
from providers.sandbox.models import SandboxOrder

SLUG = "indodana"
# The credentials this sandbox issued to the gateway (used both ways).
API_KEY = "sbx-idn-merchant-01"
API_SECRET = "sbx-indodana-5c1e9a70b3d24f68"
PHONE, OTP, PIN = "62838499610", "999999", "123654"
MIN_AMOUNT, MAX_AMOUNT = 10_000, 25_000_000
DEFAULT_EXPIRY = timedelta(hours=24)
ORDER_ID = re.compile(r"^[A-Za-z0-9=.\-_+@:&^%!$]{1,32}$")
PAYMENT_TYPES = {
    "30_days": "Bayar dalam 30 hari",
    "3_months": "Bayar dalam 3 bulan",
    "6_months": "Bayar dalam 6 bulan",
    "12_months": "Bayar dalam 12 bulan",
}
INITIATED, PAID, EXPIRED, REJECTED, CANCELLED, REFUNDED = (
    "INITIATED",
    "PAID",
    "EXPIRED",
    "REJECTED",
    "CANCELLED",
    "REFUNDED",
)
TEST_CREDENTIALS = {"Phone": PHONE, "OTP": OTP, "PIN": PIN}


def _sig(key: str, secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{key}:{nonce}".encode(), hashlib.sha256).hexdigest()


def bearer(key: str = API_KEY, secret: str = API_SECRET) -> str:
    nonce = str(int(timezone.now().timestamp()))
    return f"Bearer {key}:{nonce}:{_sig(key, secret, nonce)}"


def _authorised(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    parts = token.split(":")
    if scheme.lower() != "bearer" or len(parts) != 3 or not parts[1].isdigit():
        return False
    key, nonce, sig = parts
    key_ok = hmac.compare_digest(key.encode(), API_KEY.encode())
    sig_ok = hmac.compare_digest(sig.lower().encode(), _sig(API_KEY, API_SECRET, nonce).encode())
    return key_ok and sig_ok


def _error(status: int, kind: str, message: Any) -> JsonResponse:
    return json_response({"status": "ERROR", "error": {"kind": kind, "message": message}}, status=status)


def _unauthorised() -> JsonResponse:
    return _error(401, "UNAUTHORIZED", "Invalid request authorization")


def _state(order: SandboxOrder) -> str:
    return lapse(order, open_state=INITIATED, lapsed=EXPIRED)


def _money(amount: int) -> str:
    return f"{amount}.00"


def _transaction(order: SandboxOrder) -> dict[str, Any]:
    return {
        "amount": _money(order.amount),
        "paymentType": order.data.get("tenor") or order.data["paymentType"],
        "transactionStatus": _state(order),
        "merchantOrderId": order.merchant_ref,
        "transactionTime": order.data.get("transactionTime") or order.created_at.isoformat(),
        "transactionId": order.ref,
    }


def _notify(order: SandboxOrder) -> list[int]:
    copies = triggers.notification_copies(order.amount)
    if not copies:
        return []
    secret = secrets.token_hex(16) if triggers.forge_signature(order.amount) else API_SECRET
    body = json.dumps(_transaction(order), separators=(",", ":")).encode()
    return send(
        order.data["approvedNotificationUrl"],
        body=body,
        headers={"Authorization": bearer(secret=secret)},
        copies=copies,
    )


def _settle(order: SandboxOrder, status: str) -> list[int]:
    if _state(order) != INITIATED or order.data.get("finished"):
        return []
    order.state = status
    order.data.update(
        finished=True,
        transactionTime=timezone.localtime().isoformat(timespec="seconds"),
        fraudStatus="REJECTED" if order.data.get("fraud") else "ACCEPTED",
    )
    order.save(update_fields=["state", "data", "updated_at"])
    return _notify(order)


# The transactionStatus each outcome leads to at Indodana; anything else is paid.
OUTCOMES = {
    triggers.DECLINE: REJECTED,
    triggers.EXPIRE: EXPIRED,
    triggers.CANCEL: CANCELLED,
    triggers.FRAUD: REJECTED,
    triggers.PENDING: INITIATED,
}


def _outcome(order: SandboxOrder, outcome: str = triggers.SUCCESS) -> str:
    what = triggers.effective(order.amount, outcome)
    if what == triggers.FRAUD:
        order.data["fraud"] = True
    return OUTCOMES.get(what, PAID)


def _back_url(order: SandboxOrder) -> str:
    if order.state == CANCELLED and order.data.get("cancellationRedirectUrl"):
        return order.data["cancellationRedirectUrl"]
    return order.data["backToStoreUrl"]


def _finish(order: SandboxOrder, outcome: str = triggers.SUCCESS) -> tuple[str, list[int]]:
    status = _outcome(order, outcome)
    if status == INITIATED:  # the customer is done; Indodana keeps it open
        order.data["finished"] = True
        order.save(update_fields=["data", "updated_at"])
        return _back_url(order), []
    sent = _settle(order, status)
    return _back_url(order), sent


def tenor_options(amount: int) -> list[tuple[str, str]]:
    """providers.md §2.7: <500k 30 days; >=500k + 3 months; >1M + 6 months; >1.5M + 12 months."""
    keys = ["30_days"]
    if amount >= 500_000:
        keys.append("3_months")
    if amount > 1_000_000:
        keys.append("6_months")
    if amount > 1_500_000:
        keys.append("12_months")
    return [(k, PAYMENT_TYPES[k]) for k in keys]


# --- partner API -----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def checkout_url(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    body = json_body(request)
    if body is None:
        return _error(400, "BAD_REQUEST", "Invalid request body")
    details = body.get("transactionDetails") if isinstance(body.get("transactionDetails"), dict) else {}
    order_id, items = str(details.get("merchantOrderId") or ""), details.get("items")
    problems = []
    if not ORDER_ID.match(order_id):
        problems.append("transactionDetails.merchantOrderId must be 1-32 allowed characters")
    amount = whole_amount(details.get("amount"))
    if amount is None or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        problems.append(f"transactionDetails.amount must be between {MIN_AMOUNT} and {MAX_AMOUNT}")
    elif not isinstance(items, list) or items_total(items) != amount:
        problems.append("transactionDetails.amount must equal the sum of the items")
    for field in ("approvedNotificationUrl", "backToStoreUrl"):
        if not str(body.get(field) or "").startswith(("http://", "https://")):
            problems.append(f"{field} is required")
    payment_type = body.get("paymentType") or "30_days"
    if payment_type not in PAYMENT_TYPES:
        problems.append("paymentType is invalid")
    if problems or amount is None:
        return _error(422, "VALIDATION_ERROR", problems)
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    existing = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=order_id).order_by("-id").first()
    if existing is not None:
        if existing.amount == amount and _state(existing) == INITIATED and not existing.data.get("finished"):
            return json_response(
                {"status": "OK", "redirectUrl": _page_url(existing), "transactionId": existing.ref}
            )
        return _error(409, "DUPLICATE_ORDER", f"Duplicate merchantOrderId: {order_id}")
    expiry = timezone.now() + DEFAULT_EXPIRY
    if body.get("expirationAt"):
        try:
            expiry = datetime.fromisoformat(str(body["expirationAt"]))
        except ValueError:
            expiry = None
        if expiry is None or expiry.tzinfo is None:  # a naive time cannot be compared later
            return _error(422, "VALIDATION_ERROR", ["expirationAt must be ISO-8601 with an offset"])
    order = SandboxOrder.objects.create(
        partner=SLUG,
        ref=str(uuid.uuid4()),
        merchant_ref=order_id,
        amount=amount,
        state=INITIATED,
        expires_at=expiry,
        data={
            "paymentType": payment_type,
            "approvedNotificationUrl": body["approvedNotificationUrl"],
            "backToStoreUrl": body["backToStoreUrl"],
            "cancellationRedirectUrl": str(body.get("cancellationRedirectUrl") or ""),
            "items": [
                {"name": str(i.get("name") or i["id"]), "qty": i.get("quantity", 1), "price": i.get("price")}
                for i in items
            ],
            "refunds": [],
        },
    )
    return json_response({"status": "OK", "redirectUrl": _page_url(order), "transactionId": order.ref})


def _page_url(order: SandboxOrder) -> str:
    return public_url(f"/{SLUG}/chermes/checkout/{order.ref}")


@csrf_exempt
@require_GET
def check_status(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    order_id = request.GET.get("merchantOrderId", "")
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error(404, "NOT_FOUND", f"Order not found for merchant order id: {order_id}")
    return json_response(
        {
            "status": "OK",
            "fraudStatus": order.data.get("fraudStatus", "ACCEPTED"),
            "legalName": "PT Payloan Sandbox Merchant",
            "entityId": "SANDBOX",
            "message": "",
            **_transaction(order),
        }
    )


@csrf_exempt
@require_POST
def order_cancellation(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return _unauthorised()
    body = json_body(request) or {}
    order_id, refund_id = str(body.get("merchantOrderId") or ""), str(body.get("refundId") or "")
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error(404, "NOT_FOUND", f"Order not found for merchant order id: {order_id}")
    if not refund_id:
        return _error(422, "VALIDATION_ERROR", ["refundId is required"])
    done = order.data["refunds"]
    previous = next((r for r in done if r["refundId"] == refund_id), None)
    if previous is not None:  # a repeated refundId answers the first result
        return json_response({"status": "OK", "merchantOrderId": order_id, **previous})
    if _state(order) != PAID:
        return _error(409, "INVALID_STATUS", f"Order cannot be cancelled in status {order.state}")
    remaining = order.amount - sum(int(r["cancellationAmount"]) for r in done)
    amount = whole_amount(body.get("cancellationAmount"))
    if amount is None or not 0 < amount <= remaining:
        return _error(422, "VALIDATION_ERROR", [f"cancellationAmount must be between 1 and {remaining}"])
    record = {"refundId": refund_id, "cancellationAmount": amount}
    done.append(record)
    if amount == remaining:
        order.state = REFUNDED
    order.save(update_fields=["state", "data", "updated_at"])
    return json_response({"status": "OK", "merchantOrderId": order_id, **record})


# --- hosted page ----------------------------------------------------------------------------


def _page_finish(order: SandboxOrder, tenor: str) -> str:
    order.data["tenor"] = tenor
    order.save(update_fields=["data", "updated_at"])
    return _finish(order)[0]


def _page_cancel(order: SandboxOrder) -> str:
    _settle(order, CANCELLED)
    return _back_url(order)


CHECKOUT = Checkout(
    partner_name="Indodana",
    template="sandbox/indodana/checkout.html",
    steps=(
        Step(
            "phone",
            "Masuk ke Indodana",
            (
                Input(
                    "phone",
                    "Phone number",
                    PHONE,
                    type="tel",
                    autocomplete="tel",
                    phone=True,
                    error="No Indodana account uses this phone number.",
                ),
            ),
        ),
        Step(
            "otp",
            "Enter the code we sent by SMS",
            (Input("otp", "One-time code (OTP)", OTP, autocomplete="one-time-code", error="Wrong code."),),
            kind="otp",
            button="Verify",
        ),
        Step(
            "pin", "Enter your PIN", (Input("pin", "6-digit PIN", PIN, type="password", error="Wrong PIN."),)
        ),
        Step(
            "tenure",
            "Choose your tenure",
            kind="tenor",
            button="Confirm payment",
            note="The plans offered depend on the amount.",
        ),
    ),
    test_credentials=TEST_CREDENTIALS,
    tenor_options=lambda o: tenor_options(o.amount),
    finish=_page_finish,
    cancel=_page_cancel,
    is_open=lambda o: _state(o) == INITIATED and not o.data.get("finished"),
    summary=lambda o: {
        "items": o.data.get("items", []),
        "preselect": o.data.get("paymentType"),
        "partner_ref_label": "Indodana transaction",
    },
)


@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, transaction_id: str) -> HttpResponse:
    order = SandboxOrder.objects.filter(partner=SLUG, ref=transaction_id).first()
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)


@register
class IndodanaSimulator(Simulator):
    slug = SLUG
    name = "Indodana"
    mitra_cd = "IDNA"
    test_credentials = TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("chermes/merchant/v2/checkout_url", checkout_url, name="indodana-checkout"),
            path("chermes/merchant/v1/transactions/check_status", check_status, name="indodana-status"),
            path("chermes/merchant/v3/order_cancellation", order_cancellation, name="indodana-cancel"),
            path("chermes/checkout/<str:transaction_id>", checkout_page, name="indodana-page"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the Indodana page; Indodana then notifies as it does."""
        if _state(order) != INITIATED or order.data.get("finished"):
            return {"state": order.state, "redirect_url": _back_url(order), "notified": []}
        redirect, sent = _finish(order, outcome)
        return {"state": order.state, "redirect_url": redirect, "notified": sent}
