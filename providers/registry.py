"""mitraCd -> adapter, built from settings and the environment, cached.

Adding a partner: its package under providers/, plus one line in ADAPTERS."""

from __future__ import annotations

import os
from functools import cache
from importlib import import_module

from django.conf import settings

from .base.adapter import PartnerAdapter
from .base.http import HttpClient
from .base.types import PartnerConfig

ADAPTERS: dict[str, str] = {
    "ESHP": "providers.shopeepay.adapter.ShopeePayAdapter",
    "LINK": "providers.linkaja.adapter.LinkAjaAdapter",
    "ASTR": "providers.astrapay.adapter.AstraPayAdapter",
    "AKLP": "providers.akulaku.adapter.AkulakuAdapter",
    "KDVI": "providers.kredivo.adapter.KredivoAdapter",
    "IDNA": "providers.indodana.adapter.IndodanaAdapter",
    "OVOE": "providers.ovo.adapter.OvoAdapter",
    "DANA": "providers.dana.adapter.DanaAdapter",
}


def known_mitra_codes() -> tuple[str, ...]:
    return tuple(ADAPTERS)


def adapter_class(mitra_cd: str) -> type[PartnerAdapter]:
    module, _, name = ADAPTERS[mitra_cd].rpartition(".")
    return getattr(import_module(module), name)


def build_config(cls: type[PartnerAdapter]) -> PartnerConfig:
    prefix = cls.env_prefix
    sandbox = settings.SANDBOX_PARTNER_BASE_URL or settings.PUBLIC_BASE_URL
    base_url = os.environ.get(f"{prefix}_BASE_URL") or f"{sandbox}/sandbox/{cls.slug}"
    creds = {k: os.environ.get(f"{prefix}_{k.upper()}", v) for k, v in cls.default_credentials.items()}
    return PartnerConfig(cls.mitra_cd, base_url.rstrip("/"), creds, settings.PARTNER_HTTP_TIMEOUT)


@cache
def get_adapter(mitra_cd: str) -> PartnerAdapter:
    """Raises KeyError for an unknown mitraCd."""
    cls = adapter_class(mitra_cd)
    config = build_config(cls)
    return cls(config=config, http=HttpClient(timeout=config.timeout))
