"""/docs/ cannot drift from the validator: its field tables are read back from the page and compared
with the Field lists the V2 views check; every V2 view takes its Fields from those lists (no field
defined inside a view); and each documented row is enforced (a required field left out answers its
documented code, one character over the documented size is refused naming the field)."""

from __future__ import annotations

import ast
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import cache

from payments import tokens
from payments.devdocs.content import SANDBOX_KEY, endpoints, token_example
from payments.nicepay import linking_views, receipt_views, redirect_views
from payments.nicepay import requests as v2
from tests.factories import demo_merchant
from tests.support import flows

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """{endpoint: [(field, kind, size, required, missing)]} from the page's field tables."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.endpoint = ""
        self.row: list[str] | None = None
        self.cell: str | None = None
        self.cell_attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("class") == "fields":
            self.endpoint = a["data-endpoint"]
            self.tables[self.endpoint] = []
        elif tag == "tr" and self.endpoint and "data-field" in a:
            self.row = [a["data-field"]]
        elif tag == "td" and self.row is not None:
            self.cell, self.cell_attrs = "", a

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.row is not None and self.cell is not None:
            if any(k in self.cell_attrs for k in ("data-kind", "data-size", "data-required", "data-missing")):
                self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.endpoint].append(self.row)
            self.row = None
        elif tag == "table":
            self.endpoint = ""


DEFINITIONS = {
    "registration": v2.ENDPOINT_FIELDS["registration"],
    "payment": v2.ENDPOINT_FIELDS["payment"],
    "inquiry": v2.ENDPOINT_FIELDS["inquiry"],
    "cancel": v2.ENDPOINT_FIELDS["cancel"],
    "confirm-akulaku": receipt_views.FIELDS,
    "redirect-registration": redirect_views.REDIRECT_FIELDS,
    "link-enable": linking_views.LINK_ENABLE_FIELDS,
    "link-initiate": linking_views.LINK_INITIATE_FIELDS,
}


def test_docs_field_tables_are_the_validators_definitions(client):
    page = client.get("/docs/")
    assert page.status_code == 200
    parser = Tables()
    parser.feed(page.content.decode())
    assert set(parser.tables) == set(DEFINITIONS)
    for key, fields in DEFINITIONS.items():
        expected = [
            [f.name, f.kind, str(f.size), "yes" if f.required else "no", f.missing_cd] for f in fields
        ]
        assert parser.tables[key] == expected, key
    assert {e.key for e in endpoints("http://x")} == set(DEFINITIONS)


def test_v2_views_define_no_field_of_their_own():
    """Every Field a V2 view checks comes from a module-level table (which /docs/ prints)."""
    for path in (ROOT / "payments/nicepay").glob("*.py"):
        tree = ast.parse(path.read_text())
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
                name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                assert name != "Field", f"{path.name}:{call.lineno} builds a Field inside {func.name}()"


def test_worked_token_example_is_the_published_vector(client):
    example = token_example()
    assert example["token"] == example["published"]
    assert hashlib.sha256(example["plain"].encode()).hexdigest() == example["published"]
    body = client.get("/docs/").content.decode()
    assert example["published"] in body and "/api/docs/" in body


def test_every_result_code_the_door_answers_is_documented(client):
    """Every resultCd literal in the V2 door (its error table, field tables and views) is on the page."""
    import re

    from payments.devdocs.content import MEANINGS

    codes = set()
    for path in (ROOT / "payments/nicepay").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"\d{4}", node.value)
            ):
                codes.add(node.value)
    assert codes and codes <= set(MEANINGS), sorted(codes - set(MEANINGS))
    body = client.get("/docs/").content.decode()
    for code in codes:
        assert f'data-code="{code}"' in body, code


# --- each documented row is enforced by its endpoint ------------------------------------------------
IMID = "IONPAYTEST"
TXID = "IONPAYTEST05202611301015001234"


def _sign(key: str, body: dict) -> dict:
    b = {k: v for k, v in body.items() if k != "merchantToken"}
    g = lambda n: str(b.get(n, ""))  # noqa: E731
    token = {
        "redirect-registration": lambda: tokens.registration_token(
            g("timeStamp"), g("iMid"), g("referenceNo"), g("amt"), key
        ),
        "registration": lambda: tokens.registration_token(
            g("timeStamp"), g("iMid"), g("referenceNo"), g("amt"), key
        ),
        "inquiry": lambda: tokens.inquiry_token(g("timeStamp"), g("iMid"), g("referenceNo"), g("amt"), key),
        "cancel": lambda: tokens.cancel_token(g("timeStamp"), g("iMid"), g("tXid"), g("amt"), key),
        "confirm-akulaku": lambda: tokens.akulaku_confirm_token(g("timeStamp"), g("tXid"), g("iMid"), key),
        "link-enable": lambda: tokens.link_enable_token(g("iMid"), g("referenceNo"), g("billingPhone"), key),
        "link-initiate": lambda: tokens.link_initiate_token(g("iMid"), g("referenceNo"), g("amt"), key),
    }
    return token


def base_bodies() -> dict[str, tuple[str, dict]]:
    ts = flows.stamp()
    reg = flows.registration_body(mitra_cd="DANA", amount=15_000, db_process_url="https://shop.example/n")
    return {
        "registration": ("/nicepay/direct/v2/registration", reg),
        "redirect-registration": ("/nicepay/redirect/v2/registration", {**reg, "payMethod": "00"}),
        "inquiry": (
            "/nicepay/direct/v2/inquiry",
            {"timeStamp": ts, "iMid": IMID, "tXid": TXID, "referenceNo": "ORD1", "amt": "15000"},
        ),
        "cancel": (
            "/nicepay/direct/v2/cancel",
            {
                "timeStamp": ts,
                "iMid": IMID,
                "tXid": TXID,
                "cancelType": "1",
                "amt": "15000",
                "payMethod": "05",
                "cancelMsg": "test",
            },
        ),
        "confirm-akulaku": (
            "/nicepay/api/direct/v2/confirmAkulaku",
            {"timeStamp": ts, "iMid": IMID, "tXid": TXID},
        ),
        "link-enable": (
            "/nicepay/api/linkEnable.do",
            {
                "timeStamp": ts,
                "iMid": IMID,
                "referenceNo": "LINK1",
                "billingPhone": "081234567890",
                "payMethod": "05",
                "mitraCd": "ASTR",
                "billingNm": "Rina",
                "billingEmail": "rina@example.com",
                "dbProcessUrl": "https://shop.example/n",
                "returnJsonFormat": "1",
            },
        ),
        "link-initiate": (
            "/nicepay/api/linkInitiate.do",
            {
                "timeStamp": ts,
                "iMid": IMID,
                "referenceNo": "LINKPAY1",
                "amt": "15000",
                "payMethod": "05",
                "mitraCd": "ASTR",
                "mandateID": "MANDATE-DOCS-1",
                "goodsNm": "Batik shirt",
                "billingNm": "Rina",
                "billingPhone": "081234567890",
                "billingEmail": "rina@example.com",
                "dbProcessUrl": "https://shop.example/n",
                "callBackUrl": "https://shop.example/back",
                "userIP": "203.0.113.7",
                "returnJsonFormat": "1",
            },
        ),
    }


def sized(kind: str, size: int) -> str:
    return ("1" if kind == "N" else "a") * size


def call(client, key: str, endpoint: str, path: str, body: dict) -> dict:
    body = (
        {**body, "merchantToken": _sign(SANDBOX_KEY, body)[endpoint]()}
        if "merchantToken" not in body
        else body
    )
    return client.post(path, body, content_type="application/json").json()


@pytest.mark.parametrize(
    "endpoint",
    [
        "registration",
        "redirect-registration",
        "inquiry",
        "cancel",
        "confirm-akulaku",
        "link-enable",
        "link-initiate",
    ],
)
def test_every_documented_row_is_enforced(client, endpoint):
    cache.clear()
    demo_merchant()
    path, base = base_bodies()[endpoint]
    documented = [f for e in endpoints("") if e.key == endpoint for f in e.fields]
    for f in documented:
        if f.name == "merchantToken":
            continue
        if f.required:
            body = {k: v for k, v in base.items() if k != f.name}
            answer = call(client, SANDBOX_KEY, endpoint, path, body)
            assert answer["resultCd"] == f.missing_cd, (endpoint, f.name, answer)
        if f.kind == "JSON" or f.name in ("timeStamp",):
            continue  # a JSON document's size is checked with its content; timeStamp must be exactly 14
        body = {**base, f.name: sized(f.kind, f.size + 1)}
        answer = call(client, SANDBOX_KEY, endpoint, path, body)
        assert answer["resultCd"] != "0000" and f.name in answer["resultMsg"], (endpoint, f.name, answer)
