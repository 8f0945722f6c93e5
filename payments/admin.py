"""Ops back office. Money and status are read-only; changes go through services."""

from __future__ import annotations

from django.contrib import admin, messages

from payments import secrets as key_store
from payments.models import (
    AccountLink,
    Cancellation,
    Merchant,
    MerchantMember,
    Notification,
    NotificationAttempt,
    PartnerCallback,
    Transaction,
    TransactionEvent,
)
from payments.services import notifications, polling
from providers.base.errors import PartnerError


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("imid", "name", "is_active", "default_notification_url", "created_at")
    search_fields = ("imid", "name")
    fields = ("imid", "name", "default_notification_url", "is_active", "merchant_key_masked")
    readonly_fields = ("merchant_key_masked",)

    @admin.display(description="merchantKey")
    def merchant_key_masked(self, obj: Merchant) -> str:
        return key_store.mask(obj.merchant_key) if obj.pk else "generated on save, shown once"

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        if not change:
            key = key_store.generate_merchant_key()
            obj.set_merchant_key(key)
            messages.warning(request, f"New merchantKey for {obj.imid} (shown once, copy it now): {key}")
        super().save_model(request, obj, form, change)


@admin.register(MerchantMember)
class MerchantMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "merchant", "role")
    list_filter = ("role",)


class EventInline(admin.TabularInline):
    model = TransactionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "kind", "from_status", "to_status", "source", "idempotency_key", "payload")

    def has_add_permission(self, request, obj=None):  # noqa: ANN001
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ("txid", "merchant", "reference_no", "mitra_cd", "amount", "status", "needs_review", "created_at")
    list_filter = ("status", "mitra_cd", "pay_method", "needs_review")
    search_fields = ("txid", "reference_no", "billing_name", "billing_phone", "billing_email")
    list_select_related = ("merchant",)
    inlines = [EventInline]
    actions = ["sync_with_partner"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001
        return [f.name for f in Transaction._meta.fields]

    def has_add_permission(self, request):  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001
        return False

    @admin.action(description="Sync with partner now")
    def sync_with_partner(self, request, queryset):  # noqa: ANN001
        for txn in queryset:
            try:
                polling.transaction_sync(transaction_id=txn.pk, source="sync")
            except PartnerError as exc:
                messages.error(request, f"{txn.txid}: partner unavailable ({exc.message})")
        messages.info(request, "Synced with the partner.")


class AttemptInline(admin.TabularInline):
    model = NotificationAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("started_at", "duration_ms", "http_status", "response_excerpt", "error")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "merchant", "transaction", "kind", "sequence", "state", "attempts", "next_attempt_at",
                    "created_at")
    list_filter = ("state", "kind")
    inlines = [AttemptInline]
    actions = ["resend"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001
        return False

    @admin.action(description="Resend now")
    def resend(self, request, queryset):  # noqa: ANN001
        for note in queryset:
            notifications.notification_resend(notification_id=note.pk)
        messages.info(request, f"{queryset.count()} notification(s) queued.")


@admin.register(PartnerCallback)
class PartnerCallbackAdmin(admin.ModelAdmin):
    list_display = ("id", "mitra_cd", "transaction", "outcome", "detail", "received_at")
    list_filter = ("mitra_cd", "outcome")

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001
        return [f.name for f in PartnerCallback._meta.fields]

    def has_add_permission(self, request):  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001
        return False


@admin.register(Cancellation)
class CancellationAdmin(PartnerCallbackAdmin):
    list_display = ("cancel_txid", "transaction", "cancel_type", "amount", "state", "result_code", "created_at")
    list_filter = ("state",)

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001
        return [f.name for f in Cancellation._meta.fields]


@admin.register(AccountLink)
class AccountLinkAdmin(admin.ModelAdmin):
    list_display = ("mandate_id", "merchant", "billing_phone", "state", "linked_at", "revoked_at")
    list_filter = ("state",)
    exclude = ("token_encrypted",)

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001
        return [f.name for f in AccountLink._meta.fields if f.name != "token_encrypted"]
