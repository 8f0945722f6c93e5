"""One battery, run against every partner of the catalogue (providers/registry.py) and its sandbox
over real HTTP.

charge -> next action (served by the partner) -> customer approves -> fetch_status says SUCCEEDED;
every documented status mapped and unknown ones refused; forged notifications refused; cancels the
partner forbids raise before any partner call. The checks that need no partner server
(OFFLINE_CHECKS) are plain functions, so a new partner's adapter can be run through them alone."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from importlib import import_module
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.utils import timezone

from payments.services.registration import new_txid
from providers import registry
from providers.base.adapter import PartnerAdapter
from providers.base.errors import CancelNotAllowed, InvalidPayload, InvalidSignature, UnknownStatus
from providers.base.types import (
    CancelRequest,
    CartItem,
    Deeplink,
    LinkRequest,
    OrderInfo,
    PartnerKind,
    PartnerStatus,
    Party,
    PaymentRequest,
    PushToApp,
    Redirect,
    RefundState,
    Seller,
)


def partner_codes() -> list[str]:
    """What the battery runs over: every partner of the catalogue."""
    return sorted(registry.known_mitra_codes())


def test_every_partner_of_the_catalogue_has_its_adapter():
    for mitra_cd in partner_codes():
        cls = registry.adapter_class(mitra_cd)
        assert cls.mitra_cd == mitra_cd and registry.partner(mitra_cd).adapter.endswith(cls.__name__)


def order(base: str, mitra: str, amount: int = 150_000) -> OrderInfo:
    txid = new_txid("IONPAYTEST", registry.partner(mitra).pay_method)
    return OrderInfo(
        txid=txid,
        reference_no=f"REF{txid[-12:]}",
        amount=amount,
        goods_name="Contract item",
        billing=Party(
            "Budi Santoso",
            "081234567890",
            "budi@example.com",
            "Jl. Sudirman 1",
            "Jakarta",
            "DKI Jakarta",
            "10210",
            "Indonesia",
        ),
        delivery=Party(
            "Budi Santoso",
            "081234567890",
            "",
            "Jl. Sudirman 1",
            "Jakarta",
            "DKI Jakarta",
            "10210",
            "Indonesia",
        ),
        items=(
            CartItem(
                id="SKU1",
                name="Contract item",
                unit_price=amount,
                quantity=1,
                seller_id="SEL1",
                seller_name="Seller",
            ),
        ),
        sellers=(Seller(id="SEL1", name="Seller", email="s@shop.test"),),
        instalment_type="1",
        instalment_months="1",
        user_ip="127.0.0.1",
        expires_at=timezone.now() + timedelta(minutes=30),
        notify_url=f"{base}/partners/{mitra}/notify",
        return_url=f"{base}/pay/{txid}/return",
        cancel_url=f"{base}/pay/{txid}/cancel",
    )


def link_token(adapter: PartnerAdapter, base: str) -> str:
    """AstraPay pays only from a linked account: bind one at the sandbox first."""
    from tests.support.linking import bind_at_astrapay

    link_id = new_txid("IONPAYTEST", "05")
    started = adapter.link_start(
        LinkRequest(
            link_id=link_id,
            phone="081299990000",
            name="Sari",
            email="sari@example.com",
            external_uid=link_id,
            finish_url=f"{base}/link/{link_id}/finish",
            notify_url=f"{base}/partners/{adapter.mitra_cd}/notify",
        )
    )
    finish = bind_at_astrapay(started.redirect_url)
    code = parse_qs(urlparse(finish).query)["authCode"][0]
    return adapter.link_finish(auth_code=code).token


@pytest.fixture(params=partner_codes())
def adapter(request, sandbox_server, db):
    return registry.get_adapter(request.param)


def check_catalogue_entry(adapter: PartnerAdapter) -> None:
    cls, partner = type(adapter), adapter.partner
    assert partner.adapter == f"{cls.__module__}.{cls.__name__}"
    assert partner.name and partner.pay_method in registry.PAY_METHODS
    assert partner.kind == registry.PAY_METHODS[partner.pay_method]
    assert cls.default_credentials and cls.env_prefix and cls.slug
    assert 0 < partner.min_amount < partner.max_amount <= 999_999_999_999
    assert partner.expiry_seconds > 0
    assert bool(partner.tenors) == (partner.kind == PartnerKind.PAYLOAN)
    assert partner.cancel.window is not None or partner.cancel.same_day  # every partner has a limit
    assert adapter.config.base_url.endswith(f"/sandbox/{cls.slug}")


def check_status_map(adapter: PartnerAdapter) -> None:
    transformers = import_module(type(adapter).__module__.rpartition(".")[0] + ".transformers")
    assert transformers.STATUS_MAP, "a documented status map"
    assert set(transformers.STATUS_MAP.values()) <= set(PartnerStatus)
    values = set(transformers.STATUS_MAP.values())
    assert PartnerStatus.SUCCEEDED in values and PartnerStatus.PENDING in values
    assert values & {PartnerStatus.FAILED, PartnerStatus.CANCELLED, PartnerStatus.EXPIRED}
    with pytest.raises(UnknownStatus):
        transformers.map_status("no-such-status-value")


FORGED = [b"", b"{}", b"not json", b'{"status":"paid","amount":"1"}', b"refNo=x&status=100"]


def check_forged_notifications_refused(adapter: PartnerAdapter) -> None:
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Bearer forged:1:00",
        "X-Signature": "forged",
        "X-Airpay-Req-H": "forged",
    }
    for body in FORGED:
        with pytest.raises((InvalidSignature, InvalidPayload)):
            adapter.parse_callback(headers=headers, body=body, path=f"/partners/{adapter.mitra_cd}/notify")


def check_cancel_rules(adapter: PartnerAdapter) -> None:
    """Cancels outside the partner's window are refused before any call; a partial cancel is
    allowed exactly when the catalogue says so."""
    paid_long_ago = timezone.now() - timedelta(days=400)
    late = CancelRequest(
        txid="T" * 30,
        partner_ref="P1",
        amount=1000,
        total_amount=1000,
        already_cancelled=0,
        paid_at=paid_long_ago,
        cancel_id="C1",
    )
    with pytest.raises(CancelNotAllowed):
        adapter.check_cancel(late, now=timezone.now())
    partial = CancelRequest(
        txid="T" * 30,
        partner_ref="P1",
        amount=400,
        total_amount=1000,
        already_cancelled=0,
        paid_at=timezone.now() - timedelta(minutes=5),
        cancel_id="C2",
        items=(
            CartItem(id="SKU1", name="x", unit_price=600, quantity=1),
            CartItem(id="SKU2", name="y", unit_price=400, quantity=1),
        ),
    )
    if adapter.partner.cancel.partial:
        adapter.check_cancel(partial, now=timezone.now())
    else:
        with pytest.raises(CancelNotAllowed):
            adapter.check_cancel(partial, now=timezone.now())


OFFLINE_CHECKS = (
    check_catalogue_entry,
    check_status_map,
    check_forged_notifications_refused,
    check_cancel_rules,
)


@pytest.mark.parametrize("check", OFFLINE_CHECKS, ids=lambda c: c.__name__)
def test_offline_contract(adapter, check):
    check(adapter)


def test_charge_then_customer_approves(adapter, sandbox_server):
    approved(adapter, sandbox_server.url, order(sandbox_server.url, adapter.mitra_cd))


def approved(adapter: PartnerAdapter, base: str, info: OrderInfo) -> str:
    """Charge `info` and have the customer approve it at the sandbox; returns the partner's ref."""
    partner_ref = adapter.register(info).partner_ref if adapter.partner.registers_at_partner else ""
    token = link_token(adapter, base) if adapter.partner.needs_linking else ""
    req = PaymentRequest(order=info, partner_ref=partner_ref, account_token=token)
    action = adapter.start_payment(req)
    partner_ref = action.partner_ref or partner_ref

    if isinstance(action, PushToApp):  # OVO: the push blocks until the customer answers in the app
        outcome: dict = {}
        worker = threading.Thread(target=lambda: outcome.setdefault("r", adapter.complete_push(req)))
        worker.start()
        for _ in range(50):
            if (
                requests.post(
                    f"{base}/sandbox/simulate", json={"tXid": info.txid, "outcome": "success"}, timeout=30
                ).status_code
                == 200
            ):
                break
            threading.Event().wait(0.2)
        worker.join(timeout=60)
        assert outcome["r"].status == PartnerStatus.SUCCEEDED
    else:
        assert isinstance(action, (Redirect, Deeplink))
        url = action.url if isinstance(action, Redirect) else action.url_http
        assert url.startswith(f"{base}/sandbox/{type(adapter).slug}/")
        assert requests.get(url, timeout=30).status_code == 200  # the partner's page is there
        assert adapter.fetch_status(txid=info.txid, partner_ref=partner_ref, amount=info.amount).status == (
            PartnerStatus.PENDING
        )
        resp = requests.post(
            f"{base}/sandbox/simulate", json={"tXid": info.txid, "outcome": "success"}, timeout=60
        )
        assert resp.status_code == 200, resp.text

    status = adapter.fetch_status(txid=info.txid, partner_ref=partner_ref, amount=info.amount)
    assert status.status == PartnerStatus.SUCCEEDED
    assert status.amount in (None, info.amount)
    return status.partner_ref or partner_ref


# Every partner's full cancel, and the partial one of each partner that takes partial cancels.
CANCEL_CASES = [(code, True) for code in partner_codes()] + [
    (code, False) for code in partner_codes() if registry.partner(code).cancel.partial
]


@pytest.mark.parametrize(
    ("mitra_cd", "whole"), CANCEL_CASES, ids=lambda v: {True: "full", False: "partial"}.get(v, v)
)
def test_the_partner_tells_whether_a_cancel_was_made(mitra_cd, whole, sandbox_server, db):
    """adapter.cancel_status, in the partner's own protocol: a cancel it never received is
    NOT_DONE, one it made is DONE (how a cancel whose answer was lost gets settled)."""
    adapter = registry.get_adapter(mitra_cd)
    base = sandbox_server.url
    lines = (
        CartItem(id="SKU1", name="Kettle", unit_price=100_000, quantity=1, seller_id="SEL1", seller_name="S"),
        CartItem(id="SKU2", name="Mug", unit_price=50_000, quantity=1, seller_id="SEL1", seller_name="S"),
    )
    info = replace(order(base, adapter.mitra_cd), items=lines)
    partner_ref = approved(adapter, base, info)
    req = CancelRequest(
        txid=info.txid,
        partner_ref=partner_ref,
        amount=info.amount if whole else 50_000,
        total_amount=info.amount,
        already_cancelled=0,
        paid_at=timezone.now(),
        cancel_id=new_txid("IONPAYTEST", registry.partner(adapter.mitra_cd).pay_method),
        reason="contract",
        items=lines,
    )
    assert adapter.cancel_status(req).state == RefundState.NOT_DONE
    made = adapter.cancel(req)
    answer = adapter.cancel_status(req)
    assert answer.state == RefundState.DONE and answer.kind == made.kind
