"""Ops back office (staff only). Money and status are read-only; every change goes through a
service and is written to the audit log (actor_kind="staff"). Secrets are only ever shown masked.
Every admin action names the permission it needs (allowed_permissions): "view" never runs one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from payments import secrets as key_store
from payments.admin_login import ThrottledAdminAuthenticationForm
from payments.exceptions import ApplicationError
from payments.models import (
    AccountLink,
    AuditLog,
    Cancellation,
    Job,
    Merchant,
    MerchantMember,
    Notification,
    NotificationAttempt,
    PartnerCallback,
    Transaction,
    TransactionEvent,
    UnverifiedCallback,
)
from payments.services import notifications, polling
from payments.services.audit import Actor, audit_record
from payments.services.merchants import merchant_set_active
from payments.services.review import transaction_resolve_review
from providers.base.errors import PartnerError

# Staff sign in through the same attempt limit as the dashboard (payments/admin_login.py).
admin.site.login_form = ThrottledAdminAuthenticationForm


def staff(request: HttpRequest) -> Actor:
    """The signed-in staff user, as the services audit them."""
    return Actor(AuditLog.Actor.STAFF, request.user, request.META.get("REMOTE_ADDR", ""))


# The model permissions each custom ops page needs (admin_view checks only is_staff): reading needs
# "view" on every model the page shows, starting a reconciliation needs to add a Job and to change
# transactions (a run corrects open payments). The admin index shows a tool only with them.
OPS_OVERVIEW_PERMS = (
    "payments.view_transaction",
    "payments.view_notification",
    "payments.view_cancellation",
    "payments.view_job",
)
PARTNERS_PERMS = ("payments.view_partnerfee",)
RECONCILIATION_VIEW_PERMS = ("payments.view_job", "payments.view_transaction")
RECONCILIATION_RUN_PERMS = (*RECONCILIATION_VIEW_PERMS, "payments.add_job", "payments.change_transaction")


def require_perms(*perms: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For an admin page outside a ModelAdmin: 403 unless the signed-in staff user holds every
    permission in `perms` (a superuser holds all). Wrap it in admin_site.admin_view for is_staff."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorate


def _staff_audit(
    request: HttpRequest,
    action: AuditLog.Action,
    *,
    merchant: Merchant | None,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """For the admin's own model forms (create/edit a merchant or a membership): no service
    stands behind them, so the admin records them itself, in the same vocabulary."""
    audit_record(actor=staff(request), action=action, merchant=merchant, target=target, detail=detail)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff, never added, edited or deleted from here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# Pages rendered inside the admin's own layout (so they look like the rest of the back office).
_PAGE = """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main">BODY</div>{% endblock %}"""


def _admin_page(request: HttpRequest, title: str, body: str, **extra: Any) -> HttpResponse:
    """`body` is template source (autoescaped); `extra` is its context."""
    context = {**admin.site.each_context(request), "title": title, "csrf_token": get_token(request), **extra}
    return HttpResponse(Template(_PAGE.replace("BODY", body)).render(Context(context, autoescape=True)))


# --- merchants -----------------------------------------------------------------------------------
@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("imid", "name", "is_active", "default_notification_url", "created_at")
    list_filter = ("is_active",)
    search_fields = ("imid", "name")
    fields = ("imid", "name", "default_notification_url", "is_active", "merchant_key_masked")
    readonly_fields = ("merchant_key_masked",)
    actions = ["suspend", "reactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # merchants own money rows: suspend instead

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Sequence[str]:
        # The iMid is the merchant's V2 identity and scopes its jobs: fixed once created.
        return ("imid", *self.readonly_fields) if obj else self.readonly_fields

    @admin.display(description="merchantKey")
    def merchant_key_masked(self, obj: Merchant) -> str:
        return key_store.mask(obj.merchant_key) if obj.pk else "generated on save, shown once"

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        if not change:
            key = key_store.generate_merchant_key()
            obj.set_merchant_key(key)
            messages.warning(request, f"New merchantKey for {obj.imid} (shown once, copy it now): {key}")
        super().save_model(request, obj, form, change)
        _staff_audit(
            request,
            AuditLog.Action.MERCHANT_UPDATED if change else AuditLog.Action.MERCHANT_CREATED,
            merchant=obj,
            target=f"merchant:{obj.imid}",
            detail={"fields": sorted(form.changed_data)},
        )

    @admin.action(description="Suspend (API and V2 calls refused)", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        self._set_active(request, queryset, False)

    @admin.action(description="Reactivate", permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        self._set_active(request, queryset, True)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Merchant], active: bool) -> None:
        changed = sum(
            merchant_set_active(merchant=merchant, active=active, actor=staff(request))
            for merchant in queryset.filter(is_active=not active)
        )
        messages.info(request, f"{changed} merchant(s) {'reactivated' if active else 'suspended'}.")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(require_perms(*PARTNERS_PERMS)(self.partners_view))
        extra = [path("partners/", view, name="payments_partners")]
        return extra + super().get_urls()

    def partners_view(self, request: HttpRequest) -> HttpResponse:
        """Partner configuration as the gateway runs it: base URL and masked credentials."""
        from payments.dashboard.charts import rupiah
        from payments.dashboard.words import cancel_terms
        from payments.services.fees import fee_terms_by_partner
        from providers import registry

        codes = list(registry.known_mitra_codes())
        fees = fee_terms_by_partner(merchant_id=None, mitra_codes=codes)
        rows = []
        for mitra_cd in codes:
            try:
                cls = registry.adapter_class(mitra_cd)
                config = registry.build_config(cls)
            except Exception as exc:  # noqa: BLE001 - one broken package must not hide the others
                rows.append({"mitra_cd": mitra_cd, "error": type(exc).__name__})
                continue
            creds = [(name, key_store.mask(str(value))) for name, value in sorted(config.credentials.items())]
            rows.append(
                {
                    "mitra_cd": mitra_cd,
                    "slug": cls.slug,
                    "kind": registry.partner(mitra_cd).kind,
                    "name": registry.partner(mitra_cd).name,
                    "limits": f"{rupiah(registry.partner(mitra_cd).min_amount)} – "
                    f"{rupiah(registry.partner(mitra_cd).max_amount)}",
                    "cancel": cancel_terms(mitra_cd),
                    "fee": f"{fees[mitra_cd].percent_text} + {rupiah(fees[mitra_cd].fixed)}, "
                    f"T+{fees[mitra_cd].settlement_days}",
                    "env_prefix": cls.env_prefix,
                    "base_url": config.base_url,
                    "credentials": creds,
                }
            )
        return _admin_page(request, "Partner configuration", _PARTNERS, rows=rows)


_PARTNERS = """<p>As the gateway runs them now. Each value can be overridden by the environment
(<code>&lt;PREFIX&gt;_BASE_URL</code>, <code>&lt;PREFIX&gt;_&lt;NAME&gt;</code>). Secrets are masked.</p>
<p>Default MDR and settlement days are edited under
<a href="{% url 'admin:payments_partnerfee_changelist' %}">Fees (MDR)</a>.</p>
<table><thead><tr><th>mitraCd</th><th>package</th><th>kind</th><th>amounts</th><th>cancel rule</th>
<th>default MDR</th><th>env prefix</th><th>base URL</th>
<th>credentials</th></tr></thead><tbody>{% for r in rows %}<tr>
<td><strong>{{ r.mitra_cd }}</strong></td>
{% if r.error %}<td colspan="8">unavailable ({{ r.error }})</td>{% else %}
<td>{{ r.name }} ({{ r.slug }})</td><td>{{ r.kind }}</td><td>{{ r.limits }}</td><td>{{ r.cancel }}</td>
<td>{{ r.fee }}</td><td><code>{{ r.env_prefix }}</code></td>
<td><code>{{ r.base_url }}</code></td>
<td>{% for name, value in r.credentials %}<div><code>{{ name }}</code> {{ value }}</div>{% endfor %}</td>
{% endif %}</tr>{% endfor %}</tbody></table>"""


GRANT_OWNER_PERM = "payments.grant_owner"
OWNER = MerchantMember.Role.OWNER


def _may_grant_owner(request: HttpRequest) -> bool:
    return request.user.has_perm(GRANT_OWNER_PERM)  # a superuser holds every permission


class MerchantMemberForm(forms.ModelForm):
    """A membership as staff may write it: never for a staff account, and the owner role only
    with the grant_owner permission (set per request by MerchantMemberAdmin.get_form)."""

    may_grant_owner = False

    class Meta:
        model = MerchantMember
        fields = ("user", "merchant", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_role = self.instance.role if self.instance.pk else ""

    def clean_user(self) -> Any:
        user = self.cleaned_data["user"]
        if user.is_staff or user.is_superuser:
            raise forms.ValidationError(
                "A staff account cannot be a merchant's member (it would act for the merchant with "
                "back-office rights). Invite the person's own non-staff account instead."
            )
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        touches_owner = cleaned.get("role") == OWNER or self.stored_role == OWNER
        if touches_owner and not self.may_grant_owner:
            self.add_error(
                "role",
                "Only a superuser or staff with the “grant owner” permission can make someone an owner "
                "or change an owner's membership.",
            )
        return cleaned


@admin.register(MerchantMember)
class MerchantMemberAdmin(admin.ModelAdmin):
    """Who may act for which merchant: every change is a staff action in the audit log. An owner
    can refund and reveal the merchantKey, so owner memberships need GRANT_OWNER_PERM."""

    form = MerchantMemberForm
    list_display = ("user", "merchant", "role")
    list_filter = ("role",)
    list_select_related = ("user", "merchant")
    raw_id_fields = ("user", "merchant")  # no select listing every user and merchant

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.may_grant_owner = _may_grant_owner(request)  # a fresh class per request
        return form

    def has_change_permission(self, request: HttpRequest, obj: MerchantMember | None = None) -> bool:
        if obj is not None and obj.role == OWNER and not _may_grant_owner(request):
            return False  # shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: MerchantMember | None = None) -> bool:
        if obj is not None and obj.role == OWNER and not _may_grant_owner(request):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _staff_audit(
            request,
            AuditLog.Action.TEAM_MEMBER_UPDATED if change else AuditLog.Action.TEAM_MEMBER_ADDED,
            merchant=obj.merchant,
            target=f"member:{obj.pk}",
            detail={
                "user": obj.user.get_username(),
                "role": obj.role,
                "previous_role": form.stored_role,
                "fields": sorted(form.changed_data),
            },
        )

    def delete_model(self, request: HttpRequest, obj: MerchantMember) -> None:
        self._audit_removed(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MerchantMember]) -> None:
        # The bulk action asks has_delete_permission without a row: owners are checked here.
        if not _may_grant_owner(request) and queryset.filter(role=OWNER).exists():
            raise PermissionDenied
        for obj in queryset.select_related("user", "merchant"):
            self._audit_removed(request, obj)
        super().delete_queryset(request, queryset)

    def _audit_removed(self, request: HttpRequest, obj: MerchantMember) -> None:
        _staff_audit(
            request,
            AuditLog.Action.TEAM_MEMBER_REMOVED,
            merchant=obj.merchant,
            target=f"member:{obj.pk}",
            detail={"user": obj.user.get_username(), "role": obj.role},
        )


# --- transactions --------------------------------------------------------------------------------
class EventInline(admin.TabularInline):
    model = TransactionEvent
    extra = 0
    can_delete = False
    readonly_fields = (
        "created_at",
        "kind",
        "from_status",
        "to_status",
        "source",
        "idempotency_key",
        "payload",
    )

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ResolveReviewForm(forms.Form):
    note = forms.CharField(label="Resolution note", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = (
        "txid",
        "merchant",
        "reference_no",
        "mitra_cd",
        "amount",
        "status",
        "needs_review",
        "created_at",
    )
    list_filter = ("needs_review", "status", "mitra_cd", "pay_method")
    search_fields = ("txid", "reference_no", "billing_name", "billing_phone", "billing_email")
    list_select_related = ("merchant",)
    inlines = [EventInline]
    actions = ["sync_with_partner", "resend_last_notification", "resolve_review"]
    show_full_result_count = False  # no COUNT(*) over a big table on every page

    def has_resend_notification_permission(self, request: HttpRequest) -> bool:
        # Resending re-queues a Notification row: the right to change notifications, not transactions.
        return request.user.has_perm("payments.change_notification")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Sequence[str]:
        return [f.name for f in Transaction._meta.fields]

    def get_list_display(self, request: HttpRequest) -> Sequence[str]:
        # The review queue shows why each payment waits.
        if request.GET.get("needs_review__exact") == "1":
            return (*self.list_display[:-2], "review_reason", "updated_at")
        return self.list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        extra = [path("review/", self.admin_site.admin_view(self.review_queue), name="payments_review_queue")]
        return extra + super().get_urls()

    def review_queue(self, request: HttpRequest) -> HttpResponse:
        """The review queue: the changelist filtered on needs_review."""
        return HttpResponseRedirect(
            reverse("admin:payments_transaction_changelist") + "?needs_review__exact=1"
        )

    @admin.action(description="Sync with partner now", permissions=["change"])
    def sync_with_partner(self, request: HttpRequest, queryset: QuerySet[Transaction]) -> None:
        for txn in queryset.select_related("merchant"):
            before = txn.status
            try:
                after = polling.transaction_sync(transaction_id=txn.pk, source="sync", actor=staff(request))
            except PartnerError as exc:
                messages.error(request, f"{txn.txid}: partner unavailable or refused ({type(exc).__name__}).")
                continue
            messages.info(request, f"{txn.txid}: synced ({before} -> {after.status}).")

    @admin.action(description="Resend the last notification", permissions=["resend_notification"])
    def resend_last_notification(self, request: HttpRequest, queryset: QuerySet[Transaction]) -> None:
        for txn in queryset.select_related("merchant"):
            note = txn.notifications.order_by("-sequence", "-id").first()
            if note is None:
                messages.warning(request, f"{txn.txid}: no notification to resend.")
                continue
            notifications.notification_resend(notification_id=note.pk, actor=staff(request))
            messages.info(request, f"{txn.txid}: notification {note.pk} queued.")

    @admin.action(description="Resolve review (with a note)", permissions=["change"])
    def resolve_review(self, request: HttpRequest, queryset: QuerySet[Transaction]) -> HttpResponse | None:
        """An intermediate page asks for the note; the POST with it resolves each selected row."""
        queryset = queryset.filter(needs_review=True)
        form = ResolveReviewForm(request.POST if "note" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for txn in queryset:
                try:
                    transaction_resolve_review(
                        transaction_id=txn.pk,
                        note=form.cleaned_data["note"],
                        actor=staff(request),
                    )
                    done += 1
                except ApplicationError as exc:
                    messages.error(request, f"{txn.txid}: {exc.message}")
            messages.info(request, f"{done} transaction(s) resolved.")
            return None
        if not queryset.exists():
            messages.warning(request, "None of the selected transactions is waiting for review.")
            return None
        return _admin_page(
            request,
            "Resolve review",
            _RESOLVE,
            form=form,
            rows=queryset,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )


_RESOLVE = """<form method="post">{% csrf_token %}
<p>These transactions were flagged for review. Resolving clears the flag; it does not change the status
(sync with the partner for that).</p>
<ul>{% for t in rows %}<li><strong>{{ t.txid }}</strong> ({{ t.merchant.imid }}, {{ t.amount }} IDR,
status {{ t.status }}): {{ t.review_reason }}
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ t.pk }}"></li>{% endfor %}</ul>
{{ form.as_p }}
<input type="hidden" name="action" value="resolve_review">
<input type="submit" class="default" value="Resolve">
</form>"""


# --- notifications -------------------------------------------------------------------------------
class AttemptInline(admin.TabularInline):
    model = NotificationAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("started_at", "finished_at", "duration_ms", "http_status", "response_excerpt", "error")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "merchant",
        "transaction",
        "kind",
        "sequence",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("state", "kind")
    search_fields = ("transaction__txid", "merchant__imid")
    list_select_related = ("merchant", "transaction")
    inlines = [AttemptInline]
    actions = ["resend"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Sequence[str]:
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description="Resend now", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = 0
        for note in queryset.select_related("merchant"):
            notifications.notification_resend(notification_id=note.pk, actor=staff(request))
            count += 1
        messages.info(request, f"{count} notification(s) queued.")


# --- read-only records ---------------------------------------------------------------------------
@admin.register(PartnerCallback)
class PartnerCallbackAdmin(ReadOnlyAdmin):
    """Verified notifications only, stored with their secrets redacted (the adapter's
    secret_notification_headers/fields)."""

    list_display = ("id", "mitra_cd", "transaction", "outcome", "detail", "received_at")
    list_filter = ("mitra_cd", "outcome")
    search_fields = ("transaction__txid",)
    list_select_related = ("transaction",)


@admin.register(UnverifiedCallback)
class UnverifiedCallbackAdmin(ReadOnlyAdmin):
    """Notifications that did not verify: redacted, cut short, purged after the retention period."""

    list_display = ("id", "mitra_cd", "reason", "remote_addr", "body_bytes", "received_at")
    list_filter = ("mitra_cd",)
    search_fields = ("remote_addr",)
    date_hierarchy = "received_at"


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    list_display = (
        "cancel_txid",
        "transaction",
        "cancel_type",
        "amount",
        "state",
        "result_code",
        "checks",
        "next_check_at",
        "created_at",
    )
    list_filter = ("state",)
    list_select_related = ("transaction",)


@admin.register(AccountLink)
class AccountLinkAdmin(ReadOnlyAdmin):
    list_display = ("mandate_id", "merchant", "billing_phone", "state", "linked_at", "revoked_at")
    list_filter = ("state",)
    list_select_related = ("merchant",)
    exclude = ("token_encrypted",)  # the partner's access token never reaches a page


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_kind", "actor_user", "merchant", "action", "target", "remote_addr")
    list_filter = ("actor_kind", "action")
    search_fields = ("target", "merchant__imid", "actor_user__username")
    list_select_related = ("merchant", "actor_user")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "merchant",
        "state",
        "progress_display",
        "restarts",
        "heartbeat_at",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "state")
    list_select_related = ("merchant", "created_by")

    @admin.display(description="progress")
    def progress_display(self, obj: Job) -> str:
        if not obj.total:
            return f"{obj.progress}"
        pct = min(100, obj.progress * 100 // obj.total)
        return format_html(
            '<progress value="{}" max="100">{}%</progress> {} / {}', pct, pct, obj.progress, obj.total
        )
