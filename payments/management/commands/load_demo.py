"""Demo data for the sandbox (idempotent): two merchants, a dashboard user, an admin."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from payments import secrets as key_store
from payments.models import Merchant, MerchantMember
from payments.services.api_credentials import api_credential_load

# NICEPAY's published sandbox key, so clients written for NICEPAY's sandbox work unchanged.
NICEPAY_SANDBOX_KEY = (
    "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="
)

# NICEPAY's published sandbox SNAP credentials (nodejs-nicepay README): client id IONPAYTEST, client
# secret = the key above, and the public half of its RSA-1024 test key, so NICEPAY's own SNAP
# samples work unchanged too.
NICEPAY_SANDBOX_SNAP_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCJyXtRttkdnzHISBOgY7WEasjI
+pbqz/86ur8u/VmohirdBcbOKtwG+In5jl3fe8p0uX9CUXyKmpFw3Ff3tq8fWxXb
EthzkWO6OQLew+RN7ZMjTPbJiP+3ZPHdztH8nmcq5jzMkoIc4JEd6DBA1tUwg+au
tx4f6KtCymf+CY3G/QIDAQAB
-----END PUBLIC KEY-----
"""


class Command(BaseCommand):
    help = "Load the sandbox demo data (only when SANDBOX is on). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX:
            raise CommandError("Demo data is only loaded when SANDBOX is on.")
        demo_url = f"{settings.PUBLIC_BASE_URL}/sandbox/shop/notify"
        ionpay, created = Merchant.objects.get_or_create(
            imid="IONPAYTEST",
            defaults={
                "name": "Payloan Demo Store",
                "default_notification_url": demo_url,
                "merchant_key_encrypted": key_store.encrypt(NICEPAY_SANDBOX_KEY),
            },
        )
        api_credential_load(
            merchant=ionpay, client_secret=NICEPAY_SANDBOX_KEY, public_key_pem=NICEPAY_SANDBOX_SNAP_PUBLIC_KEY
        )
        second, created2 = Merchant.objects.get_or_create(
            imid="PAYLOANT02",
            defaults={
                "name": "Second Test Merchant",
                "merchant_key_encrypted": key_store.encrypt(key_store.generate_merchant_key()),
            },
        )
        users = get_user_model()
        demo = users.objects.filter(username="demo@payloan.test").first()
        if demo is None:
            demo = users.objects.create_user("demo@payloan.test", "demo@payloan.test", "demo-password")
        MerchantMember.objects.get_or_create(
            user=demo, defaults={"merchant": ionpay, "role": MerchantMember.Role.OWNER}
        )
        if not users.objects.filter(username="admin").exists():
            users.objects.create_superuser("admin", "admin@payloan.test", "admin-password")
        self.stdout.write(f"demo data ready (merchants created: {int(created) + int(created2)})")
