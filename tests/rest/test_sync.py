"""POST /api/v1/transactions/<txid>/sync: asks the partner (the sandbox, over HTTP) and applies."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from payments.models import AuditLog, Transaction
from providers.registry import get_adapter
from tests.support import flows
from tests.support.rest import basic, make_txn


def test_sync_applies_a_payment_the_partner_never_notified(sandbox_server, demo_merchant):
    base = sandbox_server.url
    # …906: the partner marks it paid but never sends its notification (forces polling / sync)
    reg = flows.register(base, mitra_cd="ESHP", amount=15906, db_process_url="http://127.0.0.1:9/notify")
    assert reg["resultCd"] == "0000", reg
    flows.payment_started(base, reg)
    assert flows.simulate(base, reg["tXid"], "success").status_code == 200
    assert Transaction.objects.get(txid=reg["tXid"]).status == "9"  # nobody told us

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic(flows.IMID, flows.KEY))
    resp = api.post(f"/api/v1/transactions/{reg['tXid']}/sync")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "0" and body["statusWord"] == "paid"
    assert [(e["kind"], e["source"]) for e in body["events"]][-1] == ("status_corrected", "sync")
    assert len(body["notifications"]) == 1  # the merchant is told through the outbox
    log = AuditLog.objects.get(action="transaction.synced")
    assert log.actor_kind == "api" and log.merchant == demo_merchant
    assert log.detail == {"outcome": "ok", "from": "9", "to": "0"}

    again = api.post(f"/api/v1/transactions/{reg['tXid']}/sync")  # idempotent: nothing new
    assert again.status_code == 200 and len(again.json()["events"]) == len(body["events"])


@pytest.mark.django_db
def test_sync_with_partner_down_is_503_in_the_shape_and_changes_nothing(api, settings):
    txn = make_txn(api.merchant, mitra_cd="ESHP")
    Transaction.objects.filter(pk=txn.pk).update(partner_ref="SPP-123")
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing listens there: connection refused
    get_adapter.cache_clear()
    try:
        resp = api.post(f"/api/v1/transactions/{txn.txid}/sync")
    finally:
        get_adapter.cache_clear()
    assert resp.status_code == 503, resp.content
    assert resp.json()["error"]["code"] == "partner_unavailable"
    assert "127.0.0.1" not in resp.content.decode()
    assert resp["Retry-After"]
    txn.refresh_from_db()
    assert txn.status == "9" and not txn.events.exists()
    assert AuditLog.objects.get(action="transaction.synced").detail == {"outcome": "PartnerUnavailable"}
