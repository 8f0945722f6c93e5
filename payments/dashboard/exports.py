"""The dashboard's transaction CSV: rows streamed for any filter, and the same as a background Job
writing a file under var/exports/ (for exports too large to wait for in one request). The columns
use the names merchants know from NICEPAY and the REST API; money is whole rupiah (mdrFee is our MDR,
netAmount what the payment settles: amount - mdrFee - cancelledAmount once paid)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from payments.models import AuditLog, Job, Merchant
from payments.selectors.transactions import TransactionFilters, transactions_search
from payments.services.audit import Actor, audit_record
from payments.services.fees import payment_net
from payments.services.jobs import job_create, job_handler, job_progress
from payments.status import Status

COLUMNS = (
    "tXid",
    "referenceNo",
    "createdAt",
    "paidAt",
    "mitraCd",
    "payMethod",
    "status",
    "statusWord",
    "amount",
    "cancelledAmount",
    "mdrFee",
    "netAmount",
    "currency",
    "goodsName",
    "billingName",
    "billingPhone",
    "billingEmail",
)
FIELDS = (
    "txid",
    "reference_no",
    "created_at",
    "paid_at",
    "mitra_cd",
    "pay_method",
    "status",
    "amount",
    "cancelled_amount",
    "fee",
    "currency",
    "goods_name",
    "billing_name",
    "billing_phone",
    "billing_email",
)
CHUNK = 2000


def exports_dir() -> Path:
    path = Path(settings.BASE_DIR) / "var" / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


REFUND_FILTERS = {"partial": "Partially refunded", "full": "Fully cancelled", "any": "Any refund"}


def filter_params(filters: TransactionFilters) -> dict[str, str]:
    """The dashboard's filters as its query parameters (for links, the CSV and export jobs)."""
    out = {
        "status": filters.status,
        "partner": filters.mitra_cd,
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
        "amount_min": "" if filters.amount_min is None else str(filters.amount_min),
        "amount_max": "" if filters.amount_max is None else str(filters.amount_max),
        "q": filters.q,
        "refunds": filters.refunded,
    }
    return {k: v for k, v in out.items() if v}


def filters_from_params(params: dict[str, Any]) -> TransactionFilters:
    """The inverse of filter_params; a value that does not parse is no filter."""

    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None

    def whole(value: Any) -> int | None:
        text = str(value or "").strip()
        return int(text) if text.isdigit() else None

    return TransactionFilters(
        status=str(params.get("status") or ""),
        mitra_cd=str(params.get("partner") or ""),
        date_from=day(params.get("date_from")),
        date_to=day(params.get("date_to")),
        amount_min=whole(params.get("amount_min")),
        amount_max=whole(params.get("amount_max")),
        q=str(params.get("q") or ""),
        refunded=str(params.get("refunds") or "") if params.get("refunds") in REFUND_FILTERS else "",
    )


def _safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; quote them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(values: tuple) -> list[str]:
    (
        txid,
        ref,
        created,
        paid,
        mitra,
        method,
        status,
        amount,
        cancelled,
        fee,
        currency,
        goods,
        name,
        phone,
        email,
    ) = values
    return [
        txid,
        _safe(ref),
        timezone.localtime(created).isoformat(timespec="seconds"),
        timezone.localtime(paid).isoformat(timespec="seconds") if paid else "",
        mitra,
        method,
        status,
        Status(status).word,
        str(amount),
        str(cancelled),
        str(fee),
        str(payment_net(amount=amount, fee=fee, refunded=cancelled, paid=paid is not None)),
        currency,
        _safe(goods),
        _safe(name),
        _safe(phone),
        _safe(email),
    ]


def transaction_csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """The header, then one CSV line per row tuple (in FIELDS order)."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(COLUMNS)
    yield take()
    for values in rows:
        writer.writerow(_row(values))
        yield take()


def transaction_csv_stream(*, merchant: Merchant, filters: TransactionFilters) -> Iterator[str]:
    """Server-side cursor (iterator with chunk_size): memory stays flat for any size."""
    qs = transactions_search(merchant=merchant, filters=filters).values_list(*FIELDS)
    return transaction_csv_lines(qs.iterator(chunk_size=CHUNK))


def export_stream(*, merchant: Merchant, filters: TransactionFilters, actor: Actor) -> Iterator[str]:
    """The CSV lines of the merchant's transactions matching `filters`, streamed; audited."""
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSACTIONS_EXPORTED,
        merchant=merchant,
        target="transactions",
        detail={"filters": filter_params(filters), "mode": "stream"},
    )
    return transaction_csv_stream(merchant=merchant, filters=filters)


def export_job_start(*, merchant: Merchant, filters: TransactionFilters, actor: Actor) -> Job:
    """Queue the export as a Job writing a file (for exports too large for one request); audited."""
    params = {"filters": filter_params(filters)}
    job = job_create(kind="export", merchant=merchant, user=actor.user, params=params)
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSACTIONS_EXPORT_QUEUED,
        merchant=merchant,
        target=f"job:{job.pk}",
        detail={"filters": job.params["filters"]},
    )
    return job


@job_handler("export")
def export_run(job: Job) -> dict[str, Any]:
    filters = filters_from_params(job.params.get("filters", {}))
    qs = transactions_search(merchant=job.merchant, filters=filters)
    # One count for the progress bar of this job only (never on a page).
    total = qs.count()
    job_progress(job, 0, total)
    name = f"export-{job.pk}-{secrets.token_hex(6)}.csv"
    path = exports_dir() / name
    done = -1  # the header is line 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        for line in transaction_csv_lines(qs.values_list(*FIELDS).iterator(chunk_size=CHUNK)):
            fh.write(line)
            done += 1
            if done and done % CHUNK == 0:
                job_progress(job, done)
    job_progress(job, done, total)
    Job.objects.filter(pk=job.pk).update(file_path=name)
    return {"rows": done, "file": name}
