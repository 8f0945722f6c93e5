"""A ninth partner is its own package plus one catalogue entry: with nothing else changed, the
gateway registers its payments, the dashboard filters and labels them, the test-payment page and
the REST schema offer it, a checkout finds it, and the contract battery runs over it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from payments.dashboard import testpay
from payments.models import Transaction
from providers import registry
from tests.factories import demo_merchant
from tests.providers import test_contract
from tests.support import flows
from tests.support.dashboard import member
from tests.support.rest import basic

pytestmark = pytest.mark.django_db
REG = "/nicepay/direct/v2/registration"


@pytest.fixture
def registered(ninth_partner, client):
    merchant = demo_merchant()
    body = flows.registration_body(mitra_cd="NINE", amount=150_000, db_process_url="http://127.0.0.1:9/n")
    answer = client.post(REG, json.dumps(body), content_type="application/json").json()
    assert answer["resultCd"] == "0000", answer
    return merchant, Transaction.objects.get(txid=answer["tXid"])


def test_the_catalogue_lists_it_and_a_checkout_finds_it_for_its_amounts(ninth_partner):
    assert "NINE" in registry.known_mitra_codes() and registry.display_names()["NINE"] == "Ninth Pay"
    assert ninth_partner in registry.partners_for(amount=150_000, pay_method="06")
    assert ninth_partner not in registry.partners_for(amount=5_000, pay_method="06")  # below its minimum
    assert ninth_partner not in registry.partners_for(amount=150_000, pay_method="05")


def test_the_gateway_registers_it_with_its_own_rules(registered, client):
    merchant, txn = registered
    assert (txn.mitra_cd, txn.pay_method, txn.merchant) == ("NINE", "06", merchant)
    assert (txn.expires_at - txn.created_at) <= timedelta(seconds=3600)
    low = flows.registration_body(mitra_cd="NINE", amount=5_000, db_process_url="http://127.0.0.1:9/n")
    answer = client.post(REG, json.dumps(low), content_type="application/json").json()
    assert answer == {"resultCd": "9003", "resultMsg": "amt 5000 is below this partner's minimum of 20000"}
    tenor = flows.registration_body(
        mitra_cd="NINE", amount=150_000, db_process_url="http://127.0.0.1:9/n", instmntMon="6"
    )
    answer = client.post(REG, json.dumps(tenor), content_type="application/json").json()
    assert answer["resultCd"] == "9029" and "allowed: 1, 3" in answer["resultMsg"]


def test_the_dashboard_filters_and_labels_it(registered, client):
    merchant, txn = registered
    client.force_login(member(merchant).user)
    page = client.get("/dashboard/transactions/").content.decode()
    assert '<option value="NINE">Ninth Pay</option>' in page and "Ninth Pay" in page
    rows = client.get("/dashboard/transactions/", {"partner": "NINE"}).context["page"].rows
    assert [t.txid for t in rows] == [txn.txid] and rows[0].partner_name == "Ninth Pay"
    assert "Ninth Pay" in client.get(f"/dashboard/transactions/{txn.txid}/").content.decode()


def test_the_test_payment_page_offers_it_as_pay_later(ninth_partner, client):
    merchant = demo_merchant()
    client.force_login(member(merchant).user)
    page = client.get("/dashboard/sandbox/").content.decode()
    assert '<option value="NINE">Ninth Pay</option>' in page
    body = testpay.registration_body(merchant, mitra_cd="NINE", amount=150_000, phone="0812")
    assert body["payMethod"] == "06" and body["instmntType"] == "1" and body["deliveryNm"]


def test_the_rest_schema_and_filter_take_it(registered):
    merchant, txn = registered
    schema = APIClient().get("/api/schema/?format=json").json()
    params = schema["paths"]["/api/v1/transactions"]["get"]["parameters"]
    (mitra,) = [p for p in params if p["name"] == "mitraCd"]
    assert "NINE" in mitra["schema"]["enum"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic(merchant.imid, merchant.merchant_key))
    found = api.get("/api/v1/transactions", {"mitraCd": "NINE"}).json()["results"]
    assert [t["tXid"] for t in found] == [txn.txid]


def test_the_contract_battery_runs_over_it(ninth_partner, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    assert "NINE" in test_contract.partner_codes()  # what the battery is parametrised with
    adapter = registry.get_adapter("NINE")
    for check in test_contract.OFFLINE_CHECKS:
        check(adapter)
