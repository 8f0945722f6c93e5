"""Which merchantKeys are accepted now: the current one, and during a rotation's overlap window
the one it replaced (until Merchant.previous_key_valid_until)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from payments.models import Merchant


def merchant_keys_accepted(*, merchant: Merchant, now: datetime | None = None) -> list[str]:
    """Returns: the current key first, then the previous key while its overlap lasts. No query."""
    now = now or timezone.now()
    keys = [merchant.merchant_key]
    until = merchant.previous_key_valid_until
    if merchant.previous_key_encrypted and until is not None and until > now:
        keys.append(merchant.previous_merchant_key)
    return keys
