"""Dashboard accounts: password reset by e-mail, two-factor sign-in (TOTP, django-otp), the team's
two-factor requirement, removing a member and inviting by e-mail. Every change is audit-logged;
no secret (password, TOTP key, reset token) ever goes into the audit detail or a log."""

from __future__ import annotations

import logging
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments import exceptions as err
from payments.models import Invitation, Merchant, MerchantMember
from payments.services.audit import audit_record

log = logging.getLogger("payments.accounts")


def _audit(action: str, *, merchant: Merchant | None, user, target: str, remote_addr: str, **detail) -> None:  # noqa: ANN001
    audit_record(
        actor_kind="merchant",
        action=action,
        merchant=merchant,
        user=user,
        target=target,
        detail=detail,
        remote_addr=remote_addr,
    )


# --- password reset ------------------------------------------------------------------------------
def password_reset_send(*, email: str, base_url: str, remote_addr: str = "") -> int:
    """E-mails a reset link to the dashboard member with this address, if there is one. The link
    (Django's token: valid PASSWORD_RESET_TIMEOUT seconds, once, void after any password or login
    change) opens /dashboard/reset/<uid>/<token>/.

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
    link = f"{base_url}/dashboard/reset/{uid}/{token}/"
    body = render_to_string("email/password_reset.txt", {"user": user, "link": link})
    send_mail("Reset your Payloan password", body, None, [user.email])
    _audit(
        "account.password_reset_sent",
        merchant=user.membership.merchant,
        user=user,
        target=f"user:{user.pk}",
        remote_addr=remote_addr,
    )
    return 1


def password_changed(*, user, merchant: Merchant | None, how: str, remote_addr: str = "") -> None:  # noqa: ANN001
    """Records a password change (`how`: "changed" by the member, "reset" through the e-mail)."""
    _audit(
        f"account.password_{how}",
        merchant=merchant,
        user=user,
        target=f"user:{user.pk}",
        remote_addr=remote_addr,
    )


# --- two-factor (TOTP) ---------------------------------------------------------------------------
def two_factor_device(*, user) -> TOTPDevice | None:  # noqa: ANN001
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_start(*, user) -> TOTPDevice:  # noqa: ANN001
    """An unconfirmed authenticator with a fresh secret (an earlier unconfirmed one is replaced).
    Raises TwoFactorAlreadyOn when one is already confirmed."""
    if two_factor_device(user=user) is not None:
        raise err.TwoFactorAlreadyOn()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def two_factor_pending(*, user) -> TOTPDevice | None:  # noqa: ANN001
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _verify(device_id: int, code: str) -> bool:
    """One check of a code under the device's row lock, so the same code cannot pass twice
    (django-otp keeps the last accepted time step and throttles failures)."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device_id)
        return device.verify_token(code)


def two_factor_confirm(*, user, merchant: Merchant, code: str, remote_addr: str = "") -> TOTPDevice:  # noqa: ANN001
    """Turns two-factor sign-in on once the app shows the right code. Raises TwoFactorNotStarted,
    TwoFactorCodeWrong."""
    device = two_factor_pending(user=user)
    if device is None:
        raise err.TwoFactorNotStarted()
    if not _verify(device.pk, code):
        raise err.TwoFactorCodeWrong()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    _audit(
        "account.two_factor_on",
        merchant=merchant,
        user=user,
        target=f"user:{user.pk}",
        remote_addr=remote_addr,
    )
    device.confirmed = True
    return device


def two_factor_check(*, user, code: str) -> bool:  # noqa: ANN001
    """Sign-in step two: whether `code` is the user's current code (each code works once)."""
    device = two_factor_device(user=user)
    return device is not None and _verify(device.pk, code)


def two_factor_disable(*, user, merchant: Merchant, remote_addr: str = "") -> None:  # noqa: ANN001
    """Turns two-factor sign-in off. Raises TwoFactorRequiredByTeam."""
    if merchant.require_two_factor:
        raise err.TwoFactorRequiredByTeam()
    TOTPDevice.objects.filter(user=user).delete()
    _audit(
        "account.two_factor_off",
        merchant=merchant,
        user=user,
        target=f"user:{user.pk}",
        remote_addr=remote_addr,
    )


def merchant_two_factor_require(*, merchant: Merchant, required: bool, user, remote_addr: str = "") -> None:  # noqa: ANN001
    """An owner requires (or stops requiring) two-factor sign-in for every member. Members without
    an authenticator are asked to set one up on their next page. Raises TwoFactorOwnerFirst when the
    owner turning it on has none yet."""
    if required and two_factor_device(user=user) is None:
        raise err.TwoFactorOwnerFirst()
    Merchant.objects.filter(pk=merchant.pk).update(require_two_factor=required)
    merchant.require_two_factor = required
    _audit(
        "team.two_factor_required" if required else "team.two_factor_optional",
        merchant=merchant,
        user=user,
        target=f"merchant:{merchant.imid}",
        remote_addr=remote_addr,
    )


# --- team ----------------------------------------------------------------------------------------
def member_remove(*, merchant: Merchant, member_id: int, user, remote_addr: str = "") -> None:  # noqa: ANN001
    """Removes a member from the merchant: their sessions stop working at once (no membership)
    and, unless staff, their account is deactivated. Money rows they created stay.
    Raises CannotRemoveSelf, LastOwnerRemoval or MemberNotFound (also another merchant's member)."""
    with transaction.atomic():
        Merchant.objects.select_for_update().get(pk=merchant.pk)  # one team change at a time
        member = MerchantMember.objects.filter(merchant=merchant, pk=member_id).select_related("user").first()
        if member is None:
            raise err.MemberNotFound()
        if member.user_id == getattr(user, "pk", None):
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
        "team.member_removed",
        merchant=merchant,
        user=user,
        target=f"member:{member_id}",
        remote_addr=remote_addr,
        email=removed.email or removed.get_username(),
        role=member.role,
    )


def invitation_send(*, invitation: Invitation, link: str) -> None:
    """E-mails the invitation link (it is shown nowhere else)."""
    body = render_to_string("email/invitation.txt", {"invitation": invitation, "link": link})
    send_mail(f"Join {invitation.merchant.name} on Payloan", body, None, [invitation.email])
