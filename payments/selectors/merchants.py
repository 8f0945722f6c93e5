"""Merchants, their members and pending invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
