"""Builders shared by the pay-later (Kredivo, Indodana, Akulaku) adapter tests, and two fakes any
adapter test may use: FakeHttp (canned answers) and PageWalker (a customer on the partner's pages)."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests

from providers.base.types import CartItem, OrderInfo, Party, Seller

PROVIDERS = Path(__file__).parents[1] / "providers"


def fixture(partner: str, name: str) -> dict:
    return json.loads((PROVIDERS / partner / "fixtures" / name).read_text())


def new_txid() -> str:
    return f"IONPAYTEST06{datetime.now():%Y%m%d%H%M%S}{secrets.randbelow(10**4):04d}"


def cart(amount: int) -> tuple[CartItem, ...]:
    """Two lines adding up to `amount` (the second one worth 1,000 x 2)."""
    return (
        CartItem(
            id="SKU-1",
            name="Rice cooker",
            unit_price=amount - 2_000,
            quantity=1,
            seller_id="SEL1",
            seller_name="Toko Satu",
        ),
        CartItem(
            id="SKU-2",
            name="Spatula",
            unit_price=1_000,
            quantity=2,
            seller_id="SEL1",
            seller_name="Toko Satu",
        ),
    )


def order(
    amount: int,
    *,
    mitra: str,
    base: str = "http://gw.test",
    notify_url: str = "",
    items: tuple[CartItem, ...] | None = None,
    tenor: str = "3",
) -> OrderInfo:
    txid = new_txid()
    return OrderInfo(
        txid=txid,
        reference_no=f"ORD{txid[-10:]}",
        amount=amount,
        goods_name="Rice cooker",
        billing=Party(
            name="Budi Santoso",
            phone="081234567890",
            email="budi@example.com",
            address="Jl. Sudirman 1",
            city="Jakarta",
            state="DKI Jakarta",
            post_code="10210",
            country="Indonesia",
        ),
        delivery=Party(
            name="Budi Santoso",
            phone="081234567890",
            address="Jl. Sudirman 1",
            city="Jakarta",
            state="DKI Jakarta",
            post_code="10210",
            country="Indonesia",
        ),
        expires_at=datetime.now(UTC) + timedelta(hours=24),
        notify_url=notify_url or f"{base}/partners/{mitra}/notify",
        return_url=f"{base}/pay/{txid}/return",
        cancel_url=f"{base}/pay/{txid}/cancel",
        items=cart(amount) if items is None else items,
        sellers=(Seller(id="SEL1", name="Toko Satu", email="toko@example.com"),),
        instalment_type="1",
        instalment_months=tenor,
    )


class PageWalker:
    """Drives a hosted pay-later checkout with plain HTTP, as a browser would (cookies + CSRF)."""

    def __init__(self, url: str) -> None:
        self.session = requests.Session()
        self.url = url
        self.page = self.session.get(url, timeout=10)

    @property
    def text(self) -> str:
        return self.page.text

    def post(self, **fields: str) -> requests.Response:
        """Submit the step's form; follows the page's own post/redirect/get, stops on leaving it."""
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.page.text).group(1)
        action = (
            re.search(r'<form method="post" action="([^"]+)"', self.page.text).group(1).replace("&amp;", "&")
        )
        target = urljoin(self.page.url, action)
        resp = self.session.post(
            target,
            data={"csrfmiddlewaretoken": csrf, "action": "submit", **fields},
            allow_redirects=False,
            timeout=30,
        )
        if resp.status_code == 302:
            location = urljoin(target, resp.headers["Location"])
            if urlparse(location).path == urlparse(target).path:
                self.page = self.session.get(location, timeout=10)
                return self.page
            return resp  # the checkout sent the browser away
        self.page = resp
        return resp


class FakeHttp:
    """An HttpClient stand-in for unit tests: records calls, answers canned responses in order."""

    def __init__(self, *answers: tuple[int, object]) -> None:
        self.answers = list(answers)
        self.calls: list[dict] = []

    def request(self, method: str, url: str, **kw: object):
        from providers.base.errors import PartnerUnavailable
        from providers.base.http import HttpResponse

        self.calls.append({"method": method, "url": url, **kw})
        status, body = self.answers.pop(0)
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if status >= 500:
            raise PartnerUnavailable(f"partner answered HTTP {status}")
        return HttpResponse(status, {"Content-Type": "application/json"}, raw)

    def post_json(self, url: str, body: bytes, *, headers=None, **kw):
        return self.request("POST", url, headers=headers, data=body, **kw)

    def post_form(self, url: str, fields, *, headers=None, **kw):
        return self.request("POST", url, headers=headers, data=dict(fields), **kw)

    def get(self, url: str, *, params=None, headers=None, **kw):
        return self.request("GET", url, headers=headers, params=params, **kw)


def adapter_with(cls, *answers: tuple[int, object], credentials: dict | None = None):
    from providers.base.types import PartnerConfig

    http = FakeHttp(*answers)
    config = PartnerConfig(cls.mitra_cd, "https://partner.test", credentials or dict(cls.default_credentials))
    return cls(config=config, http=http), http


def received_for(receiver, needle: str, count: int = 1, timeout: float = 10.0) -> list:
    """Notifications the test receiver got whose body mentions `needle` (JSON or form)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with receiver.lock:
            got = [r for r in receiver.received if needle.encode() in r.body]
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.05)
