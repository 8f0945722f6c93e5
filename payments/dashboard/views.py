"""Overview, transactions (list, CSV, detail and actions), notifications and jobs.

Views are thin: reads through payments.selectors (scoped to request.merchant), writes through
services, which audit them as the member (access.actor)."""

from __future__ import annotations

import uuid
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
from payments.selectors.settlements import transactions_totals
from payments.selectors.transactions import TransactionFilters
from payments.services import notifications as notification_service
from payments.services.cancel_options import cancel_options
from payments.services.cancellation import cancel_types_allowed
from payments.services.cancellation import transaction_cancel as transaction_cancel_service
from payments.services.fees import payment_net
from payments.services.polling import transaction_sync as sync_service
from payments.services.receipts import transaction_confirm_receipt as confirm_receipt
from payments.services.replay import replay_start
from payments.status import Status
from providers import registry
from providers.base.errors import PartnerError

from . import charts, words
from .access import actor, can, forbidden, member_required
from .errors import error_message
from .exports import export_job_start, export_stream, exports_dir, filter_params
from .forms import CancelForm, OverviewForm, ReplayForm, TransactionFilterForm
from .periods import Period, PeriodForm

BROKEN_FILTER = "Some filters are not valid; correct them and export again."


@member_required()
def overview(request: HttpRequest) -> HttpResponse:
    # Read from the rollups (a few thousand small rows for a year), so no cache: figures are current.
    form = PeriodForm(request.GET, default="30d")
    period = form.chosen()
    by_days = OverviewForm(request.GET if "days" in request.GET else None)
    if by_days.is_valid():  # ?days=N: the last N days, today included, shown as a custom range
        period = Period.last_days(by_days.cleaned_data["days"])
        form = PeriodForm(
            initial={"period": "custom", "date_from": period.date_from, "date_to": period.date_to}
        )
    stats = overview_reads.transactions_overview(
        merchant=request.merchant, date_from=period.date_from, date_to=period.date_to
    )
    per = "day" if period.days <= charts.DAILY_BARS_UP_TO else "week"
    for figures in (stats["today"], stats["month"], *stats["by_partner"]):
        figures["volume_rp"] = charts.rupiah(figures["volume"])
    # A hosted-checkout order has no partner until the shopper chooses one.
    names = {**registry.display_names(), "": "Method not chosen yet"}
    for p in stats["by_partner"]:
        p["name"] = names.get(p["mitra_cd"], p["mitra_cd"])
    return render(
        request,
        "dashboard/overview.html",
        {
            "nav": "overview",
            "form": form,
            "period": period,
            "per": per,
            "days_refused": by_days.is_bound and not by_days.is_valid(),
            "titles": {
                "volume": f"Paid volume per {per}, {period.name}",
                "count": f"Number of payments per {per}, {period.name}",
            },
            "stats": stats,
            "daily": charts.daily_charts(stats["by_day"]),
            "partners_chart": charts.partner_chart(stats["by_partner"], names),
            "partner_names": names,
            "query": urlencode(period.as_params()),
            "today": timezone.localdate(),
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
            refunded=d["refunds"],
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
        t.status_label = words.status_label(t.status)


@member_required()
def transactions(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.GET)
    page = transaction_reads.transaction_page(
        merchant=request.merchant, filters=filters, cursor=request.GET.get("cursor", "")
    )
    _decorate(page.rows)
    params = filter_params(filters)
    query = urlencode(params)
    totals = None
    if params and not request.GET.get("cursor") and not (form.is_bound and form.errors):
        # Once per result set, above its first page: one aggregate (see transactions_totals).
        found = transactions_totals(merchant=request.merchant, filters=filters)
        totals = {
            "count": found.count,
            "capped": found.capped,
            "amount": charts.rupiah(found.amount),
            "paid": charts.rupiah(found.paid_amount),
            "refunded": charts.rupiah(found.refunded),
        }
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
            "totals": totals,
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
    txn.fee_rp = charts.rupiah(txn.fee)
    txn.net_rp = charts.rupiah(
        payment_net(
            amount=txn.amount, fee=txn.fee, refunded=txn.cancelled_amount, paid=txn.paid_at is not None
        )
    )
    for note in txn.notifications.all():
        note.status_label = words.status_label(str(note.payload.get("status", "")))
    member = request.member
    status = txn.status_enum
    options = cancel_options(txn=txn)
    full, partial = options
    # Full first: the default is the full cancel whenever the partner allows it today.
    default = "1" if full.allowed else "2"
    form = CancelForm(
        initial={"cancel_type": default, "amount": txn.remaining_amount, "idempotency_key": uuid.uuid4().hex}
    )
    return render(
        request,
        "dashboard/transaction_detail.html",
        {
            "nav": "transactions",
            "txn": txn,
            "attempts": transaction_reads.transaction_attempts(txn=txn),
            "partner_names": registry.display_names(),
            "status_label": words.status_label(txn.status),
            "timeline": words.timeline(txn, txn.partner_name),
            "review": words.review_help(txn, txn.partner_name),
            "cancel_form": form,
            "cancel_options": [(o, charts.rupiah(o.amount)) for o in options],
            "cancel_default": default,
            "cancel_rule": words.cancel_rule(options, txn.partner_name),
            "cancel_terms": words.cancel_terms(txn.mitra_cd),
            "can_cancel": can(member, "cancel") and any(o.allowed for o in options),
            "cancel_blocked": can(member, "cancel")
            and not any(o.allowed for o in options)
            and bool(cancel_types_allowed(txn)),
            "can_sync": can(member, "sync") and (status.is_open or status == Status.PAID),
            "can_resend": can(member, "resend"),
            "can_receipt": can(member, "confirm_receipt")
            and getattr(registry.find(txn.mitra_cd), "receipt_confirmation", False)
            and status == Status.PAID
            and not txn.receipt_confirmed_at,
            "cancel_rows": [
                {
                    "c": c,
                    "amount": charts.rupiah(c.amount),
                    "who": words.requested_by(c),
                }
                for c in txn.cancellations.all()
            ],
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
        messages.error(request, error_message(exc))
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
        "stateText": words.plain("job", job.state).text,
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
