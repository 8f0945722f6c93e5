"""Real partner notifications through the running stack: Kredivo's signature_key and Indodana's
Authorization (a credential replayable within its window) are never stored in clear, and no page of
the back office shows them, nor a merchant's key."""

from __future__ import annotations

import pytest
from django.test import Client

from payments.models import PartnerCallback, UnverifiedCallback
from providers.sandbox.models import SandboxOrder
from tests.support.paylater_flows import notifications, pay, simulate

pytestmark = pytest.mark.integration


@pytest.fixture
def ops(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("ops-sec", "ops-sec@payloan.test", "pw"))
    return client


def admin_pages(ops: Client) -> str:
    pages = [
        "/admin/payments/partnercallback/",
        "/admin/payments/unverifiedcallback/",
        "/admin/payments/merchant/",
    ]
    pages += [
        f"/admin/payments/partnercallback/{pk}/change/"
        for pk in PartnerCallback.objects.values_list("pk", flat=True)
    ]
    pages += [
        f"/admin/payments/unverifiedcallback/{pk}/change/"
        for pk in UnverifiedCallback.objects.values_list("pk", flat=True)
    ]
    html = []
    for url in pages:
        resp = ops.get(url)
        assert resp.status_code == 200, url
        html.append(resp.content.decode())
    return "\n".join(html)


def test_partner_secrets_are_never_stored_or_shown(stack, demo_merchant, receiver, ops) -> None:
    kredivo, _ = pay(stack, receiver, "KDVI", 61_000)
    assert simulate(stack, kredivo)["notified"] == [200]
    notifications(receiver, kredivo, 1)
    signature_key = SandboxOrder.objects.get(partner="kredivo", merchant_ref=kredivo["tXid"]).data[
        "signature_key"
    ]
    kredivo_cb = PartnerCallback.objects.get(mitra_cd="KDVI", body__contains=kredivo["tXid"])
    assert kredivo_cb.outcome == "applied"
    assert signature_key not in kredivo_cb.body and '"signature_key":"[redacted]"' in kredivo_cb.body

    forged, _ = pay(stack, receiver, "KDVI", 61_908)  # a push Kredivo will not confirm
    assert simulate(stack, forged)["notified"] == [401]
    refused = UnverifiedCallback.objects.get(mitra_cd="KDVI", body_excerpt__contains=forged["tXid"])
    assert '"signature_key":"[redacted]"' in refused.body_excerpt

    indodana, _ = pay(stack, receiver, "IDNA", 71_000)
    assert simulate(stack, indodana)["notified"] == [200]
    notifications(receiver, indodana, 1)
    idna_cb = PartnerCallback.objects.get(mitra_cd="IDNA", body__contains=indodana["tXid"])
    assert idna_cb.outcome == "applied" and idna_cb.headers["Authorization"] == "[redacted]"
    assert not any("Bearer" in str(v) for v in idna_cb.headers.values())

    shown = admin_pages(ops)
    assert signature_key not in shown
    assert "Bearer " not in shown  # no Authorization value of any notification
    assert demo_merchant.merchant_key not in shown
    assert "[redacted]" in shown  # the pages do show the redacted notifications
