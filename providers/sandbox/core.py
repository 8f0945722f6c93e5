"""What every simulated partner shares: the registry, notification delivery, JSON helpers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone

from .models import SandboxOrder

log = logging.getLogger("sandbox")


@dataclass(frozen=True)
class Endpoint:
    """One path a simulated partner serves under /sandbox/<slug>/, described for the index."""

    route: str
    view: Callable[..., Any]
    name: str
    doc: str
    page: bool = False  # a page the customer sees (else a machine API)
    refund_status: bool = False  # where the partner answers whether a refund was made


class Simulator:
    """One simulated partner: its endpoints, its test credentials, and what a merchant must know
    to sell with it (the demo store builds its checkout from these flags)."""

    slug: ClassVar[str]  # /sandbox/<slug>/, and the partner's package name
    name: ClassVar[str]
    mitra_cd: ClassVar[str]  # the NICEPAY mitraCd a merchant sends for this partner
    endpoints: ClassVar[tuple[Endpoint, ...]] = ()
    test_credentials: ClassVar[dict[str, str]] = {}
    pay_later: ClassVar[bool] = False  # payMethod 06, with cart and delivery details
    needs_sellers: ClassVar[bool] = False  # the registration carries `sellers`
    account_linking: ClassVar[bool] = False  # paid from a linked account (linkEnable/linkInitiate)
    phone_app: ClassVar[str] = ""  # URL name of the simulated phone app, if the partner has one

    def urlpatterns(self) -> list[URLPattern]:
        return [path(e.route, e.view, name=e.name) for e in self.endpoints]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """Act at the partner as the customer would: success | decline | expire | cancel."""
        raise NotImplementedError


SIMULATORS: dict[str, Simulator] = {}


def register(cls: type[Simulator]) -> type[Simulator]:
    SIMULATORS[cls.slug] = cls()
    return cls


def simulators() -> list[Simulator]:
    """Every registered partner, e-wallets first, then pay-later, each group by name."""
    return sorted(SIMULATORS.values(), key=lambda s: (s.pay_later, s.name.lower()))


def by_mitra_cd(mitra_cd: str) -> Simulator | None:
    return next((s for s in SIMULATORS.values() if s.mitra_cd == mitra_cd), None)


def gateway_url(path: str) -> str:
    """Where the partner sends server notifications, as configured at merchant onboarding."""
    return f"{settings.SANDBOX_GATEWAY_BASE_URL}{path}"


def public_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/sandbox{path}"


def send(
    url: str,
    *,
    body: bytes | dict,
    headers: dict[str, str] | None = None,
    copies: int = 1,
    form: bool = False,
    sign: Callable[[], dict[str, str]] | None = None,
) -> list[int]:
    """POST a notification `copies` times; returns the HTTP statuses (0 = unreachable).
    `sign` gives each copy its own headers (a fresh timestamp or nonce), as a partner signs every
    request it sends."""
    statuses = []
    for _ in range(copies):
        sent = {**(headers or {}), **(sign() if sign else {})}
        if not form:
            sent = {"Content-Type": "application/json", **sent}
        try:
            r = requests.post(url, data=body, headers=sent, timeout=15)
            statuses.append(r.status_code)
        except requests.RequestException as exc:
            log.warning("sandbox notification to %s failed: %s", url, type(exc).__name__)
            statuses.append(0)
    return statuses


def json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def json_response(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> JsonResponse:
    resp = JsonResponse(data, status=status, json_dumps_params={"separators": (",", ":")})
    if raw is not None:
        resp.content = raw
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def with_query(url: str, params: Mapping[str, Any]) -> str:
    """`url` with `params` appended, whether or not it already has a query."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def whole_amount(value: object) -> int | None:
    """A partner amount ("10000", "10000.00", 10000) as whole rupiah; None if it is not one.
    Decimal only, and NaN/Infinity are refused here so no caller can trip over them."""
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not dec.is_finite() or dec != dec.to_integral_value():
        return None
    return int(dec)


def items_total(items: list[Any]) -> int | None:
    """Sum of `price * quantity` over cart lines as the pay-later partners check it; a `discount`
    line reduces the total whatever its sign (the sign convention is not published). None when a
    line is malformed or the sum is not whole rupiah."""
    total = Decimal(0)
    for it in items:
        if not isinstance(it, dict) or not it.get("id"):
            return None
        try:
            price = Decimal(str(it.get("price")))
            value = price * int(it.get("quantity", 1))
        except (InvalidOperation, ValueError, TypeError):
            return None
        if not price.is_finite():
            return None
        total += -abs(value) if str(it["id"]).lower() == "discount" else value
    return int(total) if total == total.to_integral_value() else None


def lapse(order: SandboxOrder, *, open_state: str, lapsed: str) -> str:
    """The order's state, an open order the customer has not finished lapsing lazily to `lapsed`
    once its expires_at has passed (no scheduler needed in the sandbox)."""
    if (
        order.state == open_state
        and not order.data.get("finished")
        and order.expires_at
        and timezone.now() >= order.expires_at
    ):
        order.state = lapsed
        order.save(update_fields=["state", "updated_at"])
    return order.state
