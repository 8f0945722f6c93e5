"""Merchant settings and team: key rotation, notification URL, test notification, invitations.

Every change is audit-logged; no secret ever goes into the audit detail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import exceptions as err
from payments import secrets as key_store
from payments.models import Invitation, Merchant, MerchantMember, Notification
from payments.services.audit import audit_record
from payments.services.notifications import notification_deliver, notification_format

INVITATION_DAYS = 7


@transaction.atomic
def merchant_key_rotate(*, merchant: Merchant, user, remote_addr: str = "") -> str:  # noqa: ANN001
    """A new merchantKey; the old one stops working at once. Returns the new key (shown once)."""
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    plain = key_store.generate_merchant_key()
    locked.set_merchant_key(plain)
    locked.save(update_fields=["merchant_key_encrypted"])
    merchant.merchant_key_encrypted = locked.merchant_key_encrypted
    audit_record(
        actor_kind="merchant",
        action="merchant.key_rotated",
        merchant=merchant,
        user=user,
        target=f"merchant:{merchant.imid}",
        remote_addr=remote_addr,
    )
    return plain


def merchant_key_revealed(*, merchant: Merchant, user, remote_addr: str = "") -> str:  # noqa: ANN001
    """Records that a member looked at the key, and returns it."""
    audit_record(
        actor_kind="merchant",
        action="merchant.key_revealed",
        merchant=merchant,
        user=user,
        target=f"merchant:{merchant.imid}",
        remote_addr=remote_addr,
    )
    return merchant.merchant_key


def merchant_notification_url_set(*, merchant: Merchant, url: str, user, remote_addr: str = "") -> Merchant:  # noqa: ANN001
    old = merchant.default_notification_url
    Merchant.objects.filter(pk=merchant.pk).update(default_notification_url=url)
    merchant.default_notification_url = url
    audit_record(
        actor_kind="merchant",
        action="merchant.notification_url_set",
        merchant=merchant,
        user=user,
        target=f"merchant:{merchant.imid}",
        detail={"from": old, "to": url},
        remote_addr=remote_addr,
    )
    return merchant


def merchant_test_notification(*, merchant: Merchant, user, remote_addr: str = "") -> Notification:  # noqa: ANN001
    """Sends a test notification to the default URL now and returns the row with its attempt."""
    url = merchant.default_notification_url
    if not url:
        raise err.NotificationUrlMissing()
    payload = notification_format().test(merchant)
    # An outbox row like any other (so a failure is retried on the published schedule), but not
    # handed to Celery: we deliver it right here so the page can show the merchant's answer.
    note = Notification.objects.create(
        merchant=merchant, kind="test", url=url, payload=payload, next_attempt_at=timezone.now()
    )
    notification_deliver(notification_id=note.pk)
    note.refresh_from_db()
    audit_record(
        actor_kind="merchant",
        action="notification.test_sent",
        merchant=merchant,
        user=user,
        target=f"notification:{note.pk}",
        detail={"url": url, "state": note.state},
        remote_addr=remote_addr,
    )
    return note


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *,
    merchant: Merchant,
    email: str,
    role: str,
    user,  # noqa: ANN001
    remote_addr: str = "",
) -> tuple[Invitation, str]:
    """Returns the invitation and its plain token (only its hash is stored)."""
    if role not in MerchantMember.Role.values:
        raise err.UnknownRole()
    users = get_user_model()
    if users.objects.filter(username__iexact=email).exists():
        raise err.UserExists()
    token = secrets.token_urlsafe(32)
    inv = Invitation.objects.create(
        merchant=merchant,
        email=email.lower(),
        role=role,
        token_hash=_token_hash(token),
        invited_by=user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        actor_kind="merchant",
        action="team.invited",
        merchant=merchant,
        user=user,
        target=f"invitation:{inv.pk}",
        detail={"email": inv.email, "role": role},
        remote_addr=remote_addr,
    )
    return inv, token


def invitation_for_token(*, token: str) -> Invitation | None:
    inv = Invitation.objects.select_related("merchant").filter(token_hash=_token_hash(token)).first()
    if inv is None or inv.accepted_at or inv.expires_at <= timezone.now():
        return None
    return inv


@transaction.atomic
def invitation_accept(*, token: str, password: str, remote_addr: str = ""):  # noqa: ANN201
    """Creates the user and the membership; the token works once."""
    inv = invitation_for_token(token=token)
    if inv is None:
        raise err.InvitationInvalid()
    inv = Invitation.objects.select_for_update().get(pk=inv.pk)
    if inv.accepted_at:
        raise err.InvitationInvalid()
    users = get_user_model()
    try:
        with transaction.atomic():
            user = users.objects.create_user(inv.email, inv.email, password)
    except IntegrityError:
        raise err.UserExists()
    MerchantMember.objects.create(user=user, merchant=inv.merchant, role=inv.role)
    inv.accepted_at = timezone.now()
    inv.save(update_fields=["accepted_at"])
    audit_record(
        actor_kind="merchant",
        action="team.joined",
        merchant=inv.merchant,
        user=user,
        target=f"invitation:{inv.pk}",
        detail={"email": inv.email, "role": inv.role},
        remote_addr=remote_addr,
    )
    return user


def invitation_revoke(*, merchant: Merchant, invitation_id: int, user, remote_addr: str = "") -> None:  # noqa: ANN001
    deleted, _ = Invitation.objects.filter(
        merchant=merchant, pk=invitation_id, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise err.InvitationNotFound()
    audit_record(
        actor_kind="merchant",
        action="team.invitation_revoked",
        merchant=merchant,
        user=user,
        target=f"invitation:{invitation_id}",
        remote_addr=remote_addr,
    )


def member_role_set(*, merchant: Merchant, member_id: int, role: str, user, remote_addr: str = "") -> None:  # noqa: ANN001
    if role not in MerchantMember.Role.values:
        raise err.UnknownRole()
    with transaction.atomic():
        # One role change per merchant at a time: locking only the member's row let two owners
        # demote each other at once, each still counting the other, leaving no owner.
        Merchant.objects.select_for_update().get(pk=merchant.pk)
        member = MerchantMember.objects.select_for_update().filter(merchant=merchant, pk=member_id).first()
        if member is None:
            raise err.MemberNotFound()
        owners = MerchantMember.objects.filter(merchant=merchant, role=MerchantMember.Role.OWNER)
        if member.role == MerchantMember.Role.OWNER and role != member.role and owners.count() <= 1:
            raise err.LastOwner()
        old, member.role = member.role, role
        member.save(update_fields=["role"])
    audit_record(
        actor_kind="merchant",
        action="team.role_changed",
        merchant=merchant,
        user=user,
        target=f"member:{member_id}",
        detail={"from": old, "to": role},
        remote_addr=remote_addr,
    )
