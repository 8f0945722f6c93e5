"""A partner that accepts the connection and never answers: every call gives up after its timeout,
and the payment it leaves open has an owner (polling, then expiry) that settles it afterwards.

The partner here is a real local socket that accepts connections and never sends a byte."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.exceptions import PartnerFailure
from payments.models import Notification, Transaction
from payments.services import expiry, payment, polling
from payments.status import Status
from providers import registry
from providers.base.errors import CancelNotAllowed, PartnerError, PartnerUnavailable
from providers.base.types import CancelRequest, PaymentRequest
from tests.payments.test_transitions import make_txn
from tests.providers.test_contract import order

pytestmark = [pytest.mark.integration, pytest.mark.serial]  # timed against a bound
TIMEOUT = 0.5  # PARTNER_HTTP_TIMEOUT for these tests, seconds


class BlackHole:
    """Listens on 127.0.0.1, accepts every connection, reads nothing and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.held: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.closed = True
        for conn in [*self.held, self.sock]:
            conn.close()


@pytest.fixture
def hole(monkeypatch, settings):
    """Every partner's base URL points at the black hole; calls time out after TIMEOUT."""
    bh = BlackHole()
    settings.PARTNER_HTTP_TIMEOUT = TIMEOUT
    for mitra in registry.known_mitra_codes():
        cls = registry.adapter_class(mitra)
        monkeypatch.setenv(f"{cls.env_prefix}_BASE_URL", f"{bh.url}/{cls.slug}")
    monkeypatch.setenv("OVO_PUSH_TIMEOUT", str(TIMEOUT))
    monkeypatch.setattr("providers.ovo.adapter.REVERSAL_TIMEOUT", TIMEOUT)
    registry.get_adapter.cache_clear()
    yield bh
    registry.get_adapter.cache_clear()
    bh.close()


def bounded(call, *, calls: int = 4) -> tuple[object, float]:  # noqa: ANN001
    """Runs the call; returns (result or the PartnerError raised, seconds taken)."""
    started = time.monotonic()
    try:
        outcome = call()
    except PartnerError as exc:
        outcome = exc
    elapsed = time.monotonic() - started
    assert elapsed < calls * TIMEOUT + 2, f"took {elapsed:.1f} s"
    return outcome, elapsed


@pytest.mark.parametrize("mitra", registry.known_mitra_codes())
def test_every_partner_call_gives_up_after_its_timeout(hole, db, mitra) -> None:
    adapter = registry.get_adapter(mitra)
    info = order("http://127.0.0.1:9", mitra)
    calls = {
        "start_payment": lambda: adapter.start_payment(PaymentRequest(info, "REF1", "token")),
        "fetch_status": lambda: adapter.fetch_status(txid=info.txid, partner_ref="REF1", amount=info.amount),
        "cancel": lambda: adapter.cancel(
            CancelRequest(info.txid, "REF1", info.amount, info.amount, 0, timezone.now(), "C1")
        ),
    }
    if registry.partner(mitra).registers_at_partner:
        calls["register"] = lambda: adapter.register(info)
    if mitra == "OVOE":  # the push and its three reversals
        calls["complete_push"] = lambda: adapter.complete_push(PaymentRequest(info))
    for name, call in calls.items():
        before = len(hole.held)
        outcome, _ = bounded(call, calls=4 if name == "complete_push" else 2)
        if len(hole.held) > before:  # it went to the partner: a silent partner is "unavailable"
            assert isinstance(outcome, PartnerUnavailable), (name, outcome)
        else:  # no I/O for this call (OVO's start is the waiting page; a forbidden cancel)
            assert not isinstance(outcome, PartnerError) or isinstance(outcome, CancelNotAllowed), (
                name,
                outcome,
            )
    assert hole.held, "no call reached the partner"


def test_a_hanging_redirect_start_leaves_the_payment_to_expiry(hole, demo_merchant) -> None:
    txn = make_txn(demo_merchant, mitra_cd="DANA", amount=25_000, billing_phone="081234567890")
    with pytest.raises(PartnerFailure):
        bounded(lambda: payment.transaction_start_payment(txn=txn))
    txn.refresh_from_db()
    assert txn.status == Status.INIT and txn.payment_started_at is None  # released: may retry

    Transaction.objects.filter(pk=txn.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert txn.pk in expiry.transactions_expire_due()
    expiry.transaction_expire(transaction_id=txn.pk)
    txn.refresh_from_db()
    assert txn.status == Status.EXPIRED
    assert Notification.objects.filter(transaction=txn, payload__status="5").exists()


def test_a_hanging_ovo_push_is_polled_then_expired(hole, demo_merchant) -> None:
    txn = make_txn(demo_merchant, mitra_cd="OVOE", amount=25_000, billing_phone="081234567890")
    payment.transaction_start_payment(txn=txn)  # the waiting page; the push is the worker's task
    _, took = bounded(lambda: payment.transaction_complete_push(transaction_id=txn.pk), calls=4)
    txn.refresh_from_db()
    assert txn.status == Status.INIT and txn.next_poll_at is not None  # outcome unknown: polled
    assert len(hole.held) == 4  # the push, then three reversals, each given up after the timeout

    # Owner 1, polling: claims it when due and asks again; the silent partner changes nothing.
    Transaction.objects.filter(pk=txn.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))
    assert txn.pk in polling.transactions_claim_polls()
    bounded(lambda: polling.transaction_poll(transaction_id=txn.pk))
    txn.refresh_from_db()
    assert txn.status == Status.INIT and txn.poll_count == 1

    # Owner 2, expiry: past its validity and OVO's push window, it is settled even though the
    # partner still does not answer the last status check.
    past = timezone.now() - timedelta(seconds=1)
    action = {**txn.partner_data["action"], "expires_at": past.isoformat()}
    Transaction.objects.filter(pk=txn.pk).update(expires_at=past, partner_data={"action": action})
    assert txn.pk in expiry.transactions_expire_due()
    bounded(lambda: expiry.transaction_expire(transaction_id=txn.pk))
    txn.refresh_from_db()
    assert txn.status == Status.EXPIRED
    assert Notification.objects.filter(transaction=txn, payload__status="5").exists()
