"""Every page this change added, for each role: who may read it, who may act, and that it only ever
shows the member's own merchant (another merchant's rows carry a marker that must never appear)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import Cancellation, Notification, NotificationAttempt
from tests.factories import MerchantFactory
from tests.support.dashboard import PASSWORD, member, txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]
MARKER = "OTHER-MERCHANT-MARKER"
PAGES = [
    "/dashboard/balance/",
    "/dashboard/balance/?period=custom&from=2020-01-01&to=2020-12-31",
    "/dashboard/settlements/",
    "/dashboard/settlements/export.csv",
    "/dashboard/settlements/export.xlsx",
    "/dashboard/refunds/",
    "/dashboard/refunds/export.csv",
    "/dashboard/notifications/",
    "/dashboard/notifications/?outcome=failed",
    "/dashboard/account/",
    "/dashboard/account/two-factor/",
    "/dashboard/?period=7d",
    "/dashboard/transactions/?refunds=partial",
]
ACTIONS = {  # path -> roles allowed
    "/dashboard/notifications/test": {"developer", "owner"},
    "/dashboard/team/two-factor": {"owner"},
    "/dashboard/developers/key/retire-previous": {"owner"},
}


@pytest.fixture
def world():
    mine, other = MerchantFactory(), MerchantFactory()
    now = timezone.now()
    for merchant, name in ((mine, "Own Customer"), (other, MARKER)):
        t = txn(merchant, status="0", billing_name=name, amount=40_000, paid_at=now, cancelled_amount=5_000)
        Cancellation.objects.create(
            transaction=t,
            merchant=merchant,
            cancel_txid=f"C{t.pk}",
            cancel_type="2",
            amount=5_000,
            state="succeeded",
            reason=name,
            idempotency_key="k",
            finished_at=now,
        )
        note = Notification.objects.create(
            merchant=merchant, transaction=t, url=f"http://127.0.0.1:9/{name}", payload={}, state="failed"
        )
        NotificationAttempt.objects.create(
            notification=note, merchant=merchant, started_at=now, http_status=500, response_excerpt=name
        )
    return mine, other


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_every_new_page_reads_for_each_role_and_only_its_merchant(client, world, role):
    mine, _ = world
    client.force_login(member(mine, role).user)
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, (role, path, answer.status_code)
        assert MARKER.encode() not in answer.content, (role, path)
    assert b"Own Customer" in client.get("/dashboard/refunds/").content


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_actions_are_refused_to_roles_without_them(client, world, role):
    mine, _ = world
    client.force_login(member(mine, role).user)
    for path, allowed in ACTIONS.items():
        answer = client.post(path, {"password": PASSWORD, "required": "0"})
        if role in allowed:
            assert answer.status_code != 403, (role, path)
        else:
            assert answer.status_code == 403, (role, path)
    other = member(MerchantFactory(), "viewer")
    answer = client.post(f"/dashboard/team/members/{other.pk}/remove")
    assert answer.status_code == (302 if role == "owner" else 403)
    assert other.__class__.objects.filter(pk=other.pk).exists()  # another merchant's member: untouched


def test_anonymous_is_sent_to_sign_in(world):
    client = Client()
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/dashboard/login/"), path
