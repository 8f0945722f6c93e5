"""What /docs/ says about the V2 API, built from the code it documents: the field tables are the
validator's own Field lists, the token formulas are payments.tokens run on NICEPAY's published
vectors, the examples are built from the same sample bodies for curl, Python and PHP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.template.loader import render_to_string

from payments import tokens
from payments.nicepay import linking_views, receipt_views, redirect_views
from payments.nicepay import requests as v2
from payments.nicepay.wire import Field
from providers import registry

KINDS = {
    "N": "digits",
    "A": "letters",
    "AN": "letters and digits",
    "ANS": "letters, digits and symbols",
    "JSON": "a JSON document serialised into a string",
}

# NICEPAY's published sandbox credentials (nicepay-v2.md §0.5); the sandbox merchant IONPAYTEST uses them.
SANDBOX_IMID = "IONPAYTEST"
SANDBOX_KEY = "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="

NOTES = {
    "timeStamp": "YYYYMMDDHHMMSS, your server's clock at the time of the call",
    "iMid": "your merchant id (Developers page)",
    "payMethod": "05 e-wallet, 06 pay-later",
    "currency": "IDR",
    "amt": "whole rupiah, digits only, no decimals, no leading zero",
    "referenceNo": "your order id, unique per merchant",
    "merchantToken": "SHA-256 hex, see Tokens",
    "cartData": (
        'JSON in a string: {"count": n, "item": [...]}; goods_amt x goods_quantity must add up to amt; '
        "count and goods_quantity are whole numbers from 1"
    ),
    "sellers": "JSON in a string; Akulaku only; text values, sellersAddress an object",
    "billingEmail": "an e-mail address, at most 40 characters",
    "dbProcessUrl": "where we post the notification (public http(s) URL)",
    "callBackUrl": "where the shopper's browser returns",
    "billingPhone": "for OVO, the phone that receives the push",
    "instmntType": "pay-later: 1 customer pays the fee, 2 merchant pays it",
    "instmntMon": "pay-later tenor in months",
    "payValidDt": "payment deadline date YYYYMMDD (Asia/Jakarta)",
    "payValidTm": "payment deadline time HHMMSS",
    "tXid": "the transaction id from registration (30 characters)",
    "cancelType": "1 full, 2 partial",
    "cancelMsg": "the reason, shown in your dashboard",
    "mandateID": "the AstraPay link, from linkEnable's notification",
    "userIP": "the shopper's address; left out (pay-later, redirect API), your server's address is used",
    "vat": "CC field; accepted, not used for 05/06",
    "fee": "CC field; accepted, not used for 05/06",
    "notaxAmt": "CC field; accepted, not used for 05/06",
}


def mitra_note() -> str:
    """The partner codes per payMethod, from the catalogue."""
    groups = [
        f"{', '.join(p.mitra_cd for p in registry.partners_for(pay_method=pm))} ({pm})" for pm in ("05", "06")
    ]
    linked = ", ".join(p.mitra_cd for p in registry.linking_partners())
    return "; ".join(groups) + (f"; {linked} through linkInitiate" if linked else "")


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    size: int
    required: bool
    missing_cd: str
    note: str


@dataclass
class Endpoint:
    key: str
    title: str
    method: str
    path: str
    summary: str
    fields: list[Field]
    token: str
    response: list[tuple[str, str]] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)
    browser: bool = False

    @property
    def rows(self) -> list[Row]:
        notes = {**NOTES, "mitraCd": mitra_note()}
        return [
            Row(f.name, f.kind, f.size, f.required, f.missing_cd, notes.get(f.name, "")) for f in self.fields
        ]


def duration_words(seconds: list[int]) -> str:
    """[60, 3600, 86400] -> "1 min, 1 h, 24 h"."""
    out = []
    for s in seconds:
        out.append(
            f"{s // 3600} h" if s >= 3600 and s % 3600 == 0 else f"{s // 60} min" if s >= 60 else f"{s} s"
        )
    return ", ".join(out)


def token_example() -> dict[str, str]:
    """The registration token worked through on NICEPAY's first published vector."""
    ts, ref, amt = "20170822170942", "OrdNo2017717942577", "1000"
    plain = f"{ts}{SANDBOX_IMID}{ref}{amt}{SANDBOX_KEY}"
    return {
        "timeStamp": ts,
        "iMid": SANDBOX_IMID,
        "referenceNo": ref,
        "amt": amt,
        "merchantKey": SANDBOX_KEY,
        "plain": plain,
        "token": tokens.registration_token(ts, SANDBOX_IMID, ref, amt, SANDBOX_KEY),
        "published": "b5149659e1a2f1271fb0833f8ea20e174b6fd389db26bc6ad036cc0dae6fa797",
    }


FORMULAS = [
    ("registration", "timeStamp + iMid + referenceNo + amt + merchantKey"),
    (
        "payment",
        "timeStamp + iMid + referenceNo + amt + merchantKey (referenceNo and amt of the registration)",
    ),
    ("inquiry", "timeStamp + iMid + referenceNo + amt + merchantKey"),
    ("cancel", "timeStamp + iMid + tXid + amt + merchantKey (amt: the amount to cancel)"),
    ("confirmAkulaku", "timeStamp + tXid + iMid + merchantKey (note the order)"),
    ("linkEnable", "iMid + referenceNo + billingPhone + merchantKey"),
    ("linkInitiate", "iMid + referenceNo + amt + merchantKey"),
    ("notification (ours to you)", "iMid + tXid + amt + merchantKey"),
]


# --- examples ---------------------------------------------------------------------------------
def _snippet(name: str, **context: object) -> str:
    return render_to_string(f"devdocs/snippets/{name}.txt", context).strip() + "\n"


def _examples(base: str, path: str, body: dict[str, str], token_parts: list[str]) -> dict[str, str]:
    """curl, Python and PHP for a JSON call, from one sample body (the token from its fields)."""
    url = f"{base}{path}"
    signed = {**body, "merchantToken": "<SHA-256 hex of " + " + ".join(token_parts) + ">"}
    curl = (
        f"curl -s -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n"
        f"  -d '{json.dumps(signed, indent=2)}'\n"
    )
    py_fields = "\n".join(f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in body.items())
    py_joined = " + ".join("MERCHANT_KEY" if p == "merchantKey" else f'body["{p}"]' for p in token_parts)
    php_fields = "\n".join(f"    '{k}' => {json.dumps(v)}," for k, v in body.items())
    php_joined = " . ".join("$merchantKey" if p == "merchantKey" else f"$body['{p}']" for p in token_parts)
    return {
        "curl": curl,
        "python": _snippet("post.py", url=url, fields=py_fields, joined=py_joined),
        "php": _snippet("post.php", url=url, fields=php_fields, joined=php_joined),
    }


def _cart(amount: str) -> str:
    item = {
        "goods_id": "SKU-1",
        "goods_name": "Batik shirt",
        "goods_detail": "Batik shirt, size M",
        "goods_amt": amount,
        "goods_quantity": "1",
        "goods_type": "Fashion",
        "goods_url": "https://shop.example/batik",
        "img_url": "https://shop.example/batik.png",
        "goods_sellers_id": "SEL-1",
        "goods_sellers_name": "Toko Batik",
    }
    return json.dumps({"count": 1, "item": [item]})


def registration_sample() -> dict[str, str]:
    return {
        "timeStamp": "20261130101500",
        "iMid": SANDBOX_IMID,
        "payMethod": "05",
        "currency": "IDR",
        "amt": "45000",
        "referenceNo": "ORD-10045",
        "goodsNm": "Batik shirt",
        "billingNm": "Rina Wijaya",
        "billingPhone": "081234567890",
        "billingEmail": "rina@example.com",
        "billingAddr": "Jalan Sudirman 1",
        "billingCity": "Jakarta",
        "billingState": "DKI Jakarta",
        "billingPostCd": "10220",
        "billingCountry": "Indonesia",
        "cartData": _cart("45000"),
        "dbProcessUrl": "https://shop.example/payloan/notify",
        "mitraCd": registry.partners_for(pay_method="05", amount=45_000)[0].mitra_cd,
        "userIP": "203.0.113.7",
    }


def endpoints(base: str) -> list[Endpoint]:
    reg = registration_sample()
    inquiry = {
        "timeStamp": "20261130102000",
        "iMid": SANDBOX_IMID,
        "tXid": "IONPAYTEST05202611301015001234",
        "referenceNo": "ORD-10045",
        "amt": "45000",
    }
    cancel = {
        "timeStamp": "20261130110000",
        "iMid": SANDBOX_IMID,
        "tXid": "IONPAYTEST05202611301015001234",
        "payMethod": "05",
        "cancelType": "2",
        "amt": "10000",
        "cancelMsg": "damaged item",
    }
    confirm = {"timeStamp": "20261201090000", "iMid": SANDBOX_IMID, "tXid": "IONPAYTEST06202611301015005678"}
    registration_response = [
        ("resultCd, resultMsg", "0000 and SUCCESS, or the error"),
        ("tXid", "the transaction id: keep it"),
        ("referenceNo, payMethod, mitraCd, amt, currency, goodsNm, billingNm, description", "as registered"),
        ("transDt, transTm", "when it was registered (Asia/Jakarta)"),
        ("payValidDt, payValidTm", "until when the shopper can pay"),
    ]
    payment_url = f"{base}/nicepay/direct/v2/payment?" + urlencode(
        {
            "timeStamp": "20261130101600",
            "tXid": "IONPAYTEST05202611301015001234",
            "merchantToken": "<sha256 of timeStamp + iMid + referenceNo + amt + merchantKey>",
            "callBackUrl": "https://shop.example/payloan/return",
        }
    )
    return [
        Endpoint(
            "registration",
            "Registration",
            "POST",
            "/nicepay/direct/v2/registration",
            "Server to server, JSON. Creates the transaction and answers its tXid; nothing is shown to the "
            "shopper yet.",
            v2.ENDPOINT_FIELDS["registration"],
            "timeStamp + iMid + referenceNo + amt + merchantKey",
            registration_response,
            _examples(
                base,
                "/nicepay/direct/v2/registration",
                reg,
                ["timeStamp", "iMid", "referenceNo", "amt", "merchantKey"],
            ),
        ),
        Endpoint(
            "payment",
            "Payment (the shopper's browser)",
            "GET or form POST",
            "/nicepay/direct/v2/payment",
            "Send the shopper's browser here (a link, a redirect or a form). We hand it to the partner and "
            "finally back to callBackUrl with the result as query parameters. The return is not proof of "
            "payment: wait for our notification or ask inquiry.",
            v2.ENDPOINT_FIELDS["payment"],
            "timeStamp + iMid + referenceNo + amt + merchantKey",
            [("(browser)", "a redirect to the partner; ShopeePay with returnJsonFormat=1 answers JSON")],
            {
                "curl": _snippet("payment.sh", url=payment_url),
                "python": _snippet("payment.py", base=base),
                "php": _snippet("payment.php", base=base),
            },
            browser=True,
        ),
        Endpoint(
            "inquiry",
            "Status inquiry",
            "POST",
            "/nicepay/direct/v2/inquiry",
            "The current status of one transaction. resultMsg is the status word (paid, init, ...).",
            v2.ENDPOINT_FIELDS["inquiry"],
            "timeStamp + iMid + referenceNo + amt + merchantKey",
            [
                ("status", "0 paid, 1 void, 2 refund, 3 unpaid, 4 processing, 5 expired, 8 failed, 9 init"),
                ("cancelAmt", "how much was cancelled so far (whole rupiah)"),
                ("transDt, transTm", "when it was paid"),
                ("reqDt, reqTm, payValidDt, payValidTm", "registered at, payable until"),
            ],
            _examples(
                base,
                "/nicepay/direct/v2/inquiry",
                inquiry,
                ["timeStamp", "iMid", "referenceNo", "amt", "merchantKey"],
            ),
        ),
        Endpoint(
            "cancel",
            "Cancel and refund",
            "POST",
            "/nicepay/direct/v2/cancel",
            "Full (cancelType 1) or partial (2). Each partner has its own rules (OVO: full only, the same "
            "day); your dashboard shows what is possible for a payment today. Send the same request again "
            "after a timeout: it is answered, never applied twice.",
            v2.ENDPOINT_FIELDS["cancel"],
            "timeStamp + iMid + tXid + amt + merchantKey",
            [
                ("canceltXid", "the cancel's own id"),
                ("amt", "the amount cancelled"),
                ("transDt, transTm", "when"),
            ],
            _examples(
                base, "/nicepay/direct/v2/cancel", cancel, ["timeStamp", "iMid", "tXid", "amt", "merchantKey"]
            ),
        ),
        Endpoint(
            "confirm-akulaku",
            "confirmAkulaku (goods received)",
            "POST",
            "/nicepay/api/direct/v2/confirmAkulaku",
            "Akulaku pays the merchant once the shopper has the goods: confirm it after delivery.",
            receipt_views.FIELDS,
            "timeStamp + tXid + iMid + merchantKey",
            [("resultCd, resultMsg", "0000 once Akulaku accepted the confirmation")],
            _examples(
                base,
                "/nicepay/api/direct/v2/confirmAkulaku",
                confirm,
                ["timeStamp", "tXid", "iMid", "merchantKey"],
            ),
        ),
        Endpoint(
            "redirect-registration",
            "Redirect API: registration (hosted checkout)",
            "POST",
            "/nicepay/redirect/v2/registration",
            'NICEPAY\'s redirect ("API Checkout") registration: like the direct one, but mitraCd is optional '
            "and payMethod may be 00: the shopper chooses the partner on our hosted page. The answer adds "
            'paymentURL: send the shopper\'s browser to paymentURL + "?tXid=" + tXid.',
            redirect_views.REDIRECT_FIELDS,
            "timeStamp + iMid + referenceNo + amt + merchantKey",
            [
                (
                    "paymentURL",
                    "where the shopper pays (open it with ?tXid=<tXid>); it carries the page's secret",
                ),
                *registration_response,
            ],
            _examples(
                base,
                "/nicepay/redirect/v2/registration",
                {k: v for k, v in reg.items() if k != "mitraCd"} | {"payMethod": "00"},
                ["timeStamp", "iMid", "referenceNo", "amt", "merchantKey"],
            ),
        ),
        Endpoint(
            "link-enable",
            "AstraPay: link an account (linkEnable)",
            "GET or form POST (browser)",
            "/nicepay/api/linkEnable.do",
            "Send the shopper's browser here once: AstraPay asks them to approve the link, we notify your "
            "dbProcessUrl with the mandateID and return the browser to callBackUrl.",
            linking_views.LINK_ENABLE_FIELDS,
            "iMid + referenceNo + billingPhone + merchantKey",
            [("mandateID", "in the notification and the return: the link to pay against")],
            {},
            browser=True,
        ),
        Endpoint(
            "link-initiate",
            "AstraPay: pay from a linked account (linkInitiate)",
            "GET or form POST (browser)",
            "/nicepay/api/linkInitiate.do",
            "Registers and starts a payment on the linked account in one step.",
            linking_views.LINK_INITIATE_FIELDS,
            "iMid + referenceNo + amt + merchantKey",
            [("tXid", "the transaction; its result comes as a normal notification")],
            {},
            browser=True,
        ),
    ]


def notification_check_examples() -> dict[str, str]:
    return {
        "curl": _snippet("notification.sh"),
        "python": _snippet("notification.py"),
        "php": _snippet("notification.php"),
    }


# NICEPAY's wording of the codes we answer (nicepay-v2.md §8), shortened.
MEANINGS = {
    "0000": "Success",
    "8002": "referenceNo and amt do not match this tXid (inquiry)",
    "8004": "tXid unknown (inquiry, confirmAkulaku)",
    "8061": "The partner refused the full cancel",
    "8062": "The partner refused the partial cancel",
    "8064": "tXid unknown, or payMethod not the tXid's (full cancel)",
    "8066": "tXid unknown, or payMethod not the tXid's (partial cancel)",
    "8090": "The partner did not answer the cancel: check the status before retrying",
    "9001": "Registration failed at the partner",
    "9002": "The partner is unavailable: retry later",
    "9003": "A field is invalid (the message names it)",
    "9005": "Payment not final yet: confirm with inquiry",
    "9006": "Transaction number generation error: retry",
    "9007": "amt is missing",
    "9008": "amt is not whole rupiah digits",
    "9009": "referenceNo was already used",
    "9010": "merchantToken is wrong",
    "9011": "iMid unknown or suspended",
    "9012": "payMethod or mitraCd not available",
    "9013": "currency is missing",
    "9014": "referenceNo is missing",
    "9015": "goodsNm is missing",
    "9016": "billingNm is missing",
    "9017": "billingPhone is missing",
    "9018": "billingEmail is missing or not an e-mail address",
    "9019": "callBackUrl is missing or not an http(s) URL",
    "9020": "dbProcessUrl is missing or not an http(s) URL",
    "9022": "cartData is not valid (JSON, count or goods_quantity)",
    "9023": "amt differs from the cartData total",
    "9024": "userIP is missing",
    "9025": "billingCity is missing",
    "9026": "billingState is missing",
    "9027": "billingPostCd is missing",
    "9028": "billingCountry is missing",
    "9029": "Instalment type or tenor not available",
    "9031": "timeStamp or the payment deadline is not valid",
    "9109": "referenceNo is longer than 40",
    "9301": "cancelType must be 1 or 2",
    "9311": "Cancel number generation error: retry",
    "9312": "The cancel amount is missing or not digits",
    "9314": "This transaction cannot be cancelled (now)",
    "9315": "Another cancel of this transaction is in progress",
    "9319": "The cancel amount is larger than what is left",
    "9320": "A full cancel after a partial one: cancel the rest with cancelType 2",
    "9321": "The cancel amount must be above 0",
    "9326": "A partial cancel is only possible after payment",
    "9332": "This partner allows no partial cancel (now)",
    "9501": "Transaction not found",
    "9502": "Transaction not allowed",
    "9752": "The e-wallet payment failed",
    "9999": "Request failed (the message says why)",
}


def result_codes() -> list[tuple[str, str]]:
    """(code, meaning) for every code the V2 door can answer, sorted (a test checks that each
    code in payments/nicepay is here)."""
    return sorted(MEANINGS.items())
