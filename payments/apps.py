from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from payments import admin_ops, admin_reconciliation  # noqa: F401 - mount their admin pages
