"""Admin actions need the permission of what they change, not only is_staff and "view": a
view-only staff user neither sees nor runs them, staff with the permission do. And every action of
every registered ModelAdmin declares its permissions, so a new one cannot forget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from payments.models import AuditLog, Merchant, Notification, Transaction
from payments.services.transitions import transaction_apply_status
from providers import registry
from providers.base.types import PartnerStatus, StatusResult
from tests.payments.test_admin_permissions import staff_client
from tests.support.rest import make_merchant, make_notification, make_txn

pytestmark = pytest.mark.django_db


class PaidAdapter:
    def fetch_status(self, *, txid, partner_ref, amount):
        return StatusResult(
            status=PartnerStatus.SUCCEEDED, raw_status="PAID", partner_ref=partner_ref, amount=amount
        )


def _merchant(active: bool) -> Merchant:
    merchant, _ = make_merchant("ACTSHOP01")
    Merchant.objects.filter(pk=merchant.pk).update(is_active=active)
    return merchant


def _flagged() -> Transaction:
    txn = make_txn(_merchant(True), status="0")
    transaction_apply_status(transaction_id=txn.pk, to="5", source="poll", idempotency_key="late-expiry")
    return txn


def _sent_to_partner() -> Transaction:
    txn = make_txn(_merchant(True), mitra_cd="ESHP")
    Transaction.objects.filter(pk=txn.pk).update(partner_ref="SPP-ACT-1")
    return txn


def _with_dead_notification() -> Notification:
    return make_notification(make_txn(_merchant(True)), state="dead")


@dataclass
class Case:
    model: str
    action: str
    setup: Callable[[], object]  # returns the row the action is run on
    done: Callable[[object], bool]  # True once the action did its work on that row
    view: tuple[str, ...]  # view-only: refused
    allowed: tuple[str, ...]  # enough to run it
    extra: dict | None = None


CASES = [
    Case(
        "merchant",
        "suspend",
        lambda: _merchant(True),
        lambda m: not Merchant.objects.get(pk=m.pk).is_active,
        ("view_merchant",),
        ("view_merchant", "change_merchant"),
    ),
    Case(
        "merchant",
        "reactivate",
        lambda: _merchant(False),
        lambda m: Merchant.objects.get(pk=m.pk).is_active,
        ("view_merchant",),
        ("view_merchant", "change_merchant"),
    ),
    Case(
        "transaction",
        "sync_with_partner",
        _sent_to_partner,
        lambda t: Transaction.objects.get(pk=t.pk).status == "0",
        ("view_transaction", "view_notification"),
        ("view_transaction", "change_transaction"),
    ),
    Case(
        "transaction",
        "resolve_review",
        _flagged,
        lambda t: not Transaction.objects.get(pk=t.pk).needs_review,
        ("view_transaction",),
        ("view_transaction", "change_transaction"),
        {"note": "checked with the partner"},
    ),
    Case(
        "transaction",
        "resend_last_notification",
        lambda: _with_dead_notification().transaction,
        lambda t: Notification.objects.get(transaction=t).state == "pending",
        ("view_transaction", "view_notification", "change_transaction"),  # not the notification's
        ("view_transaction", "change_notification"),
    ),
    Case(
        "notification",
        "resend",
        _with_dead_notification,
        lambda n: Notification.objects.get(pk=n.pk).state == "pending",
        ("view_notification", "view_transaction"),
        ("view_notification", "change_notification"),
    ),
]


@pytest.fixture(autouse=True)
def paid_partner(monkeypatch):
    monkeypatch.setattr(registry, "get_adapter", lambda mitra_cd: PaidAdapter())


def run_action(client: Client, case: Case, pk: int):
    return client.post(
        f"/admin/payments/{case.model}/",
        {"action": case.action, ACTION_CHECKBOX_NAME: [pk], **(case.extra or {})},
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.model}.{c.action}")
def test_view_only_staff_neither_sees_nor_runs_the_action(django_user_model, case):
    row = case.setup()
    viewer = staff_client(django_user_model, "viewer", *case.view)
    listing = viewer.get(f"/admin/payments/{case.model}/")
    assert listing.status_code == 200
    assert f'value="{case.action}"' not in listing.content.decode()
    audit_before = AuditLog.objects.count()
    answer = run_action(viewer, case, row.pk)
    assert answer.status_code in (200, 302)
    assert not case.done(row)
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.model}.{c.action}")
def test_staff_with_the_permission_see_and_run_the_action(django_user_model, case):
    row = case.setup()
    allowed = staff_client(django_user_model, "allowed", *case.allowed)
    assert f'value="{case.action}"' in allowed.get(f"/admin/payments/{case.model}/").content.decode()
    assert run_action(allowed, case, row.pk).status_code == 302
    assert case.done(row)
    assert AuditLog.objects.filter(actor_kind="staff", actor_user__username="allowed").exists()


def test_every_admin_action_declares_its_permissions():
    missing = [
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        for func, name, _ in model_admin._get_base_actions()
        if not getattr(func, "allowed_permissions", None)
    ]
    assert not missing, f"admin actions without allowed_permissions: {missing}"
    assert admin.site._registry  # the walk saw the project's admins
