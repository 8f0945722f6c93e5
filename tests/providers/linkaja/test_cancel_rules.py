"""LinkAja cancel rules (nicepay-v2.md §5.3): full void within 30 days, otherwise manual refund."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers import registry
from providers.base.errors import CancelNotAllowed, InvalidPayload, PartnerUnavailable
from providers.base.http import HttpClient
from providers.base.types import CancelRequest, PartnerConfig, PaymentRequest
from providers.linkaja.adapter import LinkAjaAdapter
from tests.support.paylater_orders import FakeHttp

from .helpers import order

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def adapter() -> LinkAjaAdapter:
    cfg = PartnerConfig("LINK", "http://partner.invalid", dict(LinkAjaAdapter.default_credentials))
    return LinkAjaAdapter(config=cfg, http=HttpClient())


def req(amount=10_000, total=10_000, done=0, paid_at=NOW - timedelta(days=1)) -> CancelRequest:
    return CancelRequest("T" * 30, "LA1", amount, total, done, paid_at, "c1")


def test_full_within_30_days_is_allowed():
    adapter().check_cancel(req(paid_at=NOW - timedelta(days=29, hours=23)), now=NOW)


def test_full_after_30_days_needs_manual_refund():
    with pytest.raises(CancelNotAllowed, match="manual refund"):
        adapter().check_cancel(req(paid_at=NOW - timedelta(days=30, seconds=1)), now=NOW)


def test_partial_is_refused():
    with pytest.raises(CancelNotAllowed, match="manual refund"):
        adapter().check_cancel(req(amount=5_000), now=NOW)


def test_unpaid_cannot_be_cancelled_at_linkaja():
    with pytest.raises(CancelNotAllowed):
        adapter().check_cancel(req(paid_at=None), now=NOW)


def test_no_server_push():
    with pytest.raises(InvalidPayload):
        adapter().parse_callback(headers={}, body=b"{}", path="/partners/LINK/notify")


def test_class_attributes_and_catalogue_entry():
    a = LinkAjaAdapter
    assert (a.mitra_cd, a.slug, a.env_prefix) == ("LINK", "linkaja", "LINKAJA")
    p = registry.partner("LINK")
    assert (p.min_amount, p.max_amount, p.expiry_seconds) == (10_000, 5_000_000, 300)
    assert p.cancel.partial is False and p.registers_at_partner is False


def test_an_answer_without_json_is_ambiguous_not_a_decline():
    config = PartnerConfig("LINK", "https://partner.test", dict(LinkAjaAdapter.default_credentials))
    a = LinkAjaAdapter(config=config, http=FakeHttp((200, b"<html>maintenance</html>")))
    with pytest.raises(PartnerUnavailable, match="without JSON"):
        a.start_payment(PaymentRequest(order=order()))
