"""Where a partner's notification carries a signed time, the adapter's own verify code refuses one
outside the window (a replay of an old capture), either way, and an unreadable time too. Partners
without one (Kredivo: every push is confirmed with Kredivo; ShopeePay, Akulaku: a replay is the
same status again) are listed so a new partner cannot be forgotten. Pure: no I/O."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from providers import registry
from providers.astrapay import transformers as astra
from providers.astrapay.adapter import AstraPayAdapter
from providers.base import freshness, signing
from providers.base.errors import InvalidSignature, StaleNotification
from providers.base.http import HttpClient
from providers.base.types import PartnerConfig
from providers.dana.adapter import DanaAdapter
from providers.indodana import transformers as idna
from providers.indodana.adapter import IndodanaAdapter
from providers.sandbox.dana import snap as dana_side
from tests.providers.astrapay.helpers import fixture as astra_fixture
from tests.providers.dana.helpers import NOTIFY_PATH, fixture_bytes

WINDOW = 900
NOW = datetime(2026, 11, 30, 8, 0, 0, tzinfo=UTC)
# Which adapters check a notification time, and which protocols carry none (a new partner must be
# placed in one list or the other).
CHECKS_TIME = {"DANA", "ASTR", "IDNA"}
NO_TIME = {"KDVI": "confirmed with Kredivo", "ESHP": "HMAC over the body", "AKLP": "sign(refNo+status)"}


class Pinned:
    """An adapter whose clock is NOW."""

    @staticmethod
    def make(cls):  # noqa: ANN001, ANN205
        config = PartnerConfig(cls.mitra_cd, "http://partner.test", dict(cls.default_credentials))
        adapter = cls(config=config, http=HttpClient())
        adapter.now = lambda: NOW
        return adapter


def test_every_receiving_partner_is_classified():
    receiving = {
        code for code in registry.known_mitra_codes() if registry.adapter_class(code).max_notification_bytes
    }
    assert receiving == CHECKS_TIME | set(NO_TIME)


@pytest.mark.parametrize(
    ("offset", "fresh"),
    [(0, True), (-WINDOW, True), (WINDOW, True), (-WINDOW - 1, False), (WINDOW + 1, False)],
)
def test_window_both_ways(offset, fresh):
    sent = NOW + timedelta(seconds=offset)
    if fresh:
        freshness.require_fresh(sent, now=NOW, window=WINDOW, partner="X")
    else:
        with pytest.raises(StaleNotification):
            freshness.require_fresh(sent, now=NOW, window=WINDOW, partner="X")


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-11-30T15:00:00", "1701330000"])
def test_unreadable_snap_times_are_refused(bad):
    with pytest.raises(StaleNotification):
        freshness.snap_time(bad)


def test_stale_is_a_kind_of_bad_signature():
    # The gateway refuses it like any notification that does not verify (401, kept apart).
    assert issubclass(StaleNotification, InvalidSignature)


# --- DANA: X-TIMESTAMP, covered by the RSA signature -------------------------------------------


def dana_headers(stamp: str, body: bytes) -> dict[str, str]:
    return {"X-TIMESTAMP": stamp, "X-SIGNATURE": dana_side.sign_as_dana(NOTIFY_PATH, body, stamp)}


@pytest.mark.parametrize(
    ("stamp", "accepted"),
    [
        ("2026-11-30T15:00:00+07:00", True),  # NOW in Jakarta
        ("2026-11-30T14:46:00+07:00", True),  # 14 minutes old
        ("2026-11-30T14:44:00+07:00", False),  # 16 minutes old
        ("2026-11-30T15:16:00+07:00", False),  # 16 minutes ahead
        ("2020-06-01T10:00:00+07:00", False),  # the attack: a 2020 capture
    ],
)
def test_dana_notification_time(stamp, accepted):
    body = fixture_bytes("finish_notify_paid.json")
    adapter = Pinned.make(DanaAdapter)
    if accepted:
        assert adapter.parse_callback(headers=dana_headers(stamp, body), body=body, path=NOTIFY_PATH).txid
    else:
        with pytest.raises(StaleNotification):
            adapter.parse_callback(headers=dana_headers(stamp, body), body=body, path=NOTIFY_PATH)


def test_dana_time_cannot_be_swapped_for_a_fresh_one():
    body = fixture_bytes("finish_notify_paid.json")
    headers = dana_headers("2020-06-01T10:00:00+07:00", body) | {"X-TIMESTAMP": "2026-11-30T15:00:00+07:00"}
    with pytest.raises(InvalidSignature) as err:
        Pinned.make(DanaAdapter).parse_callback(headers=headers, body=body, path=NOTIFY_PATH)
    assert not isinstance(err.value, StaleNotification)  # the signature itself fails


# --- AstraPay: X-TIMESTAMP, covered by the HMAC-SHA512 ---------------------------------------------


def astra_signed(stamp: str) -> tuple[dict[str, str], bytes]:
    body = astra_fixture("notify_success.json")
    secret = AstraPayAdapter.default_credentials["client_secret"]
    path = "/partners/ASTR/notify"
    sig = signing.snap_hmac512_signature(secret, "POST", path, "tok", signing.minify(body), stamp)
    return {"Authorization": "Bearer tok", "X-TIMESTAMP": stamp, "X-SIGNATURE": sig}, json.dumps(
        body
    ).encode()


@pytest.mark.parametrize(
    ("stamp", "accepted"),
    [
        ("2026-11-30T15:05:00+07:00", True),
        ("2026-11-30T14:40:00+07:00", False),
        ("2020-01-01T00:00:00+07:00", False),
    ],
)
def test_astrapay_notification_time(stamp, accepted):
    headers, body = astra_signed(stamp)
    adapter = Pinned.make(AstraPayAdapter)
    if accepted:
        assert adapter.parse_callback(headers=headers, body=body, path="/partners/ASTR/notify").txid
    else:
        with pytest.raises(StaleNotification):
            adapter.parse_callback(headers=headers, body=body, path="/partners/ASTR/notify")
    with pytest.raises(StaleNotification):  # the pure verifier takes the clock as an argument
        astra.verify_notification(
            headers,
            body,
            "/partners/ASTR/notify",
            AstraPayAdapter.default_credentials["client_secret"],
            now=NOW + timedelta(hours=1),
            window=WINDOW,
        )


# --- Indodana: the nonce is Unix seconds; each is accepted once (the gateway records it) ----------


def idna_headers(nonce: int) -> dict[str, str]:
    creds = IndodanaAdapter.default_credentials
    return {"Authorization": idna.bearer(creds["api_key"], creds["api_secret"], nonce)}


BODY = json.dumps(
    {
        "amount": "1500000.00",
        "paymentType": "3_months",
        "transactionStatus": "PAID",
        "merchantOrderId": "IONPAYTEST06202611221230010002",
        "transactionTime": "2026-11-22T19:30:01+07:00",
        "transactionId": "7c1f9a4e-5b7d-4b70-9f6e-3a2d1c0b9e8f",
    }
).encode()


def test_indodana_nonce_time_and_replay_key():
    adapter = Pinned.make(IndodanaAdapter)
    nonce = int(NOW.timestamp()) - 60
    event = adapter.parse_callback(headers=idna_headers(nonce), body=BODY, path="/partners/IDNA/notify")
    assert (
        event.replay_key == f"nonce:{nonce}:{hashlib.sha256(BODY).hexdigest()}" and event.needs_confirmation
    )
    other = BODY.replace(b"PAID", b"EXPIRED")  # another notification sent in the same second
    again = adapter.parse_callback(headers=idna_headers(nonce), body=other, path="/partners/IDNA/notify")
    assert again.replay_key != event.replay_key
    for stale in (1585504035, int(NOW.timestamp()) - WINDOW - 1, int(NOW.timestamp()) + WINDOW + 1):
        with pytest.raises(StaleNotification):
            adapter.parse_callback(headers=idna_headers(stale), body=BODY, path="/partners/IDNA/notify")
