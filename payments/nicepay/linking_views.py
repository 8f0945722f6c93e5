"""Account linking (AstraPay) and linked payment: NICEPAY's linkEnable.do / linkInitiate.do, and the
customer's return from the partner's binding page. Thin: parse, authenticate, call one service."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from payments import customer_access, tokens
from payments.exceptions import ApplicationError, LinkNotFound
from payments.hosted import throttle
from payments.hosted.pages import too_many
from payments.models import AccountLink
from payments.selectors.links import account_link_get
from payments.services import linking
from payments.services.registration import RegistrationData
from providers import registry

from . import requests as wire_requests
from .auth import merchant_for, require_token
from .cart import parse_cart
from .errors import InvalidField, answer
from .requests import fingerprint
from .views import browser_step, continue_page, error_json, with_params
from .wire import (
    TIME_STAMP,
    Field,
    amount,
    amount_str,
    form_or_query,
    http_url,
    parse_json_body,
    parse_valid_until,
    text,
    timestamp,
)

BILLING_NM = Field("billingNm", "A", 100, missing_cd="9016")
BILLING_PHONE = Field("billingPhone", "N", 15, missing_cd="9017")
BILLING_EMAIL = Field("billingEmail", "ANS", 40, missing_cd="9018", invalid_cd="9018")
DB_PROCESS_URL = Field("dbProcessUrl", "ANS", 255, missing_cd="9020")
MANDATE_ID = Field("mandateID", "AN", 40, missing_cd="9003")
PAY_METHOD = Field("payMethod", "N", 2, required=False, missing_cd="9012")
MITRA_CD = Field("mitraCd", "A", 4, missing_cd="9012")
CALLBACK_URL = Field("callBackUrl", "ANS", 255, missing_cd="9019")
DESCRIPTION = Field("description", "AN", 100, required=False)
USER_IP = Field("userIP", "ANS", 15, required=False)
GOODS_NM = Field("goodsNm", "AN", 100, missing_cd="9015")
CURRENCY = Field("currency", "A", 3, required=False)
CART_DATA = Field("cartData", "JSON", 4000, required=False)
PAY_VALID_DT = Field("payValidDt", "N", 8, required=False)
PAY_VALID_TM = Field("payValidTm", "N", 6, required=False)
OPTIONAL_BILLING = {
    "billingAddr": ("billing_address", 100),
    "billingCity": ("billing_city", 50),
    "billingState": ("billing_state", 50),
    "billingPostCd": ("billing_post_code", 10),
    "billingCountry": ("billing_country", 10),
}
BILLING_OPTIONAL = {
    wire: Field(wire, "ANS", size, required=False) for wire, (_, size) in OPTIONAL_BILLING.items()
}
# What each endpoint checks (printed on /docs/; a test compares them). linkEnable needs mitraCd
# and no callBackUrl; linkInitiate the other way round, and its dbProcessUrl defaults to the link's.
LINK_ENABLE_FIELDS = [
    wire_requests.IMID,
    wire_requests.REFERENCE_NO,
    BILLING_PHONE,
    TIME_STAMP,
    wire_requests.TOKEN,
    PAY_METHOD,
    MITRA_CD,
    BILLING_NM,
    BILLING_EMAIL,
    DB_PROCESS_URL,
    replace(CALLBACK_URL, required=False),
    DESCRIPTION,
    USER_IP,
]
LINK_INITIATE_FIELDS = [
    wire_requests.IMID,
    wire_requests.REFERENCE_NO,
    wire_requests.AMT,
    TIME_STAMP,
    wire_requests.TOKEN,
    PAY_METHOD,
    replace(MITRA_CD, required=False),
    MANDATE_ID,
    GOODS_NM,
    BILLING_NM,
    BILLING_PHONE,
    BILLING_EMAIL,
    *BILLING_OPTIONAL.values(),
    replace(DB_PROCESS_URL, required=False),
    CALLBACK_URL,
    CURRENCY,
    CART_DATA,
    USER_IP,
    DESCRIPTION,
    PAY_VALID_DT,
    PAY_VALID_TM,
]


def _fields(request: HttpRequest) -> dict[str, Any]:
    """Browser form or query string; a JSON body is accepted too, for server-side callers."""
    if request.method == "POST" and "json" in (request.META.get("CONTENT_TYPE") or "").lower():
        return parse_json_body(request)
    return form_or_query(request)


def _wants_json(data: dict[str, Any], request: HttpRequest) -> bool:
    return str(data.get("returnJsonFormat") or "") == "1" or "json" in (
        request.META.get("CONTENT_TYPE") or ""
    )


def _error(request: HttpRequest, exc: ApplicationError, as_json: bool, *, step: bool = True) -> HttpResponse:
    """linkEnable / linkInitiate answer HTTP 200 as NICEPAY's browser steps do (JSON or a page);
    the shopper's return from the partner (`step=False`) keeps the error's own status."""
    a = answer(exc)
    if as_json:
        return error_json(exc)  # HTTP 200, as every V2 JSON answer
    name = registry.linking_partners()[0].name  # the request may not have named a valid one
    status = 200 if step else a.http_status
    return render(request, "hosted/link_error.html", {"error": a, "partner_name": name}, status=status)


def _linking_partner(data: dict[str, Any], *, mitra_required: bool) -> registry.Partner:
    """The partner to link with: mitraCd (and payMethod), by default the first that links."""
    offered = registry.linking_partners()
    pay_method = text(data, PAY_METHOD) or offered[0].pay_method
    mitra = text(data, replace(MITRA_CD, required=mitra_required)).upper()
    mitra = mitra or offered[0].mitra_cd
    partner = next((p for p in offered if (p.mitra_cd, p.pay_method) == (mitra, pay_method)), None)
    if partner is None:
        methods = ", ".join(sorted({p.pay_method for p in offered}))
        codes = ", ".join(p.mitra_cd for p in offered)
        raise InvalidField(
            "mitraCd",
            f"Account linking is offered for payMethod {methods}, mitraCd {codes} only",
            result_cd="9012",
        )
    return partner


@csrf_exempt  # the merchant's page sends the browser here cross-site; authenticated by merchantToken
@browser_step(_error)
def link_enable(request: HttpRequest) -> HttpResponse:
    data: dict[str, Any] = {}
    try:
        data = _fields(request)
        merchant = merchant_for(text(data, wire_requests.IMID))
        ref = text(data, wire_requests.REFERENCE_NO)
        phone = text(data, BILLING_PHONE)
        timestamp(data)
        require_token(
            merchant,
            lambda key: tokens.link_enable_token(merchant.imid, ref, phone, key),
            text(data, wire_requests.TOKEN),
            "linkEnable",
        )
        partner = _linking_partner(data, mitra_required=True)
        enable = linking.LinkEnableData(
            mitra_cd=partner.mitra_cd,
            reference_no=ref,
            billing_name=text(data, BILLING_NM),
            billing_phone=phone,
            billing_email=text(data, BILLING_EMAIL),
            db_process_url=http_url(text(data, DB_PROCESS_URL), "dbProcessUrl", "9020"),
            callback_url=http_url(text(data, replace(CALLBACK_URL, required=False)), "callBackUrl", "9019"),
            description=text(data, DESCRIPTION),
            user_ip=text(data, USER_IP),
        )
        link, redirect_url = linking.account_link_start(merchant=merchant, data=enable)
    except ApplicationError as exc:
        return _error(request, exc, _wants_json(data, request))
    if _wants_json(data, request):
        return JsonResponse(
            {
                "resultCd": "0000",
                "resultMsg": "SUCCESS",
                "referenceNo": link.reference_no,
                "mandateID": link.mandate_id,
                "redirectUrl": redirect_url,
            }
        )
    return continue_page(request, redirect_url, destination=partner.name)


def _default_cart(goods_name: str, amt: int) -> str:
    return json.dumps(
        {
            "count": 1,
            "item": [
                {
                    "goods_id": "1",
                    "goods_name": goods_name,
                    "goods_amt": str(amt),
                    "goods_quantity": "1",
                    "goods_detail": goods_name,
                }
            ],
        }
    )


@csrf_exempt  # cross-site browser step, authenticated by merchantToken
@browser_step(_error)
def link_initiate(request: HttpRequest) -> HttpResponse:
    data: dict[str, Any] = {}
    try:
        data = _fields(request)
        merchant = merchant_for(text(data, wire_requests.IMID))
        ref = text(data, wire_requests.REFERENCE_NO)
        amt = amount(data)
        timestamp(data)
        require_token(
            merchant,
            lambda key: tokens.link_initiate_token(merchant.imid, ref, amount_str(data), key),
            text(data, wire_requests.TOKEN),
            "linkInitiate",
        )
        partner = _linking_partner(data, mitra_required=False)
        mandate_id = text(data, MANDATE_ID)
        link = account_link_get(mandate_id=mandate_id, merchant=merchant)
        goods = text(data, GOODS_NM)
        billing = {
            "billing_name": text(data, BILLING_NM),
            "billing_phone": text(data, BILLING_PHONE),
            "billing_email": text(data, BILLING_EMAIL),
        }
        for wire_name, (field_name, _) in OPTIONAL_BILLING.items():
            billing[field_name] = text(data, BILLING_OPTIONAL[wire_name])
        db_url = text(data, replace(DB_PROCESS_URL, required=False)) or (link.db_process_url if link else "")
        callback_url = text(data, CALLBACK_URL)
        reg = RegistrationData(
            pay_method=partner.pay_method,
            mitra_cd=partner.mitra_cd,
            currency=(text(data, CURRENCY) or "IDR").upper(),
            amount=amt,
            reference_no=ref,
            goods_name=goods,
            billing=billing,
            cart=functools.partial(parse_cart, text(data, CART_DATA) or _default_cart(goods, amt)),
            db_process_url=http_url(db_url, "dbProcessUrl", "9020"),
            user_ip=text(data, USER_IP),
            fingerprint=fingerprint(data),
            description=text(data, DESCRIPTION),
            callback_url=http_url(callback_url, "callBackUrl", "9019"),
            pay_valid_until=parse_valid_until(
                text(data, PAY_VALID_DT),
                text(data, PAY_VALID_TM),
            ),
        )
        txn, action = linking.link_payment_initiate(
            merchant=merchant, mandate_id=mandate_id, data=reg, callback_url=reg.callback_url
        )
    except ApplicationError as exc:
        return _error(request, exc, _wants_json(data, request))
    url = getattr(action, "url", "") or getattr(action, "url_http", "")
    if _wants_json(data, request):
        return JsonResponse(
            {
                "resultCd": "0000",
                "resultMsg": "SUCCESS",
                "tXid": txn.txid,
                "referenceNo": txn.reference_no,
                "amt": str(txn.amount),
                "mandateID": mandate_id,
                "redirectUrl": url,
            }
        )
    return continue_page(request, url, destination=partner.name, txn=txn)


def _finish_params(link: AccountLink) -> dict[str, str]:
    if link.state == AccountLink.State.LINKED:
        code, msg = "0000", "SUCCESS"
    elif link.state == AccountLink.State.PENDING:
        code, msg = "9005", "Account link not confirmed yet"
    else:
        code, msg = "9752", f"Account link {link.state}"
    return {
        "resultCd": code,
        "resultMsg": msg,
        "iMid": link.merchant.imid,
        "referenceNo": link.reference_no,
        "mandateID": link.mandate_id,
        "mitraCd": link.mitra_cd,
        "linkStatus": link.state,
    }


@require_GET
def link_finish(request: HttpRequest, mandate_id: str, token: str) -> HttpResponse:
    """AstraPay sends the browser back here (finishBindingUrl?authCode=...). The URL carries the
    link's secret, like every customer page; only misses count against the client's address."""
    link = (
        account_link_get(mandate_id=mandate_id)
        if customer_access.link_token_valid(mandate_id, token)
        else None
    )
    if link is None:
        if not throttle.count_miss(throttle.client_address(request)):
            return too_many(request)
        return _error(request, LinkNotFound("We could not find this account link."), False, step=False)
    try:
        link = linking.account_link_finish(link=link, auth_code=request.GET.get("authCode", ""))
    except ApplicationError as exc:
        return _error(request, exc, False, step=False)
    if link.callback_url:
        return HttpResponseRedirect(with_params(link.callback_url, _finish_params(link)))
    name = registry.partner(link.mitra_cd).name
    return render(request, "hosted/link_result.html", {"link": link, "partner_name": name})
