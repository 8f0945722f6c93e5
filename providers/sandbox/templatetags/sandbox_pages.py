"""Template helpers for the simulated partners' pages."""

from __future__ import annotations

from django import template

from providers.sandbox.merchant import DEMO_MERCHANT_NAME

register = template.Library()


@register.filter
def rupiah(value: object) -> str:
    """Whole rupiah as Indonesians write it: `Rp 45.000` (dot thousands, no decimals)."""
    try:
        amount = int(str(value).split(".")[0]) if not isinstance(value, int) else value
    except ValueError:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


@register.simple_tag
def merchant_name() -> str:
    """The demo merchant, as every simulated partner knows it from onboarding."""
    return DEMO_MERCHANT_NAME
