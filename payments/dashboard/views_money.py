"""Balance and settlement report (with CSV and XLSX downloads). Reads only, any member role."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from payments.selectors import settlements as money
from payments.services.fees import fee_terms_by_partner
from providers import registry

from . import charts
from .access import actor, forbidden, member_required
from .periods import Period, PeriodForm
from .settlement_files import settlement_export

CACHE_SECONDS = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> tuple[PeriodForm, Period, money.Balance]:
    form = PeriodForm(request.GET, default="this_month")
    period = form.chosen()
    # A busy month is hundreds of thousands of payments: one merchant's figures are shared for a minute.
    key = f"dash-balance:{request.merchant.pk}:{period.date_from}:{period.date_to}:{timezone.localdate()}"
    report = cache.get(key)
    if report is None:
        report = money.balance(merchant=request.merchant, date_from=period.date_from, date_to=period.date_to)
        cache.set(key, report, timeout=CACHE_SECONDS)
    return form, period, report


def _rows_for_display(report: money.Balance) -> list[dict]:
    names = registry.display_names()
    return [
        {
            "day": r.day,
            "partner": names.get(r.mitra_cd, r.mitra_cd),
            "mitra_cd": r.mitra_cd,
            "payments": r.payments,
            "gross": charts.rupiah(r.gross),
            "fees": charts.rupiah(r.fees),
            "refund_count": r.refund_count,
            "refunds": charts.rupiah(r.refunds),
            "net": charts.rupiah(r.net),
            "settles_on": r.settles_on,
            "available": r.available,
        }
        for r in report.rows
    ]


def _totals(report: money.Balance) -> dict[str, str]:
    return {
        name: charts.rupiah(getattr(report, name))
        for name in ("gross", "fees", "refunds", "net", "available", "pending")
    }


@member_required()
def balance(request: HttpRequest) -> HttpResponse:
    form, period, report = _period(request)
    names = registry.display_names()
    codes = sorted(names, key=names.get)
    terms = fee_terms_by_partner(merchant_id=request.merchant.pk, mitra_codes=codes)
    return render(
        request,
        "dashboard/balance.html",
        {
            "nav": "balance",
            "form": form,
            "period": period,
            "report": report,
            "totals": _totals(report),
            "upcoming": [(day, charts.rupiah(net)) for day, net in report.upcoming()],
            "terms": [(names[c], c, terms[c], charts.rupiah(terms[c].fixed)) for c in codes],
            "query": urlencode(period.as_params()),
            "today": timezone.localdate(),
        },
    )


@member_required()
def settlements(request: HttpRequest) -> HttpResponse:
    form, period, report = _period(request)
    return render(
        request,
        "dashboard/settlements.html",
        {
            "nav": "settlements",
            "form": form,
            "period": period,
            "report": report,
            "rows": _rows_for_display(report),
            "totals": _totals(report),
            "query": urlencode(period.as_params()),
        },
    )


def _download(request: HttpRequest, kind: str) -> HttpResponse:
    form, period, report = _period(request)
    if form.is_bound and not form.is_valid():
        # Never a file for another period than the one asked for.
        return forbidden(request, "The period is not valid; correct it and download again.", status=400)
    merchant = request.merchant
    name = f"settlement-{merchant.imid}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.{kind}"
    body = settlement_export(
        merchant=merchant, report=report, kind=kind, names=registry.display_names(), actor=actor(request)
    )
    response = HttpResponse(body, content_type="text/csv" if kind == "csv" else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required()
def settlements_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")


@member_required()
def settlements_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")
