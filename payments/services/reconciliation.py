"""Daily reconciliation: one day's transactions against what each partner says about them.

Every transaction of the day that reached a partner is asked about (`fetch_status`); where the
partner's answer means another NICEPAY status than ours, or another amount, that is drift. The
answer then goes through the same path as a poll (source "reconcile"): an open payment is
corrected (a "status corrected" event, the merchant notified), a settled one that disagrees is
flagged for review. The drift report is the Job's result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from payments.models import AuditLog, Job, Transaction
from payments.selectors.transactions import transactions_for_day
from payments.services.audit import Actor, audit_record
from payments.services.jobs import failure_reason, job_create, job_handler, job_heartbeat, job_progress
from payments.services.settle import SETTLED, apply_partner_result, target_status
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerError
from providers.base.types import PartnerStatus, StatusResult

Progress = Callable[[int, int], None]
MAX_ROWS_IN_REPORT = 2000


def default_day() -> date:
    """Yesterday, in the gateway's time zone (Asia/Jakarta)."""
    return timezone.localdate() - timedelta(days=1)


def drift_of(txn: Transaction, result: StatusResult) -> str:
    """What disagrees between `txn` and the partner's `result`: "" when both agree, "amount",
    "status", or "partner_open" (we hold money the partner calls open)."""
    if result.amount is not None and result.amount != txn.amount:
        return "amount"
    to = target_status(txn.status, result.status)
    if to is None:
        return "partner_open" if txn.status in SETTLED and result.status == PartnerStatus.PENDING else ""
    return "" if to == txn.status else "status"


def reconcile_day(day: date, *, job: Job | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Ask each partner about every transaction of `day` (Jakarta) that reached it; apply what
    disagrees through the settle path (open ones corrected, settled ones flagged). `job` and
    `progress` follow the work. Returns the report: checked, agreed, drift (kind, both statuses,
    amounts in whole rupiah, action) and the unreachable ones. Raises nothing for a partner."""
    txns = list(transactions_for_day(day))
    total = len(txns)
    if job is not None:
        job_progress(job, 0, total)
    drift: list[dict[str, Any]] = []
    unreachable: list[dict[str, str]] = []
    agreed = 0
    for done, txn in enumerate(txns, start=1):
        try:
            result = registry.get_adapter(txn.mitra_cd).fetch_status(
                txid=txn.txid, partner_ref=txn.partner_ref, amount=txn.amount
            )
        except PartnerError as exc:
            unreachable.append({"txid": txn.txid, "mitra_cd": txn.mitra_cd, "error": exc.message[:200]})
        else:
            kind = drift_of(txn, result)
            if not kind:
                agreed += 1
            else:
                before = txn.status
                after = apply_partner_result(
                    txn=txn,
                    result=result,
                    source="reconcile",
                    idempotency_key=f"reconcile:{day.isoformat()}:{result.raw_status}:{result.status}",
                )
                drift.append(
                    {
                        "txid": txn.txid,
                        "mitra_cd": txn.mitra_cd,
                        "kind": kind,
                        "ours": Status(before).word,
                        "partner": str(result.status),
                        "raw_status": result.raw_status,
                        "amount": txn.amount,
                        "partner_amount": result.amount,
                        "action": "corrected" if after.status != before else "flagged",
                    }
                )
        if job is not None and (done % 20 == 0 or done == total):
            job_progress(job, done)
        if progress is not None and (done % 20 == 0 or done == total):
            progress(done, total)
    return {
        "date": day.isoformat(),
        "checked": total,
        "agreed": agreed,
        "drift_count": len(drift),
        "drift": drift[:MAX_ROWS_IN_REPORT],
        "unreachable_count": len(unreachable),
        "unreachable": unreachable[:MAX_ROWS_IN_REPORT],
    }


def _day_of(job: Job) -> date:
    return date.fromisoformat(job.params["date"]) if job.params.get("date") else default_day()


@job_handler("reconcile")
def handle_reconcile(job: Job) -> dict[str, Any]:
    """The "reconcile" Job kind: the day in its params (default yesterday)."""
    return reconcile_day(_day_of(job), job=job)


def reconciliation_start(*, day: date | None = None, actor: Actor | None = None) -> Job:
    """Queue a reconciliation Job for `day` (default yesterday, Jakarta); the daily beat task calls
    this without an actor, ops with one (audited). Returns the Job."""
    day = day or default_day()
    job = job_create(kind="reconcile", user=actor.user if actor else None, params={"date": day.isoformat()})
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditLog.Action.RECONCILIATION_STARTED,
            target=f"job:{job.pk}",
            detail={"day": day.isoformat()},
        )
    return job


def reconciliation_run_inline(*, day: date | None = None, progress: Progress | None = None) -> Job:
    """Run it in this process (management command), recorded as a Job like the daily one."""
    day = day or default_day()
    job = Job.objects.create(kind="reconcile", state=Job.State.RUNNING, params={"date": day.isoformat()})
    try:
        with job_heartbeat(job):  # a killed command leaves a job the recovery sweep restarts
            result = reconcile_day(day, job=job, progress=progress)
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, error=failure_reason(exc), finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, result=result, finished_at=timezone.now())
    job.refresh_from_db()
    return job
