from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        """Wire the parts together once: the merchant notification formats of the V2 and SNAP doors, the
        Job kinds' handlers, the reconciliation and ops admin pages, and the merchant cache's
        invalidation."""
        from django.db.models.signals import post_delete, post_save

        from payments import admin_ops, admin_reconciliation, admin_users  # noqa: F401 - admin pages
        from payments.dashboard import exports  # noqa: F401 - the "export" Job kind
        from payments.models import Merchant, Transaction
        from payments.nicepay import notifications as v2_notifications
        from payments.selectors.merchants import merchant_row_changed
        from payments.services import reconciliation, replay  # noqa: F401 - their Job kinds
        from payments.services.notifications import notification_format_use
        from payments.snap import notifications as snap_notifications

        post_save.connect(merchant_row_changed, sender=Merchant, dispatch_uid="merchant-cache")
        post_delete.connect(merchant_row_changed, sender=Merchant, dispatch_uid="merchant-cache")

        notification_format_use(v2_notifications, door=Transaction.Door.V2)
        notification_format_use(snap_notifications, door=Transaction.Door.SNAP)
