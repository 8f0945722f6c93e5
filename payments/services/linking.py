"""AstraPay account linking: start, finish (code -> token), revoke, and paying on a linked account.

Partner calls never run inside a DB transaction: write and commit, call AstraPay, then lock the
row and apply the answer only if the link is still in the state we left it in."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import secrets as key_store
from payments import tokens
from payments.exceptions import ApplicationError, NotAllowed, PartnerFailure
from payments.models import AccountLink, Merchant, PartnerCallback, Transaction
from payments.nicepay.wire import JAKARTA, jakarta_parts
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import CallbackEvent, LinkRequest, NextAction, PartnerStatus

from .notifications import notification_enqueue
from .partner_io import gateway_url
from .payment import transaction_start_payment
from .registration import RegistrationData, transaction_register

log = logging.getLogger("payments.linking")
MITRA = "ASTR"


class LinkNotFound(ApplicationError):
    result_cd = "9501"
    http_status = 404
    default_message = "Unknown mandateID"


class LinkNotActive(ApplicationError):
    result_cd = "9502"
    http_status = 409
    default_message = "This AstraPay account is not linked"


@dataclass(frozen=True)
class LinkEnableData:
    reference_no: str
    billing_name: str
    billing_phone: str
    billing_email: str
    db_process_url: str
    callback_url: str = ""
    description: str = ""
    user_ip: str = ""


def new_mandate_id(imid: str) -> str:
    """iMid + Jakarta time + 6 random digits: 30 chars, inside NICEPAY's 40 for mandateID."""
    return f"{imid}{timezone.now().astimezone(JAKARTA):%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"


def _adapter():  # noqa: ANN202
    return registry.get_adapter(MITRA)


# --- merchant notification ----------------------------------------------------------------------


def link_notification_payload(link: AccountLink) -> dict[str, str]:
    """Form fields posted to the merchant's dbProcessUrl when a link changes state. The token uses
    the linkEnable formula (nicepay-v2.md §0.4), so the merchant verifies it with what it sent."""
    merchant = link.merchant
    dt, tm = jakarta_parts(link.revoked_at or link.linked_at or timezone.now())
    return {
        "iMid": merchant.imid,
        "referenceNo": link.reference_no,
        "mandateID": link.mandate_id,
        "payMethod": "05",
        "mitraCd": link.mitra_cd,
        "linkStatus": link.state,
        "billingNm": link.billing_name,
        "billingPhone": link.billing_phone,
        "transDt": dt,
        "transTm": tm,
        "merchantToken": tokens.link_enable_token(
            merchant.imid, link.reference_no, link.billing_phone, merchant.merchant_key
        ),
    }


def _notify_merchant(link: AccountLink) -> None:
    """Caller holds the link's row lock inside the DB transaction of the state change."""
    notification_enqueue(
        merchant=link.merchant, url=link.db_process_url, payload=link_notification_payload(link), kind="link"
    )


# --- start --------------------------------------------------------------------------------------


def account_link_start(*, merchant: Merchant, data: LinkEnableData) -> tuple[AccountLink, str]:
    """Create (or restart) the link and ask AstraPay for its binding page. -> (link, redirect URL)."""
    link = AccountLink.objects.filter(merchant=merchant, reference_no=data.reference_no).first()
    if link is not None and link.state == AccountLink.State.LINKED:
        raise NotAllowed(f"referenceNo {data.reference_no} is already linked (mandateID {link.mandate_id})")
    if link is not None and link.state == AccountLink.State.REVOKED:
        raise NotAllowed(f"referenceNo {data.reference_no} was unlinked; link again with a new referenceNo")
    if link is None:
        try:
            link = AccountLink.objects.create(
                merchant=merchant,
                mitra_cd=MITRA,
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
        finish_url=gateway_url(f"/link/{link.mandate_id}/finish"),
        notify_url=gateway_url(f"/partners/{MITRA}/notify"),
    )
    try:
        result = _adapter().link_start(request)
    except PartnerUnavailable:
        raise PartnerFailure("AstraPay is not answering right now. Please try again shortly.")
    except PartnerDeclined as exc:
        AccountLink.objects.filter(pk=link.pk, state=AccountLink.State.PENDING).update(
            state=AccountLink.State.FAILED
        )
        raise ApplicationError(
            f"AstraPay refused the account link: {exc.message}", result_cd="9752", http_status=422
        )
    except PartnerError as exc:
        raise PartnerFailure(f"The account link could not be started: {exc.message}")
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
    """Exchange AstraPay's one-time authCode for the customer token; idempotent."""
    if link.state != AccountLink.State.PENDING:
        return link
    if not auth_code:
        return link  # nothing to exchange; the signed notification settles a failed binding
    try:
        token = _adapter().link_finish(auth_code=auth_code)
    except PartnerDeclined as exc:
        # A forged or stale code must not fail a real pending link: leave it pending.
        log.warning("authCode exchange refused for %s: %s", link.mandate_id, exc.code)
        return link
    except PartnerError as exc:
        raise PartnerFailure(f"AstraPay could not confirm the link right now: {exc.message}")
    return _mark_linked(link.pk, token.token, token.expires_at)


def link_apply_callback(*, event: CallbackEvent, callback: PartnerCallback) -> tuple[str, str]:
    """A verified binding notice (kind "link"). -> (PartnerCallback outcome, detail)."""
    link = AccountLink.objects.filter(mandate_id=event.txid, mitra_cd=MITRA).first()
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
        except PartnerFailure as exc:
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
    """Unbind at AstraPay, then forget the token. Payments on this mandate are refused afterwards."""
    if link.state != AccountLink.State.LINKED:
        raise NotAllowed(f"mandateID {link.mandate_id} is {link.state}, not linked")
    token = key_store.decrypt(link.token_encrypted)
    try:
        _adapter().link_revoke(token=token)
    except PartnerDeclined as exc:
        # AstraPay no longer knows the token: the link is dead there already.
        log.info("AstraPay refused unbinding %s (%s); revoking locally", link.mandate_id, exc.code)
    except PartnerError as exc:
        raise PartnerFailure(f"AstraPay could not unlink the account right now: {exc.message}")
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
    """linkInitiate: register an ASTR transaction and start it with the link's customer token."""
    link = AccountLink.objects.filter(merchant=merchant, mandate_id=mandate_id).first()
    if link is None:
        raise LinkNotFound(f"mandateID {mandate_id} is unknown for this merchant")
    if link.state != AccountLink.State.LINKED:
        raise LinkNotActive(
            f"mandateID {mandate_id} is {link.state}: the customer must link AstraPay again (linkEnable)"
        )
    if link.token_expires_at and link.token_expires_at <= timezone.now():
        raise LinkNotActive(f"The AstraPay link {mandate_id} has expired: link again (linkEnable)")
    txn = transaction_register(merchant=merchant, data=data, via_link=True)
    if txn.partner_data.get("mandate_id") not in (None, mandate_id):
        raise NotAllowed("referenceNo was already used with another mandateID")
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
