"""Overview, transactions (list, CSV, detail and actions), notifications and jobs.

Views are thin: reads through payments.selectors (scoped to request.merchant), writes through
services, which audit them as the member (access.actor)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from payments.exceptions import ApplicationError, NotificationNotFound, TransactionNotFound
from payments.models import Job, Transaction
from payments.selectors import jobs as job_reads
from payments.selectors import notifications as notification_reads
from payments.selectors import overview as overview_reads
from payments.selectors import transactions as transaction_reads
from payments.selectors.transactions import TransactionFilters
from payments.services import notifications as notification_service
from payments.services.cancellation import cancel_types_allowed
from payments.services.cancellation import transaction_cancel as transaction_cancel_service
from payments.services.polling import transaction_sync as sync_service
from payments.services.receipts import transaction_confirm_receipt as confirm_receipt
from payments.services.replay import replay_start
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerError

from . import charts
from .access import actor, can, forbidden, member_required
from .exports import export_job_start, export_stream, exports_dir, filter_params
from .forms import CancelForm, OverviewForm, ReplayForm, TransactionFilterForm

DEFAULT_OVERVIEW_DAYS = 30
BROKEN_FILTER = "Some filters are not valid; correct them and export again."


@member_required()
def overview(request: HttpRequest) -> HttpResponse:
    # Read from the rollups (a few thousand small rows for a year), so no cache: figures are current.
    form = OverviewForm(request.GET if "days" in request.GET else None)
    days = form.cleaned_data["days"] if form.is_valid() else DEFAULT_OVERVIEW_DAYS
    stats = overview_reads.transactions_overview(merchant=request.merchant, days=days)
    per = "day" if days <= charts.DAILY_BARS_UP_TO else "week"
    for figures in (stats["today"], stats["month"], *stats["by_partner"]):
        figures["volume_rp"] = charts.rupiah(figures["volume"])
    names = registry.display_names()
    for p in stats["by_partner"]:
        p["name"] = names.get(p["mitra_cd"], p["mitra_cd"])
    return render(
        request,
        "dashboard/overview.html",
        {
            "nav": "overview",
            "form": form,
            "per": per,
            "presets": OverviewForm.PRESETS,
            "titles": {
                "volume": f"Paid volume per {per}, last {days} days",
                "count": f"Number of payments per {per}, last {days} days",
            },
            "stats": stats,
            "daily": charts.daily_charts(stats["by_day"]),
            "partners_chart": charts.partner_chart(stats["by_partner"], names),
            "partner_names": names,
        },
    )


def _filters(data: QueryDict) -> tuple[TransactionFilterForm, TransactionFilters]:
    form = TransactionFilterForm(data or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, TransactionFilters(
            status=d["status"],
            mitra_cd=d["partner"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            amount_min=d["amount_min"],
            amount_max=d["amount_max"],
            q=d["q"].strip(),
        )
    return form, TransactionFilters()


def _decorate(rows: list[Transaction]) -> None:
    """Display values the templates need (no custom template tags)."""
    names = registry.display_names()
    for t in rows:
        t.partner_name = names.get(t.mitra_cd, t.mitra_cd)
        t.amount_rp = charts.rupiah(t.amount)
        t.cancelled_rp = charts.rupiah(t.cancelled_amount)
        t.remaining_rp = charts.rupiah(t.remaining_amount)


@member_required()
def transactions(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.GET)
    page = transaction_reads.transaction_page(
        merchant=request.merchant, filters=filters, cursor=request.GET.get("cursor", "")
    )
    _decorate(page.rows)
    params = filter_params(filters)
    query = urlencode(params)
    return render(
        request,
        "dashboard/transactions.html",
        {
            "nav": "transactions",
            "form": form,
            "page": page,
            "filter_query": query,
            "filtered": bool(params),
            "first_page": not request.GET.get("cursor"),
            "partner_names": registry.display_names(),
            "export_params": params,
        },
    )


@member_required()
def transactions_csv(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.GET)
    if form.is_bound and not form.is_valid():
        # Never export more than was asked for: a broken filter is refused, not dropped.
        return forbidden(request, BROKEN_FILTER, status=400)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        export_stream(merchant=request.merchant, filters=filters, actor=actor(request)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="transactions-{request.merchant.imid}-{stamp}.csv"'
    )
    return response


@require_POST
@member_required()
def transactions_export_job(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.POST)
    if form.is_bound and not form.is_valid():
        # Like the streamed CSV: the job would otherwise drop the broken filter and export more.
        return forbidden(request, BROKEN_FILTER, status=400)
    job = export_job_start(merchant=request.merchant, filters=filters, actor=actor(request))
    return HttpResponseRedirect(f"/dashboard/jobs/{job.pk}/")


def _detail_or_404(request: HttpRequest, txid: str) -> Transaction:
    try:
        return transaction_reads.transaction_detail(merchant=request.merchant, txid=txid)
    except TransactionNotFound:
        raise Http404("transaction")


@member_required()
def transaction_detail(request: HttpRequest, txid: str) -> HttpResponse:
    txn = _detail_or_404(request, txid)
    _decorate([txn])
    member = request.member
    status = txn.status_enum
    cancellable = bool(cancel_types_allowed(txn))
    form = CancelForm(
        initial={"cancel_type": "2", "amount": txn.remaining_amount, "idempotency_key": uuid.uuid4().hex}
    )
    return render(
        request,
        "dashboard/transaction_detail.html",
        {
            "nav": "transactions",
            "txn": txn,
            "attempts": transaction_reads.transaction_attempts(txn=txn),
            "partner_names": registry.display_names(),
            "cancel_form": form,
            "can_cancel": can(member, "cancel") and cancellable,
            "can_sync": can(member, "sync") and (status.is_open or status == Status.PAID),
            "can_resend": can(member, "resend"),
            "can_receipt": can(member, "confirm_receipt")
            and getattr(registry.find(txn.mitra_cd), "receipt_confirmation", False)
            and status == Status.PAID
            and not txn.receipt_confirmed_at,
        },
    )


def _back(txid: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/dashboard/transactions/{txid}/")


@require_POST
@member_required("cancel")
def transaction_cancel(request: HttpRequest, txid: str) -> HttpResponse:
    txn = _detail_or_404(request, txid)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Check the cancel amount: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return _back(txid)
    d = form.cleaned_data
    amount = txn.amount if d["cancel_type"] == "1" else d["amount"]
    try:
        transaction_cancel_service(
            merchant=request.merchant,
            txid=txn.txid,
            cancel_type=d["cancel_type"],
            amount=amount,
            reason=d["reason"] or "Cancelled from the dashboard",
            idempotency_key=f"dash:{d['idempotency_key']}",
            source="dashboard",
            actor=actor(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(txid)
    kind = "Full" if d["cancel_type"] == "1" else "Partial"
    messages.success(request, f"{kind} cancel of {charts.rupiah(amount)} succeeded.")
    return _back(txid)


@require_POST
@member_required("sync")
def transaction_sync(request: HttpRequest, txid: str) -> HttpResponse:
    txn = _detail_or_404(request, txid)
    before = txn.status_enum
    try:
        after = sync_service(transaction_id=txn.pk, source="sync", actor=actor(request)).status_enum
    except PartnerError as exc:
        messages.error(request, f"The partner could not be reached: {exc.message}")
        return _back(txid)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(txid)
    messages.success(
        request,
        f"Synced with the partner: status is {after.word}"
        + ("." if after == before else f" (was {before.word})."),
    )
    return _back(txid)


@require_POST
@member_required("confirm_receipt")
def transaction_confirm_receipt(request: HttpRequest, txid: str) -> HttpResponse:
    txn = _detail_or_404(request, txid)
    try:
        confirm_receipt(txid=txn.txid, merchant=request.merchant, actor=actor(request))
    except (ApplicationError, PartnerError) as exc:
        messages.error(request, exc.message)
        return _back(txid)
    messages.success(request, f"Receipt confirmed with {registry.partner(txn.mitra_cd).name}.")
    return _back(txid)


@require_POST
@member_required("resend")
def notification_resend(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        note = notification_reads.notification_get(merchant=request.merchant, notification_id=notification_id)
    except NotificationNotFound:
        raise Http404("notification")
    notification_service.notification_resend(notification_id=note.pk, actor=actor(request))
    messages.success(request, f"Notification #{note.sequence or note.pk} queued for delivery to {note.url}.")
    nxt = request.POST.get("next", "")
    if note.transaction and nxt != "notifications":
        return _back(note.transaction.txid)
    return HttpResponseRedirect("/dashboard/notifications/")


@member_required()
def notifications(request: HttpRequest) -> HttpResponse:
    page = notification_reads.notification_problem_page(
        merchant=request.merchant, cursor=request.GET.get("cursor", "")
    )
    now = timezone.localtime()
    form = ReplayForm(
        initial={
            "since": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "until": now.strftime("%Y-%m-%dT%H:%M"),
        }
    )
    return render(
        request,
        "dashboard/notifications.html",
        {
            "nav": "notifications",
            "page": page,
            "replay_form": form,
            "can_resend": can(request.member, "resend"),
            "can_replay": can(request.member, "replay"),
            "jobs": job_reads.jobs_recent(merchant=request.merchant, kind="replay"),
            "first_page": not request.GET.get("cursor"),
        },
    )


@require_POST
@member_required("replay")
def notifications_replay(request: HttpRequest) -> HttpResponse:
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect("/dashboard/notifications/")
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    # Always scoped: replay_start with merchant=None would replay every merchant's notifications.
    job = replay_start(since=since, until=until, merchant=request.merchant, actor=actor(request))
    return HttpResponseRedirect(f"/dashboard/jobs/{job.pk}/")


def _job_or_404(request: HttpRequest, job_id: int) -> Job:
    job = job_reads.job_get(merchant=request.merchant, job_id=job_id)
    if job is None:
        raise Http404("job")
    return job


def _job_json(job: Job) -> dict:
    percent = 100 if job.state == Job.State.DONE else (100 * job.progress // job.total if job.total else 0)
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "total": job.total,
        "percent": min(100, percent),
        "error": job.error,
        "restarts": job.restarts,
        "result": job.result,
        "download": f"/dashboard/jobs/{job.pk}/download"
        if job.kind == "export" and job.file_path and job.state == Job.State.DONE
        else "",
    }


@member_required()
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    return render(
        request,
        "dashboard/job.html",
        {
            "nav": "transactions" if job.kind == "export" else "notifications",
            "job": job,
            "info": _job_json(job),
        },
    )


@member_required()
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(_job_json(_job_or_404(request, job_id)))


@member_required()
def job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    if job.kind != "export" or job.state != Job.State.DONE or not job.file_path:
        raise Http404("file")
    path = exports_dir() / Path(job.file_path).name  # never a path from outside the exports folder
    if not path.is_file():
        return forbidden(
            request, "This export file is no longer available. Run the export again.", status=410
        )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"transactions-{request.merchant.imid}-job{job.pk}.csv",
        content_type="text/csv",
    )
