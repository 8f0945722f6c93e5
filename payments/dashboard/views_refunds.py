"""The Refunds list: every full and partial cancel of the merchant's payments, filtered, exported."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from payments.models import Cancellation
from payments.selectors.cancellations import CancellationFilters, cancellation_page
from providers import registry

from . import charts, words
from .access import actor, forbidden, member_required
from .dates import DayField
from .forms import partner_filter
from .refund_files import refunds_export


class RefundFilterForm(forms.Form):
    q = forms.CharField(label="tXid or order", required=False, max_length=40)
    state = forms.ChoiceField(
        label="At the partner",
        required=False,
        choices=[("", "Any result"), *words.CANCEL_STATES.items()],
    )
    kind = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Full or partial"), ("full", "Full"), ("partial", "Partial")],
    )
    partner = partner_filter()
    date_from = DayField(label="From", required=False)
    date_to = DayField(label="To", required=False)

    def filters(self) -> CancellationFilters:
        if not (self.is_bound and self.is_valid()):
            return CancellationFilters()
        d = self.cleaned_data
        return CancellationFilters(
            state=d["state"],
            kind=d["kind"],
            mitra_cd=d["partner"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            q=d["q"].strip(),
        )


def _params(form: RefundFilterForm) -> dict[str, str]:
    if not (form.is_bound and form.is_valid()):
        return {}
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in form.cleaned_data.items() if v
    }


def _row(c: Cancellation) -> dict:
    return {
        "c": c,
        "txn": c.transaction,
        "partner": registry.display_names().get(c.transaction.mitra_cd, c.transaction.mitra_cd),
        "amount": charts.rupiah(c.amount),
        "remaining": charts.rupiah(c.transaction.remaining_amount),
        "who": words.requested_by(c),
    }


@member_required()
def refunds(request: HttpRequest) -> HttpResponse:
    form = RefundFilterForm(request.GET or None)
    page = cancellation_page(
        merchant=request.merchant, filters=form.filters(), cursor=request.GET.get("cursor", "")
    )
    params = _params(form)
    return render(
        request,
        "dashboard/refunds.html",
        {
            "nav": "refunds",
            "form": form,
            "page": page,
            "rows": [_row(c) for c in page.rows],
            "filter_query": urlencode(params),
            "filtered": bool(params),
            "first_page": not request.GET.get("cursor"),
        },
    )


@member_required()
def refunds_csv(request: HttpRequest) -> HttpResponse:
    form = RefundFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return forbidden(request, "Some filters are not valid; correct them and export again.", status=400)
    body = refunds_export(
        merchant=request.merchant, filters=form.filters(), params=_params(form), actor=actor(request)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="refunds-{request.merchant.imid}-{stamp}.csv"'
    return response
