"""The one partner catalogue: each partner's facts and capabilities, and its adapter.

Every list of partners in the gateway (dashboard filters and labels, the test-payment page, the
REST schema, the hosted checkout's choice) and every per-partner rule (amount limits, tenors,
account linking, receipt confirmation, sellers, cancel rules) derives from CATALOGUE. Adding a
partner: its package under providers/ (adapter + transformers), its simulator under
providers/sandbox/, and one Partner line here. Adapters and credentials come from settings and the
environment, built once per partner (cached)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import import_module

from django.conf import settings

from .base.adapter import PartnerAdapter
from .base.http import HttpClient
from .base.types import PartnerConfig, PartnerKind

# NICEPAY's payMethod of each kind of partner.
PAY_METHODS: dict[str, PartnerKind] = {"05": PartnerKind.EWALLET, "06": PartnerKind.PAYLOAN}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class CancelRules:
    """What the partner allows after payment (its adapter checks them before any call)."""

    partial: bool = True  # a part of the amount may be cancelled (refunded)
    window: timedelta | None = None  # how long after payment; None: no limit of its own
    same_day: bool = False  # only on the day of payment, Jakarta time (a void)

    @property
    def window_text(self) -> str:
        """The window in words: "30 days", "24 hours"."""
        if self.window is None:
            return "no limit"
        if self.window % DAY == timedelta(0) and self.window > DAY:
            return f"{self.window // DAY} days"
        return f"{int(self.window.total_seconds() // 3600)} hours"


@dataclass(frozen=True)
class Partner:
    """One partner. Money in whole rupiah, times in seconds."""

    mitra_cd: str  # the partner's code, as merchants send it
    name: str  # shown to merchants and customers
    kind: PartnerKind
    adapter: str  # dotted path of its PartnerAdapter class
    min_amount: int
    max_amount: int
    expiry_seconds: int  # a payment's default validity
    tenors: tuple[str, ...] = ()  # instalment months offered (pay-later partners)
    registers_at_partner: bool = False  # the order is created at the partner at registration
    needs_linking: bool = False  # pays only from a linked account (linkEnable, linkInitiate)
    app_push: bool = False  # the customer approves in the partner's app (no redirect)
    receipt_confirmation: bool = False  # releases funds when the merchant confirms receipt
    sellers_required: bool = False  # every cart item names one of the order's sellers
    cancel: CancelRules = field(default_factory=CancelRules)

    @property
    def pay_method(self) -> str:
        return next(code for code, kind in PAY_METHODS.items() if kind == self.kind)

    @property
    def is_payloan(self) -> bool:
        return self.kind == PartnerKind.PAYLOAN

    def takes(self, amount: int) -> bool:
        """Whether `amount` (whole rupiah) is within the partner's limits."""
        return self.min_amount <= amount <= self.max_amount


CATALOGUE: dict[str, Partner] = {
    p.mitra_cd: p
    for p in (
        Partner(
            "ESHP", "ShopeePay", PartnerKind.EWALLET, "providers.shopeepay.adapter.ShopeePayAdapter",
            min_amount=1, max_amount=999_999_999_999, expiry_seconds=300,
            cancel=CancelRules(window=timedelta(hours=24)),
        ),
        Partner(
            "LINK", "LinkAja", PartnerKind.EWALLET, "providers.linkaja.adapter.LinkAjaAdapter",
            min_amount=10_000, max_amount=5_000_000, expiry_seconds=300,  # the WCO session lasts 5 minutes
            cancel=CancelRules(partial=False, window=30 * DAY),  # nicepay-v2.md §5.3: void within 30 days
        ),
        Partner(
            "ASTR", "AstraPay", PartnerKind.EWALLET, "providers.astrapay.adapter.AstraPayAdapter",
            min_amount=1_000, max_amount=20_000_000, expiry_seconds=900,  # validUpTo default [P1]
            needs_linking=True,
            cancel=CancelRules(window=30 * DAY),  # providers.md §9.3; refunds cumulative <= amount
        ),
        Partner(
            "AKLP", "Akulaku", PartnerKind.PAYLOAN, "providers.akulaku.adapter.AkulakuAdapter",
            min_amount=300, max_amount=25_000_000, expiry_seconds=24 * 3600,
            tenors=("1", "2", "3", "6", "9", "12"),
            registers_at_partner=True, receipt_confirmation=True, sellers_required=True,
            cancel=CancelRules(window=365 * DAY),
        ),
        Partner(
            "KDVI", "Kredivo", PartnerKind.PAYLOAN, "providers.kredivo.adapter.KredivoAdapter",
            min_amount=10_000, max_amount=30_000_000, expiry_seconds=24 * 3600,
            tenors=("1", "3", "6", "9", "12", "18", "24"),
            cancel=CancelRules(window=14 * DAY),
        ),
        Partner(
            "IDNA", "Indodana", PartnerKind.PAYLOAN, "providers.indodana.adapter.IndodanaAdapter",
            min_amount=10_000, max_amount=25_000_000, expiry_seconds=24 * 3600,
            tenors=("1", "3", "6", "12"),
            cancel=CancelRules(window=30 * DAY),
        ),
        Partner(
            "OVOE", "OVO", PartnerKind.EWALLET, "providers.ovo.adapter.OvoAdapter",
            min_amount=1, max_amount=10_000_000, expiry_seconds=55,  # nicepay-v2 §3.2
            app_push=True,
            cancel=CancelRules(partial=False, same_day=True),
        ),
        Partner(
            "DANA", "DANA", PartnerKind.EWALLET, "providers.dana.adapter.DanaAdapter",
            min_amount=1, max_amount=20_000_000,  # DANA's UAT answers 4035402 above this
            expiry_seconds=24 * 3600,  # nicepay-v2 §3.2
            cancel=CancelRules(window=30 * DAY),  # a partial cancel is an online refund
        ),
    )
}  # fmt: skip


def partners() -> tuple[Partner, ...]:
    """Every partner, in catalogue order."""
    return tuple(CATALOGUE.values())


def known_mitra_codes() -> tuple[str, ...]:
    """Every partner's code, in catalogue order."""
    return tuple(CATALOGUE)


def partner(mitra_cd: str) -> Partner:
    """The partner with this code. Raises KeyError for an unknown code."""
    return CATALOGUE[mitra_cd]


def find(mitra_cd: str) -> Partner | None:
    """The partner with this code, or None."""
    return CATALOGUE.get(mitra_cd)


def display_names() -> dict[str, str]:
    """Partner code -> the name people see."""
    return {p.mitra_cd: p.name for p in CATALOGUE.values()}


def partners_for(*, amount: int | None = None, pay_method: str | None = None) -> tuple[Partner, ...]:
    """The partners a payment of `amount` (whole rupiah) by `pay_method` ("05" e-wallet, "06"
    pay-later) can use, in catalogue order: what a checkout offers the customer. Partners that pay
    only from a linked account are left out (they are paid through the merchant's link)."""
    return tuple(
        p
        for p in CATALOGUE.values()
        if not p.needs_linking
        and (pay_method is None or p.pay_method == pay_method)
        and (amount is None or p.takes(amount))
    )


def linking_partners() -> tuple[Partner, ...]:
    """The partners whose customers link an account first (AstraPay)."""
    return tuple(p for p in CATALOGUE.values() if p.needs_linking)


def adapter_class(mitra_cd: str) -> type[PartnerAdapter]:
    """The partner's adapter class. Raises KeyError for an unknown code."""
    module, _, name = CATALOGUE[mitra_cd].adapter.rpartition(".")
    return getattr(import_module(module), name)


def build_config(cls: type[PartnerAdapter]) -> PartnerConfig:
    """The adapter's endpoint and credentials: <PREFIX>_BASE_URL and <PREFIX>_<NAME> from the
    environment, else the built-in sandbox's; <PREFIX>_CANCEL_CLOSED_HOURS overrides the partner's
    published closing hours. Raises ValueError on a closing hour that is not a number."""
    prefix = cls.env_prefix
    sandbox = settings.SANDBOX_PARTNER_BASE_URL or settings.PUBLIC_BASE_URL
    base_url = os.environ.get(f"{prefix}_BASE_URL") or f"{sandbox}/sandbox/{cls.slug}"
    creds = {k: os.environ.get(f"{prefix}_{k.upper()}", v) for k, v in cls.default_credentials.items()}
    if "page_url" in creds and not creds["page_url"] and not os.environ.get(f"{prefix}_BASE_URL"):
        # A partner whose shopper page the adapter addresses itself (Akulaku): the built-in
        # sandbox shows it where shoppers reach every sandbox page, the public address, and not
        # on the partner API's own server, which only the gateway needs to reach.
        creds["page_url"] = f"{settings.PUBLIC_BASE_URL}/sandbox/{cls.slug}"
    closed = os.environ.get(f"{prefix}_CANCEL_CLOSED_HOURS")  # comma-separated hours; empty: none
    return PartnerConfig(
        cls.mitra_cd,
        base_url.rstrip("/"),
        creds,
        settings.PARTNER_HTTP_TIMEOUT,
        notification_window=settings.PARTNER_NOTIFICATION_WINDOW,
        cancel_closed_hours=None if closed is None else tuple(int(h) for h in closed.split(",") if h.strip()),
    )


@cache
def get_adapter(mitra_cd: str) -> PartnerAdapter:
    """The partner's adapter, built once. Raises KeyError for an unknown code."""
    cls = adapter_class(mitra_cd)
    config = build_config(cls)
    return cls(config=config, http=HttpClient(timeout=config.timeout))
