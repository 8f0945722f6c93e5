"""The V2 payment step answers as NICEPAY does: a 200 HTML page that moves the browser on at once
(script, a <noscript> refresh, a visible link) instead of a bare 302, which NICEPAY's PHP library
(curl, posting the form from the server) reports as "HTTP Error 302"; JSON with returnJsonFormat=1;
and a clear message to a JSON body. Runs the gateway and the sandbox partners in one live server."""

from __future__ import annotations

import pytest
import requests

from payments import customer_access
from payments.models import Transaction
from tests.support import flows

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "http://127.0.0.1:9/notify"
CALLBACK = "http://127.0.0.1:9/merchant/callback"
PAY = "/nicepay/direct/v2/payment"


def registered(base: str, mitra: str = "DANA", amount: int = 20_000) -> dict:
    reg = flows.register(base, mitra_cd=mitra, amount=amount, db_process_url=NOTIFY)
    assert reg["resultCd"] == "0000", reg
    return reg


def fields(reg: dict, **extra: str) -> dict[str, str]:
    """What the merchant's form carries (the query of the payment URL)."""
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(flows.payment_url("http://x", reg, callback_url=CALLBACK, **extra)).query))


def test_get_answers_a_page_that_moves_on_to_the_partner(sandbox_server, demo_merchant):
    reg = registered(sandbox_server.url)
    page_url = flows.payment_started(sandbox_server.url, reg, callback_url=CALLBACK)
    assert "/sandbox/dana/m/portal/cashier/checkout?bizNo=" in page_url
    assert requests.get(page_url, timeout=10).status_code == 200


def test_a_server_side_form_post_gets_200_html_never_a_redirect_status(sandbox_server, demo_merchant):
    """What php-nicepay's requestV2TransactionUrlencodedBody does: curl, no redirects followed,
    any status outside 2xx thrown as "HTTP Error <status>"."""
    reg = registered(sandbox_server.url)
    resp = requests.post(
        f"{sandbox_server.url}{PAY}",
        data=fields(reg),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=60,
    )
    assert "/sandbox/dana/" in flows.next_hop(resp)
    # The same form again (a refresh, or a second post) goes to the same partner page: one start.
    again = requests.post(f"{sandbox_server.url}{PAY}", data=fields(reg), allow_redirects=False, timeout=60)
    assert flows.next_hop(again) == flows.next_hop(resp)


def test_ovo_push_moves_on_to_the_waiting_page(sandbox_server, demo_merchant):
    reg = registered(sandbox_server.url, "OVOE", 15_000)
    assert flows.payment_started(sandbox_server.url, reg) == customer_access.page_path(reg["tXid"], "wait")


@pytest.mark.parametrize("mitra", ["ESHP", "DANA", "OVOE"])
def test_return_json_format_answers_json_for_every_partner(sandbox_server, demo_merchant, mitra):
    reg = registered(sandbox_server.url, mitra, 15_000)
    resp = flows.start_payment(sandbox_server.url, reg, returnJsonFormat="1")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert (body["resultCd"], body["tXid"]) == ("0000", reg["tXid"])
    assert body["redirectUrlHttp"].startswith(("http://", "https://")), body
    if mitra == "ESHP":
        assert body["redirectUrlApp"], body  # ShopeePay's app link


def test_return_json_format_errors_are_json_with_http_200(sandbox_server, demo_merchant):
    reg = registered(sandbox_server.url)
    bad = flows.start_payment(sandbox_server.url, reg, key="not-the-key", returnJsonFormat="1")
    assert bad.status_code == 200 and bad.json()["resultCd"] == "9010"
    stale = requests.get(
        f"{sandbox_server.url}{PAY}",
        params={**fields(reg, returnJsonFormat="1"), "timeStamp": "20200101000000"},
        timeout=30,
    )
    assert stale.status_code == 200 and stale.json()["resultCd"] == "9031"
    assert Transaction.objects.get(txid=reg["tXid"]).payment_started_at is None  # nothing started


def test_a_json_body_is_told_the_payment_step_takes_form_fields(sandbox_server, demo_merchant):
    """php-nicepay's V2EwalletService::payment posts JSON here and parses the answer as JSON."""
    reg = registered(sandbox_server.url)
    resp = requests.post(f"{sandbox_server.url}{PAY}", json=fields(reg), timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    answer = resp.json()
    assert answer["resultCd"] == "9003" and "form fields or a query string" in answer["resultMsg"]
    assert Transaction.objects.get(txid=reg["tXid"]).payment_started_at is None


def test_a_finished_payment_moves_on_to_the_shop_with_its_result(sandbox_server, demo_merchant):
    from payments.services.transitions import transaction_apply_status

    reg = registered(sandbox_server.url)
    txn = Transaction.objects.get(txid=reg["tXid"])
    transaction_apply_status(transaction_id=txn.pk, to="8", source="test", idempotency_key="declined")
    back = flows.payment_started(sandbox_server.url, reg, callback_url=CALLBACK)
    assert back.startswith(CALLBACK + "?") and "resultCd=9752" in back and f"tXid={reg['tXid']}" in back


@pytest.mark.browser
def test_chromium_without_javascript_follows_the_noscript_refresh(stack, demo_merchant, receiver, browser):
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=20_000, db_process_url=receiver.url)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(flows.payment_url(stack.base_url, reg, callback_url=CALLBACK))
        page.wait_for_url("**/sandbox/dana/m/portal/cashier/checkout?bizNo=*", timeout=15000)
    finally:
        context.close()


@pytest.mark.browser
def test_chromium_leaves_the_page_at_once_and_it_shows_a_link(stack, demo_merchant, receiver, page):
    reg = flows.register(stack.base_url, mitra_cd="DANA", amount=20_000, db_process_url=receiver.url)
    seen: list[int] = []
    page.on("response", lambda r: seen.append(r.status) if PAY in r.url else None)
    page.goto(flows.payment_url(stack.base_url, reg, callback_url=CALLBACK))
    page.wait_for_url("**/sandbox/dana/m/portal/cashier/checkout?bizNo=*")
    assert seen == [200]
    # The page itself, as a person would see it if the browser stalled: a link to follow.
    again = requests.get(flows.payment_url(stack.base_url, reg, callback_url=CALLBACK), timeout=30)
    assert "Continue to the payment page</a>" in again.text and "/sandbox/dana/" in flows.next_hop(again)
