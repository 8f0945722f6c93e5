from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from payments import admin_reconciliation  # noqa: F401 - mounts the reconciliation admin pages
