"""What a stored partner notification may keep: no secret, no replayable credential."""

from __future__ import annotations

import json

import pytest

from providers import registry
from providers.base.redaction import REDACTED, redact_body, redact_headers
from tests.support.paylater_orders import fixture


def test_json_fields_at_any_depth_and_any_value_type():
    body = json.dumps({"a": {"signature_key": "s3cr3t", "n": [{"signature_key": 12345}]}, "b": "keep"})
    out = redact_body(body, ["signature_key"])
    assert "s3cr3t" not in out and "12345" not in out and json.loads(out)["b"] == "keep"
    assert json.loads(out)["a"]["n"][0]["signature_key"] == REDACTED


def test_a_body_that_does_not_parse_is_redacted_too():
    cut = '{"order_id":"X","signature_key":"abc\\"def","amount":"1'  # truncated, escaped quote
    assert "abc" not in redact_body(cut, ["signature_key"])
    assert redact_body("refNo=1&status=100&sign=Zm9v", ["sign"]) == f"refNo=1&status=100&sign={REDACTED}"
    assert redact_body("sign=Zm9v&refNo=1", ["sign"]) == f"sign={REDACTED}&refNo=1"


def test_headers_in_wire_and_wsgi_spelling():
    headers = {"Authorization": "Bearer k:1:s", "HTTP_X_SIGNATURE": "sig", "X-Other": "v", "Cookie": "c"}
    out = redact_headers(headers, {"x-signature"})
    assert out == {
        "Authorization": REDACTED,
        "HTTP_X_SIGNATURE": REDACTED,
        "X-Other": "v",
        "Cookie": REDACTED,
    }


@pytest.mark.parametrize(
    ("mitra", "body", "secret"),
    [
        ("KDVI", json.dumps(fixture("kredivo", "push_settlement.json")), "OeNKiBoIy9yc"),
        ("AKLP", "refNo=IONPAYTEST06&status=100&sign=cGF5bG9hbi1zaWdu", "cGF5bG9hbi1zaWdu"),
    ],
)
def test_each_partners_secret_fields(mitra, body, secret):
    _, out = registry.adapter_class(mitra).redact_notification(headers={}, body=body)
    assert secret in body and secret not in out


@pytest.mark.parametrize(
    ("mitra", "header"),
    [("DANA", "X-Signature"), ("ASTR", "X-Signature"), ("ESHP", "X-Airpay-Req-H"), ("IDNA", "Authorization")],
)
def test_each_partners_signature_headers(mitra, header):
    out, _ = registry.adapter_class(mitra).redact_notification(
        headers={header: "proof", "X-Keep": "1"}, body=""
    )
    assert out == {header: REDACTED, "X-Keep": "1"}
