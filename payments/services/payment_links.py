"""Payment links: the merchant asks for an amount with a link (and its QR code); each payment
through it is a hosted checkout, so a normal transaction (list, REST, notifications) that names
the link. Single-use links take one referenceNo, so one open or paid payment at a time."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import AuditLog, Merchant, PaymentLink, Transaction
from payments.selectors.checkout import checkout_methods, payment_link_state
from payments.status import Status

from .audit import SYSTEM, Actor, audit_record
from .checkout import checkout_abandon_attempt, checkout_register
from .registration import RegistrationData

CODE_BYTES = 16  # 128 random bits in the URL


@dataclass(frozen=True)
class Payer:
    name: str
    email: str
    phone: str
    address: str = ""


def link_reference(link: PaymentLink) -> str:
    """referenceNo of a payment through the link: fixed for a single-use link, so the database
    allows one open or paid payment; unique per payment for a multi-use link."""
    base = f"LINK{link.pk}"
    return base if not link.multi_use else f"{base}-{secrets.token_hex(5).upper()}"


def payment_link_create(
    *,
    merchant: Merchant,
    amount: int,
    description: str,
    expires_at: datetime | None,
    multi_use: bool,
    actor: Actor = SYSTEM,
) -> PaymentLink:
    """A new link. amount in whole rupiah. Raises PaymentLinkAmountInvalid (no enabled partner
    takes the amount), PaymentLinkExpiryInPast and NotificationUrlMissing (the merchant's default
    notification URL receives the link's payments)."""
    if amount <= 0 or not checkout_methods(merchant=merchant, amount=amount, pay_method="00"):
        raise err.PaymentLinkAmountInvalid(amount=amount)
    if expires_at is not None and expires_at <= timezone.now():
        raise err.PaymentLinkExpiryInPast()
    if not merchant.default_notification_url:
        raise err.NotificationUrlMissing(
            "Set your default notification URL (Developers page) first: it receives the link's payments"
        )
    with transaction.atomic():
        link = PaymentLink.objects.create(
            merchant=merchant,
            code=secrets.token_urlsafe(CODE_BYTES),
            amount=amount,
            description=description[:100],
            expires_at=expires_at,
            multi_use=multi_use,
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.PAYMENT_LINK_CREATED,
            merchant=merchant,
            target=f"payment_link:{link.pk}",
            detail={"amount": amount, "multi_use": multi_use},
        )
    return link


def payment_link_set_active(*, link: PaymentLink, active: bool, actor: Actor = SYSTEM) -> PaymentLink:
    """Accept payments through the link again, or stop (payments already made stay)."""
    with transaction.atomic():
        PaymentLink.objects.filter(pk=link.pk).update(is_active=active)
        audit_record(
            actor=actor,
            action=AuditLog.Action.PAYMENT_LINK_ENABLED if active else AuditLog.Action.PAYMENT_LINK_DISABLED,
            merchant=link.merchant,
            target=f"payment_link:{link.pk}",
        )
    link.is_active = active
    return link


def _paid_count(link: PaymentLink) -> int:
    return Transaction.objects.filter(checkout__link=link, paid_at__isnull=False).count()


def payment_link_state_of(link: PaymentLink) -> str:
    """active | expired | used | disabled."""
    return payment_link_state(link=link, paid_count=_paid_count(link))


def payment_link_pay(*, link: PaymentLink, payer: Payer, user_ip: str = "") -> Transaction:
    """A shopper opens the link: a hosted checkout for its amount. Returns the first attempt.
    Raises PaymentLinkClosed (expired, used or disabled), PaymentLinkBusy (a single-use link
    someone is paying right now) and what checkout_register raises."""
    state = payment_link_state_of(link)
    if state != "active":
        raise err.PaymentLinkClosed(state=state)
    until = timezone.now() + timedelta(seconds=settings.CHECKOUT_EXPIRY_SECONDS)
    if link.expires_at:
        until = min(until, link.expires_at)
    data = RegistrationData(
        pay_method="00",
        mitra_cd="",
        currency="IDR",
        amount=link.amount,
        reference_no=link_reference(link),
        goods_name=link.description[:100],
        billing={"billing_name": payer.name, "billing_phone": payer.phone, "billing_email": payer.email},
        cart=tuple,  # no cart: the page shows the description, partners get one line
        db_process_url=link.merchant.default_notification_url,
        user_ip=user_ip[:15],
        fingerprint=f"link:{link.pk}:{uuid.uuid4().hex}",
        description=link.description[:100],
        pay_valid_until=until,
    )
    if not link.multi_use:
        _free_unstarted(link, data.reference_no)
    return checkout_register(merchant=link.merchant, data=data, link=link)


def _free_unstarted(link: PaymentLink, reference_no: str) -> None:
    """A single-use link opened before, but no method chosen: the newest opener takes over."""
    with transaction.atomic():
        held = (
            Transaction.objects.select_for_update()
            .filter(merchant=link.merchant, reference_no=reference_no, status__in=[Status.INIT])
            .first()
        )
        if held is None:
            return
        if held.payment_started_at or held.partner_data.get("action"):
            raise err.PaymentLinkBusy()
    checkout_abandon_attempt(txn=held)
