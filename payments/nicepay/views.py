"""Thin V2 views: parse, call one service, answer NICEPAY's JSON. Errors keep NICEPAY's shape."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from payments import customer_access, tokens
from payments.exceptions import ApplicationError, PaymentStarting, TransactionNotFound
from payments.hosted.pages import starting_page, use_merchant_language
from payments.models import Transaction
from payments.selectors.transactions import transaction_get, transaction_get_public
from payments.services import cancellation as cancel_service
from payments.services import payment as payment_service
from payments.services import registration as registration_service
from providers.base.types import Deeplink, PushToApp

from . import requests as wire_requests
from . import responses
from .auth import merchant_for, registration_merchant, require_token
from .errors import BadBody, V2Error, answer
from .wire import (
    TIME_STAMP,
    amount,
    amount_str,
    form_or_query,
    http_url,
    parse_json_body,
    text,
    timestamp,
)

log = logging.getLogger("payments.nicepay")


def error_json(exc: ApplicationError) -> JsonResponse:
    """NICEPAY's error body for any application error (the one table in errors.py), with HTTP 200:
    NICEPAY answers every V2 call so and puts the verdict in resultCd/resultMsg, and its own clients
    (the Node library's axios, PHP's curl wrapper) treat any other status as a transport failure and
    never read resultCd. /api/v1 keeps HTTP statuses; this is only the V2 wire."""
    a = answer(exc)
    return JsonResponse({"resultCd": a.result_cd, "resultMsg": a.message})


def nicepay_json(view: Callable[..., dict]) -> Callable[[HttpRequest], JsonResponse]:
    @csrf_exempt  # machine to machine: authenticated by merchantToken
    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return error_json(BadBody("Use POST with a JSON body"))
        try:
            return JsonResponse(
                view(parse_json_body(request), remote_addr=request.META.get("REMOTE_ADDR", ""))
            )
        except ApplicationError as exc:
            return error_json(exc)
        except (SuspiciousOperation, MultiPartParserError):  # e.g. a body over the size limit
            return error_json(BadBody("Invalid request: the body is too large or malformed"))

    return wrapper


@nicepay_json
def registration_view(body: dict[str, Any], *, remote_addr: str) -> dict:
    merchant = registration_merchant(body, "registration")
    _, data = wire_requests.registration_data(body, remote_addr=remote_addr)
    txn = registration_service.transaction_register(merchant=merchant, data=data)
    return responses.registration(txn)


@nicepay_json
def inquiry_view(body: dict[str, Any], **_: str) -> dict:
    merchant = merchant_for(text(body, wire_requests.IMID))
    txid = text(body, wire_requests.INQUIRY_TXID)
    ref = text(body, wire_requests.REFERENCE_NO)
    amt = amount(body)
    ts = text(body, TIME_STAMP)  # its window is checked once the transaction is known
    require_token(
        merchant,
        lambda key: tokens.inquiry_token(ts, merchant.imid, ref, amount_str(body), key),
        text(body, wire_requests.TOKEN),
        "inquiry",
    )
    try:
        txn = transaction_get(merchant=merchant, txid=txid, fields=responses.INQUIRY_FIELDS)
    except TransactionNotFound:
        raise V2Error("tXid error: transaction not found", result_cd="8004", http_status=404)
    # Inquiry only reads, so any clock reading since the registration is accepted: a plugin that
    # stamps its inquiry with transDt+transTm of our notification is answered hours later.
    timestamp(body, since=txn.created_at)
    if txn.reference_no != ref or txn.amount != amt:
        raise V2Error("referenceNo and amt do not match this tXid", result_cd="8002")
    return responses.inquiry(txn)


def cancel_request_key(body: dict[str, Any]) -> str:
    """The cancel's idempotency key: a digest of every field the merchant sent, so only a true
    replay (same timeStamp, amt, cancelMsg, merchantToken, ...) gets the first answer, and two
    different cancels in the same second are two cancels. cancelRetryCnt is left out: it counts
    the merchant's own retries of one cancel."""
    fields = {k: str(v) for k, v in body.items() if k != "cancelRetryCnt"}
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"v2:{digest}"


@nicepay_json
def cancel_view(body: dict[str, Any], **_: str) -> dict:
    merchant = merchant_for(text(body, wire_requests.IMID))
    txid = text(body, wire_requests.TXID)
    cancel_type = text(body, wire_requests.CANCEL_TYPE)
    amt = amount(body, missing_cd="9312", invalid_cd="9312")
    ts = timestamp(body)
    require_token(
        merchant,
        lambda key: tokens.cancel_token(ts, merchant.imid, txid, amount_str(body), key),
        text(body, wire_requests.TOKEN),
        "cancel",
    )
    pay_method = text(body, wire_requests.PAY_METHOD)
    reason = text(body, wire_requests.CANCEL_MSG)
    row = cancel_service.transaction_cancel(
        merchant=merchant,
        txid=txid,
        cancel_type=cancel_type,
        amount=amt,
        reason=reason,
        idempotency_key=cancel_request_key(body),
        pay_method=pay_method,
    )
    txn = transaction_get(merchant=merchant, txid=txid)
    return responses.cancel(txn, row)


def with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def error_page(request: HttpRequest, exc: ApplicationError, txn: Transaction | None = None) -> HttpResponse:
    """The customer's page for an error on the V2 browser path, worded as the V2 answer (resultCd
    and resultMsg shown) with HTTP 200, as NICEPAY answers its browser steps (contract.md). A payment
    being started by another request gets a small page that asks again in a moment."""
    if isinstance(exc, PaymentStarting):
        return starting_page(request, txn)
    if txn is not None:
        use_merchant_language(request, txn.merchant)
    return render(request, "hosted/error.html", {"error": answer(exc), "txn": txn})


def browser_step(refuse: Callable[[HttpRequest, ApplicationError, bool], HttpResponse]) -> Callable:
    """A browser step takes GET or a form POST; any other method is refused by `refuse(request,
    error, as_json)` (JSON when the query asks returnJsonFormat=1) and never reaches the step."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method not in ("GET", "POST"):
                exc = BadBody(f"Use GET or a form POST for this step, not {request.method[:10]}")
                return refuse(request, exc, request.GET.get("returnJsonFormat") == "1")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _payment_refused(request: HttpRequest, exc: ApplicationError, as_json: bool) -> HttpResponse:
    return error_json(exc) if as_json else error_page(request, exc)


@csrf_exempt  # servers call these paths; a mistyped one must get NICEPAY's JSON, not a CSRF page
def unknown_path(request: HttpRequest) -> JsonResponse:
    """Any other path under /nicepay/: NICEPAY's JSON with HTTP 200, as every V2 answer, naming the
    path the merchant probably meant (a trailing slash is the usual slip)."""
    message = f"Unknown path {request.path[:100]}"
    trimmed = request.path_info.rstrip("/")
    try:
        if trimmed != request.path_info and resolve(trimmed).url_name != "unknown":
            message += f": use {trimmed[:100]} (no trailing slash)"
    except Resolver404:
        pass
    return error_json(V2Error(message, result_cd="9003"))


def continue_page(request: HttpRequest, url: str, *, destination: str, txn=None) -> HttpResponse:  # noqa: ANN001
    """A browser step's way on: a 200 page that leaves at once (script, <noscript> refresh, and a
    visible link), as NICEPAY answers; a server-side client posting the form gets a 200 it can read."""
    return render(request, "hosted/continue.html", {"url": url, "destination": destination, "txn": txn})


def wants_json_body(request: HttpRequest) -> bool:
    return request.method == "POST" and "json" in (request.META.get("CONTENT_TYPE") or "").lower()


BROWSER_STEPS = frozenset({"payment", "link-enable", "link-initiate"})  # URL names answered with pages


def refusal(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """The V2 door's answer to a request refused before its view (payments.middleware): a page for a
    browser step, else NICEPAY's JSON (HTTP 200)."""
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        name = None
    try:
        source = request.POST if request.method == "POST" else request.GET
        as_json = source.get("returnJsonFormat") == "1"
    except (SuspiciousOperation, MultiPartParserError):  # the body itself is what was refused
        as_json = False
    if name in BROWSER_STEPS and not wants_json_body(request) and not as_json:
        return error_page(request, exc)
    return error_json(exc)


PAYMENT_TAKES_FORM_FIELDS = (
    "The payment step takes form fields or a query string, not a JSON body: the shopper's browser "
    "posts (or opens) timeStamp, tXid, merchantToken and callBackUrl; add returnJsonFormat=1 for JSON"
)


@csrf_exempt  # the merchant's page posts here cross-site; authenticated by merchantToken
@browser_step(_payment_refused)
def payment_view(request: HttpRequest) -> HttpResponse:
    """The customer's browser arrives here (GET or form POST) and leaves for the partner."""
    if wants_json_body(request):
        return error_json(BadBody(PAYMENT_TAKES_FORM_FIELDS))
    data = form_or_query(request)
    as_json = data.get("returnJsonFormat") == "1"
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
        require_token(
            merchant,
            lambda key: tokens.payment_token(ts, merchant.imid, txn.reference_no, txn.amount, key),
            text(data, wire_requests.TOKEN),
            "payment",
        )
        callback_url = http_url(
            text(data, replace(wire_requests.PAYMENT_CALLBACK_URL, required=not txn.callback_url)),
            "callBackUrl",
            "9019",
        )
        if not txn.status_enum.is_open:
            back = with_params(callback_url or txn.callback_url, responses.callback_params(txn))
            if as_json:
                return JsonResponse({**responses.callback_params(txn), "redirectUrlHttp": back})
            return continue_page(request, back, destination=txn.merchant.name, txn=txn)
        action = payment_service.transaction_start_payment(txn=txn, callback_url=callback_url)
    except ApplicationError as exc:
        return error_json(exc) if as_json else error_page(request, exc, txn)
    url_app = ""
    if isinstance(action, PushToApp):
        url_http = customer_access.page_path(txn.txid, "wait")
        if as_json:
            url_http = settings.PUBLIC_BASE_URL + url_http
    elif isinstance(action, Deeplink):
        url_http, url_app = action.url_http, action.url_app
    else:
        url_http = action.url
    if as_json:
        return JsonResponse(
            {
                "resultCd": "0000",
                "resultMsg": "SUCCESS",
                "tXid": txn.txid,
                "redirectUrlHttp": url_http,
                "redirectUrlApp": url_app,
            }
        )
    return continue_page(request, url_http, destination="the payment page", txn=txn)
