"""Ops admin pages for reconciliation Jobs: the list of daily runs with their drift, one run's
report, and "run now" for a date. Mounted under /admin/payments/reconciliation/ (staff with the
Job and Transaction permissions of payments/admin.py).

Plain admin views rather than a proxy ModelAdmin, so no migration is needed for them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from payments.admin import RECONCILIATION_RUN_PERMS, RECONCILIATION_VIEW_PERMS, require_perms, staff
from payments.dashboard.dates import day_from_text
from payments.models import Job

RUNNING = (Job.State.QUEUED, Job.State.RUNNING)  # the pages refresh themselves while a run is one of these

_REFRESH = """{% block extrahead %}{{ block.super }}{% if running %}
<meta http-equiv="refresh" content="5">{% endif %}{% endblock %}"""
_LIST = (
    """{% extends "admin/base_site.html" %}"""
    + _REFRESH
    + """
{% block content %}{% if running %}
<p id="recon-running">A run is in progress: this page refreshes itself.</p>{% endif %}<div id="content-main">
{% if can_run %}<form method="post" action="{{ run_url }}" style="margin-bottom:1.5em">{% csrf_token %}
  <label for="recon-date">Reconcile date</label>
  <input id="recon-date" type="date" name="date" value="{{ yesterday }}" required>
  <input type="submit" value="Run now">
</form>{% endif %}
<table><thead><tr><th>Job</th><th>Date</th><th>State</th><th>Progress</th><th>Checked</th><th>Drift</th>
<th>Unreachable</th><th>Finished</th></tr></thead><tbody>
{% for job in jobs %}<tr>
  <td><a href="{% url 'admin:payments_reconciliation_detail' job.pk %}">#{{ job.pk }}</a></td>
  <td>{{ job.params.date }}</td><td>{{ job.state }}</td><td>{{ job.progress }}/{{ job.total }}</td>
  <td>{{ job.result.checked|default:"-" }}</td>
  <td>{% if job.result.drift_count %}<strong>{{ job.result.drift_count }}</strong>
      {% else %}{{ job.result.drift_count|default:"-" }}{% endif %}</td>
  <td>{{ job.result.unreachable_count|default:"-" }}</td><td>{{ job.finished_at|default:"" }}</td>
</tr>{% empty %}<tr><td colspan="8">No reconciliation has run yet.</td></tr>{% endfor %}
</tbody></table></div>{% endblock %}"""
)

_DETAIL = (
    """{% extends "admin/base_site.html" %}"""
    + _REFRESH
    + """
{% block content %}<div id="content-main">
<p><a href="{% url 'admin:payments_reconciliation' %}">All reconciliation runs</a></p>
<p>Date {{ job.params.date }} &middot; {{ job.state }} &middot; {{ job.progress }}/{{ job.total }} checked
{% if job.error %}&middot; error {{ job.error }}{% endif %}</p>
<p>{{ job.result.agreed|default:0 }} agree, {{ job.result.drift_count|default:0 }} drift,
{{ job.result.unreachable_count|default:0 }} partner unreachable.</p>
<h2>Drift</h2>
<table><thead><tr><th>tXid</th><th>Partner</th><th>Kind</th><th>Ours</th><th>Partner says</th><th>Raw</th>
<th>Amount</th><th>Partner amount</th><th>Action</th></tr></thead><tbody>
{% for row in job.result.drift %}<tr><td>{{ row.txid }}</td><td>{{ row.mitra_cd }}</td><td>{{ row.kind }}</td>
<td>{{ row.ours }}</td><td>{{ row.partner }}</td><td>{{ row.raw_status }}</td><td>{{ row.amount }}</td>
<td>{{ row.partner_amount|default_if_none:"-" }}</td><td>{{ row.action }}</td></tr>
{% empty %}<tr><td colspan="9">No drift.</td></tr>{% endfor %}</tbody></table>
<h2>Partner unreachable</h2>
<table><tbody>{% for row in job.result.unreachable %}<tr><td>{{ row.txid }}</td><td>{{ row.mitra_cd }}</td>
<td>{{ row.error }}</td></tr>{% empty %}<tr><td>None.</td></tr>{% endfor %}</tbody></table>
</div>{% endblock %}"""
)


def _render(request: HttpRequest, source: str, context: dict) -> HttpResponse:
    template = engines["django"].from_string(source)
    return HttpResponse(template.render({**admin.site.each_context(request), **context}, request))


@require_perms(*RECONCILIATION_VIEW_PERMS)
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    from payments.services.reconciliation import default_day

    jobs = list(Job.objects.filter(kind="reconcile").order_by("-id")[:60])
    return _render(
        request,
        _LIST,
        {
            "title": "Reconciliation",
            "jobs": jobs,
            "yesterday": default_day().isoformat(),
            "run_url": reverse("admin:payments_reconciliation_run"),
            "running": any(job.state in RUNNING for job in jobs),
            "can_run": request.user.has_perms(RECONCILIATION_RUN_PERMS),
        },
    )


@require_perms(*RECONCILIATION_VIEW_PERMS)
def reconciliation_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id, kind="reconcile")
    return _render(
        request, _DETAIL, {"title": f"Reconciliation #{job.pk}", "job": job, "running": job.state in RUNNING}
    )


@require_http_methods(["POST"])
@require_perms(*RECONCILIATION_RUN_PERMS)
def reconciliation_run(request: HttpRequest) -> HttpResponse:
    from payments.services.reconciliation import reconciliation_start

    try:  # refused before any Job is stored: a date at the calendar's edge would only fail in the run
        day = day_from_text(request.POST.get("date", ""))
    except ValidationError as exc:
        messages.error(request, f"Reconcile date: {' '.join(exc.messages)}")
        return HttpResponseRedirect(reverse("admin:payments_reconciliation"))
    job = reconciliation_start(day=day, actor=staff(request))
    messages.success(request, f"Reconciliation of {day.isoformat()} queued (job {job.pk}).")
    return HttpResponseRedirect(reverse("admin:payments_reconciliation_detail", args=[job.pk]))


def _urls() -> list:
    view = admin.site.admin_view
    return [
        path("payments/reconciliation/", view(reconciliation_list), name="payments_reconciliation"),
        path("payments/reconciliation/run/", view(reconciliation_run), name="payments_reconciliation_run"),
        path(
            "payments/reconciliation/<int:job_id>/",
            view(reconciliation_detail),
            name="payments_reconciliation_detail",
        ),
    ]


def register(site: admin.AdminSite = admin.site) -> None:
    """Prepend our pages to the admin's URLs (before the app catch-all). Idempotent."""
    if getattr(site, "_reconciliation_registered", False):
        return
    original = site.get_urls

    def get_urls() -> list:
        return _urls() + original()

    site.get_urls = get_urls
    site._reconciliation_registered = True


register()
