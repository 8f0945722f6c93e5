"""Each simulated partner answers, in its own protocol, whether a refund was made; and a test can
make a partner's refund slow, hang after refunding, or lose the request (POST /sandbox/refund-control)
so a gateway's sweep of unsettled cancels has something real to settle."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.sandbox import partners

pytestmark = pytest.mark.integration
IDS = [p.name for p in partners.ALL]


@pytest.fixture(autouse=True)
def _no_dana_night_blackout(monkeypatch):
    """DANA refuses refunds between 00:00 and 01:00 Jakarta time; these tests must not depend on it."""
    monkeypatch.setattr("providers.sandbox.dana.api._jakarta_blackout", lambda: False)


def control(base: str, txid: str, mode: str, seconds: int = 0) -> None:
    r = requests.post(
        f"{base}/sandbox/refund-control", json={"tXid": txid, "mode": mode, "seconds": seconds}, timeout=10
    )
    assert r.status_code == 200 and r.json() == {"tXid": txid, "mode": mode, "seconds": seconds}, r.text


@pytest.mark.parametrize("partner", partners.ALL, ids=IDS)
def test_refund_status_answers_in_the_partners_protocol(sandbox_server, partner) -> None:
    base, order, rid = sandbox_server.url, partner.paid(), f"RF{uuid.uuid4().hex[:12]}"
    assert partner.refunded(base, order, rid) is False  # never received
    resp = partner.refund(base, order, rid, 30)
    assert resp.status_code in (200, 202), resp.text
    assert partner.refunded(base, order, rid) is True


@pytest.mark.parametrize("partner", partners.ALL, ids=IDS)
def test_hang_makes_the_refund_but_withholds_the_answer(sandbox_server, partner) -> None:
    base, order, rid = sandbox_server.url, partner.paid(), f"RF{uuid.uuid4().hex[:12]}"
    control(base, order.merchant_ref, "hang", 60)
    try:
        with pytest.raises(requests.Timeout):
            partner.refund(base, order, rid, 1.5)
        assert partner.refunded(base, order, rid) is True  # the partner did it; the caller cannot know
    finally:
        control(base, order.merchant_ref, "normal")


@pytest.mark.parametrize("partner", partners.ALL, ids=IDS)
def test_drop_loses_the_request(sandbox_server, partner) -> None:
    base, order, rid = sandbox_server.url, partner.paid(), f"RF{uuid.uuid4().hex[:12]}"
    control(base, order.merchant_ref, "drop", 60)
    try:
        with pytest.raises(requests.Timeout):
            partner.refund(base, order, rid, 1.5)
        assert partner.refunded(base, order, rid) is False
    finally:
        control(base, order.merchant_ref, "normal")
    # Released: the same refund can now be made, exactly once.
    assert partner.refund(base, order, rid, 30).status_code in (200, 202)
    assert partner.refunded(base, order, rid) is True


def test_slow_answers_after_the_given_seconds(sandbox_server) -> None:
    base, partner = sandbox_server.url, partners.KREDIVO
    order, rid = partner.paid(), "RF-slow"
    control(base, order.merchant_ref, "slow", 2)
    started = time.monotonic()
    resp = partner.refund(base, order, rid, 30)
    assert time.monotonic() - started >= 2
    assert resp.json()["status"] == "OK" and partner.refunded(base, order, rid)


def test_a_dropped_request_is_answered_with_the_partners_own_error_once_released(sandbox_server) -> None:
    base, partner = sandbox_server.url, partners.KREDIVO
    order = partner.paid()
    control(base, order.merchant_ref, "drop", 1)  # held 1 s, then the partner's answer to a lost call
    resp = partner.refund(base, order, "RF-lost", 30)
    assert resp.status_code == 503 and resp.json()["status"] == "ERROR"
    assert partner.refunded(base, order, "RF-lost") is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"tXid": "T1", "mode": "later"},
        {"tXid": "", "mode": "hang"},
        {"tXid": "T1", "mode": "slow", "seconds": -1},
        {"tXid": "T1", "mode": "slow", "seconds": "5"},
        {"tXid": "T1", "mode": "hang", "seconds": 10_000},
        {"mode": "hang"},
    ],
)
def test_refund_control_refuses_bad_input(client, body) -> None:
    resp = client.post("/sandbox/refund-control", body, content_type="application/json")
    assert resp.status_code == 400 and "mode" in resp.json()["error"]
    assert client.get("/sandbox/refund-control").status_code == 405
