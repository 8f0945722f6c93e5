"""The customer's payment: hand over to the partner, remember what it answered."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments.exceptions import NotAllowed, PartnerFailure
from payments.models import Transaction, TransactionEvent
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerDeclined, PartnerError, PartnerUnavailable
from providers.base.types import Deeplink, NextAction, PushToApp, Redirect

from .partner_io import payment_request
from .transitions import transaction_apply_status

log = logging.getLogger("payments.payment")


def action_to_dict(action: NextAction) -> dict:
    data = asdict(action)
    data["type"] = type(action).__name__
    if isinstance(action, PushToApp):
        data["expires_at"] = action.expires_at.isoformat()
    return data


def action_from_dict(data: dict) -> NextAction:
    from datetime import datetime

    data = dict(data)
    kind = data.pop("type")
    if kind == "PushToApp":
        data["expires_at"] = datetime.fromisoformat(data["expires_at"])
        return PushToApp(**data)
    return {"Redirect": Redirect, "Deeplink": Deeplink}[kind](**data)


def transaction_start_payment(
    *, txn: Transaction, callback_url: str = "", account_token: str = ""
) -> NextAction:
    """Ask the partner for the customer's next step. Idempotent for a refreshed page."""
    if callback_url and callback_url != txn.callback_url:
        Transaction.objects.filter(pk=txn.pk).update(callback_url=callback_url)
        txn.callback_url = callback_url
    if not txn.status_enum.is_open:
        raise NotAllowed(f"This payment is already {txn.status_enum.word}")
    if txn.expires_at <= timezone.now():
        transaction_apply_status(
            transaction_id=txn.pk, to=Status.EXPIRED, source="expiry", idempotency_key="expired"
        )
        raise NotAllowed("This payment has expired", result_cd="9031", http_status=410)
    if txn.partner_data.get("action"):
        return action_from_dict(txn.partner_data["action"])
    adapter = registry.get_adapter(txn.mitra_cd)
    try:
        action = adapter.start_payment(payment_request(txn, account_token=account_token))
    except PartnerUnavailable:
        raise PartnerFailure("The payment partner is not answering right now. Please try again shortly.")
    except PartnerDeclined as exc:
        transaction_apply_status(
            transaction_id=txn.pk,
            to=Status.FAILED,
            source="partner",
            idempotency_key="start-declined",
            payload={"code": exc.code, "message": exc.message},
        )
        raise NotAllowed(
            f"The partner declined this payment: {exc.message}", result_cd="9752", http_status=422
        )
    except PartnerError as exc:
        raise PartnerFailure(f"The payment could not be started: {exc.message}")
    _remember(txn, action)
    if isinstance(action, PushToApp):
        from payments.tasks import transaction_complete_push

        transaction.on_commit(lambda: transaction_complete_push.delay(txn.pk))
    return action


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
    """OVO: the blocking push call, run by a worker. Unknown outcome -> polling settles it."""
    from .callbacks import apply_partner_result

    txn = Transaction.objects.get(pk=transaction_id)
    if not txn.status_enum.is_open:
        return
    adapter = registry.get_adapter(txn.mitra_cd)
    try:
        result = adapter.complete_push(payment_request(txn))
    except PartnerError as exc:  # unknown outcome (unreachable, unknown code): polling settles it
        log.warning("push for %s has no known outcome (%s); polling will settle it", txn.txid, exc.message)
        return
    apply_partner_result(txn=txn, result=result, source="partner", idempotency_key="push-result")
