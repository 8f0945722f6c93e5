"""The customer's payment: hand over to the partner, remember what it answered."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from payments import exceptions as err
from payments.models import Merchant, PartnerCall, Transaction, TransactionEvent
from payments.status import OPEN, Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import Deeplink, NextAction, PushToApp, Redirect

from . import claims, queue
from .partner_io import payment_request
from .registration import RegistrationData, transaction_register
from .settle import apply_partner_result
from .transitions import transaction_apply_status

log = logging.getLogger("payments.payment")
START_CLAIM = timedelta(seconds=60)  # well past the partner client's timeouts
# A request that finds another start of the same payment at the partner waits this long for its
# answer, then answers "being started, ask again" (seconds; well under any partner call).
START_WAIT_SECONDS = 2.0
PUSH_RESUME_WINDOW = timedelta(minutes=5)  # longer than any push window (OVO: about 70 s)


def action_to_dict(action: NextAction) -> dict:
    """The next action as JSON for Transaction.partner_data (PushToApp's deadline as ISO 8601)."""
    data = asdict(action)
    data["type"] = type(action).__name__
    if isinstance(action, PushToApp):
        data["expires_at"] = action.expires_at.isoformat()
    return data


def action_from_dict(data: dict) -> NextAction:
    """The next action stored by action_to_dict."""
    data = dict(data)
    kind = data.pop("type")
    if kind == "PushToApp":
        data["expires_at"] = datetime.fromisoformat(data["expires_at"])
        return PushToApp(**data)
    return {"Redirect": Redirect, "Deeplink": Deeplink}[kind](**data)


def transaction_start_payment(
    *, txn: Transaction, callback_url: str = "", account_token: str = ""
) -> NextAction:
    """Ask the partner for the customer's next step (a redirect, a deeplink, or a push to the
    customer's app), once per payment: a refreshed page, a second tab or a double submit gets the
    same answer. `callback_url` replaces the stored one when given; `account_token` is a linked
    account's token. Returns the NextAction. Raises PaymentNotOpen, PaymentExpired (and expires
    it), PaymentDeclined (and fails it), PartnerFailure (unreachable or failed: the customer may try
    again), and PaymentStarting when another request is with the partner for longer than
    START_WAIT_SECONDS (seconds): the caller asks again shortly."""
    if callback_url and callback_url != txn.callback_url:
        Transaction.objects.filter(pk=txn.pk).update(callback_url=callback_url)
        txn.callback_url = callback_url
    if not txn.status_enum.is_open:
        raise err.PaymentNotOpen(word=txn.status_enum.word)
    if txn.expires_at <= timezone.now():
        transaction_apply_status(
            transaction_id=txn.pk, to=Status.EXPIRED, source="expiry", idempotency_key="expired"
        )
        raise err.PaymentExpired()
    deadline = time.monotonic() + START_WAIT_SECONDS
    while True:
        if txn.partner_data.get("action"):
            action = action_from_dict(txn.partner_data["action"])
            transaction_push_ensure(txn, action)  # a refresh re-queues a push that never left
            return action
        claimed_at = _claim_start(txn.pk)
        if claimed_at is not None:
            break
        # Another request is asking the partner: its answer is everyone's. Wait a moment for it;
        # past that, the browser is told to ask again (no web thread held per waiter).
        if time.monotonic() >= deadline:
            raise err.PaymentStarting()
        time.sleep(0.2)
        txn.refresh_from_db(fields=["partner_data", "status"])
        if not txn.status_enum.is_open:  # the first start was declined meanwhile
            raise err.PaymentNotOpen(word=txn.status_enum.word)
    try:
        action = _ask_partner(txn, account_token)
    except Exception:  # released, so the customer can try again at once
        Transaction.objects.filter(pk=txn.pk, payment_started_at=claimed_at).update(payment_started_at=None)
        raise
    _remember(txn, action)
    transaction_push_ensure(txn, action)
    return action


def push_key(transaction_id: int) -> str:
    """The PartnerCall key of transaction `transaction_id`'s app push."""
    return f"push:{transaction_id}"


def transaction_push_ensure(txn: Transaction, action: NextAction) -> None:
    """Queue the blocking push (OVO) unless it was made or its deadline passed; the task itself
    pushes at most once. Returns nothing; a broker that is down is retried by the push sweep."""
    if not isinstance(action, PushToApp) or action.expires_at <= timezone.now():
        return
    if claims.claim_is_done(push_key(txn.pk)):
        return

    def enqueue() -> None:
        try:
            queue.send(queue.TRANSACTION_COMPLETE_PUSH, txn.pk)
        except Exception:  # noqa: BLE001 - broker down: the push sweep (or the next page load) queues it
            log.warning("could not queue the push for %s", txn.txid)

    transaction.on_commit(enqueue)


def _claim_start(pk: int) -> datetime | None:
    """One partner start per payment: a double-submitted form or a refresh during the partner
    call must not open a second order (or send a second push). The claim is payment_started_at,
    set before the call; a claim older than any partner call is taken over."""
    now = timezone.now()
    claimed = (
        Transaction.objects.filter(pk=pk)
        .filter(Q(payment_started_at__isnull=True) | Q(payment_started_at__lt=now - START_CLAIM))
        .exclude(partner_data__has_key="action")
        .update(payment_started_at=now)
    )
    return now if claimed else None


def _ask_partner(txn: Transaction, account_token: str) -> NextAction:
    adapter = registry.get_adapter(txn.mitra_cd)
    try:
        return adapter.start_payment(payment_request(txn, account_token=account_token))
    except PartnerUnavailable:
        raise err.PartnerFailure("The payment partner is not answering right now. Please try again shortly.")
    except PartnerDeclined as exc:
        transaction_apply_status(
            transaction_id=txn.pk,
            to=Status.FAILED,
            source="partner",
            idempotency_key="start-declined",
            payload={"code": exc.code, "message": exc.message},
        )
        raise err.PaymentDeclined(detail=exc.message)
    except PartnerError as exc:
        raise err.PartnerFailure(f"The payment could not be started: {exc.message}")


@transaction.atomic
def _remember(txn: Transaction, action: NextAction) -> None:
    locked = Transaction.objects.select_for_update().get(pk=txn.pk)
    now = timezone.now()
    locked.partner_data = {**locked.partner_data, "action": action_to_dict(action)}
    locked.partner_ref = action.partner_ref or locked.partner_ref
    locked.payment_started_at = now
    locked.next_poll_at = now + timedelta(seconds=settings.POLL_SCHEDULE[0])
    locked.save(
        update_fields=["partner_data", "partner_ref", "payment_started_at", "next_poll_at", "updated_at"]
    )
    TransactionEvent.objects.get_or_create(
        transaction=locked,
        idempotency_key="payment-started",
        defaults={
            "kind": TransactionEvent.Kind.PAYMENT_STARTED,
            "source": "customer",
            "payload": {"action": type(action).__name__},
        },
    )
    txn.partner_data, txn.partner_ref = locked.partner_data, locked.partner_ref


def transaction_complete_push(*, transaction_id: int) -> None:
    """The blocking push to the customer's app (OVO), run by a worker: made exactly once in effect.

    The push is claimed (PartnerCall "push:<id>", lease PUSH_CLAIM_SECONDS) before the call. A task
    that finds the claim held does nothing; one that takes over an abandoned claim (the worker died
    after claiming: redelivered, or sent again by pushes_resume) first asks the partner what became
    of the push (adapter.push_outcome): pushed only if the partner never received it, otherwise its
    answer is applied (a push still waiting on the customer is left to polling). An unknown outcome
    of the call itself is never pushed again: polling settles it."""
    txn = Transaction.objects.get(pk=transaction_id)
    if not txn.status_enum.is_open:
        return
    claim = claims.claim_take(
        key=push_key(txn.pk), seconds=settings.PUSH_CLAIM_SECONDS, transaction_id=txn.pk
    )
    if claim is None:
        return  # being pushed right now, or done
    adapter = registry.get_adapter(txn.mitra_cd)
    req = payment_request(txn)
    if claim.attempt > 1:
        try:
            seen = adapter.push_outcome(req)
        except PartnerError as exc:  # ask again when the claim runs out (pushes_resume)
            log.warning("push of %s: the partner could not say what became of it (%s)", txn.txid, exc.message)
            return
        if seen is not None:  # the partner has it: never a second push
            claims.claim_done(claim, outcome=seen.raw_status)
            apply_partner_result(
                txn=txn, result=seen, source="poll", idempotency_key=f"push-check:{seen.raw_status}"
            )
            return
    TransactionEvent.objects.get_or_create(
        transaction=txn,
        idempotency_key=f"push-sent:{claim.attempt}",
        defaults={
            "kind": TransactionEvent.Kind.NOTE,
            "source": "partner",
            "payload": {"push": "sent", "attempt": claim.attempt},
        },
    )
    try:
        result = adapter.complete_push(req)
    except PartnerError as exc:  # unknown outcome (unreachable, unknown code): polling settles it
        claims.claim_done(claim, outcome="unknown")
        log.warning("push for %s has no known outcome (%s); polling will settle it", txn.txid, exc.message)
        return
    claims.claim_done(claim, outcome=result.raw_status)
    apply_partner_result(txn=txn, result=result, source="partner", idempotency_key="push-result")


def transaction_pay(*, merchant: Merchant, data: RegistrationData) -> tuple[Transaction, NextAction]:
    """A host-to-host payment: register the order and ask the partner for the customer's next step
    in one call (the merchant's server, not the customer's browser, starts it). The same order again
    (same fingerprint) is the same payment and gets the same next step. Returns (transaction, next
    action). Raises whatever transaction_register and transaction_start_payment raise; a payment that
    could not be started stays registered and open, so the same request may simply be sent again."""
    txn = transaction_register(merchant=merchant, data=data)
    return txn, transaction_start_payment(txn=txn, callback_url=data.callback_url)


def pushes_resume(*, limit: int = 200) -> int:
    """The push sweep (beat): queue the push again for every open payment whose push claim was
    abandoned (its worker died after claiming it), while its push window lasts. The task decides,
    under the claim, whether anything is sent. One indexed query (partnercall_open_idx), whatever
    the size of the tables. Returns how many were queued."""
    now = timezone.now()
    abandoned = PartnerCall.objects.filter(
        key__startswith="push:",
        done_at__isnull=True,
        lease_until__lt=now,
        lease_until__gte=now - PUSH_RESUME_WINDOW,
        transaction__status__in=sorted(OPEN),
    ).select_related("transaction")[:limit]
    queued = 0
    for call in abandoned:
        data = call.transaction.partner_data.get("action")
        action = action_from_dict(data) if data else None
        if not isinstance(action, PushToApp) or action.expires_at <= now:
            continue
        try:
            queue.send(queue.TRANSACTION_COMPLETE_PUSH, call.transaction_id)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.warning("could not queue the push for %s", call.transaction.txid)
            break
        queued += 1
    return queued
