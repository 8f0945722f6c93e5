"""Merchants, their members and pending invitations."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import ApiCredential, Invitation, Merchant, MerchantMember

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def merchant_get(*, imid: str) -> Merchant | None:
    """The active merchant with this iMid, or None (a suspended merchant is not found)."""
    return Merchant.objects.filter(imid=imid, is_active=True).first()


def merchant_keys_accepted(*, merchant: Merchant, now: datetime | None = None) -> list[str]:
    """The merchantKeys accepted now: the current one first, then, during a rotation's overlap
    (until previous_key_valid_until), the key it replaced. No query."""
    now = now or timezone.now()
    keys = [merchant.merchant_key]
    until = merchant.previous_key_valid_until
    if merchant.previous_key_encrypted and until is not None and until > now:
        keys.append(merchant.previous_merchant_key)
    return keys


# The cached row: every concrete column (the key as stored, Fernet-encrypted, never in clear). The
# key's name carries a digest of the column names, so a deploy that changes them never reads an
# entry of the old shape.
_COLUMNS = tuple(f.attname for f in Merchant._meta.concrete_fields)
_SHAPE = hashlib.sha256(",".join(_COLUMNS).encode()).hexdigest()[:8]


def _cache_key(imid: str) -> str:
    return f"merchant:{_SHAPE}:{imid}"


def merchant_get_cached(*, imid: str) -> Merchant | None:
    """merchant_get through the shared cache (Redis), for the machine paths that authenticate
    every call by iMid (V2 API). Only an active merchant is cached, for at most
    MERCHANT_CACHE_SECONDS seconds; every change of the row drops the entry in every process
    (merchant_cache_forget, called on save and by the services that update it). With Redis down
    this is merchant_get (payloan_site/cache.py). Returns the merchant or None."""
    key = _cache_key(imid)
    values = cache.get(key)
    if values is not None:
        return Merchant.from_db("default", _COLUMNS, values)
    merchant = merchant_get(imid=imid)
    if merchant is not None:
        cache.set(key, tuple(getattr(merchant, c) for c in _COLUMNS), timeout=settings.MERCHANT_CACHE_SECONDS)
    return merchant


def merchant_cache_forget(*, imid: str) -> None:
    """Drop the cached row now and again once the caller's DB transaction commits (a concurrent
    reader may have cached the old row in between)."""
    key = _cache_key(imid)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def merchant_row_changed(sender: type, instance: Merchant, **_: object) -> None:
    """post_save/post_delete of a Merchant (admin, key rotation, any save): drop its cached row."""
    merchant_cache_forget(imid=instance.imid)


def member_for_user(*, user: AbstractBaseUser | AnonymousUser | None) -> MerchantMember | None:
    """The user's membership (with its merchant), or None when not logged in, not a member, or
    the merchant is suspended. `has_two_factor` (a confirmed authenticator) rides along in the
    same query: every dashboard page asks it."""
    if not getattr(user, "is_authenticated", False):
        return None
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
    return (
        MerchantMember.objects.select_related("merchant", "user")
        .filter(user_id=user.pk, merchant__is_active=True)
        .annotate(has_two_factor=Exists(confirmed))
        .first()
    )


def members_list(*, merchant: Merchant) -> list[MerchantMember]:
    """The merchant's members, oldest first."""
    return list(
        MerchantMember.objects.filter(merchant=merchant).select_related("user").order_by("created_at")
    )


def invitations_pending(*, merchant: Merchant) -> list[Invitation]:
    """Invitations neither accepted nor expired, newest first."""
    return list(
        Invitation.objects.filter(
            merchant=merchant, accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )


def api_credential_get(*, merchant: Merchant) -> ApiCredential | None:
    """The merchant's token-API credentials (client secret, public key), or None before any."""
    return ApiCredential.objects.filter(merchant=merchant).first()
