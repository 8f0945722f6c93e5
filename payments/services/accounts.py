"""Dashboard accounts: password reset by e-mail, two-factor sign-in (TOTP, django-otp), the team's
two-factor requirement, removing a member and inviting by e-mail. Every change is audited from
the `actor`; no secret (password, TOTP key, reset token) ever goes into the audit detail or a log."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments import exceptions as err
from payments.models import AuditLog, Invitation, Merchant, MerchantMember
from payments.selectors.merchants import merchant_cache_forget
from payments.services.audit import Actor, audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Action = AuditLog.Action


def _audit(actor: Actor, action: str, *, merchant: Merchant | None, target: str, **detail: object) -> None:
    audit_record(actor=actor, action=action, merchant=merchant, target=target, detail=detail)


# --- password reset ------------------------------------------------------------------------------
def public_link(path: str) -> str:
    """`path` on the configured public URL (settings.PUBLIC_BASE_URL). E-mailed links never take
    the request's Host header: a forged one would send the secret token to another site."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def password_reset_send(*, email: str, actor: Actor) -> int:
    """E-mails a reset link to the dashboard member with this address, if there is one. The link
    (Django's token: valid PASSWORD_RESET_TIMEOUT seconds, once, void after any password or login
    change) opens /dashboard/reset/<uid>/<token>/ on PUBLIC_BASE_URL.

    Returns: how many e-mails were sent (0 or 1); callers never tell the visitor which."""
    users = get_user_model()
    user = (
        users.objects.filter(email__iexact=email.strip(), is_active=True, membership__isnull=False)
        .select_related("membership__merchant")
        .first()
    )
    if user is None or not user.has_usable_password():
        return 0
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = public_link(f"/dashboard/reset/{uid}/{token}/")
    body = render_to_string("email/password_reset.txt", {"user": user, "link": link})
    send_mail("Reset your Payloan password", body, None, [user.email])
    _audit(
        replace(actor, user=user),
        Action.ACCOUNT_PASSWORD_RESET_SENT,
        merchant=user.membership.merchant,
        target=f"user:{user.pk}",
    )
    return 1


def password_changed(*, merchant: Merchant | None, reset: bool, actor: Actor) -> None:
    """Records that `actor.user` changed its password (`reset`: through the e-mailed link)."""
    action = Action.ACCOUNT_PASSWORD_RESET if reset else Action.ACCOUNT_PASSWORD_CHANGED
    _audit(actor, action, merchant=merchant, target=f"user:{actor.user.pk}")


# --- two-factor (TOTP) ---------------------------------------------------------------------------
def two_factor_device(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """An unconfirmed authenticator with a fresh secret (an earlier unconfirmed one is replaced).
    Raises TwoFactorAlreadyOn when one is already confirmed."""
    if two_factor_device(user=user) is not None:
        raise err.TwoFactorAlreadyOn()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def two_factor_pending(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _verify(device_id: int, code: str) -> bool:
    """One check of a code under the device's row lock, so the same code cannot pass twice
    (django-otp keeps the last accepted time step)."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device_id)
        return device.verify_token(code)


def two_factor_confirm(*, merchant: Merchant, code: str, actor: Actor) -> TOTPDevice:
    """Turns two-factor sign-in on for `actor.user` once the app shows the right code.
    Raises TwoFactorNotStarted, TwoFactorCodeWrong."""
    user = actor.user
    device = two_factor_pending(user=user)
    if device is None:
        raise err.TwoFactorNotStarted()
    if not _verify(device.pk, code):
        raise err.TwoFactorCodeWrong()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    _audit(actor, Action.ACCOUNT_TWO_FACTOR_ON, merchant=merchant, target=f"user:{user.pk}")
    device.confirmed = True
    return device


def two_factor_check(*, user: AbstractBaseUser, code: str) -> bool:
    """Sign-in step two: whether `code` is the user's current code (each code works once)."""
    device = two_factor_device(user=user)
    return device is not None and _verify(device.pk, code)


def two_factor_disable(*, merchant: Merchant, code: str, actor: Actor) -> None:
    """Turns two-factor sign-in off for `actor.user`, who proves holding the authenticator with its
    current `code` (a stolen session plus the password must not be enough to remove the second
    factor). Raises TwoFactorRequiredByTeam, TwoFactorCodeWrong (also when no authenticator is on)."""
    if merchant.require_two_factor:
        raise err.TwoFactorRequiredByTeam()
    device = two_factor_device(user=actor.user)
    if device is None or not _verify(device.pk, code):
        raise err.TwoFactorCodeWrong()
    TOTPDevice.objects.filter(user=actor.user).delete()
    _audit(actor, Action.ACCOUNT_TWO_FACTOR_OFF, merchant=merchant, target=f"user:{actor.user.pk}")


def merchant_two_factor_require(*, merchant: Merchant, required: bool, actor: Actor) -> None:
    """An owner requires (or stops requiring) two-factor sign-in for every member. Members without
    an authenticator are asked to set one up on their next page. Raises TwoFactorOwnerFirst when
    the owner turning it on has none yet."""
    if required and two_factor_device(user=actor.user) is None:
        raise err.TwoFactorOwnerFirst()
    Merchant.objects.filter(pk=merchant.pk).update(require_two_factor=required)
    merchant_cache_forget(imid=merchant.imid)  # an update() sends no post_save
    merchant.require_two_factor = required
    action = Action.TEAM_TWO_FACTOR_REQUIRED if required else Action.TEAM_TWO_FACTOR_OPTIONAL
    _audit(actor, action, merchant=merchant, target=f"merchant:{merchant.imid}")


# --- team ----------------------------------------------------------------------------------------
def member_remove(*, merchant: Merchant, member_id: int, actor: Actor) -> None:
    """Removes a member from the merchant: their sessions stop working at once (no membership)
    and, unless staff, their account is deactivated. Money rows they created stay.
    Raises CannotRemoveSelf, LastOwnerRemoval or MemberNotFound (also another merchant's member)."""
    with transaction.atomic():
        Merchant.objects.select_for_update().get(pk=merchant.pk)  # one team change at a time
        member = MerchantMember.objects.filter(merchant=merchant, pk=member_id).select_related("user").first()
        if member is None:
            raise err.MemberNotFound()
        if member.user_id == getattr(actor.user, "pk", None):
            raise err.CannotRemoveSelf()
        owners = MerchantMember.objects.filter(merchant=merchant, role=MerchantMember.Role.OWNER).count()
        if member.role == MerchantMember.Role.OWNER and owners <= 1:
            raise err.LastOwnerRemoval()
        removed = member.user
        member.delete()
        if not removed.is_staff:
            removed.is_active = False
            removed.save(update_fields=["is_active"])
        TOTPDevice.objects.filter(user=removed).delete()
    _audit(
        actor,
        Action.TEAM_MEMBER_REMOVED,
        merchant=merchant,
        target=f"member:{member_id}",
        email=removed.email or removed.get_username(),
        role=member.role,
    )


def invitation_send(*, invitation: Invitation, token: str) -> None:
    """E-mails the invitation link with `token` (from invitation_create), on PUBLIC_BASE_URL; the
    link is shown nowhere else."""
    link = public_link(f"/dashboard/invite/{token}/")
    body = render_to_string("email/invitation.txt", {"invitation": invitation, "link": link})
    send_mail(f"Join {invitation.merchant.name} on Payloan", body, None, [invitation.email])
