"""The ops back office: staff only, money and status read-only, actions work and are audited,
secrets never in clear."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from payments.models import AuditLog, Job, Merchant, Notification, Transaction, TransactionEvent
from payments.services.transitions import transaction_apply_status
from providers import registry
from providers.base.types import PartnerStatus, StatusResult
from tests.support.rest import basic, make_merchant, make_notification, make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("ops", "ops@payloan.test", "pw-ops-123")


@pytest.fixture
def ops(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def act(client: Client, model: str, action: str, pks: list[int], **extra) -> object:
    return client.post(
        f"/admin/payments/{model}/", {"action": action, ACTION_CHECKBOX_NAME: pks, **extra}, follow=True
    )


def flagged_txn(merchant: Merchant) -> Transaction:
    txn = make_txn(merchant, status="0")
    # "expired" after "paid" is illegal: applied nowhere, flagged for review instead
    transaction_apply_status(transaction_id=txn.pk, to="5", source="poll", idempotency_key="late-expiry")
    txn.refresh_from_db()
    assert txn.needs_review and txn.status == "0"
    return txn


# --- staff only ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/payments/transaction/",
        "/admin/payments/merchant/partners/",
        "/admin/payments/auditlog/",
        "/admin/payments/transaction/review/",
    ],
)
def test_non_staff_and_anonymous_are_sent_to_login(django_user_model, url):
    user = django_user_model.objects.create_user("member", "m@shop.test", "pw-member-123")
    member = Client()
    member.force_login(user)
    for client in (Client(), member):
        resp = client.get(url)
        assert resp.status_code == 302 and "/admin/login/" in resp["Location"], (url, resp.status_code)


def test_merchant_api_credentials_do_not_open_the_admin():
    merchant, key = make_merchant("ADMSHOP01")
    resp = Client().get("/admin/payments/transaction/", HTTP_AUTHORIZATION=basic(merchant.imid, key))
    assert resp.status_code == 302


# --- merchants -----------------------------------------------------------------------------------
def test_create_merchant_shows_key_once_then_only_masked_and_audits(ops):
    resp = ops.post(
        "/admin/payments/merchant/add/",
        {"imid": "NEWSHOP01", "name": "New shop", "default_notification_url": "", "is_active": "on"},
        follow=True,
    )
    assert resp.status_code == 200
    merchant = Merchant.objects.get(imid="NEWSHOP01")
    key = merchant.merchant_key
    assert key in resp.content.decode()  # the one time it is shown
    for url in (
        "/admin/payments/merchant/",
        f"/admin/payments/merchant/{merchant.pk}/change/",
        "/admin/payments/auditlog/",
    ):
        html = ops.get(url).content.decode()
        assert key not in html and key[:12] not in html and merchant.merchant_key_encrypted not in html, url
    assert key[:4] + "…" in ops.get(f"/admin/payments/merchant/{merchant.pk}/change/").content.decode()
    log = AuditLog.objects.get(action="merchant.created")
    assert log.actor_kind == "staff" and log.actor_user.username == "ops" and log.merchant == merchant
    assert key not in str(log.detail)


def test_imid_is_fixed_once_the_merchant_exists(ops):
    merchant, _ = make_merchant("ADMSHOP05")
    url = f"/admin/payments/merchant/{merchant.pk}/change/"
    assert 'name="imid"' not in ops.get(url).content.decode()
    ops.post(url, {"imid": "HIJACKED1", "name": "Renamed", "default_notification_url": "", "is_active": "on"})
    merchant.refresh_from_db()
    assert merchant.imid == "ADMSHOP05" and merchant.name == "Renamed"


def test_member_changes_in_the_back_office_are_audited(ops, django_user_model):
    from payments.models import MerchantMember

    merchant, _ = make_merchant("ADMSHOP06")
    user = django_user_model.objects.create_user("dev@shop.test", "dev@shop.test", "pw-dev-12345")
    ops.post(
        "/admin/payments/merchantmember/add/",
        {"user": user.pk, "merchant": merchant.pk, "role": "viewer"},
    )
    member = MerchantMember.objects.get(user=user)
    ops.post(
        f"/admin/payments/merchantmember/{member.pk}/change/",
        {"user": user.pk, "merchant": merchant.pk, "role": "owner"},
    )
    act(ops, "merchantmember", "delete_selected", [member.pk], post="yes")
    assert not MerchantMember.objects.filter(pk=member.pk).exists()
    logs = AuditLog.objects.filter(target=f"member:{member.pk}", actor_kind="staff", merchant=merchant)
    assert list(logs.order_by("id").values_list("action", "detail__role")) == [
        ("team.member_added", "viewer"),
        ("team.member_updated", "owner"),
        ("team.member_removed", "owner"),
    ]


def test_suspend_action_cuts_api_access_and_is_audited(ops):
    merchant, key = make_merchant("ADMSHOP02")
    api = Client(HTTP_AUTHORIZATION=basic(merchant.imid, key))
    assert api.get("/api/v1/transactions").status_code == 200
    act(ops, "merchant", "suspend", [merchant.pk])
    merchant.refresh_from_db()
    assert not merchant.is_active
    assert api.get("/api/v1/transactions").status_code == 401
    assert (
        AuditLog.objects.filter(action="merchant.suspended", actor_kind="staff", merchant=merchant).count()
        == 1
    )
    act(ops, "merchant", "reactivate", [merchant.pk])
    merchant.refresh_from_db()
    assert merchant.is_active and AuditLog.objects.filter(action="merchant.reactivated").count() == 1


def test_partner_configuration_page_lists_partners_with_masked_credentials(ops):
    resp = ops.get("/admin/payments/merchant/partners/")
    assert resp.status_code == 200
    html = resp.content.decode()
    for mitra_cd in registry.known_mitra_codes():
        assert f"<strong>{mitra_cd}</strong>" in html
        cls = registry.adapter_class(mitra_cd)
        assert registry.build_config(cls).base_url in html
        for name, value in cls.default_credentials.items():
            assert name in html
            if len(str(value)) > 8:
                assert str(value) not in html, (mitra_cd, name)
    assert "unavailable" not in html


# --- transactions: read-only money and status ----------------------------------------------------
def test_money_and_status_cannot_be_changed_added_or_deleted(ops):
    merchant, _ = make_merchant("ADMSHOP03")
    txn = make_txn(merchant, amount=50000, status="0")
    url = f"/admin/payments/transaction/{txn.pk}/change/"
    page = ops.get(url).content.decode()
    assert not re.search(r'name="(amount|status|cancelled_amount)"', page)
    ops.post(url, {"amount": "1", "status": "2", "cancelled_amount": "50000", "needs_review": "on"})
    txn.refresh_from_db()
    assert (txn.amount, txn.status, txn.cancelled_amount, txn.needs_review) == (50000, "0", 0, False)
    assert ops.get("/admin/payments/transaction/add/").status_code == 403
    assert ops.post(f"/admin/payments/transaction/{txn.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Transaction.objects.filter(pk=txn.pk).exists()


class FakeAdapter:
    def fetch_status(self, *, txid, partner_ref, amount):
        return StatusResult(
            status=PartnerStatus.SUCCEEDED, raw_status="PAID", partner_ref=partner_ref, amount=amount
        )


def test_sync_action_applies_the_partner_status_and_is_audited(ops, monkeypatch):
    merchant, _ = make_merchant("ADMSHOP04")
    txn = make_txn(merchant, mitra_cd="ESHP")
    Transaction.objects.filter(pk=txn.pk).update(partner_ref="SPP-1")
    monkeypatch.setattr(registry, "get_adapter", lambda mitra_cd: FakeAdapter())
    resp = act(ops, "transaction", "sync_with_partner", [txn.pk])
    assert "synced (9 -&gt; 0)" in resp.content.decode()
    txn.refresh_from_db()
    assert txn.status == "0"
    log = AuditLog.objects.get(action="transaction.synced")
    assert log.actor_kind == "staff" and log.detail == {"outcome": "ok", "from": "9", "to": "0"}


def test_sync_action_with_partner_down_reports_and_changes_nothing(ops, settings):
    merchant, _ = make_merchant("ADMSHOP05")
    txn = make_txn(merchant, mitra_cd="ESHP")
    Transaction.objects.filter(pk=txn.pk).update(partner_ref="SPP-2")
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    registry.get_adapter.cache_clear()
    try:
        resp = act(ops, "transaction", "sync_with_partner", [txn.pk])
    finally:
        registry.get_adapter.cache_clear()
    assert "PartnerUnavailable" in resp.content.decode()
    txn.refresh_from_db()
    assert txn.status == "9"
    assert AuditLog.objects.get(action="transaction.synced").detail == {"outcome": "PartnerUnavailable"}


def test_resend_last_notification_action(ops):
    merchant, _ = make_merchant("ADMSHOP06")
    txn = make_txn(merchant)
    make_notification(txn, state="delivered")
    last = make_notification(txn, state="dead")
    Notification.objects.filter(pk=last.pk).update(sequence=2)
    act(ops, "transaction", "resend_last_notification", [txn.pk])
    last.refresh_from_db()
    assert last.state == "pending"
    log = AuditLog.objects.get(action="notification.resent")
    assert log.actor_kind == "staff" and log.target == f"notification:{last.pk}"


def test_notification_admin_resend_action_and_attempts_shown(ops):
    merchant, _ = make_merchant("ADMSHOP07")
    note = make_notification(make_txn(merchant), state="dead", attempts=2)
    page = ops.get(f"/admin/payments/notification/{note.pk}/change/").content.decode()
    assert page.count("oops") == 2  # each attempt's response excerpt
    act(ops, "notification", "resend", [note.pk])
    note.refresh_from_db()
    assert note.state == "pending"
    assert AuditLog.objects.filter(action="notification.resent", actor_kind="staff").count() == 1


# --- review queue --------------------------------------------------------------------------------
def test_review_queue_lists_only_flagged(ops):
    merchant, _ = make_merchant("ADMSHOP08")
    flagged = flagged_txn(merchant)
    fine = make_txn(merchant)
    resp = ops.get("/admin/payments/transaction/review/", follow=True)
    html = resp.content.decode()
    assert resp.redirect_chain[-1][0].endswith("?needs_review__exact=1")
    assert flagged.txid in html and fine.txid not in html


def test_resolve_review_asks_for_a_note_then_clears_flag_with_event_and_audit(ops, staff):
    merchant, _ = make_merchant("ADMSHOP09")
    txn = flagged_txn(merchant)
    form = act(ops, "transaction", "resolve_review", [txn.pk])
    html = form.content.decode()
    assert 'name="note"' in html and "csrfmiddlewaretoken" in html and txn.txid in html
    txn.refresh_from_db()
    assert txn.needs_review  # nothing yet
    act(ops, "transaction", "resolve_review", [txn.pk], note="Partner confirmed paid; expiry was late.")
    txn.refresh_from_db()
    assert not txn.needs_review and txn.review_reason == "" and txn.status == "0"
    event = TransactionEvent.objects.get(transaction=txn, kind="review_resolved")
    assert (
        event.payload["note"] == "Partner confirmed paid; expiry was late." and event.payload["by"] == "ops"
    )
    log = AuditLog.objects.get(action="transaction.review_resolved")
    assert log.actor_kind == "staff" and log.actor_user == staff and log.merchant == merchant


# --- read-only records ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["auditlog", "job", "partnercallback", "cancellation", "accountlink"])
def test_records_are_read_only(ops, model):
    assert ops.get(f"/admin/payments/{model}/").status_code == 200
    assert ops.get(f"/admin/payments/{model}/add/").status_code == 403


def test_audit_log_and_job_pages(ops):
    merchant, _ = make_merchant("ADMSHOP11")
    log = AuditLog.objects.create(
        actor_kind="api", merchant=merchant, action="notification.replayed", target="x"
    )
    job = Job.objects.create(kind="export", merchant=merchant, state="running", progress=30, total=120)
    page = ops.get(f"/admin/payments/auditlog/{log.pk}/change/")
    assert (
        page.status_code == 200 and 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    )
    listing = ops.get("/admin/payments/job/").content.decode()
    assert '<progress value="25" max="100">' in listing and "30 / 120" in listing
    ops.post(f"/admin/payments/job/{job.pk}/change/", {"state": "done", "progress": "120"})
    job.refresh_from_db()
    assert (job.state, job.progress) == ("running", 30)


def test_a_new_merchant_key_never_travels_in_a_cookie_and_is_shown_once(ops):
    created = ops.post(
        "/admin/payments/merchant/add/",
        {"imid": "NEWSHOP02", "name": "Cookie shop", "default_notification_url": "", "is_active": "on"},
    )
    assert created.status_code == 302
    key = Merchant.objects.get(imid="NEWSHOP02").merchant_key
    # Django's default message storage is a signed (readable) cookie named "messages".
    assert "messages" not in created.cookies
    assert all(key not in morsel.value for morsel in created.cookies.values())
    assert key in ops.get(created["Location"]).content.decode()  # the one time it is shown
    assert key not in ops.get(created["Location"]).content.decode()
