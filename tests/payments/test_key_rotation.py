"""Key rotation with an overlap: the old key keeps working (V2 tokens and REST) until the window
ends or the owner stops it; the new one works at once."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import AuditLog, Merchant
from payments.services.audit import SYSTEM
from payments.services.merchants import merchant_key_rotate
from tests.factories import MerchantFactory
from tests.support import flows
from tests.support.dashboard import PASSWORD, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]


def register(client, merchant: Merchant, key: str) -> str:
    body = flows.registration_body(
        mitra_cd="ESHP", amount=15_000, db_process_url="http://127.0.0.1:9/n", imid=merchant.imid, key=key
    )
    return client.post("/nicepay/direct/v2/registration", body, content_type="application/json").json()[
        "resultCd"
    ]


def rest(client, merchant: Merchant, key: str) -> int:
    auth = base64.b64encode(f"{merchant.imid}:{key}".encode()).decode()
    return client.get("/api/v1/transactions", HTTP_AUTHORIZATION=f"Basic {auth}").status_code


def test_old_key_works_during_the_overlap_then_stops(client):
    merchant = MerchantFactory()
    old = merchant.merchant_key
    owner = member(merchant)
    client.force_login(owner.user)
    page = client.post("/dashboard/developers/key/rotate", {"password": PASSWORD, "overlap_hours": "24"})
    assert page.status_code == 200 and b"keeps working until" in page.content
    merchant.refresh_from_db()
    new = merchant.merchant_key
    assert new != old and merchant.previous_key_valid_until > timezone.now() + timedelta(hours=23)
    assert register(client, merchant, old) == "0000"
    assert register(client, merchant, new) == "0000"
    assert rest(client, merchant, old) == 200 and rest(client, merchant, new) == 200
    assert b'id="previous-key"' in client.get("/dashboard/developers/").content
    assert AuditLog.objects.get(action="merchant.key_rotated").detail == {"overlap_hours": 24}

    client.post("/dashboard/developers/key/retire-previous", {"password": PASSWORD})
    merchant.refresh_from_db()
    assert register(client, merchant, old) == "9010" and rest(client, merchant, old) == 401
    assert register(client, merchant, new) == "0000"


def test_the_overlap_ends_by_itself_and_zero_means_at_once(client):
    merchant = MerchantFactory()
    old = merchant.merchant_key
    merchant_key_rotate(merchant=merchant, actor=SYSTEM, overlap_hours=1)
    Merchant.objects.filter(pk=merchant.pk).update(
        previous_key_valid_until=timezone.now() - timedelta(seconds=1)
    )
    merchant.refresh_from_db()
    assert register(client, merchant, old) == "9010"

    second = merchant.merchant_key
    merchant_key_rotate(merchant=merchant, actor=SYSTEM, overlap_hours=0)
    merchant.refresh_from_db()
    assert register(client, merchant, second) == "9010" and not merchant.previous_key_encrypted


def test_a_second_rotation_drops_the_first_old_key(client):
    merchant = MerchantFactory()
    first = merchant.merchant_key
    merchant_key_rotate(merchant=merchant, actor=SYSTEM)
    second = merchant.merchant_key
    merchant_key_rotate(merchant=merchant, actor=SYSTEM)
    merchant.refresh_from_db()
    assert register(client, merchant, first) == "9010"
    assert register(client, merchant, second) == "0000"


def test_overlap_out_of_range_and_wrong_password_are_refused(client):
    merchant = MerchantFactory()
    old = merchant.merchant_key
    client.force_login(member(merchant).user)
    assert (
        client.post(
            "/dashboard/developers/key/rotate", {"password": PASSWORD, "overlap_hours": "999"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/dashboard/developers/key/rotate", {"password": "wrong", "overlap_hours": "24"}
        ).status_code
        == 403
    )
    merchant.refresh_from_db()
    assert merchant.merchant_key == old
