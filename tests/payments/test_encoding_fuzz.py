"""Hostile text in every field of every endpoint: never a 5xx, and text we refuse changes nothing.

Payloads: NUL, unpaired surrogates (the JSON escapes "\\ud800", "\\udfff", a reversed pair, and
their UTF-8 encodings), overlong, invalid and truncated UTF-8 (bad: must be refused); a BOM,
right-to-left marks and a 4-byte emoji, raw and escaped (good: may be accepted as sent). Each goes
into every field (and a field name) of the V2 API (JSON and form/query forms, nested cartData), the
/api/v1 REST API, the partner notification endpoints, the hosted pages and the dashboard forms,
signed where the field is part of a merchantToken so the request gets as deep as it can.

The gateway and the partner sandbox run in one live server (payment starts and AstraPay linking
reach the sandbox over HTTP); the requests themselves go through Django's test client so that raw
bytes arrive exactly as written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes, urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from payments import customer_access, tokens
from payments.models import (
    AccountLink,
    AuditLog,
    Cancellation,
    Invitation,
    Job,
    Merchant,
    MerchantMember,
    Notification,
    PartnerCallback,
    PartnerNonce,
    Transaction,
    TransactionEvent,
    UnverifiedCallback,
)
from payments.services.audit import SYSTEM
from payments.services.merchants import invitation_create
from payments.services.payment_links import payment_link_create
from providers import registry
from tests.support import checkout, flows
from tests.support.dashboard import member
from tests.support.rest import basic

pytestmark = pytest.mark.django_db(transaction=True)
MARK = "FUZZMARK"
NOTIFY = "http://127.0.0.1:9/notify"
POLL_BOOKKEEPING = frozenset({"next_poll_at", "poll_count", "updated_at"})
MITRAS = registry.known_mitra_codes()


@dataclass(frozen=True)
class Payload:
    name: str
    json: bytes  # as written inside a JSON string literal
    form: bytes  # percent-encoded, for a query string, a form body or a path
    bad: bool

    @property
    def text(self) -> str:
        """What the server decodes a good payload to (the merchant signs over this)."""
        return json.loads(b'"' + self.json + b'"') if self.bad is False else ""


PAYLOADS = [
    Payload("nul", b"\\u0000", b"%00", True),
    Payload("lone-high-surrogate", b"\\ud800", b"%ED%A0%80", True),
    Payload("lone-low-surrogate", b"\\udfff", b"%ED%BF%BF", True),
    Payload("reversed-pair", b"\\ude00\\ud83d", b"%ED%B8%80%ED%A0%BD", True),
    Payload("overlong-slash", b"\xc0\xaf", b"%C0%AF", True),
    Payload("invalid-bytes", b"\xff\xfe", b"%FF%FE", True),
    Payload("truncated", b"\xe2\x82", b"%E2%82", True),
    Payload("bom", b"\xef\xbb\xbf", b"%EF%BB%BF", False),
    Payload("bom-escaped", b"\\ufeff", b"%EF%BB%BF", False),
    Payload("rtl-mark", b"\xe2\x80\x8f", b"%E2%80%8F", False),
    Payload("rtl-override", b"\\u202e", b"%E2%80%AE", False),
    Payload("emoji", b"\xf0\x9f\x98\x80", b"%F0%9F%98%80", False),
    Payload("emoji-escaped-pair", b"\\ud83d\\ude00", b"%F0%9F%98%80", False),
]


@dataclass
class Call:
    """One endpoint with a valid request; `sign` recomputes merchantToken over decoded values."""

    name: str
    kind: str  # "json" | "get" | "form"
    path: str
    fields: dict[str, str]
    sign: Callable[[dict[str, str]], str] | None = None
    nested: dict[str, dict] = field(default_factory=dict)  # JSON-in-a-string fields (cartData)
    client: str = "anon"  # which client sends it


def digest(include_callbacks: bool) -> dict[str, str]:
    """Every stored row that a request could change (the raw partner log only where asked), one
    hash per table so that a failure names the table."""
    models = [Merchant, MerchantMember, Transaction, TransactionEvent, Cancellation, Notification]
    models += [AccountLink, AuditLog, Job, Invitation, get_user_model()]
    if include_callbacks:
        models += [PartnerCallback, UnverifiedCallback, PartnerNonce]
    hashes = {}
    for model in models:
        h = hashlib.sha256()
        for row in model.objects.order_by("pk").values():
            # A Celery worker of the session's stack may poll an open payment meanwhile: its own
            # bookkeeping is not a change a request made.
            row = {k: v for k, v in row.items() if k not in POLL_BOOKKEEPING}
            h.update(repr(sorted(row.items())).encode())
        hashes[model.__name__] = h.hexdigest()
    return hashes


def targets(call: Call) -> list[tuple[str, str | None]]:
    """(field, nested key) pairs to fuzz: every field, every nested field, and a field name."""
    out: list[tuple[str, str | None]] = [(f, None) for f in call.fields]
    for outer, doc in call.nested.items():
        out += [(outer, key) for key in _leaf_keys(doc)]
    return [*out, ("<name>", None)]


def _leaf_keys(doc: dict) -> list[str]:
    item = doc["item"][0] if "item" in doc else doc
    return [k for k, v in item.items() if isinstance(v, str)]


def build(call: Call, target: tuple[str, str | None], p: Payload) -> tuple[str, bytes, str]:
    """(path, body, content type) with the payload in place of the mark."""
    name, nested_key = target
    values = dict(call.fields)
    nested = {k: json.loads(json.dumps(v)) for k, v in call.nested.items()}
    if name == "<name>":
        values[MARK] = "x"
    elif nested_key:
        item = nested[name]["item"][0] if "item" in nested[name] else nested[name]
        item[nested_key] = f"{item[nested_key]}{MARK}"
    else:
        values[name] = f"{values[name]}{MARK}"
    for k, doc in nested.items():
        values[k] = json.dumps(doc, ensure_ascii=False)
    if call.sign and name != "merchantToken":
        decoded = {k: v.replace(MARK, p.text) for k, v in values.items()}
        values["merchantToken"] = call.sign(decoded)
    if call.kind == "json":
        raw = json.dumps(values, ensure_ascii=False).encode()
        inner = p.json.replace(b"\\", b"\\\\") if nested_key else p.json
        return call.path, raw.replace(MARK.encode(), inner), "application/json"
    encoded = urlencode(values).encode().replace(quote(MARK).encode(), p.form)
    if call.kind == "get":
        return f"{call.path}?{encoded.decode('latin-1')}", b"", ""
    return call.path, encoded, "application/x-www-form-urlencoded"


ERROR_PAGE = re.compile(r'role="alert"[^>]*data-result-cd="([^"]+)"')


def refused(call: Call, resp) -> bool:  # noqa: ANN001
    if resp.status_code >= 400:
        return True
    if resp["Content-Type"].startswith("application/json"):
        answer = resp.json()
        return isinstance(answer, dict) and answer.get("resultCd") not in (None, "0000")
    # A V2 browser step answers its errors as NICEPAY does: an HTTP 200 page showing the resultCd.
    shown = ERROR_PAGE.search(resp.content.decode(errors="replace"))
    return shown is not None and shown.group(1) != "0000"


def send(clients: dict[str, Client], call: Call, path: str, body: bytes, ctype: str):  # noqa: ANN201
    client = clients[call.client]
    if call.kind == "get":
        return client.get(path)
    return client.post(path, body, content_type=ctype)


def run(clients: dict[str, Client], calls: list[Call], *, partner_log: bool = False) -> int:
    """Every payload into every target of every call. Returns how many requests were sent."""
    problems: list[str] = []
    sent, known = 0, None  # `known`: the stored state's digest, while nothing could have changed it
    for call in calls:
        for target in targets(call):
            for p in PAYLOADS:
                path, body, ctype = build(call, target, p)
                before = (known or digest(include_callbacks=not partner_log)) if p.bad else None
                resp = send(clients, call, path, body, ctype)
                sent += 1
                known = digest(include_callbacks=not partner_log) if p.bad else None
                where = f"{call.name} {target[0]}{'.' + target[1] if target[1] else ''} {p.name}"
                if resp.status_code >= 500:
                    problems.append(f"{where}: HTTP {resp.status_code} {resp.content[:200]!r}")
                elif p.bad and not refused(call, resp):
                    problems.append(f"{where}: accepted ({resp.status_code} {resp.content[:150]!r})")
                elif p.bad and known != before:
                    changed = sorted(k for k in known if known[k] != before.get(k))
                    problems.append(f"{where}: refused but stored something in {changed}")
    assert not problems, f"{len(problems)} of {sent} requests:\n" + "\n".join(problems[:60])
    return sent


# --- the endpoints ---------------------------------------------------------------------------


def reg_token(v: dict) -> str:
    return tokens.registration_token(v["timeStamp"], v["iMid"], v["referenceNo"], v["amt"], flows.KEY)


@pytest.fixture
def world(sandbox_server, demo_merchant):
    """One merchant with an open e-wallet payment and an Akulaku payment; an owner
    signed in to the dashboard; an invitation to accept; REST credentials."""
    base = sandbox_server.url
    open_reg = flows.register(base, mitra_cd="ESHP", amount=50_000, db_process_url=NOTIFY)
    aklp_reg = flows.register(base, mitra_cd="AKLP", amount=60_000, db_process_url=NOTIFY)
    checkout_reg = checkout.register(base, amount=40_000, db_process_url=NOTIFY)
    assert open_reg["resultCd"] == aklp_reg["resultCd"] == checkout_reg["resultCd"] == "0000"
    demo_merchant.default_notification_url = NOTIFY
    demo_merchant.save(update_fields=["default_notification_url"])
    link = payment_link_create(
        merchant=demo_merchant, amount=30_000, description="Helm", expires_at=None, multi_use=True
    )
    owner = member(demo_merchant)
    dashboard = Client()
    dashboard.force_login(owner.user)
    _, invite_token = invitation_create(
        merchant=demo_merchant, email="new@shop.test", role="viewer", actor=SYSTEM
    )
    clients = {"anon": Client(), "dashboard": dashboard, "api": Client()}
    clients["api"].defaults["HTTP_AUTHORIZATION"] = basic(flows.IMID, flows.KEY)
    yield {
        "base": base,
        "open": open_reg,
        "aklp": aklp_reg,
        "checkout": checkout_reg,
        "link_code": link.code,
        "owner": owner,
        "invite": invite_token,
        "clients": clients,
    }
    # Hundreds of refused requests spend the per-address attempt budgets (sign-in, unverified
    # partner notices) that later tests from the same address rely on.
    cache.clear()


def v2_json_calls(w: dict) -> list[Call]:
    reg_body = flows.registration_body(mitra_cd="ESHP", amount=15_000, db_process_url=NOTIFY)
    cart = json.loads(reg_body.pop("cartData"))
    reg_body.pop("merchantToken")
    redirect = checkout.redirect_body(amount=15_000, db_process_url=NOTIFY)
    redirect.pop("merchantToken")
    o, a = w["open"], w["aklp"]
    ts = flows.stamp()
    inquiry = {
        "timeStamp": ts,
        "tXid": o["tXid"],
        "iMid": flows.IMID,
        "referenceNo": o["_body"]["referenceNo"],
        "amt": o["_body"]["amt"],
    }
    cancel = {
        "timeStamp": ts,
        "tXid": a["tXid"],
        "iMid": flows.IMID,
        "payMethod": "06",
        "cancelType": "2",  # partial before payment: refused after every field is read
        "amt": "1000",
        "cancelMsg": "changed my mind",
    }
    confirm = {"timeStamp": ts, "tXid": a["tXid"], "iMid": flows.IMID}
    return [
        Call(
            "registration", "json", "/nicepay/direct/v2/registration", reg_body, reg_token, {"cartData": cart}
        ),
        Call("inquiry", "json", "/nicepay/direct/v2/inquiry", inquiry, reg_token),
        Call("redirect registration", "json", "/nicepay/redirect/v2/registration", redirect, reg_token),
        Call(
            "cancel",
            "json",
            "/nicepay/direct/v2/cancel",
            cancel,
            lambda v: tokens.cancel_token(v["timeStamp"], v["iMid"], v["tXid"], v["amt"], flows.KEY),
        ),
        Call(
            "confirmAkulaku",
            "json",
            "/nicepay/api/direct/v2/confirmAkulaku",
            confirm,
            lambda v: tokens.akulaku_confirm_token(v["timeStamp"], v["tXid"], v["iMid"], flows.KEY),
        ),
    ]


def v2_browser_calls(w: dict) -> list[Call]:
    from tests.support import linking as lf

    o = w["open"]
    ts = flows.stamp()
    payment = {"timeStamp": ts, "tXid": o["tXid"], "callBackUrl": "http://127.0.0.1:9/back"}

    def pay_token(v: dict) -> str:
        body = o["_body"]
        return tokens.payment_token(v["timeStamp"], flows.IMID, body["referenceNo"], body["amt"], flows.KEY)

    enable = lf.link_enable_query(db_process_url=NOTIFY)
    enable.pop("merchantToken")
    initiate = lf.link_initiate_query(mandate_id="IONPAYTEST0000000404", amount=25_000, db_process_url=NOTIFY)
    initiate.pop("merchantToken")

    def enable_token(v: dict) -> str:
        return tokens.link_enable_token(v["iMid"], v["referenceNo"], v["billingPhone"], flows.KEY)

    def initiate_token(v: dict) -> str:
        return tokens.link_initiate_token(v["iMid"], v["referenceNo"], v["amt"], flows.KEY)

    return [
        Call("payment GET", "get", "/nicepay/direct/v2/payment", payment, pay_token),
        Call("payment form", "form", "/nicepay/direct/v2/payment", payment, pay_token),
        Call("linkEnable GET", "get", "/nicepay/api/linkEnable.do", enable, enable_token),
        Call("linkEnable JSON", "json", "/nicepay/api/linkEnable.do", enable, enable_token),
        Call("linkInitiate form", "form", "/nicepay/api/linkInitiate.do", initiate, initiate_token),
        Call("linkInitiate JSON", "json", "/nicepay/api/linkInitiate.do", initiate, initiate_token),
    ]


def rest_calls(w: dict) -> list[Call]:
    txid = w["open"]["tXid"]
    filters = {
        "status": "9",
        "mitraCd": "ESHP",
        "createdFrom": "2020-01-01T00:00:00Z",
        "createdTo": "2099-01-01T00:00:00Z",
        "amountMin": "1",
        "amountMax": "99999999",
        "q": "ORD",
        "limit": "10",
    }
    replay = {"since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"}
    return [
        Call("REST transactions", "get", "/api/v1/transactions", filters, client="api"),
        Call(
            "REST notifications",
            "get",
            "/api/v1/notifications",
            {"state": "failed", "tXid": txid},
            client="api",
        ),
        Call("REST replay", "json", "/api/v1/notifications/replay", replay, client="api"),
        Call("REST detail", "get", f"/api/v1/transactions/{txid}", {"expand": "x"}, client="api"),
    ]


def partner_calls(w: dict) -> list[Call]:
    calls = []
    for mitra in MITRAS:
        path = f"/partners/{mitra}/notify"
        body = {"tXid": w["open"]["tXid"], "status": "SUCCESS", "signature": "0" * 64}
        calls.append(Call(f"{mitra} JSON", "json", path, body))
        calls.append(Call(f"{mitra} form", "form", path, body))
    return calls


def page_calls(w: dict) -> list[Call]:
    txid, hosted = w["open"]["tXid"], w["checkout"]["tXid"]

    def page(name: str, t: str = txid) -> str:
        return customer_access.page_path(t, name)

    payer = {"name": "Budi", "email": "budi@example.com", "phone": "081234567890"}
    return [
        Call("return GET", "get", page("return"), {"status": "00", "resultCd": "0000"}),
        Call("return form", "form", page("return"), {"status": "00", "resultCd": "0000"}),
        Call("cancelled GET", "get", page("cancel"), {"reason": "user"}),
        Call("wait", "get", page("wait"), {"from": "shop"}),
        Call("status", "get", page("status"), {"t": "1"}),
        Call(
            "link finish", "get", customer_access.link_finish_path("IONPAYTEST0000000404"), {"authCode": "x"}
        ),
        Call("redirect payment", "get", "/nicepay/redirect/v2/payment", {"tXid": hosted}),
        Call("checkout page", "get", page("", hosted), {"lang": "id"}),
        Call("checkout method form", "form", page("method/DANA", hosted), payer),
        Call("checkout retry", "form", page("retry", hosted), {"then": "methods"}),
        Call("payment link", "form", f"/l/{w['link_code']}", payer),
    ]


def dashboard_calls(w: dict) -> list[Call]:
    txid = w["open"]["tXid"]
    d = "dashboard"
    return [
        Call("login", "form", "/dashboard/login/", {"username": "nobody@shop.test", "password": "wrong"}),
        Call(
            "accept invitation",
            "form",
            f"/dashboard/invite/{w['invite']}/",
            {"password": "Str0ng-passw0rd!", "password2": "Str0ng-passw0rd!x"},
        ),
        Call(
            "transactions filter",
            "get",
            "/dashboard/transactions/",
            {
                "q": "ORD",
                "status": "9",
                "partner": "ESHP",
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "amount_min": "1",
                "amount_max": "999999",
                "cursor": "",
            },
            client=d,
        ),
        Call(
            "cancel form",
            "form",
            f"/dashboard/transactions/{txid}/cancel",
            {"cancel_type": "2", "amount": "999999", "reason": "damaged", "idempotency_key": "k1"},
            client=d,
        ),
        Call(
            "notification url", "form", "/dashboard/developers/notification-url", {"url": "ftp://x"}, client=d
        ),
        Call("key reveal", "form", "/dashboard/developers/key/reveal", {"password": "wrong"}, client=d),
        Call(
            "replay form",
            "form",
            "/dashboard/notifications/replay",
            {"since": "2026-01-02T00:00", "until": "2026-01-01T00:00"},
            client=d,
        ),
        Call(
            "invite", "form", "/dashboard/team/invite", {"email": "not-an-email", "role": "viewer"}, client=d
        ),
        Call(
            "payment link form",
            "form",
            "/dashboard/links/new",
            {"amount": "0", "description": "Helm", "expires_at": "2020-01-01T00:00"},
            client=d,
        ),
        Call(
            "checkout settings",
            "form",
            "/dashboard/checkout/",
            {"display_name": "Shop", "default_language": "xx", "methods": "DANA"},
            client=d,
        ),
        Call(
            "test payment",
            "form",
            "/dashboard/sandbox/payment",
            {"mitra_cd": "XXXX", "amount": "10000", "phone": "081234567890"},
            client=d,
        ),
    ]


GROUPS = {
    "v2-json": v2_json_calls,
    "v2-browser": v2_browser_calls,
    "rest": rest_calls,
    "partners": partner_calls,
    "pages": page_calls,
    "dashboard": dashboard_calls,
}


@pytest.mark.parametrize("group", list(GROUPS))
def test_no_encoding_reaches_a_5xx_and_refused_text_changes_nothing(world, group):
    # The partner doors keep what a partner's notification door received (unverified notices apart,
    # for ops), so there a refused request may add such a row; nothing else may change.
    sent = run(world["clients"], GROUPS[group](world), partner_log=group == "partners")
    assert sent > 100


def test_good_text_is_stored_and_answered_exactly_as_sent(world):
    """Emoji (4 bytes), right-to-left marks and a BOM inside values are accepted and kept as sent,
    referenceNo included (the token is computed over exactly those characters)."""
    odd = "Kopi \U0001f600 \u200f\u202eabc\u202c \ufeffx"
    body = flows.registration_body(
        mitra_cd="ESHP",
        amount=15_000,
        db_process_url=NOTIFY,
        reference_no=f"R\U0001f600{MARK[:4]}\u200f",
        goodsNm=odd,
        billingNm=odd,
        description=odd,
    )
    client = world["clients"]["anon"]
    raw = json.dumps(body).encode()  # ASCII JSON: the emoji travels as an escaped surrogate pair
    answer = client.post("/nicepay/direct/v2/registration", raw, content_type="application/json").json()
    assert answer["resultCd"] == "0000", answer
    txn = Transaction.objects.get(txid=answer["tXid"])
    assert (txn.reference_no, txn.goods_name, txn.billing_name) == (body["referenceNo"], odd, odd)
    reg = {**answer, "_body": body}
    assert flows.inquiry(world["base"], reg)["goodsNm"] == odd


@pytest.mark.parametrize(
    "path",
    [
        "/nicepay/direct/v2/inquiry",
        "/api/v1/transactions",
        "/partners/DANA/notify",
        "/dashboard/",
        "/pay/X/status",
    ],
)
@pytest.mark.parametrize(
    "header", ["HTTP_COOKIE", "HTTP_USER_AGENT", "HTTP_X_SIGNATURE", "HTTP_AUTHORIZATION"]
)
def test_a_nul_in_a_header_is_refused_before_any_lookup(world, path, header):
    """Headers arrive as Latin-1, so NUL is the one character in them that cannot be stored or
    queried (a session cookie is looked up in the database)."""
    before = digest(include_callbacks=True)
    client = world["clients"]["api" if path.startswith("/api/") else "dashboard"]
    resp = client.post(path, b"{}", content_type="application/json", **{header: "a\x00b"})
    assert resp.status_code < 500 and refused(Call("", "json", path, {}), resp), resp.content[:200]
    assert digest(include_callbacks=True) == before


def test_payload_table_is_what_it_says():
    """Each bad payload really is bad in both forms; each good one decodes to the same text."""
    from payments import textcheck

    for p in PAYLOADS:
        form = unquote_to_bytes(p.form)
        if p.bad:
            try:
                assert textcheck.problem(form.decode("utf-8")), p.name
            except UnicodeDecodeError:
                pass  # not UTF-8: refused as such
        else:
            assert form.decode("utf-8") == p.text == json.loads(b'"' + p.json + b'"')
