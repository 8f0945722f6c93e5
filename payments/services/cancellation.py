"""Cancel and refund: lock and write, commit, call the partner, then lock and apply."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import exceptions as err
from payments.models import AuditLog, Cancellation, Checkout, Merchant, Transaction, TransactionEvent
from payments.status import Status, ended_unpaid
from providers import registry
from providers.base.errors import CancelNotAllowed, PartnerDeclined, PartnerError
from providers.base.types import CancelRequest, CancelResult

from .audit import Actor, audit_record
from .partner_io import order_info
from .registration import new_txid
from .transitions import flag_for_review, transaction_apply_status

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

log = logging.getLogger("payments.cancellation")
FULL, PARTIAL = "1", "2"
UNSETTLED = (Cancellation.State.PENDING, Cancellation.State.UNKNOWN)
# The idempotency key of the one automatic return of money paid after the transaction ended unpaid
# (late_payments.py): unique per transaction, so it is never refunded twice.
LATE_RETURN = "late-payment-return"


def _request(txn: Transaction, amount: int, cancel_id: str, reason: str) -> CancelRequest:
    return CancelRequest(
        txid=txn.txid,
        partner_ref=txn.partner_ref,
        amount=amount,
        total_amount=txn.amount,
        already_cancelled=txn.cancelled_amount,
        paid_at=txn.paid_at,
        cancel_id=cancel_id,
        reason=reason,
        items=order_info(txn).items,
    )


def _unpaid_untouched(txn: Transaction) -> bool:
    """Never reached a partner: the merchant may void it here, in full."""
    return txn.status_enum.is_open and not txn.payment_started_at and not txn.partner_ref


def cancel_types_allowed(txn: Transaction) -> tuple[str, ...]:
    """Which cancel types ("1" full, "2" partial) could be accepted now, before the partner's own
    rules: a paid payment with money left, or a payment that never reached a partner (full only)."""
    if txn.remaining_amount <= 0:
        return ()
    if txn.status_enum == Status.PAID:
        return (FULL, PARTIAL) if not txn.cancelled_amount else (PARTIAL,)
    return (FULL,) if _unpaid_untouched(txn) else ()


def _check_amount(txn: Transaction, cancel_type: str, amount: int) -> None:
    if cancel_type not in (FULL, PARTIAL):
        raise err.InvalidCancelType(cancel_type=cancel_type)
    if amount <= 0:
        raise err.InvalidCancelAmount(amount=amount)
    if amount > txn.remaining_amount:
        raise err.CancelAmountTooLarge(amount=amount, remaining=txn.remaining_amount)
    if cancel_type == FULL and txn.cancelled_amount:
        raise err.FullCancelAfterPartial(remaining=txn.remaining_amount)
    if cancel_type == FULL and amount != txn.amount:
        raise err.FullCancelNotWhole(amount=txn.amount)


@transaction.atomic
def _open(
    txn_id: int,
    cancel_type: str,
    amount: int,
    reason: str,
    key: str,
    source: str,
    requested_by: AbstractBaseUser | None = None,
) -> tuple[Cancellation, bool, bool]:
    """Lock, check, write the pending cancellation. Returns (row, created, paid): whether the
    partner must be asked is decided here, under the lock, never from an earlier read."""
    txn = Transaction.objects.select_for_update().get(pk=txn_id)
    prior = Cancellation.objects.filter(transaction=txn, idempotency_key=key).first()
    if prior is not None:
        return prior, False, False  # the same request again: the same answer
    _check_amount(txn, cancel_type, amount)
    if Cancellation.objects.filter(transaction=txn, state__in=UNSETTLED).exists():
        raise err.CancelInProgress()  # (its outcome decides what is left to cancel)
    status = txn.status_enum
    unpaid_untouched = _unpaid_untouched(txn)
    if status != Status.PAID and not unpaid_untouched:
        raise err.CancelRefused(f"This transaction cannot be cancelled: it is {status.word}")
    if unpaid_untouched and cancel_type == PARTIAL:  # nothing was paid, so nothing to refund in part
        raise err.PartialCancelBeforePayment()
    if status == Status.PAID:
        adapter = registry.get_adapter(txn.mitra_cd)
        try:
            adapter.check_cancel(_request(txn, amount, "check", reason), now=timezone.now())
        except CancelNotAllowed as exc:
            raise err.CancelRefusedByRules(
                mitra_cd=txn.mitra_cd, detail=exc.message, partial=cancel_type == PARTIAL
            )
    try:
        with transaction.atomic():
            row = Cancellation.objects.create(
                transaction=txn,
                merchant_id=txn.merchant_id,
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
                source=source[:30],
                cancel_txid=new_txid(txn.merchant.imid, txn.pay_method),
                cancel_type=cancel_type,
                amount=amount,
                reason=reason[:255],
                idempotency_key=key,
                # If this request's process dies during the partner call, the settle sweep asks the
                # partner once the call must be over (cancel_checks.py).
                next_check_at=timezone.now() + timedelta(seconds=check_after_seconds()),
            )
    except IntegrityError:
        raise err.CancelNumberCollision()
    return row, True, status == Status.PAID


@transaction.atomic
def cancellation_close(
    row_id: int, result: CancelResult | None, error: err.ApplicationError | None, source: str
) -> Cancellation:
    """Settle an unsettled cancellation: succeeded with the partner's `result` (the amount counted
    as cancelled, the transaction voided or refunded once nothing is left), or failed with `error`
    (nothing was refunded). A row settled already is returned as it is: the request and the settle
    sweep may both get there, the first one counts. The return of a late payment leaves the
    transaction's status as it is (it ended unpaid); when it fails, ops are asked to return it."""
    row = Cancellation.objects.select_for_update().select_related("transaction").get(pk=row_id)
    if row.state not in UNSETTLED:
        return row
    txn = Transaction.objects.select_for_update().get(pk=row.transaction_id)
    row.finished_at = timezone.now()
    row.next_check_at = None
    if error is not None:
        row.state, row.result_code, row.result_message = (
            Cancellation.State.FAILED,
            error.code,
            error.message[:255],
        )
        row.save()
        if row.idempotency_key == LATE_RETURN:
            flag_for_review(txn, f"paid after the order ended; automatic return failed: {error.message}")
        return row
    row.state = Cancellation.State.SUCCEEDED
    row.partner_ref = (result.partner_cancel_ref if result else "")[:100]
    row.save()
    txn.cancelled_amount += row.amount
    txn.save(update_fields=["cancelled_amount", "updated_at"])
    TransactionEvent.objects.create(
        transaction=txn,
        kind=TransactionEvent.Kind.CANCEL,
        source=source,
        idempotency_key=f"cancel:{row.cancel_txid}",
        payload={
            "amount": row.amount,
            "type": row.cancel_type,
            "kind": result.kind if result else "void",
            "cancel_txid": row.cancel_txid,
        },
    )
    if txn.remaining_amount == 0 and not ended_unpaid(txn.status, txn.paid_at):
        to = Status.VOID if (result is None or result.kind == "void") else Status.REFUND
        transaction_apply_status(
            transaction_id=txn.pk, to=to, source=source, idempotency_key=f"cancelled:{row.cancel_txid}"
        )
    return row


def transaction_cancel(
    *,
    merchant: Merchant,
    txid: str,
    cancel_type: str,
    amount: int,
    reason: str,
    idempotency_key: str,
    source: str = "merchant",
    actor: Actor | None = None,
    pay_method: str = "",
) -> Cancellation:
    """Cancel (void or refund) `amount` whole rupiah of the merchant's transaction `txid`.

    Args: `cancel_type` "1" full or "2" partial; `pay_method`, when the door's request names one,
    must be the transaction's (_check_pay_method); `idempotency_key` makes the same request again
    answer the same (the stored row, or the same error); `source` names the door for the timeline;
    with an `actor` the outcome is audited. A payment that never reached a partner is voided here;
    a paid one is cancelled at the partner, outside any DB transaction, after its rules allow it.
    Returns the Cancellation (succeeded). Raises CancelTargetNotFound, CancelPayMethodMismatch,
    InvalidCancelType,
    InvalidCancelAmount, CancelAmountTooLarge, FullCancelAfterPartial, FullCancelNotWhole,
    CancelInProgress (another cancel, or this one, is unsettled), CancelRefused (and
    PartialCancelBeforePayment, CancelRefusedByRules), CancelNumberCollision, CancelDeclined,
    CancelFailedEarlier, and CancelPartnerUnavailable when the partner's answer was lost: the row
    is then unknown, never failed, until the settle sweep asks the partner (cancel_checks.py)."""
    detail = {"type": cancel_type, "amount": amount}
    try:
        who = actor.user if actor is not None else None  # kept on the cancel: "by whom" in its list
        row = _cancel(merchant, txid, cancel_type, amount, reason, idempotency_key, source, who, pay_method)
    except err.ApplicationError as exc:
        if actor is not None:
            refused = {**detail, "reason": exc.message[:200]}
            _audit(actor, merchant, txid, AuditLog.Action.TRANSACTION_CANCEL_REFUSED, refused)
        raise
    if actor is not None:
        done = {**detail, "cancel_txid": row.cancel_txid}
        _audit(actor, merchant, txid, AuditLog.Action.TRANSACTION_CANCELLED, done)
    return row


def _audit(actor: Actor, merchant: Merchant, txid: str, action: str, detail: dict) -> None:
    audit_record(actor=actor, action=action, merchant=merchant, target=f"transaction:{txid}", detail=detail)


def _check_pay_method(txn: Transaction, pay_method: str, *, partial: bool) -> None:
    """The pay method a cancel names must be the transaction's: the one it was registered with or,
    for a hosted checkout, also the one the shopper chose (a plugin knows only what it registered,
    00 included; NICEPAY's own clients send that). Raises CancelPayMethodMismatch."""
    allowed = {txn.pay_method}
    if txn.checkout_id is not None:
        allowed.add(Checkout.objects.values_list("pay_method", flat=True).get(pk=txn.checkout_id))
    if pay_method not in allowed:
        raise err.CancelPayMethodMismatch(
            pay_method=pay_method, allowed=" or ".join(sorted(allowed)), partial=partial
        )


def _cancel(
    merchant: Merchant,
    txid: str,
    cancel_type: str,
    amount: int,
    reason: str,
    key: str,
    source: str,
    requested_by: AbstractBaseUser | None = None,  # a member; None for the merchant's server
    pay_method: str = "",
) -> Cancellation:
    txn = Transaction.objects.filter(merchant=merchant, txid=txid).first()
    if txn is None:
        raise err.CancelTargetNotFound(partial=cancel_type != FULL)
    if pay_method:
        _check_pay_method(txn, pay_method, partial=cancel_type != FULL)
    row, created, paid = _open(txn.pk, cancel_type, amount, reason, key, source, requested_by)
    if not created:
        if row.state == Cancellation.State.FAILED:
            raise err.CancelFailedEarlier(
                row.result_message, cause=row.result_code, partial=row.cancel_type == PARTIAL
            )
        if row.state == Cancellation.State.PENDING:  # the first copy is still with the partner
            raise err.CancelInProgress("This cancel is still in progress; ask again shortly")
        if row.state == Cancellation.State.UNKNOWN:  # never sent again: the partner is asked instead
            raise err.CancelInProgress(
                "This cancel's outcome is being checked with the partner; ask again shortly"
            )
        return row
    if not paid:
        return cancellation_close(row.pk, None, None, source)  # never reached the partner: void here
    adapter = registry.get_adapter(txn.mitra_cd)
    txn.refresh_from_db()
    req = _request(txn, amount, row.cancel_txid, reason)
    try:
        result = adapter.cancel(req)
    except CancelNotAllowed as exc:
        error: err.ApplicationError = err.CancelRefused(f"Cancel refused by the partner: {exc.message}")
    except PartnerDeclined as exc:
        error = err.CancelDeclined(detail=exc.message, partial=cancel_type == PARTIAL)
    except PartnerError as exc:
        # A timeout, a 5xx, an answer we cannot read: the partner may have made the refund. Never
        # recorded as failed: the settle sweep asks the partner (cancel_checks.py).
        cancellation_mark_unknown(row.pk, exc)
        raise err.CancelPartnerUnavailable()
    else:
        return cancellation_close(row.pk, result, None, source)
    cancellation_close(row.pk, None, error, source)
    raise error


def cancellation_mark_unknown(row_id: int, exc: PartnerError) -> None:
    """The partner call's outcome is unknown: the row waits for the settle sweep's first check."""
    log.warning("cancel %s: outcome unknown (%s); the partner will be asked", row_id, exc.message)
    Cancellation.objects.filter(pk=row_id, state=Cancellation.State.PENDING).update(
        state=Cancellation.State.UNKNOWN,
        result_message=f"outcome unknown: {exc.message}"[:255],
        next_check_at=timezone.now() + timedelta(seconds=check_schedule()[0]),
    )


def check_after_seconds() -> float:
    """When the settle sweep first looks at a cancel still pending: after its partner call must
    have ended (twice the partner timeout, plus margin), i.e. its process died meanwhile."""
    return 2 * settings.PARTNER_HTTP_TIMEOUT + 5


def check_schedule() -> list[int]:
    """Seconds between the settle sweep's questions to the partner (CANCEL_CHECK_SCHEDULE)."""
    return list(settings.CANCEL_CHECK_SCHEDULE)


def cancel_request(txn: Transaction, row: Cancellation) -> CancelRequest:
    """The partner request of cancellation `row`, as it was sent (nothing else was cancelled while
    it was unsettled: _open refuses a second cancel meanwhile)."""
    return _request(txn, row.amount, row.cancel_txid, row.reason)
