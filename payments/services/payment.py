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
from payments.models import Merchant, Transaction, TransactionEvent
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import Deeplink, NextAction, PushToApp, Redirect

from . import queue
from .partner_io import payment_request
from .registration import RegistrationData, transaction_register
from .settle import apply_partner_result
from .transitions import transaction_apply_status

log = logging.getLogger("payments.payment")
START_CLAIM = timedelta(seconds=60)  # well past the partner client's timeouts
START_WAIT_SECONDS = 20.0


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
    customer's app). Idempotent for a refreshed page: the stored action is answered again, and a
    concurrent start waits for the first (START_WAIT_SECONDS). `callback_url` replaces the stored
    one when given; `account_token` is a linked account's token. Returns the NextAction.
    Raises PaymentNotOpen, PaymentExpired (and expires it), PaymentDeclined (and fails it),
    PartnerFailure (unreachable or failed: the customer may try again)."""
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
    if txn.partner_data.get("action"):
        action = action_from_dict(txn.partner_data["action"])
        transaction_push_ensure(txn, action)  # a refresh re-queues a push that never left (broker was down)
        return action
    claimed_at = _claim_start(txn.pk)
    if claimed_at is None:
        return _action_of_concurrent_start(txn.pk)
    try:
        action = _ask_partner(txn, account_token)
    except Exception:  # released, so the customer can try again at once
        Transaction.objects.filter(pk=txn.pk, payment_started_at=claimed_at).update(payment_started_at=None)
        raise
    _remember(txn, action)
    transaction_push_ensure(txn, action)
    return action


def transaction_push_ensure(txn: Transaction, action: NextAction) -> None:
    """Queue the blocking push (OVO) unless it was sent or its deadline passed; the task itself
    pushes at most once. Returns nothing; a broker that is down is retried by the next page load."""
    if not isinstance(action, PushToApp) or action.expires_at <= timezone.now():
        return
    if TransactionEvent.objects.filter(transaction_id=txn.pk, idempotency_key="push-sent").exists():
        return

    def enqueue() -> None:
        try:
            queue.send(queue.TRANSACTION_COMPLETE_PUSH, txn.pk)
        except Exception:  # noqa: BLE001 - broker down: the waiting page's next load queues it again
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


def _action_of_concurrent_start(pk: int) -> NextAction:
    """Another request is asking the partner right now: answer with what it gets."""
    deadline = time.monotonic() + START_WAIT_SECONDS
    while True:
        data, started = Transaction.objects.values_list("partner_data", "payment_started_at").get(pk=pk)
        if data.get("action"):
            return action_from_dict(data["action"])
        if started is None or time.monotonic() >= deadline:  # it failed, or is taking too long
            raise err.PartnerFailure(
                "This payment is being started in another window. Please try again shortly."
            )
        time.sleep(0.2)


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
    """The blocking push call (OVO), run by a worker: at most once per payment, its answer applied
    through the settle path. An unknown outcome is left to polling. Raises nothing."""
    txn = Transaction.objects.get(pk=transaction_id)
    if not txn.status_enum.is_open:
        return
    _, first = TransactionEvent.objects.get_or_create(
        transaction=txn,
        idempotency_key="push-sent",
        defaults={"kind": TransactionEvent.Kind.NOTE, "source": "partner", "payload": {"push": "sent"}},
    )
    if not first:  # a redelivered task (worker killed mid-push): never push twice, polling settles it
        return
    adapter = registry.get_adapter(txn.mitra_cd)
    try:
        result = adapter.complete_push(payment_request(txn))
    except PartnerError as exc:  # unknown outcome (unreachable, unknown code): polling settles it
        log.warning("push for %s has no known outcome (%s); polling will settle it", txn.txid, exc.message)
        return
    apply_partner_result(txn=txn, result=result, source="partner", idempotency_key="push-result")


def transaction_pay(*, merchant: Merchant, data: RegistrationData) -> tuple[Transaction, NextAction]:
    """A host-to-host payment: register the order and ask the partner for the customer's next step
    in one call (the merchant's server, not the customer's browser, starts it). The same order again
    (same fingerprint) is the same payment and gets the same next step. Returns (transaction, next
    action). Raises whatever transaction_register and transaction_start_payment raise; a payment that
    could not be started stays registered and open, so the same request may simply be sent again."""
    txn = transaction_register(merchant=merchant, data=data)
    return txn, transaction_start_payment(txn=txn, callback_url=data.callback_url)
