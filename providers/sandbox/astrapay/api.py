"""The simulated AstraPay SNAP API: tokens, account binding, debit payment, status, refund."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from providers.sandbox import refunds, triggers
from providers.sandbox.core import public_url
from providers.sandbox.models import SandboxOrder
from providers.sandbox.snap import SnapError, bearer, endpoint, money, ok, timestamp

from . import snap, state

REFUND_SERVICE = "58"

# --- tokens --------------------------------------------------------------------------------


@endpoint("73")
def b2b_token(request: HttpRequest) -> JsonResponse:
    data = snap.verify_access_token_request(request)
    if data.get("grantType") != "client_credentials":
        raise SnapError(400, "02", "Invalid Mandatory Field grantType")
    return ok("73", accessToken=snap.issue_b2b_token(), tokenType="Bearer", expiresIn=str(snap.B2B_TTL))


@endpoint("74")
def b2b2c_token(request: HttpRequest) -> JsonResponse:
    data = snap.verify_access_token_request(request)
    grant = data.get("grantType")
    if grant == "AUTHORIZATION_CODE":
        code = data.get("authCode") or ""
        binding = state.binding(authCode=code) if code else None
        if binding is None or binding.state != "BOUND" or state.past(binding.data.get("authCodeExpires")):
            raise SnapError(401, "00", "Unauthorized. Invalid or expired authCode")
    elif grant == "REFRESH_TOKEN":
        token = data.get("refreshToken") or ""
        binding = state.binding(refreshToken=token) if token else None
        if binding is None or binding.state != "BOUND" or state.past(binding.data.get("refreshTokenExpires")):
            raise SnapError(401, "00", "Unauthorized. Invalid refresh token")
        binding.data.pop("customerToken", None)  # a refresh issues a new access token
    else:
        raise SnapError(400, "02", "Invalid Mandatory Field grantType")
    d = binding.data
    if not d.get("customerToken"):  # the same code exchanged twice gives the same token
        now = timezone.now()
        d.update(
            customerToken=secrets.token_urlsafe(32),
            refreshToken=secrets.token_urlsafe(32),
            customerTokenExpires=(now + state.CUSTOMER_TOKEN_TTL).isoformat(),
            refreshTokenExpires=(now + state.REFRESH_TOKEN_TTL).isoformat(),
        )
        binding.save(update_fields=["data", "updated_at"])
    return ok(
        "74",
        accessToken=d["customerToken"],
        tokenType="Bearer",
        accessTokenExpiryTime=timestamp(datetime.fromisoformat(d["customerTokenExpires"])),
        refreshToken=d["refreshToken"],
        refreshTokenExpiryTime=timestamp(datetime.fromisoformat(d["refreshTokenExpires"])),
    )


# --- account binding -----------------------------------------------------------------------


@endpoint("07")
def binding_create(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request)
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    for field in ("finishBindingUrl", "externalUid"):
        if not isinstance(info.get(field), str) or not info[field]:
            raise SnapError(400, "02", f"Invalid Mandatory Field additionalInfo.{field}")
    if data.get("merchantId") not in (None, "", snap.MERCHANT_ID):
        raise SnapError(404, "08", "Invalid Merchant")
    ref = f"BND{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"
    SandboxOrder.objects.create(
        partner=state.SLUG,
        ref=ref,
        merchant_ref=info["externalUid"][:80],
        state="PENDING",
        expires_at=timezone.now() + timedelta(minutes=15),
        data={
            "kind": "binding",
            "phoneNo": str(data.get("phoneNo") or ""),
            "step": "otp",
            "finishBindingUrl": info["finishBindingUrl"],
            "name": str(info.get("name") or ""),
            "email": str(info.get("email") or ""),
        },
    )
    url = public_url(f"/{state.SLUG}/payment-channel/account-binding/{ref}")
    return ok("07", referenceNo=ref, redirectUrl=url)


@endpoint("09")
def binding_delete(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request)
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    token = str(info.get("accessToken") or "") or bearer(request.headers.get("Authorization-Customer", ""))
    binding = state.binding(customerToken=token) if token else None
    if binding is None:
        raise SnapError(401, "02", "Invalid Customer Token")
    if binding.state == "BOUND":
        binding.state = "UNBOUND"
        binding.data["unboundAt"] = timestamp()
        binding.save(update_fields=["state", "data", "updated_at"])
    return ok("09", referenceNo=binding.ref, merchantId=snap.MERCHANT_ID)


# --- payment -------------------------------------------------------------------------------


def _payment_answer(order: SandboxOrder) -> JsonResponse:
    return ok(
        "54",
        partnerReferenceNo=order.merchant_ref,
        referenceNo=order.data["referenceNo"],
        webRedirectUrl=public_url(f"/{state.SLUG}/merchant-service/payments/{order.ref}"),
        additionalInfo={},
    )


@endpoint("54")
def payment_create(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request)
    binding = state.customer_binding(bearer(request.headers.get("Authorization-Customer", "")))
    ref_no = data.get("partnerReferenceNo")
    if not isinstance(ref_no, str) or not ref_no or len(ref_no) > 64:
        raise SnapError(400, "02", "Invalid Mandatory Field partnerReferenceNo")
    amount = state.parse_money(data.get("amount"))
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    if not info.get("description"):
        raise SnapError(400, "02", "Invalid Mandatory Field additionalInfo.description")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        raise SnapError(500, "01", "Internal Server Error")
    try:
        valid_to = datetime.fromisoformat(data["validUpTo"]) if data.get("validUpTo") else None
    except (TypeError, ValueError):
        raise SnapError(400, "01", "Invalid Field Format validUpTo")
    if valid_to is not None and valid_to.tzinfo is None:
        raise SnapError(400, "01", "Invalid Field Format validUpTo (needs an offset)")
    now = timezone.now()
    valid_to = valid_to or now + state.DEFAULT_VALIDITY
    if not now + timedelta(minutes=2) <= valid_to <= now + timedelta(minutes=16):
        raise SnapError(400, "01", "Invalid Field Format validUpTo (3 to 15 minutes)")
    return_url = next(
        (
            p.get("url")
            for p in data.get("urlParams") or []
            if isinstance(p, dict) and p.get("type") == "PAY_RETURN"
        ),
        "",
    )
    with transaction.atomic():
        existing = (
            SandboxOrder.objects.select_for_update()
            .filter(partner=state.SLUG, merchant_ref=ref_no, data__kind="payment")
            .first()
        )
        if existing is not None:  # idempotent repeat, or a conflicting one
            if existing.amount != amount:
                raise SnapError(404, "18", "Inconsistent Request")
            return _payment_answer(existing)
        order = SandboxOrder.objects.create(
            partner=state.SLUG,
            ref=str(uuid.uuid4()),
            merchant_ref=ref_no,
            amount=amount,
            state=state.INITIATED,
            expires_at=valid_to,
            data={
                "kind": "payment",
                "referenceNo": f"INV/PAC/ONP/{timezone.localtime():%y%m%d%H%M%S}"
                f"{secrets.randbelow(10**6):06d}",
                "returnUrl": return_url,
                "binding": binding.ref,
                "description": str(info["description"])[:100],
                "refunds": [],
                "refunded": 0,
            },
        )
    return _payment_answer(order)


def _find_payment(data: dict[str, Any]) -> SandboxOrder:
    ref_no = data.get("originalPartnerReferenceNo")
    order = (
        SandboxOrder.objects.filter(partner=state.SLUG, merchant_ref=ref_no, data__kind="payment").first()
        if isinstance(ref_no, str) and ref_no
        else None
    )
    if order is None:
        raise SnapError(404, "01", "Transaction Not Found")
    return order


@endpoint("55")
def payment_status(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request)
    order = _find_payment(data)
    if data.get("serviceCode") == REFUND_SERVICE:
        return _refund_status(order, data)
    if "amount" in data and state.parse_money(data.get("amount")) != order.amount:
        raise SnapError(404, "18", "Inconsistent Request")
    current = state.current(order)
    d = order.data
    return ok(
        "55",
        originalPartnerReferenceNo=order.merchant_ref,
        originalReferenceNo=d["referenceNo"],
        serviceCode="54",
        latestTransactionStatus=current,
        transactionStatusDesc=d.get("statusDesc") or state.DESCRIPTIONS[current],
        amount=money(order.amount),
        transAmount=money(order.amount),
        feeAmount=money(0),
        paidTime=d.get("paidTime", ""),
        refundHistory=d.get("refunds", []),
        additionalInfo={"amount": money(order.amount), "payMethod": "Balance", "payOption": "AstraPay"},
    )


def _refund_status(order: SandboxOrder, data: dict[str, Any]) -> JsonResponse:
    """One refund by its partnerRefundNo: the status inquiry with serviceCode "58", as SNAP names
    the kind of transaction asked about. [STAND-IN] AstraPay documents refundHistory[] in the
    payment status; the per-refund form is modelled on its Capture/Void Query APIs (a query by the
    merchant's own number). 404xx01 when AstraPay never received that refund."""
    refund_no = str(data.get("partnerRefundNo") or "")
    if not refund_no:
        raise SnapError(400, "02", "Invalid Mandatory Field partnerRefundNo")
    done = next((r for r in order.data.get("refunds", []) if r["partnerRefundNo"] == refund_no), None)
    if done is None:
        raise SnapError(404, "01", "Transaction Not Found")
    return ok(
        "55",
        originalPartnerReferenceNo=order.merchant_ref,
        originalReferenceNo=order.data["referenceNo"],
        serviceCode=REFUND_SERVICE,
        latestTransactionStatus=state.SUCCESS,
        transactionStatusDesc="Success",
        refundNo=done["refundNo"],
        partnerRefundNo=refund_no,
        refundAmount=done["refundAmount"],
        refundTime=done["refundTime"],
    )


def _lost() -> Any:
    raise SnapError(500, "01", "Internal Server Error")


@endpoint("58")
def payment_refund(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request)
    refund_no = data.get("partnerRefundNo")
    if not isinstance(refund_no, str) or not refund_no:
        raise SnapError(400, "02", "Invalid Mandatory Field partnerRefundNo")
    amount = state.parse_money(data.get("refundAmount"), "refundAmount")
    order = _find_payment(data)
    return refunds.run(order.merchant_ref, lambda: _refund(order, data, refund_no, amount), lost=_lost)


def _refund(order: SandboxOrder, data: dict[str, Any], refund_no: str, amount: int) -> JsonResponse:
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        d = order.data
        done = next((r for r in d["refunds"] if r["partnerRefundNo"] == refund_no), None)
        if done is None:
            if state.current(order) != state.SUCCESS:
                raise SnapError(404, "00", "Invalid Transaction Status")
            if amount <= 0 or d["refunded"] + amount > order.amount:
                raise SnapError(403, "02", "Exceeds Transaction Amount Limit")
            done = {
                "partnerRefundNo": refund_no,
                "refundNo": f"RFD{secrets.randbelow(10**12):012d}",
                "refundAmount": money(amount),
                "refundTime": timestamp(),
                "reason": str(data.get("reason") or "")[:256],
            }
            d["refunds"].append(done)
            d["refunded"] += amount
            if d["refunded"] == order.amount:
                order.state = state.REFUNDED
                d.pop("statusDesc", None)
            order.save(update_fields=["state", "data", "updated_at"])
    return ok(
        "58",
        originalPartnerReferenceNo=order.merchant_ref,
        originalReferenceNo=d["referenceNo"],
        refundNo=done["refundNo"],
        partnerRefundNo=refund_no,
        refundAmount=done["refundAmount"],
        refundTime=done["refundTime"],
    )
