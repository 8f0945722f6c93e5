"""Akulaku adapter against the built-in sandbox, over real HTTP (pages driven like a browser)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from providers.akulaku import transformers as t
from providers.base.errors import InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.types import CancelRequest, PartnerStatus, PaymentRequest, Redirect
from providers.registry import get_adapter
from tests.support.paylater_orders import PageWalker, order, received_for

pytestmark = pytest.mark.django_db(transaction=True)
S = PartnerStatus


@pytest.fixture
def callbacks(sandbox_server, receiver, settings):
    """Akulaku's server callback URL is set at onboarding: point it at the test receiver."""
    receiver.reset()
    settings.SANDBOX_GATEWAY_BASE_URL = receiver.url.rsplit("/notify", 1)[0]
    return receiver


def start(sandbox_server, amount: int):
    o = order(amount, mitra="AKLP", base=sandbox_server.url)
    adapter = get_adapter("AKLP")
    reg = adapter.register(o)
    assert reg.partner_ref.isdigit() and reg.data["refNo"] == o.txid
    action = adapter.start_payment(PaymentRequest(order=o, partner_ref=reg.partner_ref))
    assert isinstance(action, Redirect)
    assert action.url.startswith(f"{sandbox_server.url}/sandbox/akulaku/v2/openPay.html?")
    return adapter, o, action


def pay(url: str, *, period: str = "3"):
    page = PageWalker(url)
    assert all(v in page.text for v in ("081234567890", "akulaku123", "123456"))  # test credentials shown
    page.post(phone="081234567890", password="akulaku123")
    assert "Choose your instalment" in page.text
    page.post(tenor=period)
    return page.post(otp="123456")


def callback_event(adapter, receiver, o, count: int = 1):
    got = received_for(receiver, o.txid, count)
    assert len(got) == count
    assert got[0].path == "/partners/AKLP/notify"
    return adapter.parse_callback(headers=got[0].headers, body=got[0].body, path=got[0].path)


def test_success_receipt_and_refund(sandbox_server, callbacks):
    adapter, o, action = start(sandbox_server, 1_500_000)
    assert (
        adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount).status is S.PENDING
    )
    with pytest.raises(PartnerDeclined) as exc:
        adapter.confirm_receipt(txid=o.txid, partner_ref=action.partner_ref)
    assert exc.value.code == "openpay.0009"  # not paid yet

    resp = pay(action.url)
    assert resp.status_code == 302
    back = urlparse(resp.headers["Location"])
    assert back.path == f"/pay/{o.txid}/return"
    query = parse_qs(back.query)
    assert query["status"] == ["100"] and query["refNo"] == [o.txid]
    assert query["sign"] == [adapter.sign(o.txid)]
    event = callback_event(adapter, callbacks, o)
    assert event.status is S.SUCCEEDED and event.raw_status == "100"
    status = adapter.fetch_status(txid=o.txid, partner_ref=action.partner_ref, amount=o.amount)
    assert status.status is S.SUCCEEDED and status.amount == 1_500_000 and status.raw["periods"] == 3

    receipt = adapter.confirm_receipt(txid=o.txid, partner_ref=action.partner_ref)
    assert receipt.raw_status == "101" and receipt.raw["status"] == 101
    assert (
        adapter.confirm_receipt(txid=o.txid, partner_ref=action.partner_ref).raw["status"] == 101
    )  # idempotent

    now = datetime.now(UTC)
    partial = CancelRequest(o.txid, action.partner_ref, 2_000, 1_500_000, 0, now, "c1", items=o.items)
    adapter.check_cancel(partial, now=now)
    assert adapter.cancel(partial).raw == {"skuIds": ["SKU-2"]}
    with pytest.raises(PartnerDeclined):  # that line is gone already
        adapter.cancel(
            CancelRequest(o.txid, action.partner_ref, 2_000, 1_500_000, 2_000, now, "c2", items=o.items)
        )
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.SUCCEEDED
    rest = CancelRequest(o.txid, action.partner_ref, 1_498_000, 1_500_000, 2_000, now, "c3", items=o.items)
    assert adapter.cancel(rest).kind == "refund"
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.REFUNDED


def test_full_cancel_before_payment_is_a_void(sandbox_server, callbacks):
    adapter, o, action = start(sandbox_server, 50_000)
    result = adapter.cancel(CancelRequest(o.txid, action.partner_ref, 50_000, 50_000, 0, None, "c1"))
    assert result.kind == "void"
    assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is S.CANCELLED
    with pytest.raises(PartnerDeclined) as exc:
        adapter.cancel(CancelRequest(o.txid, action.partner_ref, 50_000, 50_000, 0, None, "c2"))
    assert exc.value.code == "openpay.0007"


@pytest.mark.parametrize(
    ("amount", "expected", "count"),
    [(50_901, S.FAILED, 1), (50_902, S.CANCELLED, 1), (50_903, S.CANCELLED, 1), (50_907, S.SUCCEEDED, 2)],
)
def test_triggers(sandbox_server, callbacks, amount, expected, count):
    adapter, o, action = start(sandbox_server, amount)
    pay(action.url)
    assert callback_event(adapter, callbacks, o, count).status is expected


def test_silent_pending_forged_and_partner_error(sandbox_server, callbacks):
    runs = {}
    for amount in (50_905, 50_906, 50_908):
        adapter, o, action = start(sandbox_server, amount)
        pay(action.url)
        runs[amount] = (adapter, o)
    for amount in (50_905, 50_906):
        assert received_for(callbacks, runs[amount][1].txid, timeout=0.3) == []
    adapter, o = runs[50_908]
    got = received_for(callbacks, o.txid)
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers=got[0].headers, body=got[0].body, path=got[0].path)
    expected = {50_905: S.PENDING, 50_906: S.SUCCEEDED, 50_908: S.SUCCEEDED}
    for amount, (adapter, o) in runs.items():
        assert adapter.fetch_status(txid=o.txid, partner_ref="", amount=o.amount).status is expected[amount]
    with pytest.raises(PartnerUnavailable):
        get_adapter("AKLP").register(order(50_909, mitra="AKLP", base=sandbox_server.url))


def test_register_repeat_adopts_the_order_and_bad_sign_is_refused(sandbox_server, callbacks, monkeypatch):
    adapter, o, action = start(sandbox_server, 50_000)
    assert adapter.register(o).partner_ref == action.partner_ref
    monkeypatch.setenv("AKULAKU_SECRET_KEY", "not-the-issued-secret")
    get_adapter.cache_clear()
    with pytest.raises(PartnerDeclined) as exc:
        get_adapter("AKLP").register(order(50_000, mitra="AKLP", base=sandbox_server.url))
    assert exc.value.code == "openpay.0001"
    get_adapter.cache_clear()


def test_page_refuses_a_bad_link_and_customer_can_cancel(sandbox_server, callbacks):
    adapter, o, action = start(sandbox_server, 50_000)
    tampered = action.url.replace("sign=", "sign=x")
    assert PageWalker(tampered).page.status_code == 404
    page = PageWalker(action.url)
    page.post(phone="081234567890", password="wrong")
    assert "Phone number or password is not right." in page.text
    resp = page.post(action="cancel")
    assert parse_qs(urlparse(resp.headers["Location"]).query)["status"] == ["92"]
    assert callback_event(adapter, callbacks, o).status is S.CANCELLED
    assert t.map_status("92") is S.CANCELLED


def test_the_sandbox_page_is_at_the_public_address_not_the_partner_api_server(settings, monkeypatch) -> None:
    """make run and the test stack run the simulated partners' APIs on a server of their own
    (SANDBOX_PARTNER_BASE_URL), which only the gateway reaches; shoppers reach sandbox pages at
    PUBLIC_BASE_URL, as every other partner's. A real Akulaku page root (AKULAKU_PAGE_URL) wins,
    and a partner API of our choosing (AKULAKU_BASE_URL) keeps its own host for the page."""
    from providers.akulaku.adapter import AkulakuAdapter
    from providers.registry import build_config

    settings.PUBLIC_BASE_URL = "https://pay.example.com"
    settings.SANDBOX_PARTNER_BASE_URL = "http://127.0.0.1:8767"
    config = build_config(AkulakuAdapter)
    assert config.base_url == "http://127.0.0.1:8767/sandbox/akulaku"  # the API: gateway only
    assert config.credentials["page_url"] == "https://pay.example.com/sandbox/akulaku"
    adapter = AkulakuAdapter(config=config, http=None)
    action = adapter.start_payment(
        PaymentRequest(order=order(20_000, mitra="AKLP", base=""), partner_ref="1")
    )
    assert action.url.startswith("https://pay.example.com/sandbox/akulaku/v2/openPay.html?")

    monkeypatch.setenv("AKULAKU_PAGE_URL", "https://mall.akulaku.example")
    assert build_config(AkulakuAdapter).credentials["page_url"] == "https://mall.akulaku.example"
    monkeypatch.delenv("AKULAKU_PAGE_URL")
    monkeypatch.setenv("AKULAKU_BASE_URL", "https://openpay.akulaku.example")
    assert build_config(AkulakuAdapter).credentials["page_url"] == ""  # the API's host, as before
