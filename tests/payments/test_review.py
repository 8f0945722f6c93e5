"""Ops resolve the review queue: the flag is cleared with a note, an event and an audit entry;
the status is never touched."""

from __future__ import annotations

import pytest

from payments.exceptions import NotAllowed, ReviewNotPending
from payments.models import AuditLog
from payments.services.audit import Actor
from payments.services.review import transaction_resolve_review
from payments.services.transitions import transaction_apply_status
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("payments.services.notifications._enqueue", lambda pk: None)


@pytest.fixture
def staff(django_user_model):
    return Actor(
        AuditLog.Actor.STAFF, django_user_model.objects.create_user("ops", "ops@x.test", "pw"), "10.0.0.9"
    )


def test_resolving_clears_the_flag_and_keeps_the_status(merchant, staff):
    txn = make_txn(merchant, status="0")
    transaction_apply_status(transaction_id=txn.pk, to="5", source="poll", idempotency_key="late")  # flagged
    resolved = transaction_resolve_review(transaction_id=txn.pk, note="checked with the partner", actor=staff)
    assert (resolved.needs_review, resolved.review_reason, resolved.status) == (False, "", "0")
    event = resolved.events.get(kind="review_resolved")
    assert event.payload["note"] == "checked with the partner" and event.payload["by"] == "ops"
    assert "expired" in event.payload["reason"]
    log = AuditLog.objects.get(action="transaction.review_resolved")
    assert (log.actor_user, log.remote_addr, log.target) == (
        staff.user,
        "10.0.0.9",
        f"transaction:{txn.txid}",
    )


def test_resolve_review_service_refuses_an_unflagged_transaction(merchant, staff):
    txn = make_txn(merchant)
    with pytest.raises(ReviewNotPending) as exc:
        transaction_resolve_review(transaction_id=txn.pk, note="n/a", actor=staff)
    assert isinstance(exc.value, NotAllowed)
    assert not AuditLog.objects.exists()
