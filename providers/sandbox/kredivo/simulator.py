"""Simulated Kredivo checkout v2 (providers.md §1, stand-ins of §9).

API: server_key in every JSON body; application errors answer HTTP 200 with status ERROR.
The push carries a per-transaction signature_key that only `/v2/update` can confirm, and that
answer comes from this sandbox's own state: a push we never sent is never confirmed."""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

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
    with_query,
)
from providers.sandbox.models import SandboxOrder

SLUG = "kredivo"
# The server_key this sandbox issued to the gateway.
SERVER_KEY = "sbx-kredivo-8d3f0b6a41c2e975"
PHONE, PIN, OTP = "081513114262", "663482", "4567"
MIN_AMOUNT, MAX_AMOUNT, THIRTY_DAYS_CAP = 10_000, 30_000_000, 3_500_000
DEFAULT_EXPIRY = timedelta(hours=24)
PAYMENT_TYPES = {
    "30_days": "30 days, pay once",
    "3_months": "3 months",
    "6_months": "6 months",
    "9_months": "9 months",
    "12_months": "12 months",
    "18_months": "18 months",
    "24_months": "24 months",
}
RESERVED_IDS = {
    "shippingfee",
    "adminfee",
    "taxfee",
    "discount",
    "additionalfee",
    "insurancefee",
    "mixpayment",
}
PENDING, SETTLEMENT, DENY, CANCEL, EXPIRE = "pending", "settlement", "deny", "cancel", "expire"
TEST_CREDENTIALS = {"Phone": PHONE, "PIN": PIN, "OTP": OTP}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a).encode(), str(b).encode())


def _error(message: str, code: int | None = None, kind: str = "", status: int = 200) -> JsonResponse:
    return json_response(
        {"status": "ERROR", "error": {"code": code, "message": message, "kind": kind}}, status=status
    )


def _money(amount: int) -> str:
    return f"{amount}.00"


def _state(order: SandboxOrder) -> str:
    """The transaction_status, with an unpaid checkout lapsing lazily at its expiration_time."""
    return lapse(order, open_state=PENDING, lapsed=EXPIRE)


def _transaction(order: SandboxOrder, message: str = "") -> dict[str, Any]:
    revealed = order.data.get("finished", False)
    return {
        "status": "OK",
        "message": message,
        "legal_name": "PT Payloan Sandbox Merchant",
        "order_id": order.merchant_ref,
        "transaction_id": order.data["transaction_id"] if revealed else "",
        "transaction_time": order.data.get("transaction_time") or int(order.created_at.timestamp()),
        "amount": _money(order.amount),
        "payment_type": order.data.get("tenor") or order.data["payment_type"],
        "transaction_status": _state(order),
        "fraud_status": order.data.get("fraud_status", "accept"),
    }


def _push(order: SandboxOrder) -> list[int]:
    """POST the push to push_uri as Kredivo does, honouring the amount's triggers."""
    copies = triggers.notification_copies(order.amount)
    if not copies or order.state == PENDING:
        return []
    body = {
        **_transaction(order, "Payment status updated"),
        "signature_key": order.data["signature_key"],
        "shipping_address": order.data.get("shipping_address", {}),
    }
    if triggers.forge_signature(order.amount):
        body["signature_key"] = secrets.token_hex(32)  # a key /v2/update will not confirm
    raw = json.dumps(body, separators=(",", ":")).encode()
    return send(order.data["push_uri"], body=raw, copies=copies)


def _settle(order: SandboxOrder, status: str, fraud: str = "accept") -> list[int]:
    if _state(order) != PENDING or order.data.get("finished"):
        return []  # final already: Kredivo does not change its mind
    order.state = status
    order.data.update(finished=True, fraud_status=fraud, transaction_time=int(timezone.now().timestamp()))
    order.save(update_fields=["state", "data", "updated_at"])
    return _push(order)


# (transaction_status, fraud_status) each outcome leads to at Kredivo; anything else settles.
OUTCOMES = {
    triggers.DECLINE: (DENY, "accept"),
    triggers.EXPIRE: (EXPIRE, "accept"),
    triggers.CANCEL: (CANCEL, "accept"),
    triggers.FRAUD: (DENY, "deny"),
    triggers.PENDING: (PENDING, "accept"),
}


def _outcome(amount: int, outcome: str = triggers.SUCCESS) -> tuple[str, str]:
    return OUTCOMES.get(triggers.effective(amount, outcome), (SETTLEMENT, "accept"))


def _back_url(order: SandboxOrder) -> str:
    if order.state == CANCEL and order.data.get("user_cancel_uri"):
        url = order.data["user_cancel_uri"]
    else:
        url = order.data["back_to_store_uri"]
    return with_query(url, {"order_id": order.merchant_ref, "tr_status": order.state})


def _finish(order: SandboxOrder, outcome: str = triggers.SUCCESS) -> tuple[str, list[int]]:
    status, fraud = _outcome(order.amount, outcome)
    if status == PENDING:  # the customer is done, Kredivo keeps the order pending
        order.data["finished"] = True
        order.save(update_fields=["data", "updated_at"])
        return _back_url(order), []
    sent = _settle(order, status, fraud)
    return _back_url(order), sent


# --- partner API -----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def checkout_url(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    if body is None:
        return _error("Invalid JSON body", kind="validation")
    if not _same(body.get("server_key", ""), SERVER_KEY):
        return _error("Invalid merchant")
    details = body.get("transaction_details") if isinstance(body.get("transaction_details"), dict) else {}
    order_id, items = str(details.get("order_id") or ""), details.get("items")
    amount_int = whole_amount(details.get("amount"))
    if amount_int is None:
        return _error("Field transaction_details.amount is INVALID.", kind="validation")
    if not order_id or not isinstance(items, list) or not items:
        return _error("Field transaction_details is REQUIRED.", kind="validation")
    if not MIN_AMOUNT <= amount_int <= MAX_AMOUNT:
        return _error(f"Amount must be between {MIN_AMOUNT} and {MAX_AMOUNT}.", kind="validation")
    if items_total(items) != amount_int:
        return _error("Total price of items does not match transaction amount.", kind="validation")
    for field in ("push_uri", "back_to_store_uri"):
        if not str(body.get(field) or "").startswith(("http://", "https://")):
            return _error(f"Field {field} is REQUIRED.", kind="validation")
    payment_type = body.get("payment_type") or "30_days"
    if payment_type not in PAYMENT_TYPES:
        return _error("Field payment_type is INVALID.", kind="validation")
    if triggers.trigger_for(amount_int) == triggers.PARTNER_ERROR:
        return _error("Internal server error", kind="system", status=503)
    existing = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=order_id).order_by("-id").first()
    if existing is not None:
        if (
            existing.amount == amount_int
            and _state(existing) == PENDING
            and not existing.data.get("finished")
        ):
            return json_response({"status": "OK", "message": "", "redirect_url": _signin_url(existing)})
        return _error("This order is already PROCESSED.")
    expiry = timezone.now() + DEFAULT_EXPIRY
    if str(body.get("expiration_time", "")).isdigit():
        expiry = datetime.fromtimestamp(int(body["expiration_time"]), tz=UTC)
    order = SandboxOrder.objects.create(
        partner=SLUG,
        ref=secrets.token_urlsafe(18),
        merchant_ref=order_id,
        amount=amount_int,
        state=PENDING,
        expires_at=expiry,
        data={
            "transaction_id": f"KRD{secrets.token_hex(10)}",
            "signature_key": secrets.token_hex(32),
            "payment_type": payment_type,
            "push_uri": body["push_uri"],
            "back_to_store_uri": body["back_to_store_uri"],
            "user_cancel_uri": str(body.get("user_cancel_uri") or ""),
            "items": [
                {"name": str(i.get("name") or i["id"]), "qty": i.get("quantity", 1), "price": i.get("price")}
                for i in items
            ],
            "shipping_address": body.get("shipping_address") or {},
            "cancellations": [],
        },
    )
    return json_response({"status": "OK", "message": "", "redirect_url": _signin_url(order)})


def _signin_url(order: SandboxOrder) -> str:
    return public_url(f"/{SLUG}/kredivo/v2/signin?{urlencode({'tk': order.ref})}")


@csrf_exempt
@require_GET
def update(request: HttpRequest) -> JsonResponse:
    """Confirm a push: only a (transaction_id, signature_key) pair this sandbox issued passes."""
    tid, key = request.GET.get("transaction_id", ""), request.GET.get("signature_key", "")
    order = SandboxOrder.objects.filter(partner=SLUG, data__transaction_id=tid).first() if tid else None
    if order is None or not order.data.get("finished"):
        return _error("Transaction not found.", kind="validation")
    if not _same(key, order.data["signature_key"]):
        return _error("Field secret_key is INCORRECT.", kind="validation")
    return json_response(_transaction(order, "Confirmed order status. Valid!"))


@csrf_exempt
@require_POST
def transaction_status(request: HttpRequest) -> JsonResponse:
    body = json_body(request) or {}
    if not _same(body.get("server_key", ""), SERVER_KEY):
        return _error("Invalid merchant")
    order_id = str(body.get("order_id") or "")
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=order_id).order_by("-id").first()
    if order is None:
        return _error("Transaction not found.", kind="validation")
    return json_response(_transaction(order))


@csrf_exempt
@require_POST
def cancel_transaction(request: HttpRequest) -> JsonResponse:
    body = json_body(request) or {}
    if not _same(body.get("server_key", ""), SERVER_KEY):
        return _error("Invalid merchant")
    order = SandboxOrder.objects.filter(partner=SLUG, merchant_ref=str(body.get("order_id") or "")).first()
    if order is None or not _same(body.get("transaction_id", ""), order.data["transaction_id"]):
        return _error("Transaction not found.", kind="validation")
    cancel_id = str(body.get("cancellation_id") or "")[:60]
    done = order.data["cancellations"]
    if cancel_id and any(c["id"] == cancel_id for c in done):
        return _error("This cancellation_id is already PROCESSED.")
    if _state(order) == CANCEL:
        return _error("Transaksi sudah dibatalkan.", code=1009)
    if order.state != SETTLEMENT:
        return _error("Transaction cannot be cancelled in its status.", kind="validation")
    remaining = order.amount - sum(c["amount"] for c in done)
    raw_amount = body.get("cancellation_amount")
    amount = remaining if raw_amount in (None, "") else whole_amount(raw_amount)
    if amount is None or amount <= 0:
        return _error("Field cancellation_amount is INVALID.", kind="validation")
    if amount > remaining:
        return _error("Cancellation amount is larger than the remaining amount.", code=2415)
    done.append({"id": cancel_id, "amount": amount, "at": int(timezone.now().timestamp())})
    if amount == remaining:
        order.state = CANCEL
    order.save(update_fields=["state", "data", "updated_at"])
    return json_response(
        {
            "status": "OK",
            "message": "Cancellation success",
            "order_id": order.merchant_ref,
            "transaction_id": order.data["transaction_id"],
            "cancellation_id": cancel_id,
            "transaction_status": order.state,
        }
    )


# --- hosted page ----------------------------------------------------------------------------


def _tenors(order: SandboxOrder) -> list[tuple[str, str]]:
    return [(k, v) for k, v in PAYMENT_TYPES.items() if k != "30_days" or order.amount <= THIRTY_DAYS_CAP]


def _page_finish(order: SandboxOrder, tenor: str) -> str:
    order.data["tenor"] = tenor
    order.save(update_fields=["data", "updated_at"])
    return _finish(order)[0]


def _page_cancel(order: SandboxOrder) -> str:
    _settle(order, CANCEL)
    return _back_url(order)


CHECKOUT = Checkout(
    partner_name="Kredivo",
    template="sandbox/kredivo/checkout.html",
    steps=(
        Step(
            "phone",
            "Sign in to Kredivo",
            (
                Input(
                    "phone",
                    "Phone number",
                    PHONE,
                    type="tel",
                    autocomplete="tel",
                    phone=True,
                    error="No Kredivo account uses this phone number.",
                ),
            ),
        ),
        Step(
            "pin", "Enter your PIN", (Input("pin", "6-digit PIN", PIN, type="password", error="Wrong PIN."),)
        ),
        Step(
            "otp",
            "Enter the code we sent by SMS",
            (Input("otp", "One-time code (OTP)", OTP, autocomplete="one-time-code", error="Wrong code."),),
            kind="otp",
            button="Verify",
        ),
        Step("tenor", "Choose how to pay", kind="tenor", button="Confirm payment"),
    ),
    test_credentials=TEST_CREDENTIALS,
    tenor_options=_tenors,
    finish=_page_finish,
    cancel=_page_cancel,
    is_open=lambda o: _state(o) == PENDING and not o.data.get("finished"),
    summary=lambda o: {"items": o.data.get("items", []), "preselect": o.data.get("payment_type")},
)


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    tk = request.GET.get("tk", "")
    order = SandboxOrder.objects.filter(partner=SLUG, ref=tk).first() if tk else None
    if order is None:
        return CHECKOUT.not_found(request)
    return CHECKOUT.handle(request, order)


@register
class KredivoSimulator(Simulator):
    slug = SLUG
    name = "Kredivo"
    mitra_cd = "KDVI"
    test_credentials = TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("kredivo/v2/checkout_url", checkout_url, name="kredivo-checkout"),
            path("kredivo/v2/update", update, name="kredivo-update"),
            path("kredivo/transaction/status", transaction_status, name="kredivo-status"),
            path("kredivo/v2/cancel_transaction", cancel_transaction, name="kredivo-cancel"),
            path("kredivo/v2/signin", signin, name="kredivo-signin"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the Kredivo page; Kredivo then pushes as it does."""
        if _state(order) != PENDING or order.data.get("finished"):
            return {"state": order.state, "redirect_url": _back_url(order), "notified": []}
        if outcome == triggers.SUCCESS:
            order.data["tenor"] = order.data["payment_type"]
        redirect, sent = _finish(order, outcome)
        return {"state": order.state, "redirect_url": redirect, "notified": sent}
