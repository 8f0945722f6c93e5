"""The webhook log: every delivery attempt with what was sent and answered, filters, the replay of
a time window, and "Send test notification" with its answer shown at once."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from payments.exceptions import ApplicationError, NotificationTestsLimited, NotificationTestsPaused
from payments.models import NotificationAttempt
from payments.selectors import jobs as job_reads
from payments.selectors import notifications as hooks
from payments.services import merchants as merchant_service
from payments.services.notifications import DESTINATION_REFUSED, INTERRUPTED

from .access import actor, can, member_required
from .dates import DayField
from .forms import ReplayForm


class AttemptFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Result",
        required=False,
        choices=[("", "Any result"), (hooks.SUCCEEDED, "Succeeded (2xx)"), (hooks.FAILED, "Failed")],
    )
    txid = forms.CharField(label="tXid", required=False, max_length=30)
    date_from = DayField(label="From", required=False)
    date_to = DayField(label="To", required=False)

    def filters(self) -> hooks.AttemptFilters:
        if not (self.is_bound and self.is_valid()):
            return hooks.AttemptFilters()
        d = self.cleaned_data
        return hooks.AttemptFilters(
            outcome=d["outcome"], txid=d["txid"].strip(), date_from=d["date_from"], date_to=d["date_to"]
        )


# What the webhook log says for an attempt without an HTTP answer, in plain words; the recorded
# name (requests' exception, or our own reason) stays beside it in the attempt's details.
ERROR_WORDS = {
    "ConnectionError": "could not connect",
    "ConnectTimeout": "could not connect in time",
    "ReadTimeout": "no answer in time",
    "SSLError": "secure connection failed (certificate or TLS)",
    "InvalidURL": "the URL is not valid",
    "InvalidHeader": "a header could not be sent",
    "ChunkedEncodingError": "the answer was cut off",
    "ProtocolError": "the connection broke during the answer",
    "ReadTimeoutError": "no answer in time",
    DESTINATION_REFUSED: "address not allowed (private or special network)",
    INTERRUPTED: "interrupted before the answer",
}


def error_words(error: str) -> str:
    """The plain words for a recorded attempt error (its own text when it has none)."""
    return ERROR_WORDS.get(error, error) or "no answer"


def describe(attempt: NotificationAttempt) -> dict:
    """What the template shows for one attempt."""
    ok = attempt.http_status is not None and 200 <= attempt.http_status < 300
    note = attempt.notification
    signature = attempt.request_headers.get("X-Payloan-Signature", "")
    in_flight = attempt.finished_at is None  # recorded before the POST left; no answer yet
    if in_flight:
        result = "sending"
    else:
        result = f"HTTP {attempt.http_status}" if attempt.http_status else error_words(attempt.error)
    return {
        "a": attempt,
        "note": note,
        "ok": ok,
        "in_flight": in_flight,
        "result": result,
        "signature": signature,
        "headers": sorted(attempt.request_headers.items()),
        "fields": sorted(attempt.request_fields.items()),
        "status_word": note.payload.get("status", ""),
    }


def _page(
    request: HttpRequest, *, test_attempt: NotificationAttempt | None = None, status: int = 200
) -> HttpResponse:
    form = AttemptFilterForm(request.GET or None)
    filters = form.filters()
    page = hooks.attempt_page(
        merchant=request.merchant, filters=filters, cursor=request.GET.get("cursor", "")
    )
    now = timezone.localtime()
    replay = ReplayForm(
        initial={
            "since": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "until": now.strftime("%Y-%m-%dT%H:%M"),
        }
    )
    params = filters.as_params()
    return render(
        request,
        "dashboard/notifications.html",
        {
            "nav": "notifications",
            "form": form,
            "page": page,
            "rows": [describe(a) for a in page.rows],
            "filter_query": urlencode(params),
            "filtered": bool(params),
            "first_page": not request.GET.get("cursor"),
            "replay_form": replay,
            "can_resend": can(request.member, "resend"),
            "can_replay": can(request.member, "replay"),
            "can_test": can(request.member, "test_notification"),
            "test": describe(test_attempt) if test_attempt else None,
            "jobs": job_reads.jobs_recent(merchant=request.merchant, kind="replay"),
            "failing": hooks.notification_problem_page(merchant=request.merchant, size=20).rows,
            "default_url": request.merchant.default_notification_url,
        },
        status=status,
    )


@member_required()
def webhook_log(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@member_required("test_notification")
def webhook_test(request: HttpRequest) -> HttpResponse:
    try:
        note = merchant_service.merchant_test_notification(merchant=request.merchant, actor=actor(request))
    except (NotificationTestsLimited, NotificationTestsPaused) as exc:
        messages.error(request, exc.message)  # shown on this page, beside the button's section
        return _page(request, status=exc.http_status)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/dashboard/notifications/")
    attempt = hooks.attempt_latest(merchant=request.merchant, notification_id=note.pk)
    return _page(request, test_attempt=attempt)
