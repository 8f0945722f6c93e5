"""Account linking (AstraPay): start, finish (code -> token), revoke, and paying on a linked account.

Partner calls never run inside a DB transaction: write and commit, call AstraPay, then lock the
row and apply the answer only if the link is still in the state we left it in."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import clock, customer_access
from payments import exceptions as err
from payments import secrets as key_store
from payments.models import AccountLink, Merchant, PartnerCallback, Transaction
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import CallbackEvent, LinkRequest, NextAction, PartnerStatus

from .notifications import notification_enqueue_link
from .partner_io import gateway_url
from .payment import transaction_start_payment
from .registration import RegistrationData, check_billing_email, transaction_register

log = logging.getLogger("payments.linking")


@dataclass(frozen=True)
class LinkEnableData:
    mitra_cd: str  # a partner whose customers link an account (registry: needs_linking)
    reference_no: str
    billing_name: str
    billing_phone: str
    billing_email: str
    db_process_url: str
    callback_url: str = ""
    description: str = ""
    user_ip: str = ""


def new_mandate_id(imid: str) -> str:
    """A new link id: merchant id + Jakarta time + 6 random digits (30 chars, NICEPAY allows 40)."""
    return f"{imid}{clock.compact()}{secrets.randbelow(10**6):06d}"


def _name(link: AccountLink) -> str:
    return registry.partner(link.mitra_cd).name


# --- merchant notification ----------------------------------------------------------------------


def _notify_merchant(link: AccountLink) -> None:
    """Caller holds the link's row lock inside the DB transaction of the state change."""
    notification_enqueue_link(link=link)


# --- start --------------------------------------------------------------------------------------


def account_link_start(*, merchant: Merchant, data: LinkEnableData) -> tuple[AccountLink, str]:
    """Create (or restart) the merchant's account link and ask the partner for its binding page.
    Returns (link, the URL to send the customer to). Raises LinkAlreadyLinked, LinkRevoked (a
    reference is linked once), LinkDeclined (the partner refused: the link failed),
    PartnerFailure (unreachable or failed: try again), BillingEmailInvalid (check_billing_email)."""
    check_billing_email(data.billing_email)
    link = AccountLink.objects.filter(merchant=merchant, reference_no=data.reference_no).first()
    if link is not None and link.state == AccountLink.State.LINKED:
        raise err.LinkAlreadyLinked(reference_no=data.reference_no, mandate_id=link.mandate_id)
    if link is not None and link.state == AccountLink.State.REVOKED:
        raise err.LinkRevoked(reference_no=data.reference_no)
    if link is None:
        try:
            link = AccountLink.objects.create(
                merchant=merchant,
                mitra_cd=data.mitra_cd,
                reference_no=data.reference_no,
                mandate_id=new_mandate_id(merchant.imid),
                billing_name=data.billing_name,
                billing_phone=data.billing_phone,
                billing_email=data.billing_email,
                db_process_url=data.db_process_url,
                callback_url=data.callback_url,
            )
        except IntegrityError:  # the same request raced us; use its row
            link = AccountLink.objects.get(merchant=merchant, reference_no=data.reference_no)
    else:
        # A pending or failed link is restarted: the customer asks AstraPay again.
        AccountLink.objects.filter(pk=link.pk).update(
            state=AccountLink.State.PENDING,
            callback_url=data.callback_url or link.callback_url,
            db_process_url=data.db_process_url,
            billing_phone=data.billing_phone,
        )
        link.refresh_from_db()
    request = LinkRequest(
        link_id=link.mandate_id,
        phone=link.billing_phone,
        name=link.billing_name,
        email=link.billing_email,
        external_uid=link.mandate_id,
        finish_url=gateway_url(customer_access.link_finish_path(link.mandate_id)),
        notify_url=gateway_url(f"/partners/{link.mitra_cd}/notify"),
    )
    try:
        result = registry.get_adapter(link.mitra_cd).link_start(request)
    except PartnerUnavailable:
        raise err.PartnerFailure(f"{_name(link)} is not answering right now. Please try again shortly.")
    except PartnerDeclined as exc:
        AccountLink.objects.filter(pk=link.pk, state=AccountLink.State.PENDING).update(
            state=AccountLink.State.FAILED
        )
        raise err.LinkDeclined(partner=_name(link), detail=exc.message)
    except PartnerError as exc:
        raise err.PartnerFailure(f"The account link could not be started: {exc.message}")
    AccountLink.objects.filter(pk=link.pk).update(partner_ref=result.partner_ref[:100])
    link.partner_ref = result.partner_ref[:100]
    return link, result.redirect_url


# --- finish -------------------------------------------------------------------------------------


def _lock_pending(link_id: int) -> AccountLink | None:
    link = AccountLink.objects.select_for_update().select_related("merchant").get(pk=link_id)
    return link if link.state == AccountLink.State.PENDING else None


def _mark_linked(link_id: int, token: str, expires_at: datetime | None) -> AccountLink:
    with transaction.atomic():
        link = _lock_pending(link_id)
        if link is None:  # the other path (browser or notification) got there first
            return AccountLink.objects.get(pk=link_id)
        link.state = AccountLink.State.LINKED
        link.token_encrypted = key_store.encrypt(token)
        link.token_expires_at = expires_at
        link.linked_at = timezone.now()
        link.save(update_fields=["state", "token_encrypted", "token_expires_at", "linked_at"])
        _notify_merchant(link)
        log.info("account link %s linked", link.mandate_id)
        return link


def _mark_failed(link_id: int) -> AccountLink:
    with transaction.atomic():
        link = _lock_pending(link_id)
        if link is None:
            return AccountLink.objects.get(pk=link_id)
        link.state = AccountLink.State.FAILED
        link.save(update_fields=["state"])
        _notify_merchant(link)
        return link


def account_link_finish(*, link: AccountLink, auth_code: str) -> AccountLink:
    """Exchange the partner's one-time authCode for the customer's token; idempotent, and a
    refused code leaves a pending link pending. Returns the link. Raises PartnerFailure."""
    if link.state != AccountLink.State.PENDING:
        return link
    if not auth_code:
        return link  # nothing to exchange; the signed notification settles a failed binding
    try:
        token = registry.get_adapter(link.mitra_cd).link_finish(auth_code=auth_code)
    except PartnerDeclined as exc:
        # A forged or stale code must not fail a real pending link: leave it pending.
        log.warning("authCode exchange refused for %s: %s", link.mandate_id, exc.code)
        return link
    except PartnerError as exc:
        raise err.PartnerFailure(f"{_name(link)} could not confirm the link right now: {exc.message}")
    return _mark_linked(link.pk, token.token, token.expires_at)


def link_apply_callback(*, event: CallbackEvent, callback: PartnerCallback) -> tuple[str, str]:
    """A verified binding notice (kind "link") from the partner of `callback`. Returns the
    PartnerCallback outcome and detail (applied, duplicate, rejected, error). Raises nothing."""
    link = AccountLink.objects.filter(mandate_id=event.txid, mitra_cd=callback.mitra_cd).first()
    if link is None:
        return "rejected", "unknown account link"
    if event.partner_ref and link.partner_ref and event.partner_ref != link.partner_ref:
        return "rejected", "binding reference does not match the link's latest request"
    if link.state != AccountLink.State.PENDING:
        return "duplicate", f"link already {link.state}"
    if event.status is PartnerStatus.SUCCEEDED:
        info = event.raw.get("additionalInfo") if isinstance(event.raw.get("additionalInfo"), dict) else {}
        try:
            updated = account_link_finish(link=link, auth_code=str(info.get("authCode") or ""))
        except err.PartnerFailure as exc:
            return "error", exc.message
        if updated.state == AccountLink.State.LINKED:
            return "applied", "linked"
        return "error", "binding reported, but its authCode could not be exchanged"
    if event.status in (PartnerStatus.CANCELLED, PartnerStatus.FAILED, PartnerStatus.EXPIRED):
        _mark_failed(link.pk)
        return "applied", f"binding {event.raw_status}: failed"
    return "duplicate", f"binding still {event.raw_status}"


# --- revoke -------------------------------------------------------------------------------------


def account_link_revoke(*, link: AccountLink) -> AccountLink:
    """Unbind at the partner, then forget the token; payments on this mandate are refused
    afterwards. A partner that no longer knows the token is no obstacle. Returns the link.
    Raises LinkNotLinked, PartnerFailure."""
    if link.state != AccountLink.State.LINKED:
        raise err.LinkNotLinked(mandate_id=link.mandate_id, state=link.state)
    token = key_store.decrypt(link.token_encrypted)
    try:
        registry.get_adapter(link.mitra_cd).link_revoke(token=token)
    except PartnerDeclined as exc:
        # AstraPay no longer knows the token: the link is dead there already.
        log.info("AstraPay refused unbinding %s (%s); revoking locally", link.mandate_id, exc.code)
    except PartnerError as exc:
        raise err.PartnerFailure(f"{_name(link)} could not unlink the account right now: {exc.message}")
    with transaction.atomic():
        locked = AccountLink.objects.select_for_update().select_related("merchant").get(pk=link.pk)
        if locked.state != AccountLink.State.LINKED:
            return locked
        locked.state = AccountLink.State.REVOKED
        locked.revoked_at = timezone.now()
        locked.token_encrypted = ""
        locked.save(update_fields=["state", "revoked_at", "token_encrypted"])
        _notify_merchant(locked)
        return locked


# --- paying on a linked account -----------------------------------------------------------------


def link_payment_initiate(
    *, merchant: Merchant, mandate_id: str, data: RegistrationData, callback_url: str
) -> tuple[Transaction, NextAction]:
    """Pay on a linked account: register the transaction (via_link) and start it with the link's
    customer token. Returns (transaction, next action). Raises LinkNotFound, LinkNotActive,
    LinkExpired, LinkReferenceReused, and whatever transaction_register and
    transaction_start_payment raise."""
    link = AccountLink.objects.filter(merchant=merchant, mandate_id=mandate_id).first()
    if link is None:
        raise err.LinkNotFound(mandate_id=mandate_id)
    if link.state != AccountLink.State.LINKED:
        raise err.LinkNotActive(mandate_id=mandate_id, state=link.state, partner=_name(link))
    if link.token_expires_at and link.token_expires_at <= timezone.now():
        raise err.LinkExpired(mandate_id=mandate_id, state=link.state, partner=_name(link))
    txn = transaction_register(merchant=merchant, data=data, via_link=True)
    if txn.partner_data.get("mandate_id") not in (None, mandate_id):
        raise err.LinkReferenceReused()
    if "mandate_id" not in txn.partner_data:
        with transaction.atomic():
            locked = Transaction.objects.select_for_update().get(pk=txn.pk)
            locked.partner_data = {**locked.partner_data, "mandate_id": mandate_id}
            locked.save(update_fields=["partner_data", "updated_at"])
        txn.partner_data = locked.partner_data
    action = transaction_start_payment(
        txn=txn, callback_url=callback_url, account_token=key_store.decrypt(link.token_encrypted)
    )
    return txn, action
