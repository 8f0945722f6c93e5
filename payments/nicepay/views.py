"""Thin V2 views: parse, call one service, answer NICEPAY's JSON. Errors keep NICEPAY's shape."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from payments import customer_access, tokens
from payments.exceptions import ApplicationError, TransactionNotFound
from payments.models import Transaction
from payments.selectors.transactions import transaction_get, transaction_get_public
from payments.services import cancellation as cancel_service
from payments.services import payment as payment_service
from payments.services import registration as registration_service
from providers.base.types import Deeplink, PushToApp

from . import requests as wire_requests
from . import responses
from .auth import merchant_for, require_token
from .errors import V2Error, answer
from .wire import Field, amount, amount_str, form_or_query, http_url, parse_json_body, text, timestamp

log = logging.getLogger("payments.nicepay")


def error_json(exc: ApplicationError) -> JsonResponse:
    """NICEPAY's error body for any application error (the one table in errors.py)."""
    a = answer(exc)
    return JsonResponse({"resultCd": a.result_cd, "resultMsg": a.message}, status=a.http_status)


def nicepay_json(view: Callable[..., dict]) -> Callable[[HttpRequest], JsonResponse]:
    @csrf_exempt  # machine to machine: authenticated by merchantToken
    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"resultCd": "9003", "resultMsg": "Use POST with a JSON body"}, status=405)
        try:
            return JsonResponse(
                view(parse_json_body(request), remote_addr=request.META.get("REMOTE_ADDR", ""))
            )
        except ApplicationError as exc:
            return error_json(exc)

    return wrapper


@nicepay_json
def registration_view(body: dict[str, Any], *, remote_addr: str) -> dict:
    merchant = merchant_for(text(body, wire_requests.IMID))
    amount(body)
    ref = text(body, wire_requests.REFERENCE_NO)
    ts = timestamp(body)
    expected = tokens.registration_token(ts, merchant.imid, ref, amount_str(body), merchant.merchant_key)
    require_token(merchant, expected, text(body, wire_requests.TOKEN), "registration")
    _, data = wire_requests.registration_data(body, remote_addr=remote_addr)
    txn = registration_service.transaction_register(merchant=merchant, data=data)
    return responses.registration(txn)


@nicepay_json
def inquiry_view(body: dict[str, Any], **_: str) -> dict:
    merchant = merchant_for(text(body, wire_requests.IMID))
    txid = text(body, Field("tXid", "AN", 30, missing_cd="8004"))
    ref = text(body, wire_requests.REFERENCE_NO)
    amt = amount(body)
    ts = timestamp(body)
    expected = tokens.inquiry_token(ts, merchant.imid, ref, amount_str(body), merchant.merchant_key)
    require_token(merchant, expected, text(body, wire_requests.TOKEN), "inquiry")
    try:
        txn = transaction_get(merchant=merchant, txid=txid)
    except TransactionNotFound:
        raise V2Error("tXid error: transaction not found", result_cd="8004", http_status=404)
    if txn.reference_no != ref or txn.amount != amt:
        raise V2Error("referenceNo and amt do not match this tXid", result_cd="8002")
    return responses.inquiry(txn)


@nicepay_json
def cancel_view(body: dict[str, Any], **_: str) -> dict:
    merchant = merchant_for(text(body, wire_requests.IMID))
    txid = text(body, wire_requests.TXID)
    cancel_type = text(body, wire_requests.CANCEL_TYPE)
    amt = amount(body, missing_cd="9312", invalid_cd="9312")
    ts = timestamp(body)
    expected = tokens.cancel_token(ts, merchant.imid, txid, amount_str(body), merchant.merchant_key)
    require_token(merchant, expected, text(body, wire_requests.TOKEN), "cancel")
    text(body, wire_requests.PAY_METHOD)
    reason = text(body, wire_requests.CANCEL_MSG)
    row = cancel_service.transaction_cancel(
        merchant=merchant,
        txid=txid,
        cancel_type=cancel_type,
        amount=amt,
        reason=reason,
        idempotency_key=f"{ts}:{cancel_type}:{amt}",
    )
    txn = transaction_get(merchant=merchant, txid=txid)
    return responses.cancel(txn, row)


def with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def error_page(request: HttpRequest, exc: ApplicationError, txn: Transaction | None = None) -> HttpResponse:
    """The customer's page for an error on the V2 browser path, worded as the V2 answer."""
    a = answer(exc)
    return render(request, "hosted/error.html", {"error": a, "txn": txn}, status=a.http_status)


@csrf_exempt  # the merchant's page posts here cross-site; authenticated by merchantToken
def payment_view(request: HttpRequest) -> HttpResponse:
    """The customer's browser arrives here (GET or form POST) and leaves for the partner."""
    data = form_or_query(request)
    txn = None
    try:
        txid = text(data, wire_requests.TXID)
        txn = transaction_get_public(txid=txid)
        if txn is None:
            raise TransactionNotFound(
                "We could not find this payment. Please go back to the shop and try again."
            )
        ts = timestamp(data)
        merchant = txn.merchant
        expected = tokens.payment_token(
            ts, merchant.imid, txn.reference_no, txn.amount, merchant.merchant_key
        )
        require_token(merchant, expected, text(data, wire_requests.TOKEN), "payment")
        callback_url = http_url(
            text(data, Field("callBackUrl", "ANS", 255, required=not txn.callback_url, missing_cd="9019")),
            "callBackUrl",
            "9019",
        )
        if not txn.status_enum.is_open:
            return HttpResponseRedirect(
                with_params(callback_url or txn.callback_url, responses.callback_params(txn))
            )
        action = payment_service.transaction_start_payment(txn=txn, callback_url=callback_url)
    except ApplicationError as exc:
        return error_page(request, exc, txn)
    if isinstance(action, PushToApp):
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "wait"))
    if isinstance(action, Deeplink):
        if data.get("returnJsonFormat") == "1":
            return JsonResponse(
                {
                    "resultCd": "0000",
                    "resultMsg": "SUCCESS",
                    "tXid": txn.txid,
                    "redirectUrlHttp": action.url_http,
                    "redirectUrlApp": action.url_app,
                }
            )
        return HttpResponseRedirect(action.url_http)
    return HttpResponseRedirect(action.url)
