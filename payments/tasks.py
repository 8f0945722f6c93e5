"""Celery tasks: take ids, call one service. Retry policy sits here."""

from celery import shared_task

from payments.services import expiry, notifications, payment, polling


@shared_task(acks_late=True)
def notification_send(notification_id: int) -> None:
    notifications.notification_deliver(notification_id=notification_id)


@shared_task
def notifications_sweep() -> int:
    """Re-sends outbox rows that are due, including ones never handed to Celery."""
    return notifications.notifications_dispatch_due()


@shared_task(acks_late=True)
def transaction_poll(transaction_id: int) -> None:
    polling.transaction_poll(transaction_id=transaction_id)


@shared_task
def transactions_poll_sweep() -> int:
    claimed = polling.transactions_claim_polls()
    for pk in claimed:
        transaction_poll.delay(pk)
    return len(claimed)


@shared_task(acks_late=True)
def transaction_expire(transaction_id: int) -> None:
    expiry.transaction_expire(transaction_id=transaction_id)


@shared_task
def transactions_expire_sweep() -> int:
    due = expiry.transactions_expire_due()
    for pk in due:
        transaction_expire.delay(pk)
    return len(due)


@shared_task(acks_late=True)
def transaction_complete_push(transaction_id: int) -> None:
    payment.transaction_complete_push(transaction_id=transaction_id)


@shared_task(acks_late=True)
def job_run(job_id: int) -> None:
    from payments.services import jobs

    jobs.job_run(job_id=job_id)


@shared_task
def reconcile_daily() -> int:
    """Beat, once a day: yesterday's transactions against the partners' answers (a Job row)."""
    from payments.services import reconciliation

    return reconciliation.reconciliation_start().pk
