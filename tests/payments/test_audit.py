"""The audit log: services record their own entries from the actor they are given, in one
vocabulary (AuditLog.Action), and the doors never write it themselves."""

from __future__ import annotations

import ast
from importlib import import_module

import pytest
from django.apps import apps

from payments.models import AuditLog, Merchant
from payments.services.audit import SYSTEM, Actor, audit_record
from payments.services.merchants import merchant_set_active
from payments.services.polling import transaction_sync
from tests.payments.test_architecture import ROOT, py_files
from tests.support.data import make_txn

pytestmark = pytest.mark.django_db
# Where audit entries are written: services, the admin's own model forms (no service behind
# them) and the dashboard's exports (their own feature modules).
WRITERS = {
    "payments/admin.py",
    "payments/admin_ops.py",
    "payments/admin_users.py",
    "payments/dashboard/exports.py",
    "payments/dashboard/settlement_files.py",
    "payments/dashboard/refund_files.py",
}


def audit_calls():
    for path in py_files("payments"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                "audit_record"
            ):
                yield path.relative_to(ROOT).as_posix(), node


def test_only_services_write_the_audit_log_and_always_in_the_vocabulary():
    calls = list(audit_calls())
    assert len(calls) > 10
    for where, call in calls:
        assert where.startswith("payments/services/") or where in WRITERS, where
        action = next(k.value for k in call.keywords if k.arg == "action")
        assert not isinstance(action, ast.Constant), f"{where}:{call.lineno} spells an action by hand"


def test_the_vocabulary_has_one_name_per_action():
    values = [a.value for a in AuditLog.Action]
    assert len(values) == len(set(values))
    assert all(v.count(".") == 1 and v == v.lower() for v in values)
    with pytest.raises(ValueError):
        audit_record(actor=SYSTEM, action="transaction.sync")  # an old name is refused


def test_merchant_set_active_suspends_once_and_reactivates(merchant):
    ops = Actor(AuditLog.Actor.STAFF, remote_addr="10.0.0.1")
    assert merchant_set_active(merchant=merchant, active=False, actor=ops) is True
    assert merchant_set_active(merchant=merchant, active=False, actor=ops) is False  # already suspended
    assert not Merchant.objects.get(pk=merchant.pk).is_active
    assert merchant_set_active(merchant=merchant, active=True, actor=ops) is True
    entries = list(
        AuditLog.objects.order_by("id").values_list("action", "actor_kind", "remote_addr", "target")
    )
    assert entries == [
        ("merchant.suspended", "staff", "10.0.0.1", f"merchant:{merchant.imid}"),
        ("merchant.reactivated", "staff", "10.0.0.1", f"merchant:{merchant.imid}"),
    ]


def test_a_sync_is_audited_only_when_someone_asked_for_it(merchant):
    txn = make_txn(merchant)  # never reached the partner: nothing to ask, nothing changes
    transaction_sync(transaction_id=txn.pk, source="poll")
    assert not AuditLog.objects.exists()
    transaction_sync(transaction_id=txn.pk, source="sync", actor=Actor(AuditLog.Actor.API))
    log = AuditLog.objects.get()
    assert (log.action, log.actor_kind, log.merchant, log.target) == (
        "transaction.synced",
        "api",
        merchant,
        f"transaction:{txn.txid}",
    )
    assert log.detail == {"outcome": "ok", "from": "9", "to": "9"}


def test_migration_0006_renames_the_old_names(merchant):
    migration = import_module("payments.migrations.0006_one_audit_vocabulary")
    for old in ("transaction.sync", "dashboard.login", "notification.resend", "merchant.suspend"):
        AuditLog.objects.create(actor_kind="staff", action=old, merchant=merchant)
    migration.rename(apps, None)
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == [
        "member.signed_in",
        "merchant.suspended",
        "notification.resent",
        "transaction.synced",
    ]
