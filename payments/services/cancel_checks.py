"""Settling cancels whose partner answer was lost: a timeout, a 5xx, or a web process that died
during the call. Nothing is guessed: the partner is asked what it did with that cancel (its own
refund status query, adapter.cancel_status) and the row is settled from its answer - succeeded
(counted once), or failed when the partner never made it. A cancel is never sent again here, so a
retry never refunds twice; while a cancel is unsettled, no other cancel of the transaction starts."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from payments import exceptions as err
from payments.models import Cancellation, Transaction
from providers import registry
from providers.base.errors import PartnerError
from providers.base.types import CancelResult, RefundState

from .cancellation import UNSETTLED, cancel_request, cancellation_close, check_schedule
from .transitions import flag_for_review

log = logging.getLogger("payments.cancel_checks")
SOURCE = "cancel_check"


def cancellations_settle(*, limit: int = 100) -> int:
    """The settle sweep (beat): ask the partner about every unsettled cancel that is due (an
    unknown outcome, or a pending one past its partner call). Returns how many were asked."""
    due = Cancellation.objects.filter(state__in=UNSETTLED, next_check_at__lte=timezone.now()).values_list(
        "pk", "checks"
    )[:limit]
    return sum(cancellation_check(cancellation_id=pk, checks=checks) for pk, checks in list(due))


def cancellation_check(*, cancellation_id: int, checks: int) -> bool:
    """Ask the partner once about cancellation `cancellation_id` and settle it from the answer.

    `checks` is the count the caller read: the row is claimed with one conditional UPDATE (next
    question scheduled per CANCEL_CHECK_SCHEDULE, in seconds), so two sweeps never ask twice. A
    pending row that is due is one whose process died during the call: it becomes unknown.
    Returns False when another sweep had it. Raises nothing: a partner that cannot say now is asked
    again later, and ops are asked to look once the schedule is used up."""
    schedule = check_schedule()
    now = timezone.now()
    claimed = Cancellation.objects.filter(pk=cancellation_id, state__in=UNSETTLED, checks=checks).update(
        state=Cancellation.State.UNKNOWN,
        checks=F("checks") + 1,
        next_check_at=now + timedelta(seconds=schedule[min(checks, len(schedule) - 1)]),
    )
    if not claimed:
        return False
    row = Cancellation.objects.select_related("transaction").get(pk=cancellation_id)
    txn = row.transaction
    try:
        answer = registry.get_adapter(txn.mitra_cd).cancel_status(cancel_request(txn, row))
    except PartnerError as exc:
        log.info("cancel %s: the partner cannot say yet (%s)", row.cancel_txid, exc.message)
    else:
        if answer.state == RefundState.DONE:
            result = CancelResult(
                partner_cancel_ref=answer.partner_cancel_ref, kind=answer.kind, raw=answer.raw
            )
            cancellation_close(row.pk, result, None, SOURCE)
            log.info("cancel %s settled: the partner made it", row.cancel_txid)
            return True
        if answer.state == RefundState.NOT_DONE:
            cancellation_close(row.pk, None, err.CancelNotMade(), SOURCE)
            log.info("cancel %s settled: the partner never made it", row.cancel_txid)
            return True
    if checks + 1 >= len(schedule):
        with transaction.atomic():
            locked = Transaction.objects.select_for_update().get(pk=txn.pk)
            flag_for_review(
                locked, f"cancel {row.cancel_txid}: no answer from the partner after {checks + 1} checks"
            )
    return True
