"""A bad token is refused and leaves no trace beyond a log line and a counter."""

import json

from django.core.cache import cache
from django.utils import timezone

from payments.models import AuditLog, PartnerCallback, Transaction, TransactionEvent
from tests.support import flows


def test_bad_token_leaves_only_a_log_line_and_a_counter(client, demo_merchant, caplog):
    key = f"bad-token:IONPAYTEST:{timezone.now():%Y%m%d}"
    cache.delete(key)
    body = flows.registration_body(
        mitra_cd="ESHP", amount=15000, db_process_url="http://127.0.0.1:9/n", merchantToken="ab" * 32
    )
    resp = client.post("/nicepay/direct/v2/registration", json.dumps(body), content_type="application/json")
    assert resp.json()["resultCd"] == "9010"
    assert cache.get(key) == 1
    assert "bad merchantToken for iMid IONPAYTEST" in caplog.text
    assert "ab" * 32 not in caplog.text  # the token itself is never logged
    for model in (Transaction, TransactionEvent, PartnerCallback, AuditLog):
        assert model.objects.count() == 0
