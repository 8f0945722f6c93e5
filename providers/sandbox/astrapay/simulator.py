"""Simulated AstraPay SNAP Payment Channel (providers.md §8, stand-ins of §9).

Bindings and payments are SandboxOrder rows of partner "astrapay", told apart by data["kind"].
Binding: merchant_ref = the merchant's externalUid; payment: merchant_ref = partnerReferenceNo."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from providers.sandbox import triggers
from providers.sandbox.core import Simulator, gateway_url, json_response, public_url, register
from providers.sandbox.models import SandboxOrder

from . import snap
from .snap import SnapError

SLUG = "astrapay"
OTP, PIN = "111111", "123456"
TEST_CREDENTIALS = {"Phone": "any number starting with 08", "OTP": OTP, "PIN": PIN}
AUTH_CODE_TTL = timedelta(minutes=10)
CUSTOMER_TOKEN_TTL = timedelta(days=15)
REFRESH_TOKEN_TTL = timedelta(days=30)
DEFAULT_VALIDITY = timedelta(minutes=15)
# latestTransactionStatus
SUCCESS, INITIATED, PAYING, REFUNDED, CANCELED, FAILED = "00", "01", "02", "04", "05", "06"
DESCRIPTIONS = {
    SUCCESS: "Success",
    INITIATED: "Initiated",
    PAYING: "Paying",
    "03": "Pending",
    REFUNDED: "Refunded",
    CANCELED: "Canceled",
    FAILED: "Failed",
}
OPEN = {INITIATED, PAYING}
NOTIFY_PATH = "/partners/ASTR/notify"  # the merchant's notify URL, registered at onboarding


def snap_api(service: str) -> Callable:
    """Machine endpoint: POST only, no CSRF, SNAP errors as JSON with the matching HTTP status."""

    def deco(fn: Callable) -> Callable:
        @csrf_exempt
        @require_POST
        @wraps(fn)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                return fn(request, *args, **kwargs)
            except SnapError as err:
                return err.response()

        return view

    return deco


def ok(service: str, **fields: Any) -> JsonResponse:
    return json_response({"responseCode": f"200{service}00", "responseMessage": "Successful", **fields})


def _money(amount: int) -> dict[str, str]:
    return {"value": f"{amount}.00", "currency": "IDR"}


def _amount(obj: Any, service: str, field: str = "amount") -> int:
    value = obj.get("value") if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value.endswith(".00") or not value[:-3].isdigit():
        raise SnapError(f"400{service}01", f"Invalid Field Format {field}.value")
    if obj.get("currency") != "IDR":
        raise SnapError(f"400{service}01", f"Invalid Field Format {field}.currency")
    return int(value[:-3])


# --- tokens --------------------------------------------------------------------------------


@snap_api("73")
def b2b_token(request: HttpRequest) -> JsonResponse:
    data = snap.verify_access_token_request(request, "73")
    if data.get("grantType") != "client_credentials":
        raise SnapError("4007302", "Invalid Mandatory Field grantType")
    return ok("73", accessToken=snap.issue_b2b_token(), tokenType="Bearer", expiresIn=str(snap.B2B_TTL))


@snap_api("74")
def b2b2c_token(request: HttpRequest) -> JsonResponse:
    data = snap.verify_access_token_request(request, "74")
    grant = data.get("grantType")
    if grant == "AUTHORIZATION_CODE":
        code = data.get("authCode") or ""
        binding = _binding(authCode=code) if code else None
        if binding is None or binding.state != "BOUND" or _past(binding.data.get("authCodeExpires")):
            raise SnapError("4017400", "Unauthorized. Invalid or expired authCode")
    elif grant == "REFRESH_TOKEN":
        token = data.get("refreshToken") or ""
        binding = _binding(refreshToken=token) if token else None
        if binding is None or binding.state != "BOUND" or _past(binding.data.get("refreshTokenExpires")):
            raise SnapError("4017400", "Unauthorized. Invalid refresh token")
        binding.data.pop("customerToken", None)  # a refresh issues a new access token
    else:
        raise SnapError("4007402", "Invalid Mandatory Field grantType")
    d = binding.data
    if not d.get("customerToken"):  # the same code exchanged twice gives the same token
        now = timezone.now()
        d.update(
            customerToken=secrets.token_urlsafe(32),
            refreshToken=secrets.token_urlsafe(32),
            customerTokenExpires=(now + CUSTOMER_TOKEN_TTL).isoformat(),
            refreshTokenExpires=(now + REFRESH_TOKEN_TTL).isoformat(),
        )
        binding.save(update_fields=["data", "updated_at"])
    return ok(
        "74",
        accessToken=d["customerToken"],
        tokenType="Bearer",
        accessTokenExpiryTime=snap.fmt_wib(datetime.fromisoformat(d["customerTokenExpires"])),
        refreshToken=d["refreshToken"],
        refreshTokenExpiryTime=snap.fmt_wib(datetime.fromisoformat(d["refreshTokenExpires"])),
    )


def _past(iso: str | None) -> bool:
    return not iso or datetime.fromisoformat(iso) <= timezone.now()


def _binding(**lookup: str) -> SandboxOrder | None:
    filters = {f"data__{k}": v for k, v in lookup.items()}
    return SandboxOrder.objects.filter(partner=SLUG, data__kind="binding", **filters).first()


def _customer_binding(request: HttpRequest, service: str, token: str = "") -> SandboxOrder:
    token = token or snap.bearer(request.headers.get("Authorization-Customer", ""))
    binding = _binding(customerToken=token) if token else None
    if binding is None or binding.state != "BOUND" or _past(binding.data.get("customerTokenExpires")):
        raise SnapError(f"401{service}02", "Invalid Customer Token")
    return binding


# --- account binding -----------------------------------------------------------------------


@snap_api("07")
def binding_create(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request, "07")
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    for field in ("finishBindingUrl", "externalUid"):
        if not isinstance(info.get(field), str) or not info[field]:
            raise SnapError("4000702", f"Invalid Mandatory Field additionalInfo.{field}")
    if data.get("merchantId") not in (None, "", snap.MERCHANT_ID):
        raise SnapError("4040708", "Invalid Merchant")
    ref = f"BND{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"
    SandboxOrder.objects.create(
        partner=SLUG,
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
    return ok("07", referenceNo=ref, redirectUrl=public_url(f"/{SLUG}/payment-channel/account-binding/{ref}"))


@snap_api("09")
def binding_delete(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request, "09")
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    token = str(info.get("accessToken") or "") or snap.bearer(
        request.headers.get("Authorization-Customer", "")
    )
    binding = _binding(customerToken=token) if token else None
    if binding is None:
        raise SnapError("4010902", "Invalid Customer Token")
    if binding.state == "BOUND":
        binding.state = "UNBOUND"
        binding.data["unboundAt"] = snap.now_wib()
        binding.save(update_fields=["state", "data", "updated_at"])
    return ok("09", referenceNo=binding.ref, merchantId=snap.MERCHANT_ID)


def _finish_binding(binding: SandboxOrder, success: bool) -> str:
    """Close the binding, tell the merchant's server, answer the browser's next stop."""
    if binding.state == "PENDING":
        if success:
            binding.state = "BOUND"
            binding.data.update(
                authCode=secrets.token_urlsafe(18),
                authCodeExpires=(timezone.now() + AUTH_CODE_TTL).isoformat(),
            )
        else:
            binding.state = "CANCELLED"
        binding.save(update_fields=["state", "data", "updated_at"])
        # STAND-IN binding notice (no published shape): signed like the payment notify.
        snap.notify(
            gateway_url(NOTIFY_PATH),
            {
                "referenceNo": binding.ref,
                "merchantId": snap.MERCHANT_ID,
                "externalUid": binding.merchant_ref,
                "latestBindingStatus": SUCCESS if success else CANCELED,
                "bindingStatusDesc": "Success" if success else "Canceled",
                "finishedTime": snap.now_wib(),
                "additionalInfo": {"authCode": binding.data.get("authCode", "")} if success else {},
            },
        )
    params = {"referenceNo": binding.ref, "status": "SUCCESS" if binding.state == "BOUND" else "CANCELLED"}
    if binding.state == "BOUND":
        params["authCode"] = binding.data["authCode"]
    url = binding.data["finishBindingUrl"]
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _page(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"partner_name": "AstraPay", "test_credentials": TEST_CREDENTIALS}
    return render(request, f"sandbox/astrapay/{template}", {**base, **ctx}, status=status)


def _closed(
    request: HttpRequest, title: str, message: str, back: str = "", status: int = 200
) -> HttpResponse:
    return _page(request, "message.html", {"title": title, "message": message, "back_url": back}, status)


@require_http_methods(["GET", "POST"])
def binding_page(request: HttpRequest, ref: str) -> HttpResponse:
    binding = SandboxOrder.objects.filter(partner=SLUG, ref=ref, data__kind="binding").first()
    if binding is None:
        return _closed(request, "Link not found", "This account-linking request is unknown.", status=404)
    if binding.state != "PENDING":
        return _closed(
            request,
            "Already finished",
            "This account-linking request is closed.",
            _finish_binding(binding, False),
        )
    error = ""
    if request.method == "POST":
        step = binding.data.get("step")
        if request.POST.get("action") == "cancel":
            return HttpResponseRedirect(_finish_binding(binding, False))
        if step == "otp":
            phone = binding.data.get("phoneNo") or request.POST.get("phone", "").strip()
            if not (phone.startswith("08") or phone.startswith("628")) or not phone.isdigit():
                error = "Enter an AstraPay number starting with 08."
            elif not snap.same(request.POST.get("otp", ""), OTP):
                error = "Wrong OTP code."
            else:
                binding.data.update(step="pin", phoneNo=phone)
                binding.save(update_fields=["data", "updated_at"])
        elif step == "pin":
            if not snap.same(request.POST.get("pin", ""), PIN):
                error = "Wrong PIN. Please try again."
            else:
                return HttpResponseRedirect(_finish_binding(binding, True))
    return _page(
        request,
        "binding.html",
        {"binding": binding, "step": binding.data.get("step"), "error": error},
    )


# --- payment -------------------------------------------------------------------------------


def _state(order: SandboxOrder) -> str:
    """Current state; an open payment lapses lazily at validUpTo (unless it is meant to hang)."""
    if order.state in OPEN and order.expires_at and timezone.now() >= order.expires_at:
        if triggers.trigger_for(order.amount) != triggers.PENDING:
            order.state = CANCELED
            order.data["statusDesc"] = "Expired"
            order.save(update_fields=["state", "data", "updated_at"])
    return order.state


def _payment_answer(order: SandboxOrder) -> JsonResponse:
    return ok(
        "54",
        partnerReferenceNo=order.merchant_ref,
        referenceNo=order.data["referenceNo"],
        webRedirectUrl=public_url(f"/{SLUG}/merchant-service/payments/{order.ref}"),
        additionalInfo={},
    )


@snap_api("54")
def payment_create(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request, "54")
    binding = _customer_binding(request, "54")
    ref_no = data.get("partnerReferenceNo")
    if not isinstance(ref_no, str) or not ref_no or len(ref_no) > 64:
        raise SnapError("4005402", "Invalid Mandatory Field partnerReferenceNo")
    amount = _amount(data.get("amount"), "54")
    info = data.get("additionalInfo") if isinstance(data.get("additionalInfo"), dict) else {}
    if not info.get("description"):
        raise SnapError("4005402", "Invalid Mandatory Field additionalInfo.description")
    if triggers.trigger_for(amount) == triggers.PARTNER_ERROR:
        raise SnapError("5005401", "Internal Server Error")
    try:
        valid_to = datetime.fromisoformat(data["validUpTo"]) if data.get("validUpTo") else None
    except (TypeError, ValueError):
        raise SnapError("4005401", "Invalid Field Format validUpTo")
    if valid_to is not None and valid_to.tzinfo is None:
        raise SnapError("4005401", "Invalid Field Format validUpTo (needs an offset)")
    now = timezone.now()
    valid_to = valid_to or now + DEFAULT_VALIDITY
    if not now + timedelta(minutes=2) <= valid_to <= now + timedelta(minutes=16):
        raise SnapError("4005401", "Invalid Field Format validUpTo (3 to 15 minutes)")
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
            .filter(partner=SLUG, merchant_ref=ref_no, data__kind="payment")
            .first()
        )
        if existing is not None:  # idempotent repeat, or a conflicting one
            if existing.amount != amount:
                raise SnapError("4045418", "Inconsistent Request")
            return _payment_answer(existing)
        order = SandboxOrder.objects.create(
            partner=SLUG,
            ref=str(uuid.uuid4()),
            merchant_ref=ref_no,
            amount=amount,
            state=INITIATED,
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


def _find_payment(data: dict[str, Any], service: str) -> SandboxOrder:
    ref_no = data.get("originalPartnerReferenceNo")
    order = (
        SandboxOrder.objects.filter(partner=SLUG, merchant_ref=ref_no, data__kind="payment").first()
        if isinstance(ref_no, str) and ref_no
        else None
    )
    if order is None:
        raise SnapError(f"404{service}01", "Transaction Not Found")
    return order


@snap_api("55")
def payment_status(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request, "55")
    order = _find_payment(data, "55")
    if "amount" in data and _amount(data.get("amount"), "55") != order.amount:
        raise SnapError("4045518", "Inconsistent Request")
    state = _state(order)
    d = order.data
    return ok(
        "55",
        originalPartnerReferenceNo=order.merchant_ref,
        originalReferenceNo=d["referenceNo"],
        serviceCode="54",
        latestTransactionStatus=state,
        transactionStatusDesc=d.get("statusDesc") or DESCRIPTIONS[state],
        amount=_money(order.amount),
        transAmount=_money(order.amount),
        feeAmount=_money(0),
        paidTime=d.get("paidTime", ""),
        refundHistory=d.get("refunds", []),
        additionalInfo={"amount": _money(order.amount), "payMethod": "Balance", "payOption": "AstraPay"},
    )


@snap_api("58")
def payment_refund(request: HttpRequest) -> JsonResponse:
    data = snap.verify_service_request(request, "58")
    refund_no = data.get("partnerRefundNo")
    if not isinstance(refund_no, str) or not refund_no:
        raise SnapError("4005802", "Invalid Mandatory Field partnerRefundNo")
    amount = _amount(data.get("refundAmount"), "58", "refundAmount")
    with transaction.atomic():
        order = _find_payment(data, "58")
        order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
        d = order.data
        done = next((r for r in d["refunds"] if r["partnerRefundNo"] == refund_no), None)
        if done is None:
            if _state(order) != SUCCESS:
                raise SnapError("4045800", "Invalid Transaction Status")
            if amount <= 0 or d["refunded"] + amount > order.amount:
                raise SnapError("4035802", "Exceeds Transaction Amount Limit")
            done = {
                "partnerRefundNo": refund_no,
                "refundNo": f"RFD{secrets.randbelow(10**12):012d}",
                "refundAmount": _money(amount),
                "refundTime": snap.now_wib(),
                "reason": str(data.get("reason") or "")[:256],
            }
            d["refunds"].append(done)
            d["refunded"] += amount
            if d["refunded"] == order.amount:
                order.state = REFUNDED
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


def _settle(order: SandboxOrder, state: str, desc: str = "") -> list[int]:
    """Close an open payment and send the notify, honouring the amount's triggers."""
    if _state(order) not in OPEN:
        return []
    order.state = state
    if state == SUCCESS:
        order.data["paidTime"] = snap.now_wib()
    if desc:
        order.data["statusDesc"] = desc
    order.save(update_fields=["state", "data", "updated_at"])
    if state == PAYING:  # still in process: nothing to tell yet
        return []
    body = {
        "originalPartnerReferenceNo": order.merchant_ref,
        "originalReferenceNo": order.data["referenceNo"],
        "merchantId": snap.MERCHANT_ID,
        "amount": _money(order.amount),
        "latestTransactionStatus": state,
        "transactionStatusDesc": desc or DESCRIPTIONS[state],
        "finishedTime": snap.now_wib(),
        "additionalInfo": {
            "transAmount": _money(order.amount),
            "feeAmount": _money(0),
            "payMethod": "Balance",
            "payOption": "AstraPay",
        },
    }
    return snap.notify(
        gateway_url(NOTIFY_PATH),
        body,
        copies=triggers.notification_copies(order.amount),
        forge=triggers.forge_signature(order.amount),
    )


def _outcome(amount: int) -> tuple[str, str]:
    """What a confirmed PIN leads to, by the amount's trigger digits."""
    return {
        triggers.DECLINE: (FAILED, ""),
        triggers.EXPIRE: (CANCELED, "Expired"),
        triggers.CANCEL: (CANCELED, ""),
        triggers.PENDING: (PAYING, ""),
    }.get(triggers.trigger_for(amount), (SUCCESS, ""))


@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest, pid: str) -> HttpResponse:
    order = SandboxOrder.objects.filter(partner=SLUG, ref=pid, data__kind="payment").first()
    if order is None:
        return _closed(request, "Payment not found", "This payment is unknown.", status=404)
    back = order.data.get("returnUrl", "")
    if _state(order) not in OPEN or order.data.get("confirmed"):
        return _closed(request, "Payment closed", "This AstraPay payment is no longer open.", back)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            _settle(order, CANCELED)
            return HttpResponseRedirect(back)
        if not snap.same(request.POST.get("pin", ""), PIN):
            error = "Wrong PIN. Please try again."
        else:
            state, desc = _outcome(order.amount)
            _settle(order, state, desc)
            if state == PAYING:
                order.data["confirmed"] = True
                order.save(update_fields=["data", "updated_at"])
            return HttpResponseRedirect(back)
    binding = SandboxOrder.objects.filter(partner=SLUG, ref=order.data.get("binding")).first()
    phone = binding.data.get("phoneNo", "") if binding else ""
    return _page(
        request,
        "pay.html",
        {
            "order": order,
            "error": error,
            "masked_phone": _mask(phone),
            "description": order.data.get("description", ""),
        },
    )


def _mask(phone: str) -> str:
    return f"{phone[:4]}****{phone[-3:]}" if len(phone) > 7 else phone


@register
class AstraPaySimulator(Simulator):
    slug = SLUG
    name = "AstraPay"
    mitra_cd = "ASTR"
    test_credentials = TEST_CREDENTIALS

    def urlpatterns(self) -> list[URLPattern]:
        snap_base, pay_base = "snap-service/snap/v1.0", "merchant-service/snap/v1.0"
        return [
            path(f"{snap_base}/access-token/b2b", b2b_token, name="astrapay-b2b"),
            path(f"{snap_base}/access-token/b2b2c", b2b2c_token, name="astrapay-b2b2c"),
            path(f"{snap_base}/registration-account-binding", binding_create, name="astrapay-binding"),
            path(f"{snap_base}/registration-account-unbinding", binding_delete, name="astrapay-unbinding"),
            path(f"{pay_base}/debit/payment-host-to-host", payment_create, name="astrapay-payment"),
            path(f"{pay_base}/debit/status", payment_status, name="astrapay-status"),
            path(f"{pay_base}/debit/refund", payment_refund, name="astrapay-refund"),
            path("payment-channel/account-binding/<str:ref>", binding_page, name="astrapay-binding-page"),
            path("merchant-service/payments/<str:pid>", payment_page, name="astrapay-payment-page"),
        ]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """Act as the customer: on a binding (tXid = externalUid) or on a payment."""
        if order.data.get("kind") == "binding":
            redirect = _finish_binding(order, outcome == triggers.SUCCESS)
            return {"state": order.state, "redirect_url": redirect}
        if outcome == triggers.SUCCESS:
            state, desc = _outcome(order.amount)
        else:
            state, desc = {triggers.DECLINE: (FAILED, ""), triggers.EXPIRE: (CANCELED, "Expired")}.get(
                outcome, (CANCELED, "")
            )
        notified = _settle(order, state, desc)
        return {"state": order.state, "redirect_url": order.data.get("returnUrl", ""), "notified": notified}
