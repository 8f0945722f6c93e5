"""The ShopeePay adapter against the built-in ShopeePay sandbox, over real HTTP."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests

from providers.base.errors import CancelNotAllowed, InvalidSignature, PartnerDeclined, PartnerUnavailable
from providers.base.http import HttpClient
from providers.base.types import CancelRequest, Deeplink, OrderInfo, PartnerStatus, Party, PaymentRequest
from providers.registry import build_config, get_adapter
from providers.sandbox import core
from providers.sandbox.models import SandboxOrder
from providers.shopeepay.adapter import ShopeePayAdapter

pytestmark = pytest.mark.django_db(transaction=True)


def new_txid() -> str:
    return "IONPAYTEST0520261122" + "".join(secrets.choice("0123456789") for _ in range(10))


def order_for(server, amount: int = 10_000, txid: str | None = None) -> OrderInfo:
    txid = txid or new_txid()
    return OrderInfo(
        txid=txid,
        reference_no="ORD-" + txid[-6:],
        amount=amount,
        goods_name="Kopi",
        billing=Party(name="Budi", phone="081234567890", email="budi@example.test"),
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
        notify_url=f"{server.url}/partners/ESHP/notify",
        return_url=f"{server.url}/pay/{txid}/return",
        cancel_url=f"{server.url}/pay/{txid}/cancel",
    )


@pytest.fixture
def outbox(monkeypatch):
    """Notifications the simulated ShopeePay sends, captured instead of posted."""
    sent: list[tuple[str, bytes, dict]] = []

    def fake_send(url, *, body, headers=None, copies=1, form=False):
        for _ in range(copies):
            sent.append((url, body, dict(headers or {})))
        return [200] * copies

    monkeypatch.setattr(core, "send", fake_send)
    return sent


def start(server, amount: int = 10_000) -> tuple[ShopeePayAdapter, OrderInfo, Deeplink]:
    adapter = get_adapter("ESHP")
    order = order_for(server, amount)
    action = adapter.start_payment(PaymentRequest(order=order))
    assert isinstance(action, Deeplink)
    return adapter, order, action


def simulate(server, txid: str, outcome: str) -> dict:
    resp = requests.post(
        f"{server.url}/sandbox/simulate", json={"tXid": txid, "outcome": outcome}, timeout=15
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def status(adapter: ShopeePayAdapter, order: OrderInfo):
    return adapter.fetch_status(txid=order.txid, partner_ref=order.txid, amount=order.amount)


def test_create_gives_working_page_and_deeplink(sandbox_server) -> None:
    adapter, order, action = start(sandbox_server)
    assert action.partner_ref == order.txid
    assert action.url_app.startswith("shopeeid://main?apprl=")
    page = requests.get(action.url_http, timeout=15)
    assert page.status_code == 200
    assert "Rp 10.000" in page.text and "123456" in page.text  # amount and the test PIN shown
    row = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=order.txid)
    assert row.amount == 10_000 and row.data["request"]["amount"] == 1_000_000
    assert 290 <= row.data["validity_period"] <= 300
    assert status(adapter, order).status is PartnerStatus.PENDING


def test_create_again_returns_same_page(sandbox_server) -> None:
    adapter, order, action = start(sandbox_server)
    again = adapter.start_payment(PaymentRequest(order=order))
    assert again.url_http == action.url_http


def test_simulate_success_then_check_says_succeeded(sandbox_server, outbox) -> None:
    adapter, order, _ = start(sandbox_server, 25_000)
    result = simulate(sandbox_server, order.txid, "success")
    assert result["return_url"] == order.return_url
    checked = status(adapter, order)
    assert (checked.status, checked.amount) == (PartnerStatus.SUCCEEDED, 25_000)
    assert checked.paid_at is not None
    # The notification the sandbox sent verifies with the adapter and says the same.
    assert len(outbox) == 1
    url, body, headers = outbox[0]
    assert url.endswith("/partners/ESHP/notify")
    event = adapter.parse_callback(headers=headers, body=body, path="/partners/ESHP/notify")
    assert (event.txid, event.status, event.amount) == (order.txid, PartnerStatus.SUCCEEDED, 25_000)


@pytest.mark.parametrize(
    ("amount", "outcome", "expected"),
    [
        (10_000, "decline", PartnerStatus.FAILED),
        (10_000, "expire", PartnerStatus.EXPIRED),
        (10_000, "cancel", PartnerStatus.CANCELLED),
        (10_901, "success", PartnerStatus.FAILED),
        (10_902, "success", PartnerStatus.EXPIRED),
        (10_903, "success", PartnerStatus.CANCELLED),
        (10_905, "success", PartnerStatus.PENDING),
    ],
)
def test_outcomes_notify_and_check_agree(sandbox_server, outbox, amount, outcome, expected) -> None:
    adapter, order, _ = start(sandbox_server, amount)
    simulate(sandbox_server, order.txid, outcome)
    assert status(adapter, order).status is expected
    [(_, body, headers)] = outbox
    assert adapter.parse_callback(headers=headers, body=body, path="/").status is expected


def test_notification_triggers(sandbox_server, outbox) -> None:
    adapter, never, _ = start(sandbox_server, 10_906)
    simulate(sandbox_server, never.txid, "success")
    assert outbox == []
    assert status(adapter, never).status is PartnerStatus.SUCCEEDED  # polling settles it

    _, twice, _ = start(sandbox_server, 10_907)
    simulate(sandbox_server, twice.txid, "success")
    assert len(outbox) == 2 and outbox[0][1] == outbox[1][1]

    outbox.clear()
    _, forged, _ = start(sandbox_server, 10_908)
    simulate(sandbox_server, forged.txid, "success")
    [(_, body, headers)] = outbox
    with pytest.raises(InvalidSignature):
        adapter.parse_callback(headers=headers, body=body, path="/")


def test_partner_5xx_is_unavailable(sandbox_server) -> None:
    adapter = get_adapter("ESHP")
    with pytest.raises(PartnerUnavailable):
        adapter.start_payment(PaymentRequest(order=order_for(sandbox_server, 10_909)))


@pytest.mark.parametrize("cred", ["secret", "client_id", "merchant_ext_id"])
def test_bad_credentials_refused(sandbox_server, cred: str) -> None:
    config = build_config(ShopeePayAdapter)
    config = replace(config, credentials={**config.credentials, cred: "not-issued"})
    adapter = ShopeePayAdapter(config=config, http=HttpClient(timeout=10))
    with pytest.raises(PartnerDeclined) as exc:
        adapter.start_payment(PaymentRequest(order=order_for(sandbox_server)))
    assert exc.value.code == ("4" if cred == "merchant_ext_id" else "2")
    assert "not-issued" not in str(exc.value)


def cancel_req(order: OrderInfo, amount: int, already: int = 0, n: int = 1) -> CancelRequest:
    return CancelRequest(
        txid=order.txid,
        partner_ref=order.txid,
        amount=amount,
        total_amount=order.amount,
        already_cancelled=already,
        paid_at=datetime.now(UTC),
        cancel_id=f"C{n}-{order.txid}",
    )


def test_partial_refunds_then_void_refused(sandbox_server, outbox) -> None:
    adapter, order, _ = start(sandbox_server, 10_000)
    simulate(sandbox_server, order.txid, "success")
    first = adapter.cancel(cancel_req(order, 4_000))
    assert first.kind == "refund" and first.partner_cancel_ref
    assert (
        adapter.cancel(cancel_req(order, 4_000)).partner_cancel_ref == first.partner_cancel_ref
    )  # idempotent
    with pytest.raises(PartnerDeclined):  # more than is left
        adapter.cancel(cancel_req(order, 7_000, already=4_000, n=2))
    adapter.cancel(cancel_req(order, 6_000, already=4_000, n=3))
    assert status(adapter, order).status is PartnerStatus.REFUNDED


def test_full_cancel_is_a_void(sandbox_server, outbox) -> None:
    adapter, order, _ = start(sandbox_server, 10_000)
    simulate(sandbox_server, order.txid, "success")
    result = adapter.cancel(cancel_req(order, 10_000))
    assert result.kind == "void"
    assert adapter.cancel(cancel_req(order, 10_000)).partner_cancel_ref == result.partner_cancel_ref
    assert status(adapter, order).status is PartnerStatus.CANCELLED


def test_cancel_unpaid_or_after_24h_refused(sandbox_server, outbox) -> None:
    adapter, order, _ = start(sandbox_server, 10_000)
    with pytest.raises(PartnerDeclined) as exc:  # nothing paid yet at ShopeePay
        adapter.cancel(cancel_req(order, 10_000))
    assert exc.value.code == "121"
    simulate(sandbox_server, order.txid, "success")
    row = SandboxOrder.objects.get(partner="shopeepay", merchant_ref=order.txid)
    row.data = {**row.data, "finished_at": row.data["finished_at"] - 25 * 3600}
    row.save()
    with pytest.raises(CancelNotAllowed) as exc:  # ShopeePay's errcode 304
        adapter.cancel(cancel_req(order, 3_000))
    assert exc.value.code == "304"


def _form(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrfmiddlewaretoken|token)" value="([^"]+)"', html))


def test_hosted_page_confirm_pin_and_return(sandbox_server, outbox) -> None:
    adapter, order, action = start(sandbox_server, 12_000)
    browser = requests.Session()
    page = browser.get(action.url_http, timeout=15)
    fields = _form(page.text)
    pin_page = browser.post(action.url_http, data={**fields, "action": "confirm"}, timeout=15)
    assert pin_page.status_code == 200 and 'name="pin"' in pin_page.text
    wrong = browser.post(
        action.url_http, data={**fields, "action": "pin", "pin": "000000"}, timeout=15, allow_redirects=False
    )
    assert wrong.status_code == 200 and "Incorrect PIN" in wrong.text
    assert status(adapter, order).status is PartnerStatus.PENDING
    done = browser.post(
        action.url_http, data={**fields, "action": "pin", "pin": "123456"}, timeout=15, allow_redirects=False
    )
    assert done.status_code == 302 and done.headers["Location"] == order.return_url
    assert status(adapter, order).status is PartnerStatus.SUCCEEDED
    assert len(outbox) == 1
    again = browser.get(action.url_http, timeout=15)  # the link now only says it is paid
    assert "This payment is paid" in again.text


def test_hosted_page_cancel_button(sandbox_server, outbox) -> None:
    adapter, order, action = start(sandbox_server, 12_000)
    browser = requests.Session()
    fields = _form(browser.get(action.url_http, timeout=15).text)
    done = browser.post(
        action.url_http, data={**fields, "action": "cancel"}, timeout=15, allow_redirects=False
    )
    assert done.status_code == 302 and done.headers["Location"] == order.return_url
    assert status(adapter, order).status is PartnerStatus.CANCELLED


def test_hosted_page_refuses_post_without_csrf(sandbox_server) -> None:
    _, _, action = start(sandbox_server)
    token = action.url_http.rsplit("token=", 1)[1]
    resp = requests.post(action.url_http, data={"token": token, "action": "cancel"}, timeout=15)
    assert resp.status_code == 403


def test_unsigned_api_call_refused(sandbox_server) -> None:
    url = f"{sandbox_server.url}/sandbox/shopeepay/v3/merchant-host/transaction/check"
    resp = requests.post(url, json={"request_id": "x", "reference_id": "y"}, timeout=15)
    assert resp.status_code == 401 and resp.json()["errcode"] == 2
