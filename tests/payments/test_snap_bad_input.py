"""Bad input on the SNAP door, correctly signed so it reaches the parsing: never a 500, always SNAP's
JSON with a 4xx code of the right service, and nothing stored."""

from __future__ import annotations

import json

import pytest

from payments.models import Cancellation, RefundReference, RequestId, Transaction
from tests.support import snap

pytestmark = pytest.mark.django_db

GARBAGE: list[bytes] = [
    b"",
    b"not json",
    b"[]",
    b'"text"',
    b"null",
    b"\xff\xfe\x00",
    b"[" * 5000 + b"]" * 5000,
    b'{"partnerReferenceNo": null, "amount": null, "additionalInfo": null}',
    b'{"partnerReferenceNo": 12, "amount": {"value": 1e400}, "additionalInfo": {"mitraCd": ["DANA"]}}',
    b'{"partnerReferenceNo": {"a": 1}, "amount": [1], "urlParam": [1, 2], "additionalInfo": []}',
    b'{"partnerReferenceNo": "A\\u0000B", "amount": {"value": "1.00", "currency": "IDR"}}',
    b'{"partnerReferenceNo": "' + b"x" * 5000 + b'"}',
    b'{"amount": {"value": "-1.00", "currency": "IDR"}, "refundAmount": {"value": "99999999999999.00"}}',
    b'{"amount": {"value": true}, "refundAmount": {"value": false}, "partnerRefundNo": true}',
    b'{"originalReferenceNo": 5, "originalPartnerReferenceNo": [], "amount": "10000.00"}',
    b'{"additionalInfo": {"mitraCd": "DANA", "cartData": {"item": "x"}, "billingPhone": 81234567890}}',
    b'{"validUpTo": 123, "urlParam": {"url": "javascript:alert(1)", "type": "PAY_NOTIFY"}}',
]
PATHS = [snap.PAYMENT_PATH, snap.STATUS_PATH, snap.REFUND_PATH]
SERVICE = {snap.PAYMENT_PATH: "54", snap.STATUS_PATH: "55", snap.REFUND_PATH: "58"}


@pytest.fixture
def api(client):
    snap.snap_demo_merchant()
    return snap.SnapClient(snap.django_transport(client))


@pytest.mark.parametrize("path", PATHS)
def test_signed_garbage_is_a_4xx_in_snaps_shape_and_stores_nothing(api, path):
    token = api.token()
    for raw in GARBAGE:
        answer = api.signed(path, {}, token=token, raw=raw)
        assert 400 <= answer.status < 500, (raw[:60], answer.status, answer.json)
        code = answer.json["responseCode"]
        assert code[:3] == str(answer.status) and code[3:5] == SERVICE[path], (raw[:60], answer.json)
        assert answer.json["responseMessage"]
    assert not Transaction.objects.exists() and not Cancellation.objects.exists()
    assert not RequestId.objects.exists() and not RefundReference.objects.exists()


def test_garbage_headers_are_4xx(client, api):
    token = api.token()
    body = json.dumps(snap.payment_body()).encode()
    for headers in (
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"X-TIMESTAMP": "yesterday"},
        {"X-TIMESTAMP": "9999-99-99T99:99:99+07:00"},
        {"X-SIGNATURE": "%%%"},
        {"X-EXTERNAL-ID": "x" * 200},
        {"X-PARTNER-ID": "IONPAYTEST\u00e9"},
    ):
        sent = {
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": snap.jakarta_stamp(),
            "X-PARTNER-ID": "IONPAYTEST",
            "X-EXTERNAL-ID": "1",
            "CHANNEL-ID": "IONPAYTEST01",
            "X-SIGNATURE": "x",
            **headers,
        }
        answer = snap.django_transport(client)(snap.PAYMENT_PATH, sent, body)
        assert 400 <= answer.status < 500 and answer.json["responseCode"][3:5] == "54", (headers, answer.json)
    assert not Transaction.objects.exists()


def test_an_oversized_body_is_a_400(client, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(goodsNm="x" * 2000))
    assert (answer.status, answer.json["responseCode"]) == (400, "4005400")
