from __future__ import annotations

import factory

from payments import secrets as key_store
from payments.models import Merchant

NICEPAY_SANDBOX_KEY = (
    "33F49GnCMS1mFYlGXisbUDzVf2ATWCl9k3R++d5hDd3Frmuos/XLx8XhXpe+LDYAbpGKZYSwtlyyLOtS/8aD7A=="
)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    imid = factory.Sequence(lambda n: f"TESTMER{n:03d}")
    name = factory.Sequence(lambda n: f"Test merchant {n}")
    merchant_key_encrypted = factory.LazyFunction(
        lambda: key_store.encrypt(key_store.generate_merchant_key())
    )


def demo_merchant() -> Merchant:
    merchant, _ = Merchant.objects.get_or_create(
        imid="IONPAYTEST",
        defaults={
            "name": "Payloan demo store",
            "merchant_key_encrypted": key_store.encrypt(NICEPAY_SANDBOX_KEY),
        },
    )
    return merchant
