"""The SNAP door with Django's test client: the access token (service 73), and every refusal of a
payment (service 54) before any partner is asked, each with its SNAP code and nothing stored."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils import timezone

from payloan_site.middleware import is_machine_path
from payments import ops_views
from payments.models import AccessToken, AuditLog, Notification, RequestId, Transaction, TransactionEvent
from payments.services import api_credentials
from payments.services.audit import SYSTEM
from tests.factories import MerchantFactory
from tests.support import snap

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return snap.snap_demo_merchant()


@pytest.fixture
def api(client, merchant):
    return snap.SnapClient(snap.django_transport(client))


@pytest.fixture
def other(client):
    """A second merchant with its own key pair and secret."""
    m = MerchantFactory()
    private, public = snap.new_key_pair()
    api_credentials.public_key_set(merchant=m, pem=public, actor=SYSTEM)
    secret = api_credentials.client_secret_rotate(merchant=m, actor=SYSTEM)
    return m, snap.SnapClient(
        snap.django_transport(client), client_id=m.imid, secret=secret, private_key=private
    )


def stored() -> dict[str, int]:
    """What a refused request must leave as it was."""
    return {
        "transactions": Transaction.objects.count(),
        "events": TransactionEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "request_ids": RequestId.objects.count(),
        "tokens": AccessToken.objects.count(),
    }


# --- access token (73) ------------------------------------------------------------------------


@pytest.mark.parametrize("additional_info", ["", {}, [], None])
def test_token_is_issued_for_each_clients_body_shape(api, merchant, additional_info):
    body = {"grantType": "client_credentials"}
    if additional_info is not None:
        body["additionalInfo"] = additional_info
    answer = api.token_request(body=body)
    assert answer.status == 200
    assert answer.json["responseCode"] == "2007300" and answer.json["responseMessage"] == "Successful"
    assert answer.json["tokenType"] == "Bearer" and answer.json["expiresIn"] == "900"
    token = answer.json["accessToken"]
    row = AccessToken.objects.get(merchant=merchant)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token  # stored hashed
    assert 899 <= (row.expires_at - row.created_at).total_seconds() <= 900


def test_bad_rsa_signature_on_the_token_request_is_401_and_issues_nothing(api, other):
    _, b = other
    # signed with another merchant's private key, claiming IONPAYTEST
    stamp = snap.jakarta_stamp()
    forged = snap.rsa_sign(b.private_key, f"IONPAYTEST|{stamp}")
    before = stored()
    answer = api.token_request(stamp=stamp, signature=forged)
    assert (answer.status, answer.json["responseCode"]) == (401, "4017300")
    assert answer.json["responseMessage"] == "Unauthorized. [Signature]"
    assert answer.json["accessToken"] == ""  # python-nicepay reads this key before it logs the answer
    assert stored() == before


def test_token_refusals(api, client, merchant):
    stamp = snap.jakarta_stamp()
    cases = {
        "unknown client": (
            snap.SnapClient(snap.django_transport(client), client_id="NOSUCHMER1").token_request(),
            (401, "4017300"),
        ),
        "stale X-TIMESTAMP": (api.token_request(stamp="2020-01-01T10:00:00+07:00"), (400, "4007301")),
        "X-TIMESTAMP without zone": (api.token_request(stamp="2024-11-28T10:00:00"), (400, "4007301")),
        "wrong grantType": (api.token_request(body={"grantType": "password"}), (400, "4007301")),
        "no grantType": (api.token_request(body={"additionalInfo": {}}), (400, "4007302")),
        "signature over another time": (
            api.token_request(stamp=stamp, signature=snap.rsa_sign(api.private_key, f"IONPAYTEST|{stamp}x")),
            (401, "4017300"),
        ),
    }
    for name, (answer, expected) in cases.items():
        assert (answer.status, answer.json["responseCode"]) == expected, (name, answer.json)
    assert not AccessToken.objects.exists()


def test_token_needs_a_registered_public_key(client):
    m = MerchantFactory()
    private, _ = snap.new_key_pair()
    answer = snap.SnapClient(
        snap.django_transport(client), client_id=m.imid, private_key=private
    ).token_request()
    assert (answer.status, answer.json["responseCode"]) == (401, "4017300")
    assert "No public key registered" in answer.json["responseMessage"]


def test_token_headers_and_body_must_be_there(client, merchant):
    missing = client.post(
        snap.TOKEN_PATH, "{}", content_type="application/json", HTTP_X_CLIENT_KEY="IONPAYTEST"
    ).json()
    assert missing["responseCode"] == "4007302" and "X-TIMESTAMP" in missing["responseMessage"]
    stamp = snap.jakarta_stamp()
    not_json = client.post(
        snap.TOKEN_PATH,
        "grantType=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CLIENT_KEY="IONPAYTEST",
        HTTP_X_TIMESTAMP=stamp,
        HTTP_X_SIGNATURE=snap.rsa_sign(snap.NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, f"IONPAYTEST|{stamp}"),
    )
    assert (not_json.status_code, not_json.json()["responseCode"]) == (400, "4007300")
    get = client.get(snap.TOKEN_PATH)
    assert (get.status_code, get.json()["responseCode"]) == (405, "4057300")


def test_every_answer_under_the_snap_paths_is_json(client):
    for path in (
        "/nicepay/api/v1.0/transfer-va/create-va",
        "/nicepay/v1.0/access-token/b2b2c",
        "/nicepay/api/v1.0/x/",
    ):
        resp = client.post(path, "{}", content_type="application/json")
        assert resp.status_code == 405 and resp["Content-Type"] == "application/json"
        assert resp.json()["responseCode"] == "4050000"


# --- payment (54): refusals before any partner call ------------------------------------------


def test_expired_token_is_401_and_changes_nothing(api, merchant):
    token = api.token()
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = stored()
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(), token=token)
    assert (answer.status, answer.json["responseCode"]) == (401, "4015401")
    assert answer.json["responseMessage"].startswith("Invalid Token (B2B)")
    assert stored() == before


def test_revoked_token_after_a_key_change_is_401(api, merchant):
    token = api.token()
    _, public = snap.new_key_pair()
    api_credentials.public_key_set(merchant=merchant, pem=public, actor=SYSTEM)
    answer = api.signed(snap.STATUS_PATH, {"originalReferenceNo": "X"}, token=token)
    assert answer.json["responseCode"] == "4015501"


def test_unknown_or_malformed_bearer_is_401(api, merchant):
    assert api.signed(snap.PAYMENT_PATH, snap.payment_body(), token="nope").json["responseCode"] == "4015401"
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(), token="")
    assert answer.json["responseCode"] == "4015401"


def test_bad_x_signature_is_401_and_changes_nothing(api, merchant):
    token = api.token()
    before = stored()
    wrong_secret = snap.SnapClient(api._post, secret="not-the-secret")
    answer = wrong_secret.signed(snap.PAYMENT_PATH, snap.payment_body(), token=token)
    assert (answer.status, answer.json["responseCode"]) == (401, "4015400")
    assert answer.json["responseMessage"] == "Unauthorized. [Signature]"
    # a signature made for another endpoint's path does not do for this one
    body = snap.payment_body()
    raw = json.dumps(body).encode()
    stamp = snap.jakarta_stamp()
    other_path = snap.hmac_signature(api.secret, "POST", "/api/v1.0/debit/status", token, raw, stamp)
    answer = api.signed(snap.PAYMENT_PATH, body, token=token, stamp=stamp, signature=other_path)
    assert answer.json["responseCode"] == "4015400"
    assert stored() == before


def test_body_changed_after_signing_is_401_and_changes_nothing(api, merchant):
    body = snap.payment_body(value="25000.00")
    signed_bytes = json.dumps(body).encode()
    tampered = dict(body, amount={"value": "1.00", "currency": "IDR"})
    token = api.token()
    before = stored()
    answer = api.signed(snap.PAYMENT_PATH, tampered, sign_body=signed_bytes, token=token)
    assert (answer.status, answer.json["responseCode"]) == (401, "4015400")
    assert stored() == before


def test_decimal_amount_is_refused_clearly_and_changes_nothing(api, merchant):
    token = api.token()
    before = stored()
    answer = api.signed(snap.PAYMENT_PATH, snap.payment_body(value="25000.50"), token=token)
    assert (answer.status, answer.json["responseCode"]) == (400, "4005401")
    assert answer.json["responseMessage"] == (
        "Invalid Field Format amount.value: 25000.50 is not whole rupiah (IDR has no sen): "
        "send 25000.00 or 25001.00"
    )
    assert stored() == before  # the X-EXTERNAL-ID was given back too


def test_another_merchants_token_on_this_merchants_payment_is_401(api, merchant, other):
    m, b = other
    b_token = b.token()
    before = stored()
    # B's token, claiming to be IONPAYTEST (signed with either secret)
    for secret in (b.secret, api.secret):
        forged = snap.SnapClient(api._post, secret=secret)
        answer = forged.signed(snap.PAYMENT_PATH, snap.payment_body(), token=b_token)
        assert (answer.status, answer.json["responseCode"]) == (401, "4015401"), answer.json
    # B's token and its own X-PARTNER-ID, but the body says merchantId IONPAYTEST
    answer = b.signed(snap.PAYMENT_PATH, snap.payment_body(merchant_id="IONPAYTEST"), token=b_token)
    assert (answer.status, answer.json["responseCode"]) == (401, "4015401")
    assert stored() == before


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"partnerReferenceNo": ""}, "4005402", "partnerReferenceNo"),
        ({"amount": {}}, "4005402", "amount.value"),
        ({"amount": {"value": "ten", "currency": "IDR"}}, "4005401", "amount.value"),
        ({"amount": {"value": "1000.00", "currency": "USD"}}, "4005401", "amount.currency"),
        ({"urlParam": "nope"}, "4005401", "urlParam"),
        ({"validUpTo": "tomorrow"}, "4005401", "validUpTo"),
        ({"validUpTo": "2020-01-01T00:00:00+07:00"}, "4005401", "validUpTo"),
        ({"additionalInfo": "x"}, "4005401", "additionalInfo"),
    ],
)
def test_malformed_payment_fields(api, merchant, change, code, words):
    body = dict(snap.payment_body(), **change)
    before = stored()
    answer = api.signed(snap.PAYMENT_PATH, body)
    before["tokens"] += 1  # the call's own token
    assert answer.json["responseCode"] == code and words in answer.json["responseMessage"], answer.json
    assert stored() == before


@pytest.mark.parametrize(
    ("info", "code", "words"),
    [
        ({"mitraCd": ""}, "4005402", "additionalInfo.mitraCd"),
        ({"mitraCd": "XXXX"}, "4005401", "is not available"),
        ({"mitraCd": "KDVI"}, "4035401", "pay-later"),
        ({"mitraCd": "ASTR"}, "4005402", "mandateId"),
        ({"billingPhone": "628136368XXXX"}, "4005401", "billingPhone"),
        ({"goodsNm": ""}, "4005402", "goodsNm"),
        ({"cartData": "{not json"}, "4005401", "cartData"),
        (
            {"cartData": json.dumps({"item": [{"goods_amt": "1.50", "goods_quantity": "1"}]})},
            "4005401",
            "cartData",
        ),
        (
            {"cartData": json.dumps({"item": [{"goods_amt": "100.00", "goods_quantity": "1"}]})},
            "4005401",
            "total",
        ),
    ],
)
def test_payment_refused_by_the_partner_rules_changes_nothing(api, merchant, info, code, words):
    body = snap.payment_body(**info)
    before = stored()
    answer = api.signed(snap.PAYMENT_PATH, body)
    before["tokens"] += 1
    assert answer.json["responseCode"] == code and words in answer.json["responseMessage"], answer.json
    assert stored() == before


def test_payment_without_any_notification_url_is_refused(api, merchant):
    body = snap.payment_body()
    body["urlParam"] = []
    body["additionalInfo"]["dbProcessUrl"] = ""
    answer = api.signed(snap.PAYMENT_PATH, body)
    assert answer.json["responseCode"] == "4005402" and "PAY_NOTIFY" in answer.json["responseMessage"]


@pytest.mark.parametrize(
    "header", ["X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID", "X-TIMESTAMP", "X-SIGNATURE"]
)
def test_each_required_header(client, api, merchant, header):
    token = api.token()
    body = json.dumps(snap.payment_body())
    stamp = snap.jakarta_stamp()
    headers = {
        "Authorization": f"Bearer {token}",
        "X-TIMESTAMP": stamp,
        "X-PARTNER-ID": "IONPAYTEST",
        "X-EXTERNAL-ID": "1234567890",
        "CHANNEL-ID": "IONPAYTEST01",
        "X-SIGNATURE": snap.hmac_signature(
            api.secret, "POST", "/api/v1.0/debit/payment-host-to-host", token, body.encode(), stamp
        ),
    }
    del headers[header]
    answer = snap.django_transport(client)(snap.PAYMENT_PATH, headers, body.encode())
    assert (answer.status, answer.json["responseCode"]) == (400, "4005402")
    assert header in answer.json["responseMessage"]


def test_credentials_never_reach_the_audit_log_or_answers(api, merchant):
    api.signed(snap.PAYMENT_PATH, snap.payment_body(value="1.50"))
    for entry in AuditLog.objects.all():
        assert snap.NICEPAY_SANDBOX_KEY not in json.dumps(entry.detail)


def test_a_trailing_slash_is_served_too(api, merchant):
    answer = api.signed(snap.STATUS_PATH + "/", {"originalReferenceNo": "NONE"})
    assert (answer.status, answer.json["responseCode"]) == (404, "4045501")  # reached the view, signed


def test_the_public_key_document_is_read_only(client):
    assert client.get("/nicepay/snap/public-key.pem").status_code == 200
    posted = client.post("/nicepay/snap/public-key.pem")
    assert posted.status_code == 405 and posted.json()["responseCode"] == "4050000"


def test_djangos_own_errors_under_the_snap_paths_are_snaps_json(client):
    # A refused Host header never reaches the view: Django's 400 handler answers.
    refused = client.post(snap.TOKEN_PATH, "{}", content_type="application/json", HTTP_HOST="evil.example")
    assert (refused.status_code, refused["Content-Type"]) == (400, "application/json")
    assert refused.json() == {"responseCode": "4007300", "responseMessage": "Bad Request", "accessToken": ""}
    factory = RequestFactory()
    crashed = ops_views.error_500(factory.post(snap.PAYMENT_PATH))
    assert crashed.status_code == 500
    assert json.loads(crashed.content) == {"responseCode": "5005400", "responseMessage": "General Error"}
    missing = ops_views.error_404(factory.post("/nicepay/api/v1.0"))
    assert (missing.status_code, json.loads(missing.content)["responseCode"]) == (405, "4050000")
    v2 = ops_views.error_500(factory.post("/nicepay/direct/v2/registration"))
    assert json.loads(v2.content)["resultCd"] == "9002"  # the V2 door keeps its own body


def test_snap_answers_stay_english_for_an_indonesian_client(client, api, merchant):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "id-ID,id;q=0.9"
    client.cookies["payloan_language"] = "id"
    refused = api.signed(snap.PAYMENT_PATH, snap.payment_body(value="25000.50"))
    assert (refused.status, refused.json["responseCode"]) == (400, "4005401")
    assert refused.json["responseMessage"].startswith("Invalid Field Format amount.value")
    assert refused.headers["Content-Language"] == "en"
    token = api.token_request()
    assert token.json["responseMessage"] == "Successful" and token.headers["Content-Language"] == "en"


def test_the_snap_paths_take_no_session_and_need_no_csrf_token(api, merchant):
    strict = Client(enforce_csrf_checks=True)
    answer = snap.SnapClient(snap.django_transport(strict)).signed(
        snap.STATUS_PATH, {"originalReferenceNo": "X"}
    )
    assert (answer.status, answer.json["responseCode"]) == (404, "4045501")  # signed, past CSRF
    assert "Set-Cookie" not in answer.headers and not strict.cookies
    assert "Cookie" not in answer.headers.get("Vary", "")  # no session was even read


def test_every_snap_path_is_a_machine_path_with_a_csrf_exempt_view():
    paths = [snap.TOKEN_PATH, snap.PAYMENT_PATH, snap.STATUS_PATH, snap.REFUND_PATH]
    paths += [p + "/" for p in paths] + [
        "/nicepay/snap/public-key.pem",
        "/nicepay/api/v1.0/transfer-va/create-va",
    ]
    for path in paths:
        assert is_machine_path(path) and getattr(resolve(path).func, "csrf_exempt", False), path
    assert not is_machine_path("/nicepay/direct/v2/payment")  # a page people open keeps its session


def test_text_that_cannot_be_stored_is_snaps_400_before_the_view(api, merchant):
    token = api.token()
    before = stored()
    body = snap.payment_body(value="25000.00", goodsNm="Kopi\u0000")  # json.dumps sends \u0000
    answer = api.signed(snap.PAYMENT_PATH, body, token=token)
    assert (answer.status, answer.json["responseCode"]) == (400, "4005401"), answer.json
    assert "goodsNm" in answer.json["responseMessage"] and "NUL" in answer.json["responseMessage"]
    surrogate = api.signed(snap.PAYMENT_PATH, {}, token=token, raw=b'{"merchantId": "\\ud800"}')
    assert (surrogate.status, surrogate.json["responseCode"]) == (400, "4005401"), surrogate.json
    assert stored() == before
