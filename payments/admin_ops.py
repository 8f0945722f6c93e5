"""The back office's own face: the product's name on every admin page, "View site" to the product,
the ops overview page, and the MDR fee schedule. Every ops tool is linked from the admin index
(templates/admin/index.html)."""

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from payments.admin import OPS_OVERVIEW_PERMS, require_perms, staff
from payments.models import AuditLog, PartnerFee
from payments.selectors import ops
from payments.services.audit import audit_record

admin.site.site_header = "Payloan back office"
admin.site.site_title = "Payloan ops"
admin.site.index_title = "Operations"
admin.site.site_url = "/docs/"  # the product's public face; merchants' pages need a membership


@admin.register(PartnerFee)
class PartnerFeeAdmin(admin.ModelAdmin):
    """MDR per partner (a row without merchant is the partner's default) and settlement days.
    A change applies to payments paid from then on; each save is in the audit log."""

    list_display = ("mitra_cd", "merchant", "percent_bp", "fixed", "settlement_days", "updated_at")
    list_filter = ("mitra_cd",)
    search_fields = ("merchant__imid", "merchant__name", "mitra_cd")
    raw_id_fields = ("merchant",)
    list_select_related = ("merchant",)

    def has_delete_permission(self, request: HttpRequest, obj: PartnerFee | None = None) -> bool:
        return False  # set it to 0 instead: the change stays in the audit log

    def save_model(self, request: HttpRequest, obj: PartnerFee, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=staff(request),
            action=AuditLog.Action.FEE_UPDATED if change else AuditLog.Action.FEE_CREATED,
            merchant=obj.merchant,
            target=f"fee:{obj.mitra_cd}:{obj.merchant.imid if obj.merchant_id else 'default'}",
            detail={
                "percent_bp": obj.percent_bp,
                "fixed": obj.fixed,
                "settlement_days": obj.settlement_days,
                "fields": sorted(form.changed_data),
            },
        )


@require_perms(*OPS_OVERVIEW_PERMS)
def ops_overview(request: HttpRequest) -> HttpResponse:
    reviews_count, reviews = ops.reviews_open()
    context = {
        **admin.site.each_context(request),
        "title": "Ops overview",
        "partners": ops.partners_last_hour(),
        "failing": ops.notifications_failing_by_merchant(),
        "reviews_count": reviews_count,
        "reviews": reviews,
        "stuck": ops.cancels_stuck(),
        "stuck_minutes": ops.STUCK_CANCEL_MINUTES,
        "queues": ops.queue_depths(),
        "recon": ops.reconciliation_last(),
    }
    return TemplateResponse(request, "admin/ops_overview.html", context)


def register(site: admin.AdminSite = admin.site) -> None:
    """Prepend the ops pages to the admin's URLs (before the app catch-all). Idempotent."""
    if getattr(site, "_ops_registered", False):
        return
    original = site.get_urls

    def get_urls() -> list:
        return [path("ops/", site.admin_view(ops_overview), name="ops_overview")] + original()

    site.get_urls = get_urls
    site._ops_registered = True


register()
