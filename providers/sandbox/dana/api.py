"""The simulated DANA Payment Gateway API: create order, status, cancel, refund.

Every call must carry DANA's SNAP headers and an RSA signature that verifies with the merchant's
uploaded public key. Errors are answered in SNAP shape with the HTTP status in the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from providers.sandbox import core, refunds, triggers
from providers.sandbox.models import SandboxOrder
from providers.sandbox.snap import SnapError, answer, endpoint, money, timestamp

from . import state
from .snap import verify_merchant

MONEY = re.compile(r"^\d{1,15}\.\d{2}$")
MAX_AMOUNT = 20_000_000
VOID_WINDOW = timedelta(hours=24)
REFUND_WINDOW = timedelta(days=30)
REFUND_SERVICE = "58"
# DANA's UAT amounts (providers.md §4.6) and what they answer on the create call.
UAT_CREATE: dict[int, tuple[int, str, str]] = {
    435415: (403, "15", "Transaction Not Permitted"),
    445408: (404, "08", "Invalid Merchant"),
    505400: (500, "00", "General Error"),
    505401: (500, "01", "Internal Server Error"),
}


def snap_api(service: str) -> Callable[[Callable[[HttpRequest, dict], JsonResponse]], Callable]:
    """Checks DANA's SNAP headers and the merchant signature, parses JSON, maps SnapError."""

    def wrap(view: Callable[[HttpRequest, dict], JsonResponse]) -> Callable:
        @endpoint(service)
        @wraps(view)
        def inner(request: HttpRequest) -> JsonResponse:
            h = request.headers
            for name in ("X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID"):
                if not h.get(name):
                    raise SnapError(400, "02", f"Invalid Mandatory Field {name}")
            if h["X-PARTNER-ID"] != state.PARTNER_ID:
                raise SnapError(401, "00", "Unauthorized. Unknown partner")
            if not verify_merchant(request.path, request.body, h["X-TIMESTAMP"], h["X-SIGNATURE"]):
                raise SnapError(401, "00", "Unauthorized. Invalid Signature")
            body = core.json_body(request)
            if body is None:
                raise SnapError(400, "01", "Invalid Field Format body")
            return view(request, body)

        return inner

    return wrap


def parse_money(obj: Any, field: str) -> int:
    if not isinstance(obj, dict) or obj.get("currency") != "IDR" or not isinstance(obj.get("value"), str):
        raise SnapError(400, "02", f"Invalid Mandatory Field {field}")
    if not MONEY.match(obj["value"]):
        raise SnapError(400, "01", f"Invalid Field Format {field}.value")
    try:
        value = Decimal(obj["value"])
    except InvalidOperation:
        raise SnapError(400, "01", f"Invalid Field Format {field}.value") from None
    if value != value.to_integral_value() or value <= 0:
        raise SnapError(400, "01", f"Invalid Field Format {field}.value")
    return int(value)


def require(body: dict, *fields: str) -> None:
    for name in fields:
        if not body.get(name):
            raise SnapError(400, "02", f"Invalid Mandatory Field {name}")


def lookup(body: dict) -> SandboxOrder:
    order = state.find_by(
        partner_ref_no=str(body.get("originalPartnerReferenceNo") or ""),
        reference_no=str(body.get("originalReferenceNo") or ""),
    )
    if order is None:
        raise SnapError(404, "01", "Transaction Not Found")
    return order


@snap_api("54")
def create_order(request: HttpRequest, body: dict) -> JsonResponse:
    require(body, "partnerReferenceNo", "merchantId", "amount", "urlParams", "validUpTo")
    if body["merchantId"] != state.MERCHANT_ID:
        raise SnapError(404, "08", "Invalid Merchant")
    amount = parse_money(body["amount"], "amount")
    urls = {p.get("type"): p.get("url") for p in body["urlParams"] if isinstance(p, dict)}
    if not urls.get("PAY_RETURN"):
        raise SnapError(400, "02", "Invalid Mandatory Field urlParams.PAY_RETURN")
    try:
        valid_up_to = datetime.fromisoformat(body["validUpTo"])
    except (TypeError, ValueError):
        raise SnapError(400, "01", "Invalid Field Format validUpTo") from None
    if valid_up_to.tzinfo is None or valid_up_to > timezone.now() + timedelta(days=7, minutes=5):
        raise SnapError(400, "01", "Invalid Field Format validUpTo")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        raise SnapError(500, "01", "Internal Server Error")
    if amount in UAT_CREATE:
        raise SnapError(*UAT_CREATE[amount])
    if amount > MAX_AMOUNT:
        raise SnapError(403, "02", "Exceeds Transaction Amount Limit")

    existing = SandboxOrder.objects.filter(
        partner=state.SLUG, merchant_ref=body["partnerReferenceNo"]
    ).first()
    if existing is not None:  # idempotent repeat, or a clash on the merchant's order id
        if existing.amount != amount:
            raise SnapError(404, "18", "Inconsistent Request")
        order = existing
    else:
        now = timezone.now()
        order = SandboxOrder.objects.create(
            partner=state.SLUG,
            ref=state.new_reference_no(now),
            merchant_ref=body["partnerReferenceNo"],
            amount=amount,
            state=state.INIT,
            expires_at=valid_up_to,
            data={
                "return_url": urls["PAY_RETURN"],
                "notify_url": urls.get("NOTIFICATION", ""),
                "external_id": request.headers["X-EXTERNAL-ID"],
                "title": str((body.get("additionalInfo") or {}).get("order", {}).get("orderTitle", "")),
            },
        )
    return answer(
        "54",
        200,
        "00",
        "Successful",
        referenceNo=order.ref,
        partnerReferenceNo=order.merchant_ref,
        webRedirectUrl=core.public_url(f"/{state.SLUG}/m/portal/cashier/checkout?bizNo={order.ref}"),
    )


@snap_api("55")
def query_status(request: HttpRequest, body: dict) -> JsonResponse:
    if not body.get("originalPartnerReferenceNo") and not body.get("originalReferenceNo"):
        raise SnapError(400, "02", "Invalid Mandatory Field originalPartnerReferenceNo")
    if body.get("serviceCode") == REFUND_SERVICE:
        return _refund_status(body)
    order = state.lapse_if_due(lookup(body))
    return answer("55", 200, "00", "Successful", serviceCode="54", **_status_fields(order))


def _refund_status(body: dict) -> JsonResponse:
    """[STAND-IN] DANA's Payment Gateway publishes no refund query. Modelled on SNAP's status
    inquiry, whose serviceCode names the kind of transaction asked about: serviceCode "58" with the
    payment's reference and the merchant's partnerRefundNo answers that refund (00 = refunded), and
    404xx01 when DANA never received it."""
    require(body, "partnerRefundNo")
    prior = lookup(body).data.get("refunds", {}).get(str(body["partnerRefundNo"]))
    if prior is None:
        raise SnapError(404, "01", "Transaction Not Found")
    return answer(
        "55",
        200,
        "00",
        "Successful",
        serviceCode=REFUND_SERVICE,
        latestTransactionStatus=state.PAID,
        transactionStatusDesc="SUCCESS",
        **prior["reply"],
    )


def _status_fields(order: SandboxOrder) -> dict[str, Any]:
    payload = state.status_payload(order)
    payload["paidTime"] = order.data.get("paid_time", "")
    return payload


def _jakarta_blackout() -> bool:
    """DANA refuses cancels and refunds in its nightly closing hour (SANDBOX_DANA_CLOSED_HOURS)."""
    return timezone.localtime().hour in settings.SANDBOX_DANA_CLOSED_HOURS  # TIME_ZONE is Asia/Jakarta


@snap_api("57")
def cancel_order(request: HttpRequest, body: dict) -> JsonResponse:
    require(body, "merchantId")
    order = state.lapse_if_due(lookup(body))
    if _jakarta_blackout():
        raise SnapError(403, "15", "Transaction Not Permitted between 00:00 and 01:00")
    if order.state == state.PAID:
        paid = datetime.fromisoformat(order.data["paid_time"])
        if timezone.now() - paid >= VOID_WINDOW:
            raise SnapError(403, "15", "Transaction Not Permitted, use refund after 24 hours")
        order = refunds.run(order.merchant_ref, lambda: _void(order), lost=_lost)
    elif order.state in state.OPEN:
        order = state.close(order, "MERCHANT_CANCEL")
    else:
        raise SnapError(404, "00", "Invalid Transaction Status")
    return answer(
        "57",
        200,
        "00",
        "Successful",
        originalPartnerReferenceNo=order.merchant_ref,
        originalReferenceNo=order.ref,
        cancelTime=order.data.get("finished_time", ""),
    )


def _void(order: SandboxOrder) -> SandboxOrder:
    with transaction.atomic():
        locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state == state.PAID and not locked.data.get("refunded"):
            locked.state = state.CLOSED
            locked.data["closed_reason"] = "MERCHANT_CANCEL"
            locked.data["finished_time"] = timestamp()
            locked.save(update_fields=["state", "data", "updated_at"])
        elif locked.state == state.PAID:
            raise SnapError(404, "00", "Invalid Transaction Status, already partially refunded")
        return locked


def _lost() -> Any:
    raise SnapError(500, "01", "Internal Server Error")


@snap_api("58")
def refund_order(request: HttpRequest, body: dict) -> JsonResponse:
    require(body, "partnerRefundNo", "merchantId", "refundAmount")
    amount = parse_money(body["refundAmount"], "refundAmount")
    if _jakarta_blackout():
        raise SnapError(403, "15", "Transaction Not Permitted between 00:00 and 01:00")
    order = lookup(body)
    return refunds.run(order.merchant_ref, lambda: _refund(order, body, amount), lost=_lost)


def _refund(order: SandboxOrder, body: dict, amount: int) -> JsonResponse:
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        refunds: dict[str, Any] = order.data.setdefault("refunds", {})
        prior = refunds.get(body["partnerRefundNo"])
        if prior is not None:  # idempotent repeat
            if prior["amount"] != amount:
                raise SnapError(404, "18", "Inconsistent Request")
            return answer("58", 202, "00", "Request In Progress", **prior["reply"])
        if order.state != state.PAID:
            raise SnapError(404, "00", "Invalid Transaction Status")
        paid = datetime.fromisoformat(order.data["paid_time"])
        if timezone.now() - paid > REFUND_WINDOW:
            raise SnapError(403, "15", "Transaction Not Permitted, refund window passed")
        refunded = int(order.data.get("refunded", 0))
        if refunded + amount > order.amount:
            raise SnapError(403, "02", "Exceeds Transaction Amount Limit")
        refund_no = f"RF{order.ref[-12:]}{len(refunds) + 1:02d}"
        reply = {
            "originalPartnerReferenceNo": order.merchant_ref,
            "originalReferenceNo": order.ref,
            "refundNo": refund_no,
            "partnerRefundNo": body["partnerRefundNo"],
            "refundAmount": money(amount),
            "refundTime": timestamp(),
        }
        refunds[body["partnerRefundNo"]] = {"amount": amount, "reply": reply}
        order.data["refunded"] = refunded + amount
        order.save(update_fields=["data", "updated_at"])
    return answer("58", 200, "00", "Successful", **reply)
