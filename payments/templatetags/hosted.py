"""Shopper page helpers: Rupiah as Indonesians write it, and the time left on a checkout."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def rupiah(value: object) -> str:
    """Whole rupiah as "Rp 45.000" (dot thousands), whatever the page's language."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


@register.filter
def time_left(moment: datetime | None) -> str:
    """h:mm:ss (or m:ss under an hour) until `moment`; 0:00 once it passed."""
    if moment is None:
        return ""
    seconds = max(0, int((moment - timezone.now()).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def initial(name: object) -> str:
    text = str(name or "").strip()
    return text[:1].upper() or "P"
