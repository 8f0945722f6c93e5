"""ShopeePay transformers and notification parsing: pure, driven by the JSON fixtures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.base.errors import (
    CancelNotAllowed,
    InvalidPayload,
    InvalidSignature,
    PartnerDeclined,
    PartnerUnavailable,
    UnknownStatus,
)
from providers.base.http import HttpClient, HttpResponse
from providers.base.signing import minify
from providers.base.types import (
    CancelRequest,
    Deeplink,
    OrderInfo,
    PartnerConfig,
    PartnerStatus,
    Party,
    PaymentRequest,
)
from providers.shopeepay import transformers as t
from providers.shopeepay.adapter import ShopeePayAdapter

FIXTURES = Path(__file__).parent / "fixtures"
TXID = "IONPAYTEST05202611221234567890"
SECRET = "test-secret-do-not-use"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def order(amount: int = 10_000, minutes: int = 5) -> OrderInfo:
    return OrderInfo(
        txid=TXID,
        reference_no="ORD-1",
        amount=amount,
        goods_name="Sepatu",
        billing=Party(name="Budi", phone="081234567890", email="budi@example.test"),
        expires_at=NOW + timedelta(minutes=minutes),
        notify_url="https://pay.example.test/partners/ESHP/notify",
        return_url=f"https://pay.example.test/pay/{TXID}/return",
        cancel_url=f"https://pay.example.test/pay/{TXID}/cancel",
    )


class FakeHttp(HttpClient):
    """Records the call and answers a canned response."""

    def __init__(self, answer: HttpResponse) -> None:
        super().__init__()
        self.answer = answer
        self.calls: list[tuple[str, bytes, dict]] = []

    def post_json(self, url, body, *, headers=None, **kw):
        self.calls.append((url, body, dict(headers or {})))
        return self.answer


def adapter(answer: HttpResponse | None = None, secret: str = SECRET) -> ShopeePayAdapter:
    creds = {**ShopeePayAdapter.default_credentials, "secret": secret}
    config = PartnerConfig("ESHP", "https://api.uat.wallet.airpay.co.id", creds)
    return ShopeePayAdapter(config=config, http=FakeHttp(answer or HttpResponse(200, {}, b"{}")))


def signed(data: dict, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = minify(data)
    return body, {"X-Airpay-ClientId": "payloan-sbx-eshp", "X-Airpay-Req-H": t.sign(secret, body)}


# --- signing and money ---------------------------------------------------------------------------
def test_hmac_known_answer() -> None:
    body = b'{"amount":1000000,"payment_reference_id":"IONPAYTEST05202611221234567890","payment_status":1}'
    # Computed independently: openssl dgst -sha256 -hmac <secret> -binary | base64
    assert t.sign(SECRET, body) == "Yxtjhq+8MtfEKsIJDHj6CWKZFDRmwXcDN+6q/ah+vw8="
    assert t.signature_valid(SECRET, body, "Yxtjhq+8MtfEKsIJDHj6CWKZFDRmwXcDN+6q/ah+vw8=")
    assert not t.signature_valid(SECRET, body + b" ", "Yxtjhq+8MtfEKsIJDHj6CWKZFDRmwXcDN+6q/ah+vw8=")
    assert not t.signature_valid(SECRET, body, "")


@pytest.mark.parametrize("rupiah", [1, 100, 10_000, 1_234_567, 999_999_999_999])
def test_amount_round_trip(rupiah: int) -> None:
    assert t.to_minor(rupiah) == rupiah * 100
    assert t.from_minor(t.to_minor(rupiah)) == rupiah


@pytest.mark.parametrize("bad", [1_000_050, 1.5, "12.00", None, True, -100])
def test_fractional_or_garbled_amount_refused(bad: object) -> None:
    with pytest.raises(InvalidPayload):
        t.from_minor(bad)


def test_to_minor_refuses_non_integers() -> None:
    with pytest.raises(ValueError):
        t.to_minor(10.5)  # type: ignore[arg-type]


def test_header_lookup_is_case_insensitive() -> None:
    assert t.header({"x-airpay-req-h": "a"}, "X-Airpay-Req-H") == "a"
    assert t.header({"HTTP_X_AIRPAY_REQ_H": "b"}, "X-Airpay-Req-H") == "b"
    assert t.header({}, "X-Airpay-Req-H") == ""


# --- status maps ---------------------------------------------------------------------------------
EXPECTED = {
    "transaction_status:1": PartnerStatus.PENDING,
    "transaction_status:2": PartnerStatus.PENDING,
    "transaction_status:3": PartnerStatus.SUCCEEDED,
    "transaction_status:4": PartnerStatus.FAILED,
    "transaction_status:6": PartnerStatus.EXPIRED,
    "transaction_status:7": PartnerStatus.CANCELLED,
    "payment_status:1": PartnerStatus.SUCCEEDED,
    "payment_status:2": PartnerStatus.PENDING,
    "payment_status:3": PartnerStatus.REFUNDED,
    "payment_status:4": PartnerStatus.CANCELLED,
    "payment_status:5": PartnerStatus.PENDING,
    "payment_status:6": PartnerStatus.FAILED,
}


def test_status_map_covers_both_documented_vocabularies() -> None:
    assert t.STATUS_MAP == EXPECTED


@pytest.mark.parametrize(("raw", "status"), list(EXPECTED.items()))
def test_every_status_mapped(raw: str, status: PartnerStatus) -> None:
    assert t.map_status(raw) is status


@pytest.mark.parametrize("raw", ["transaction_status:5", "payment_status:7", "payment_status:0", "3", ""])
def test_unknown_status_raises(raw: str) -> None:
    with pytest.raises(UnknownStatus):
        t.map_status(raw)


def test_payment_status_wins_over_transaction_status_except_not_found() -> None:
    assert t.resolve_status(3, 3) == "payment_status:3"
    assert t.resolve_status(2, 6) == "transaction_status:6"
    assert t.resolve_status(None, "7") == "transaction_status:7"
    assert t.resolve_status(2, None) == "payment_status:2"
    with pytest.raises(InvalidPayload):
        t.resolve_status(None, None)
    with pytest.raises(InvalidPayload):
        t.resolve_status("paid", None)


# --- requests ------------------------------------------------------------------------------------
def test_create_payload_matches_fixture_shape() -> None:
    body = t.build_create(
        order(),
        request_id="IONPAYTEST05202611221234567890-3f9c2a71b0de",
        merchant_ext_id="PAYLOAN",
        store_ext_id="PAYLOAN-ONLINE",
        now=NOW,
    )
    assert body == fixture("create_request")


def test_validity_period_follows_the_gateway_expiry() -> None:
    assert (
        t.build_create(order(minutes=20), request_id="r", merchant_ext_id="m", store_ext_id="s", now=NOW)[
            "validity_period"
        ]
        == 1200
    )
    assert t.validity_seconds(NOW - timedelta(seconds=5), NOW) == 1


def test_start_payment_signs_request_and_returns_deeplink() -> None:
    resp_body = minify(fixture("create_response"))
    a = adapter(HttpResponse(200, {"X-Airpay-Req-H": t.sign(SECRET, resp_body)}, resp_body))
    live = replace(order(), expires_at=datetime.now(UTC) + timedelta(minutes=5))
    action = a.start_payment(PaymentRequest(order=live))
    assert isinstance(action, Deeplink)
    assert action.url_http.startswith("https://wsa.uat.wallet.airpay.co.id/universal-link/wallet/pay?")
    assert action.url_app.startswith("shopeeid://")
    assert action.partner_ref == TXID
    url, sent, headers = a.http.calls[0]
    assert url == "https://api.uat.wallet.airpay.co.id/v3/merchant-host/order/create"
    assert headers["X-Airpay-ClientId"] == "payloan-sbx-eshp"
    assert headers["X-Airpay-Req-H"] == t.sign(SECRET, sent)
    payload = json.loads(sent)
    assert payload["amount"] == 1_000_000 and payload["payment_reference_id"] == TXID
    assert 290 <= payload["validity_period"] <= 300


def test_forged_response_signature_is_not_trusted() -> None:
    resp_body = minify(fixture("create_response"))
    a = adapter(HttpResponse(200, {"X-Airpay-Req-H": t.sign("other", resp_body)}, resp_body))
    with pytest.raises(PartnerUnavailable):
        a.start_payment(PaymentRequest(order=order()))


def test_create_errcodes() -> None:
    with pytest.raises(PartnerDeclined) as exc:
        t.parse_create(fixture("create_response_error"), txid=TXID)
    assert exc.value.code == "42"
    for code in (-1, -2):
        with pytest.raises(PartnerUnavailable):
            t.parse_create({"errcode": code, "debug_msg": "x"}, txid=TXID)
    with pytest.raises(PartnerUnavailable):
        t.parse_create({"debug_msg": "no errcode"}, txid=TXID)
    with pytest.raises(InvalidPayload):
        t.parse_create({"errcode": 0, "redirect_url_http": "javascript:alert(1)"}, txid=TXID)


# --- check ---------------------------------------------------------------------------------------
def test_parse_check_success() -> None:
    result = t.parse_check(fixture("check_response"), txid=TXID)
    assert result.status is PartnerStatus.SUCCEEDED
    assert result.raw_status == "payment_status:1"
    assert result.amount == 10_000
    assert result.paid_at == datetime.fromtimestamp(1795350531, tz=UTC)


def test_parse_check_expired_and_not_found() -> None:
    expired = t.parse_check(fixture("check_response_expired"), txid=TXID)
    assert (expired.status, expired.raw_status) == (PartnerStatus.EXPIRED, "transaction_status:6")
    assert expired.paid_at is None
    missing = t.parse_check(fixture("check_response_not_found"), txid=TXID)
    assert (missing.status, missing.amount) == (PartnerStatus.PENDING, None)


def test_check_request_is_type_13() -> None:
    body = t.build_check(request_id="r", txid=TXID, amount=10_000, merchant_ext_id="m", store_ext_id="s")
    assert body["transaction_type"] == 13 and body["reference_id"] == TXID and body["amount"] == 1_000_000


# --- notification --------------------------------------------------------------------------------
def test_notification_parsed() -> None:
    body, headers = signed(fixture("notification"))
    event = adapter().parse_callback(headers=headers, body=body, path="/partners/ESHP/notify")
    assert event.txid == TXID
    assert event.status is PartnerStatus.SUCCEEDED
    assert event.raw_status == "payment_status:1"
    assert event.amount == 10_000
    assert event.reply == (200, "application/json", '{"errcode":0}')
    again = adapter().parse_callback(headers=headers, body=body, path="/partners/ESHP/notify")
    assert again.idempotency_key == event.idempotency_key


def test_notification_headers_any_case() -> None:
    body, headers = signed(fixture("notification"))
    lower = {k.lower(): v for k, v in headers.items()}
    assert adapter().parse_callback(headers=lower, body=body, path="/").status is PartnerStatus.SUCCEEDED


@pytest.mark.parametrize("tamper", ["secret", "body", "missing", "client"])
def test_notification_bad_signature_refused(tamper: str) -> None:
    body, headers = signed(fixture("notification"), secret="wrong" if tamper == "secret" else SECRET)
    if tamper == "body":
        body = body.replace(b"1000000", b"9000000")
    if tamper == "missing":
        headers.pop("X-Airpay-Req-H")
    if tamper == "client":
        headers["X-Airpay-ClientId"] = "someone-else"
    with pytest.raises(InvalidSignature):
        adapter().parse_callback(headers=headers, body=body, path="/")


@pytest.mark.parametrize(
    "change",
    [
        {"payment_status": 9},
        {"amount": 1000050},
        {"amount": "ten"},
        {"payment_reference_id": ""},
        {"merchant_ext_id": "OTHER"},
    ],
)
def test_notification_garbled_refused(change: dict) -> None:
    body, headers = signed({**fixture("notification"), **change})
    with pytest.raises(InvalidPayload):
        adapter().parse_callback(headers=headers, body=body, path="/")


def test_notification_not_json_refused() -> None:
    body = b"not json"
    headers = {"X-Airpay-Req-H": t.sign(SECRET, body)}
    with pytest.raises(InvalidPayload):
        adapter().parse_callback(headers=headers, body=body, path="/")


def test_expired_notification_uses_transaction_status() -> None:
    data = {**fixture("notification"), "transaction_status": 6}
    del data["payment_status"]
    body, headers = signed(data)
    event = adapter().parse_callback(headers=headers, body=body, path="/")
    assert (event.status, event.raw_status) == (PartnerStatus.EXPIRED, "transaction_status:6")


# --- cancel --------------------------------------------------------------------------------------
def cancel_req(amount: int = 10_000, paid_hours_ago: float = 1, already: int = 0) -> CancelRequest:
    return CancelRequest(
        txid=TXID,
        partner_ref=TXID,
        amount=amount,
        total_amount=10_000,
        already_cancelled=already,
        paid_at=NOW - timedelta(hours=paid_hours_ago),
        cancel_id=f"CNL-{TXID}-1",
    )


def test_check_cancel_rules() -> None:
    a = adapter()
    a.check_cancel(cancel_req(), now=NOW)
    a.check_cancel(cancel_req(amount=4_000), now=NOW)  # partial refunds are allowed
    with pytest.raises(CancelNotAllowed):
        a.check_cancel(cancel_req(paid_hours_ago=25), now=NOW)
    with pytest.raises(CancelNotAllowed):
        a.check_cancel(cancel_req(amount=7_000, already=4_000), now=NOW)
    unpaid = CancelRequest(
        txid=TXID,
        partner_ref=TXID,
        amount=10_000,
        total_amount=10_000,
        already_cancelled=0,
        paid_at=None,
        cancel_id="c",
    )
    with pytest.raises(CancelNotAllowed):
        a.check_cancel(unpaid, now=NOW)


def test_partial_cancel_is_a_refund() -> None:
    resp_body = minify(fixture("refund_response"))
    a = adapter(HttpResponse(200, {}, resp_body))
    result = a.cancel(cancel_req(amount=4_000))
    assert (result.kind, result.partner_cancel_ref) == ("refund", "020016009876543210")
    url, sent, _ = a.http.calls[0]
    assert url.endswith("/v3/merchant-host/transaction/refund/create")
    assert json.loads(sent)["amount"] == 400_000


def test_refund_outside_window_is_cancel_not_allowed() -> None:
    with pytest.raises(CancelNotAllowed) as exc:
        t.parse_cancel({"errcode": 304, "debug_msg": "refund outside validity"})
    assert exc.value.code == "304"
