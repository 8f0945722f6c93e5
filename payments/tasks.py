"""Celery tasks: take ids, call one service. Retry policy sits here.

Each task's name is spelled out: services send tasks by these names (payments.services.queue)
and the queue routing matches them, so moving a function never renames its task."""

from celery import shared_task
from django.utils import timezone

from payments.services import (
    callbacks,
    cancel_checks,
    expiry,
    jobs,
    late_payments,
    notifications,
    payment,
    polling,
    queue,
    reconciliation,
)


@shared_task(name=queue.NOTIFICATION_SEND, acks_late=True)
def notification_send(notification_id: int) -> None:
    notifications.notification_deliver(notification_id=notification_id)


@shared_task(name="payments.tasks.notifications_sweep")
def notifications_sweep() -> int:
    """Re-sends outbox rows that are due, including ones never handed to Celery."""
    return notifications.notifications_dispatch_due()


@shared_task(name=queue.TRANSACTION_POLL, acks_late=True)
def transaction_poll(transaction_id: int) -> None:
    polling.transaction_poll(transaction_id=transaction_id)


@shared_task(name="payments.tasks.transactions_poll_sweep")
def transactions_poll_sweep() -> int:
    claimed = polling.transactions_claim_polls()
    for pk in claimed:
        transaction_poll.delay(pk)
    return len(claimed)


@shared_task(name=queue.TRANSACTION_EXPIRE, acks_late=True)
def transaction_expire(transaction_id: int) -> None:
    expiry.transaction_expire(transaction_id=transaction_id)


@shared_task(name="payments.tasks.transactions_expire_sweep")
def transactions_expire_sweep() -> int:
    due = expiry.transactions_expire_due()
    for pk in due:
        transaction_expire.delay(pk)
    return len(due)


@shared_task(name=queue.TRANSACTION_COMPLETE_PUSH, acks_late=True)
def transaction_complete_push(transaction_id: int) -> None:
    payment.transaction_complete_push(transaction_id=transaction_id)


@shared_task(name="payments.tasks.pushes_resume")
def pushes_resume() -> int:
    """Beat: pushes whose worker died (or that never reached one) are queued again."""
    return payment.pushes_resume()


@shared_task(name="payments.tasks.cancellations_settle")
def cancellations_settle() -> int:
    """Beat: cancels whose partner answer was lost are settled from the partner's own answer."""
    return cancel_checks.cancellations_settle()


@shared_task(name=queue.TRANSACTION_RETURN_LATE_PAYMENT, acks_late=True)
def transaction_return_late_payment(transaction_id: int) -> None:
    late_payments.transaction_return_late_payment(transaction_id=transaction_id)


@shared_task(name="payments.tasks.late_payments_sweep")
def late_payments_sweep() -> int:
    """Beat: late payments whose return task was lost (or whose worker died) are queued again."""
    return len(late_payments.late_payments_return_due())


@shared_task(name=queue.JOB_RUN, acks_late=True)
def job_run(job_id: int) -> None:
    jobs.job_run(job_id=job_id)


@shared_task(name="payments.tasks.jobs_recover")
def jobs_recover() -> dict[str, int]:
    """Beat: jobs whose worker died are queued again (or failed); lost queued tasks are re-sent."""
    return jobs.jobs_recover()


@shared_task(name="payments.tasks.reconcile_daily")
def reconcile_daily() -> int:
    """Beat, once a day: yesterday's transactions against the partners' answers (a Job row)."""
    return reconciliation.reconciliation_start().pk


@shared_task(name="payments.tasks.partner_callbacks_purge")
def partner_callbacks_purge() -> tuple[int, int]:
    """Beat, hourly: unverified partner notifications past their retention, and spent nonces."""
    return callbacks.partner_callbacks_purge(now=timezone.now())
