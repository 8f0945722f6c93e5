"""The V2 API reads the merchant from the shared cache, and every change of the merchant drops it at
once: a rotated key stops working on the next call, a suspended merchant is refused on the next
call, and the cache never holds the key in clear."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import AuditLog
from payments.selectors.merchants import _cache_key, merchant_get_cached
from payments.services import merchants
from payments.services.audit import Actor
from tests.support import flows

pytestmark = pytest.mark.django_db
REG = "/nicepay/direct/v2/registration"
OPS = Actor(AuditLog.Actor.SYSTEM)


def register(client, **kw) -> dict:  # noqa: ANN001
    body = flows.registration_body(
        mitra_cd="ESHP", amount=15_000, db_process_url="http://127.0.0.1:9/n", **kw
    )
    return client.post(REG, json.dumps(body), content_type="application/json").json()


def merchant_queries(client, **kw) -> tuple[dict, int]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        answer = register(client, **kw)
    return answer, sum('FROM "payments_merchant"' in q["sql"] for q in ctx.captured_queries)


def test_the_second_call_reads_the_merchant_from_the_cache(client, demo_merchant):
    first, reads = merchant_queries(client)
    assert first["resultCd"] == "0000" and reads == 1, first
    second, reads = merchant_queries(client)
    assert second["resultCd"] == "0000" and reads == 0, second


def test_a_rotated_key_stops_working_on_the_next_call(client, demo_merchant):
    assert register(client)["resultCd"] == "0000"  # cached now
    new_key = merchants.merchant_key_rotate(merchant=demo_merchant, actor=OPS, overlap_hours=0)
    assert cache.get(_cache_key(demo_merchant.imid)) is None
    assert register(client)["resultCd"] == "9010"  # the old key
    assert register(client, key=new_key)["resultCd"] == "0000"


def test_a_retired_previous_key_stops_working_on_the_next_call(client, demo_merchant):
    old_key = demo_merchant.merchant_key
    new_key = merchants.merchant_key_rotate(merchant=demo_merchant, actor=OPS, overlap_hours=24)
    assert register(client, key=old_key)["resultCd"] == "0000"  # in its overlap, and cached now
    assert register(client, key=new_key)["resultCd"] == "0000"
    merchants.merchant_previous_key_retire(merchant=demo_merchant, actor=OPS)
    assert register(client, key=old_key)["resultCd"] == "9010"
    assert register(client, key=new_key)["resultCd"] == "0000"


def test_a_key_saved_elsewhere_drops_the_entry_too(client, demo_merchant):
    assert register(client)["resultCd"] == "0000"
    demo_merchant.set_merchant_key("saved-by-admin-" + "k" * 40)
    demo_merchant.save()  # the admin's way
    assert register(client)["resultCd"] == "9010"
    assert register(client, key="saved-by-admin-" + "k" * 40)["resultCd"] == "0000"


def test_a_suspended_merchant_is_refused_on_the_next_call(client, demo_merchant):
    assert register(client)["resultCd"] == "0000"
    merchants.merchant_set_active(merchant=demo_merchant, active=False, actor=OPS)
    assert register(client)["resultCd"] == "9011"
    assert merchant_get_cached(imid=demo_merchant.imid) is None
    merchants.merchant_set_active(merchant=demo_merchant, active=True, actor=OPS)
    assert register(client)["resultCd"] == "0000"


def test_the_cache_never_holds_the_key_in_clear(client, demo_merchant):
    assert register(client)["resultCd"] == "0000"
    cached = cache.get(_cache_key(demo_merchant.imid))
    assert cached is not None
    assert flows.KEY not in repr(cached) and flows.KEY[:12] not in repr(cached)
    assert merchant_get_cached(imid=demo_merchant.imid).merchant_key == flows.KEY
