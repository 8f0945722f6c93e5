"""Thin SNAP views: check who calls, read the body, call one service, answer SNAP's JSON.

Every answer under the SNAP paths is JSON with responseCode and responseMessage, and its HTTP status
is the code's first three digits, errors included: NICEPAY's Python client calls response.json() on
whatever comes back."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from payments import customer_access
from payments.exceptions import ApplicationError, TransactionNotFound
from payments.models import Transaction
from payments.selectors.transactions import transaction_find, transaction_refunds
from payments.services import api_credentials, gateway_keys, linking, refunds, request_ids
from payments.services import payment as payment_service

from . import payloads
from .auth import Caller, same_merchant, token_request_merchant, transaction_caller
from .errors import (
    BAD_REQUEST,
    GENERAL_ERROR,
    INVALID_AMOUNT,
    NOT_ALLOWED,
    NOT_FOUND,
    UNSUPPORTED,
    SnapError,
    answer,
    field_format,
    field_missing,
)
from .payloads import SUCCESSFUL
from .wire import json_body, money, obj, text

log = logging.getLogger("payments.snap")
TOKEN, PAYMENT, STATUS, REFUND = "73", "54", "55", "58"
SNAP_PATH = re.compile(r"^/nicepay/(?:api/)?v1\.0(?:/|$)")
SERVICE_OF_PATH = {"access-token/b2b": TOKEN, "debit/payment-host-to-host": PAYMENT}
SERVICE_OF_PATH |= {"debit/status": STATUS, "debit/refund": REFUND}
# What Django itself answers (payloan_site/urls.py handlers), in SNAP's cases.
SITE_ERRORS = {400: BAD_REQUEST, 403: NOT_ALLOWED, 404: UNSUPPORTED}


def english(response: HttpResponse) -> HttpResponse:
    """Marks a SNAP answer English (LocaleMiddleware would label it with the request's language)."""
    response["Content-Language"] = "en"
    return response


def error_json(exc: ApplicationError, service: str) -> JsonResponse:
    """SNAP's error body for any application error (the one table in errors.py), in English."""
    with translation.override("en"):
        a = answer(exc, service)
    body: dict[str, Any] = a.body()
    if service == TOKEN:
        # python-nicepay reads data["accessToken"] before it logs the answer: without the key the
        # merchant would see a KeyError instead of our reason.
        body["accessToken"] = ""
    return english(JsonResponse(body, status=a.http_status))


def snap_json(service: str) -> Callable[[Callable[..., dict]], Callable[[HttpRequest], JsonResponse]]:
    """POST only, JSON out; a typed error becomes SNAP's answer, anything else 500xx00 (logged)."""

    def wrap(view: Callable[..., dict]) -> Callable[[HttpRequest], JsonResponse]:
        @csrf_exempt  # machine to machine: authenticated by signatures
        @functools.wraps(view)
        def inner(request: HttpRequest) -> JsonResponse:
            try:
                with translation.override("en"):  # machine answers: the shopper's language is not theirs
                    if request.method != "POST":
                        raise SnapError(UNSUPPORTED, f"[use POST, not {request.method}]")
                    return english(JsonResponse(view(request)))
            except ApplicationError as exc:
                return error_json(exc, service)
            except RequestDataTooBig:
                return error_json(SnapError(BAD_REQUEST, "[the body is too large]"), service)
            except Exception:  # noqa: BLE001 - a client that reads JSON must get JSON, even now
                log.exception("SNAP %s failed", request.path)
                return error_json(SnapError(GENERAL_ERROR), service)

        return inner

    return wrap


def with_request_id(service: str, view: Callable[[Caller, dict[str, Any], HttpRequest], dict]) -> Callable:
    """A transaction call: verify the caller, spend its X-EXTERNAL-ID for this service today, run
    the view. A refused call gives the id back, so nothing of it stays (docs/snap.md)."""

    @snap_json(service)
    @functools.wraps(view)
    def inner(request: HttpRequest) -> dict:
        caller = transaction_caller(request)
        body = json_body(request.body)
        same_merchant(caller, text(body, "merchantId", 64))
        claim = request_ids.request_id_claim(
            merchant=caller.merchant,
            scope=f"snap-{service}",
            value=caller.external_id,
            carry_seconds=settings.ACCESS_TOKEN_SECONDS,
        )
        try:
            return view(caller, body, request)
        except Exception:
            request_ids.request_id_release(claim_id=claim)
            raise

    return inner


@snap_json(TOKEN)
def access_token(request: HttpRequest) -> dict:
    """Service 73: a B2B access token for a merchant whose RSA signature verifies."""
    merchant = token_request_merchant(request)
    body = json_body(request.body)
    grant = text(body, "grantType", 40, required=True)
    if grant != "client_credentials":
        raise field_format("grantType", "must be client_credentials")
    token, lifetime = api_credentials.access_token_issue(merchant=merchant)
    return {
        "responseCode": "2007300",
        "responseMessage": SUCCESSFUL,
        "accessToken": token,
        "tokenType": "Bearer",
        "expiresIn": str(lifetime),
        "additionalInfo": {},
    }


def _payment(caller: Caller, body: dict[str, Any], request: HttpRequest) -> dict:
    data, mandate_id = payloads.payment_request(
        body,
        merchant=caller.merchant,
        external_id=caller.external_id,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    if mandate_id:
        txn, action = linking.link_payment_initiate(
            merchant=caller.merchant, mandate_id=mandate_id, data=data, callback_url=data.callback_url
        )
    else:
        txn, action = payment_service.transaction_pay(merchant=caller.merchant, data=data)
    return payloads.payment(txn, action, customer_access.page_url(txn.txid, "wait"))


def _original(caller: Caller, body: dict[str, Any]) -> Transaction:
    txid = text(body, "originalReferenceNo", 40)
    ref = text(body, "originalPartnerReferenceNo", 40)
    if not txid and not ref:
        raise field_missing("originalReferenceNo or originalPartnerReferenceNo")
    try:
        return transaction_find(merchant=caller.merchant, txid=txid, reference_no=ref)
    except TransactionNotFound:
        raise SnapError(NOT_FOUND, "[no payment of this merchant has that originalReferenceNo]")


def _status(caller: Caller, body: dict[str, Any], request: HttpRequest) -> dict:
    txn = _original(caller, body)
    amount = money(body, "amount", required=False)
    if amount is not None and amount != txn.amount:
        raise SnapError(INVALID_AMOUNT, f"[the payment is {txn.amount}.00, not {amount}.00]")
    return payloads.status(txn, transaction_refunds(txn=txn))


def _refund(caller: Caller, body: dict[str, Any], request: HttpRequest) -> dict:
    refund_no = text(body, "partnerRefundNo", 64, required=True)
    txn = _original(caller, body)
    amount = money(body, "refundAmount")
    info = obj(body, "additionalInfo")
    refund_type = text(info, "refundType", 2, label="additionalInfo.refundType")
    if not refund_type:  # not sent: full when it is the whole untouched amount
        refund_type = "1" if amount == txn.amount and not txn.cancelled_amount else "2"
    row = refunds.transaction_refund(
        merchant=caller.merchant,
        txid=txn.txid,
        reference=refund_no,
        cancel_type=refund_type,
        amount=amount,
        reason=text(body, "reason", 255) or "Refund",
        source="snap",
    )
    return payloads.refund(txn, row, refund_no)


payment = with_request_id(PAYMENT, _payment)
status = with_request_id(STATUS, _status)
refund = with_request_id(REFUND, _refund)


def is_snap_path(path: str) -> bool:
    """True for a path under SNAP's prefixes (/nicepay/v1.0/, /nicepay/api/v1.0/)."""
    return SNAP_PATH.match(path) is not None


def _service_of(path: str) -> str:
    return SERVICE_OF_PATH.get(SNAP_PATH.sub("", path).strip("/"), "00")


def site_error(path: str, http_status: int) -> JsonResponse:
    """SNAP's JSON for an error Django answers before or after a SNAP view (a refused host, a
    crash in a middleware): the client reads JSON there too. `http_status`: the handler's status."""
    return error_json(SnapError(SITE_ERRORS.get(http_status, GENERAL_ERROR)), _service_of(path))


def text_refusal(path: str, field: str, reason: str) -> JsonResponse:
    """400xx01 for text that cannot be stored (a NUL, an unpaired surrogate), found in `field`
    before the view runs (payments/middleware.py)."""
    return error_json(field_format(field, f"contains {reason}"), _service_of(path))


@csrf_exempt
def unsupported(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under SNAP's prefixes: SNAP's JSON, never an HTML page."""
    return error_json(SnapError(UNSUPPORTED, "[no such SNAP service here]"), "00")


@csrf_exempt  # a public document, read by machines
def public_key_pem(request: HttpRequest) -> HttpResponse:
    """The gateway's public key (PEM) that verifies the X-SIGNATURE of our SNAP notifications."""
    if request.method not in ("GET", "HEAD"):
        return error_json(SnapError(UNSUPPORTED, "[use GET]"), "00")
    key = gateway_keys.public_key()
    return HttpResponse(key.pem, content_type="application/x-pem-file; charset=utf-8")
