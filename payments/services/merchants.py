"""Merchants and their teams: suspension, key rotation, notification URL, test notification,
sign-ins, invitations and roles.

Every change is audit-logged from the `actor` given; no secret ever goes into the audit detail."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments import exceptions as err
from payments import secrets as key_store
from payments import throttle
from payments.models import AuditLog, Invitation, Merchant, MerchantMember, Notification
from payments.selectors.merchants import merchant_cache_forget
from payments.services.audit import Actor, audit_record
from payments.services.notifications import notification_deliver, notification_format

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

INVITATION_DAYS = 7
Action = AuditLog.Action


def merchant_set_active(*, merchant: Merchant, active: bool, actor: Actor) -> bool:
    """Suspend (active=False) or reactivate a merchant. A suspended merchant's V2 and REST calls
    and its members' dashboard are refused. Returns whether anything changed (nothing is logged
    when it was already so)."""
    changed = Merchant.objects.filter(pk=merchant.pk, is_active=not active).update(is_active=active)
    merchant.is_active = active
    merchant_cache_forget(imid=merchant.imid)
    if changed:
        audit_record(
            actor=actor,
            action=Action.MERCHANT_REACTIVATED if active else Action.MERCHANT_SUSPENDED,
            merchant=merchant,
            target=f"merchant:{merchant.imid}",
        )
    return bool(changed)


MAX_OVERLAP_HOURS = 7 * 24


@transaction.atomic
def merchant_key_rotate(*, merchant: Merchant, actor: Actor, overlap_hours: int | None = None) -> str:
    """A new merchantKey. The replaced key keeps working for `overlap_hours` (default
    settings.KEY_ROTATION_OVERLAP_HOURS, 0 = stops at once, at most a week), so the merchant can
    deploy the new key without refused requests. A key replaced earlier and still in its overlap
    stops at once (only one previous key is ever accepted).

    Returns: the new key (shown once). Raises KeyOverlapOutOfRange."""
    hours = settings.KEY_ROTATION_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    if not 0 <= hours <= MAX_OVERLAP_HOURS:
        raise err.KeyOverlapOutOfRange(maximum=MAX_OVERLAP_HOURS)
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    plain = key_store.generate_merchant_key()
    previous = locked.merchant_key_encrypted
    locked.set_merchant_key(plain)
    locked.previous_key_encrypted = previous if hours else ""
    locked.previous_key_valid_until = timezone.now() + timedelta(hours=hours) if hours else None
    locked.save(
        update_fields=["merchant_key_encrypted", "previous_key_encrypted", "previous_key_valid_until"]
    )
    for name in ("merchant_key_encrypted", "previous_key_encrypted", "previous_key_valid_until"):
        setattr(merchant, name, getattr(locked, name))
    audit_record(
        actor=actor,
        action=Action.MERCHANT_KEY_ROTATED,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
        detail={"overlap_hours": hours},
    )
    return plain


@transaction.atomic
def merchant_previous_key_retire(*, merchant: Merchant, actor: Actor) -> None:
    """Ends a rotation's overlap now: only the current key works from here on. Raises NoPreviousKey."""
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if not locked.previous_key_encrypted:
        raise err.NoPreviousKey()
    locked.previous_key_encrypted, locked.previous_key_valid_until = "", None
    locked.save(update_fields=["previous_key_encrypted", "previous_key_valid_until"])
    merchant.previous_key_encrypted, merchant.previous_key_valid_until = "", None
    audit_record(
        actor=actor,
        action=Action.MERCHANT_PREVIOUS_KEY_RETIRED,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
    )


def merchant_key_revealed(*, merchant: Merchant, actor: Actor) -> str:
    """Records that a member looked at the key, and returns it."""
    target = f"merchant:{merchant.imid}"
    audit_record(actor=actor, action=Action.MERCHANT_KEY_REVEALED, merchant=merchant, target=target)
    return merchant.merchant_key


def merchant_notification_url_set(*, merchant: Merchant, url: str, actor: Actor) -> Merchant:
    """Set the default notification URL (already validated as http(s)). Returns the merchant."""
    old = merchant.default_notification_url
    Merchant.objects.filter(pk=merchant.pk).update(default_notification_url=url)
    merchant_cache_forget(imid=merchant.imid)
    merchant.default_notification_url = url
    audit_record(
        actor=actor,
        action=Action.MERCHANT_NOTIFICATION_URL_SET,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
        detail={"from": old, "to": url},
    )
    return merchant


def merchant_test_notification(*, merchant: Merchant, actor: Actor) -> Notification:
    """Sends a test notification to the default URL now and returns the row with its attempt.

    Each one is an outbound POST made during the request, so a merchant gets at most
    TEST_NOTIFICATION_LIMIT per TEST_NOTIFICATION_WINDOW seconds (one atomic count per merchant,
    whichever page or member asks). Raises NotificationUrlMissing when there is no default URL,
    NotificationTestsLimited over the limit, NotificationTestsPaused when Redis cannot count."""
    url = merchant.default_notification_url
    if not url:
        raise err.NotificationUrlMissing()
    limit, window = settings.TEST_NOTIFICATION_LIMIT, settings.TEST_NOTIFICATION_WINDOW
    try:
        count = throttle.take(f"test-notification:{merchant.pk}", window=window)
    except throttle.ThrottleUnavailable:
        raise err.NotificationTestsPaused() from None  # fail closed: no unlimited outbound POSTs
    if count > limit:
        raise err.NotificationTestsLimited(limit=limit, seconds=window)
    payload = notification_format().test(merchant)
    # An outbox row like any other (so a failure is retried on the published schedule), but not
    # handed to Celery: we deliver it right here so the page can show the merchant's answer.
    note = Notification.objects.create(
        merchant=merchant, kind="test", url=url, payload=payload, next_attempt_at=timezone.now()
    )
    notification_deliver(notification_id=note.pk)
    note.refresh_from_db()
    audit_record(
        actor=actor,
        action=Action.NOTIFICATION_TEST_SENT,
        merchant=merchant,
        target=f"notification:{note.pk}",
        detail={"url": url, "state": note.state},
    )
    return note


def member_signed_in(*, member: MerchantMember, actor: Actor, two_factor: bool = False) -> None:
    """Record a member's sign-in to the dashboard (the session itself is the door's);
    `two_factor`: the authenticator's code was checked too."""
    audit_record(
        actor=actor,
        action=Action.MEMBER_SIGNED_IN,
        merchant=member.merchant,
        target=f"user:{member.user_id}",
        detail={"two_factor": two_factor},
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, merchant: Merchant, email: str, role: str, actor: Actor) -> tuple[Invitation, str]:
    """Invite `email` to the team with `role`, valid INVITATION_DAYS days. Returns the invitation
    and its plain token (only its hash is stored). Raises UnknownRole, StaffAccount, UserExists."""
    if role not in MerchantMember.Role.values:
        raise err.UnknownRole()
    users = get_user_model()
    if _staff_account(email):
        raise err.StaffAccount()
    # A member removed earlier (inactive, no membership) can be invited again.
    if (
        users.objects.filter(username__iexact=email)
        .exclude(is_active=False, membership__isnull=True)
        .exists()
    ):
        raise err.UserExists()
    token = secrets.token_urlsafe(32)
    inv = Invitation.objects.create(
        merchant=merchant,
        email=email.lower(),
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        actor=actor,
        action=Action.TEAM_INVITED,
        merchant=merchant,
        target=f"invitation:{inv.pk}",
        detail={"email": inv.email, "role": role},
    )
    return inv, token


def _staff_account(email: str) -> bool:
    """Whether `email` names a staff or superuser account (active or not): a member acts for the
    merchant, and staff rights must never come with it (the same rule as the back office's)."""
    return (
        get_user_model()
        .objects.filter(username__iexact=email)
        .filter(Q(is_staff=True) | Q(is_superuser=True))
        .exists()
    )


def invitation_for_token(*, token: str) -> Invitation | None:
    """The open invitation with this token, or None (unknown, used or expired)."""
    inv = Invitation.objects.select_related("merchant").filter(token_hash=_token_hash(token)).first()
    if inv is None or inv.accepted_at or inv.expires_at <= timezone.now():
        return None
    return inv


@transaction.atomic
def invitation_accept(*, token: str, password: str, actor: Actor) -> AbstractBaseUser:
    """Creates the user and the membership; the token works once. Returns the user (the actor of
    the audit entry). Raises InvitationInvalid, StaffAccount (the e-mail is a staff account's, even
    a deactivated one: it is never re-activated as a member), UserExists."""
    inv = invitation_for_token(token=token)
    if inv is None:
        raise err.InvitationInvalid()
    inv = Invitation.objects.select_for_update().get(pk=inv.pk)
    if inv.accepted_at:
        raise err.InvitationInvalid()
    if _staff_account(inv.email):
        raise err.StaffAccount()
    users = get_user_model()
    returning = users.objects.filter(
        username__iexact=inv.email, is_active=False, membership__isnull=True
    ).first()
    if returning is not None:  # removed earlier, invited again: the same account, a new password
        returning.is_active = True
        returning.set_password(password)
        returning.save(update_fields=["is_active", "password"])
        user = returning
    else:
        try:
            with transaction.atomic():
                user = users.objects.create_user(inv.email, inv.email, password)
        except IntegrityError:
            raise err.UserExists()
    MerchantMember.objects.create(user=user, merchant=inv.merchant, role=inv.role)
    inv.accepted_at = timezone.now()
    inv.save(update_fields=["accepted_at"])
    audit_record(
        actor=replace(actor, user=user),
        action=Action.TEAM_JOINED,
        merchant=inv.merchant,
        target=f"invitation:{inv.pk}",
        detail={"email": inv.email, "role": inv.role},
    )
    return user


def invitation_revoke(*, merchant: Merchant, invitation_id: int, actor: Actor) -> None:
    """Delete an invitation not yet accepted. Raises InvitationNotFound."""
    deleted, _ = Invitation.objects.filter(
        merchant=merchant, pk=invitation_id, accepted_at__isnull=True
    ).delete()
    if not deleted:
        raise err.InvitationNotFound()
    target = f"invitation:{invitation_id}"
    audit_record(actor=actor, action=Action.TEAM_INVITATION_REVOKED, merchant=merchant, target=target)


def member_role_set(*, merchant: Merchant, member_id: int, role: str, actor: Actor) -> None:
    """Give a member another role. Raises UnknownRole, MemberNotFound, LastOwner (a merchant
    always keeps one owner)."""
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
        actor=actor,
        action=Action.TEAM_ROLE_CHANGED,
        merchant=merchant,
        target=f"member:{member_id}",
        detail={"from": old, "to": role},
    )
