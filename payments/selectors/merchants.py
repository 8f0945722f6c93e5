"""Merchants, their members and pending invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from payments.models import ApiCredential, Invitation, Merchant, MerchantMember

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def merchant_get(*, imid: str) -> Merchant | None:
    """The active merchant with this iMid, or None (a suspended merchant is not found)."""
    return Merchant.objects.filter(imid=imid, is_active=True).first()


def member_for_user(*, user: AbstractBaseUser | AnonymousUser | None) -> MerchantMember | None:
    """The user's membership (with its merchant), or None when not logged in, not a member, or
    the merchant is suspended."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        MerchantMember.objects.select_related("merchant", "user")
        .filter(user_id=user.pk, merchant__is_active=True)
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
