"""The V2 request field tables (nicepay-v2.md §2-§5) and their conversion to service inputs."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from payments.services.registration import RegistrationData

from .cart import parse_cart, parse_sellers
from .fields import BILLING, DELIVERY
from .wire import TIME_STAMP, Field, amount, http_url, parse_valid_until, text

REGISTRATION_FIELDS = [
    Field("iMid", "AN", 10, missing_cd="9011"),
    Field("payMethod", "N", 2, missing_cd="9012"),
    Field("currency", "A", 3, missing_cd="9013"),
    Field("referenceNo", "ANS", 40, missing_cd="9014"),
    Field("goodsNm", "AN", 100, missing_cd="9015"),
    Field("billingNm", "A", 100, missing_cd="9016"),
    Field("billingPhone", "N", 15, missing_cd="9017"),
    # Its format is the services' rule (registration.check_billing_email); 9018 for all of it.
    Field("billingEmail", "ANS", 40, missing_cd="9018", invalid_cd="9018"),
    Field("billingAddr", "AN", 100),
    Field("billingCity", "A", 50, missing_cd="9025"),
    Field("billingState", "A", 50, missing_cd="9026"),
    Field("billingPostCd", "N", 10, missing_cd="9027"),
    Field("billingCountry", "A", 10, missing_cd="9028"),
    Field("cartData", "JSON", 4000, missing_cd="9022"),
    Field("dbProcessUrl", "ANS", 255, missing_cd="9020"),
    Field("merchantToken", "AN", 255, missing_cd="9010"),
    Field("mitraCd", "A", 4, missing_cd="9012"),
    Field("userIP", "ANS", 15, missing_cd="9024"),
    Field("instmntType", "N", 2, required=False),
    Field("instmntMon", "N", 2, required=False),
    Field("recurrOpt", "N", 2, required=False),
    Field("sellers", "JSON", 4000, required=False),
    Field("payValidDt", "N", 8, required=False),
    Field("payValidTm", "N", 6, required=False),
    Field("callBackUrl", "ANS", 255, required=False),
    Field("deliveryNm", "A", 100, required=False),
    Field("deliveryPhone", "N", 15, required=False),
    Field("deliveryAddr", "AN", 100, required=False),
    Field("deliveryCity", "A", 50, required=False),
    Field("deliveryState", "A", 50, required=False),
    Field("deliveryPostCd", "N", 10, required=False),
    Field("deliveryCountry", "A", 10, required=False),
    Field("description", "AN", 100, required=False),
    Field("reqDt", "N", 8, required=False),
    Field("reqTm", "N", 6, required=False),
    Field("reqDomain", "ANS", 100, required=False),
    Field("reqServerIP", "ANS", 15, required=False),
    Field("reqClientVer", "ANS", 50, required=False),
    Field("userSessionID", "AN", 100, required=False),
    Field("userAgent", "ANS", 255, required=False),
    Field("userLanguage", "ANS", 50, required=False),
    Field("shopId", "ANS", 50, required=False),
]


def fingerprint(data: dict[str, Any]) -> str:
    """The whole request hashed, timeStamp and merchantToken included: the exact same request again
    is a replay and gets the first answer; a retry of the order with a new timeStamp is a new
    request (a new transaction once the earlier ones ended unpaid, else 9009)."""
    stable = {k: str(v) for k, v in data.items()}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()


# The redirect (checkout) registration: the shopper picks the partner, so mitraCd is optional.
CHECKOUT_FIELDS = [
    Field(f.name, f.kind, f.size, required=False) if f.name == "mitraCd" else f for f in REGISTRATION_FIELDS
]


def registration_data(
    body: dict[str, Any], *, remote_addr: str = "", checkout: bool = False
) -> tuple[dict[str, str], RegistrationData]:
    """Validates every field to its type and size; returns (clean fields, service input)."""
    amt = amount(body)
    sent = fingerprint(body)
    if (checkout or body.get("payMethod") == "06") and not body.get("userIP"):
        # NICEPAY's own Payloan builders never send userIP: fall back to the caller's address.
        body = {**body, "userIP": remote_addr[:15]}
    clean = {f.name: text(body, f) for f in (CHECKOUT_FIELDS if checkout else REGISTRATION_FIELDS)}
    extra = {f.name: amount(body, f.name, required=False, invalid_cd="9003") for f in OPTIONAL_AMOUNTS}
    data = RegistrationData(
        pay_method=clean["payMethod"],
        mitra_cd=clean["mitraCd"].upper(),
        currency=clean["currency"].upper(),
        amount=amt,
        reference_no=clean["referenceNo"],
        goods_name=clean["goodsNm"],
        billing={v: clean[k] for k, v in BILLING.items()},
        cart=functools.partial(parse_cart, clean["cartData"]),
        db_process_url=http_url(clean["dbProcessUrl"], "dbProcessUrl", "9020"),
        user_ip=clean["userIP"],
        fingerprint=sent,
        description=clean["description"],
        callback_url=http_url(clean["callBackUrl"], "callBackUrl", "9019"),
        delivery={v: clean[k] for k, v in DELIVERY.items() if clean[k]},
        sellers=functools.partial(parse_sellers, clean["sellers"]) if clean["sellers"] else None,
        instalment_type=clean["instmntType"],
        instalment_months=clean["instmntMon"],
        pay_valid_until=parse_valid_until(clean["payValidDt"], clean["payValidTm"]),
        vat=extra["vat"],
        fee=extra["fee"],
        notax_amount=extra["notaxAmt"],
    )
    return clean, data


def with_valid_until(data: RegistrationData, until: datetime | None) -> RegistrationData:
    return replace(data, pay_valid_until=until)


TXID = Field("tXid", "AN", 30, missing_cd="9501")
IMID = Field("iMid", "AN", 10, missing_cd="9011")
REFERENCE_NO = Field("referenceNo", "ANS", 40, missing_cd="9014")
TOKEN = Field("merchantToken", "AN", 255, missing_cd="9010")
CALLBACK_URL = Field("callBackUrl", "ANS", 255, missing_cd="9019")
CANCEL_TYPE = Field("cancelType", "N", 2, missing_cd="9301")
PAY_METHOD = Field("payMethod", "N", 2, required=False)
CANCEL_MSG = Field("cancelMsg", "ANS", 255, required=False)

# Amounts are read by wire.amount(): digits only, at most 12, no leading zero; amt above 0.
AMT = Field("amt", "N", 12, missing_cd="9007")
OPTIONAL_AMOUNTS = [Field(name, "N", 12, required=False) for name in ("vat", "fee", "notaxAmt")]
INQUIRY_TXID = Field("tXid", "AN", 30, missing_cd="8004")
CANCEL_AMT = Field("amt", "N", 12, missing_cd="9312")
# The payment step's callBackUrl may be left out when it was given at registration.
PAYMENT_CALLBACK_URL = Field("callBackUrl", "ANS", 255, missing_cd="9019")

# Every field each endpoint checks, in the order it checks them: the validator reads these lists'
# Field objects and /docs/ prints them (a test compares the two).
ENDPOINT_FIELDS: dict[str, list[Field]] = {
    "registration": [TIME_STAMP, AMT, *REGISTRATION_FIELDS, *OPTIONAL_AMOUNTS],
    "payment": [TXID, TIME_STAMP, TOKEN, PAYMENT_CALLBACK_URL],
    "inquiry": [IMID, INQUIRY_TXID, REFERENCE_NO, AMT, TIME_STAMP, TOKEN],
    "cancel": [IMID, TXID, CANCEL_TYPE, CANCEL_AMT, TIME_STAMP, TOKEN, PAY_METHOD, CANCEL_MSG],
}
