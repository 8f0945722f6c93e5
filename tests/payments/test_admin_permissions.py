"""Staff need Django's model permissions, not only is_staff: the custom ops pages (overview, partner
configuration, reconciliation list, run and report) answer 403 without them, and the owner role
(refunds, the merchantKey) is granted in the back office only by a superuser or with grant_owner,
never to a staff account, and always audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from payments.models import AuditLog, Job, MerchantMember
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 29)
OVERVIEW = ("view_transaction", "view_notification", "view_cancellation", "view_job")
RECON_VIEW = ("view_job", "view_transaction")
RECON_RUN = (*RECON_VIEW, "add_job", "change_transaction")


def staff_client(django_user_model, name: str, *codenames: str, superuser: bool = False) -> Client:
    make = django_user_model.objects.create_superuser if superuser else django_user_model.objects.create_user
    user = make(name, f"{name}@payloan.test", "pw-staff-12345")
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="payments", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def job() -> Job:
    return Job.objects.create(kind="reconcile", state="done", params={"date": DAY.isoformat()})


def pages(job: Job) -> dict[str, str]:
    return {
        "overview": "/admin/ops/",
        "partners": "/admin/payments/merchant/partners/",
        "recon_list": "/admin/payments/reconciliation/",
        "recon_detail": f"/admin/payments/reconciliation/{job.pk}/",
    }


def run(client: Client):
    return client.post("/admin/payments/reconciliation/run/", {"date": DAY.isoformat()})


def test_staff_without_permissions_gets_403_on_every_ops_page_and_starts_nothing(django_user_model, job):
    bare = staff_client(django_user_model, "bare")
    for name, url in pages(job).items():
        assert bare.get(url).status_code == 403, name
    assert run(bare).status_code == 403
    assert Job.objects.filter(kind="reconcile").count() == 1
    assert not AuditLog.objects.filter(action="reconciliation.started").exists()
    index = bare.get("/admin/").content.decode()
    assert 'id="ops-tools"' not in index and "/admin/ops/" not in index


def test_each_page_opens_with_exactly_its_permissions(django_user_model, job):
    urls = pages(job)
    overview = staff_client(django_user_model, "overview", *OVERVIEW)
    assert overview.get(urls["overview"]).status_code == 200
    almost = staff_client(django_user_model, "almost", *OVERVIEW[:-1])  # without view_job
    assert almost.get(urls["overview"]).status_code == 403

    partners = staff_client(django_user_model, "partners", "view_partnerfee")
    assert partners.get(urls["partners"]).status_code == 200
    assert partners.get(urls["overview"]).status_code == 403
    assert partners.get(urls["recon_list"]).status_code == 403

    reader = staff_client(django_user_model, "reader", *RECON_VIEW)
    listing = reader.get(urls["recon_list"])
    assert listing.status_code == 200 and "Run now" not in listing.content.decode()
    assert reader.get(urls["recon_detail"]).status_code == 200
    assert reader.get(urls["partners"]).status_code == 403
    assert run(reader).status_code == 403 and Job.objects.filter(kind="reconcile").count() == 1

    runner = staff_client(django_user_model, "runner", *RECON_RUN)
    assert "Run now" in runner.get(urls["recon_list"]).content.decode()
    started = run(runner)
    assert started.status_code == 302 and Job.objects.filter(kind="reconcile").count() == 2
    assert AuditLog.objects.get(action="reconciliation.started").actor_user.username == "runner"


def test_the_index_lists_only_the_tools_a_user_may_open(django_user_model):
    reader = staff_client(django_user_model, "jobs", *RECON_VIEW)
    index = reader.get("/admin/").content.decode()
    assert "/admin/payments/reconciliation/" in index and "/admin/payments/job/" in index
    assert "/admin/ops/" not in index and "/admin/payments/merchant/partners/" not in index
    everything = staff_client(django_user_model, "root", superuser=True).get("/admin/").content.decode()
    assert "/admin/ops/" in everything and "/admin/payments/merchant/partners/" in everything


# --- the owner role in the back office ----------------------------------------------------------
MEMBERS = "/admin/payments/merchantmember/"
MEMBER_PERMS = ("view_merchantmember", "add_merchantmember", "change_merchantmember", "delete_merchantmember")


@pytest.fixture
def support(django_user_model) -> Client:
    """Staff who manage memberships, without grant_owner."""
    return staff_client(django_user_model, "support", *MEMBER_PERMS)


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("rina@shop.test", "rina@shop.test", "pw-rina-12345")


def test_staff_without_grant_owner_cannot_make_an_owner(support, person):
    merchant = MerchantFactory()
    refused = support.post(f"{MEMBERS}add/", {"user": person.pk, "merchant": merchant.pk, "role": "owner"})
    assert refused.status_code == 200 and "grant owner" in refused.content.decode()
    assert not MerchantMember.objects.filter(user=person).exists()
    added = support.post(f"{MEMBERS}add/", {"user": person.pk, "merchant": merchant.pk, "role": "developer"})
    assert added.status_code == 302
    member = MerchantMember.objects.get(user=person)
    promoted = support.post(
        f"{MEMBERS}{member.pk}/change/", {"user": person.pk, "merchant": merchant.pk, "role": "owner"}
    )
    assert promoted.status_code == 200 and "grant owner" in promoted.content.decode()
    member.refresh_from_db()
    assert member.role == "developer"
    assert not AuditLog.objects.filter(action="team.member_updated").exists()


def test_an_owner_membership_is_read_only_without_grant_owner(support, django_user_model):
    merchant = MerchantFactory()
    owner_user = django_user_model.objects.create_user("boss@shop.test", "boss@shop.test", "pw-boss-12345")
    owner = MerchantMember.objects.create(user=owner_user, merchant=merchant, role="owner")
    other = MerchantFactory()
    moved = support.post(
        f"{MEMBERS}{owner.pk}/change/", {"user": owner_user.pk, "merchant": other.pk, "role": "owner"}
    )
    assert moved.status_code == 403
    demoted = support.post(
        f"{MEMBERS}{owner.pk}/change/", {"user": owner_user.pk, "merchant": merchant.pk, "role": "viewer"}
    )
    assert demoted.status_code == 403
    assert support.post(f"{MEMBERS}{owner.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = support.post(
        MEMBERS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [owner.pk], "post": "yes"}
    )
    assert bulk.status_code == 403
    owner.refresh_from_db()
    assert (owner.merchant_id, owner.role) == (merchant.pk, "owner")


def test_grant_owner_permission_or_superuser_may_grant_it_and_it_is_audited(django_user_model, person):
    merchant = MerchantFactory()
    lead = staff_client(django_user_model, "lead", *MEMBER_PERMS, "grant_owner")
    added = lead.post(f"{MEMBERS}add/", {"user": person.pk, "merchant": merchant.pk, "role": "viewer"})
    assert added.status_code == 302
    member = MerchantMember.objects.get(user=person)
    promoted = lead.post(
        f"{MEMBERS}{member.pk}/change/", {"user": person.pk, "merchant": merchant.pk, "role": "owner"}
    )
    assert promoted.status_code == 302
    member.refresh_from_db()
    assert member.role == "owner"
    log = AuditLog.objects.get(action="team.member_updated", target=f"member:{member.pk}")
    assert log.actor_kind == "staff" and log.actor_user.username == "lead" and log.merchant == merchant
    assert (log.detail["role"], log.detail["previous_role"], log.detail["user"]) == (
        "owner",
        "viewer",
        person.username,
    )

    root = staff_client(django_user_model, "root", superuser=True)
    other = django_user_model.objects.create_user("dewi@shop.test", "dewi@shop.test", "pw-dewi-12345")
    assert (
        root.post(f"{MEMBERS}add/", {"user": other.pk, "merchant": merchant.pk, "role": "owner"}).status_code
        == 302
    )
    log = AuditLog.objects.get(action="team.member_added", detail__user="dewi@shop.test")
    assert log.detail["role"] == "owner" and log.actor_user.username == "root"


def test_a_staff_account_is_never_attached_to_a_merchant(django_user_model):
    merchant = MerchantFactory()
    root = staff_client(django_user_model, "root", superuser=True)
    colleague = django_user_model.objects.create_user(
        "ops2", "ops2@payloan.test", "pw-ops2-12345", is_staff=True
    )
    boss = django_user_model.objects.create_superuser("boss", "boss@payloan.test", "pw-boss-12345")
    for user in (colleague, boss):
        for role in ("owner", "viewer"):
            answer = root.post(f"{MEMBERS}add/", {"user": user.pk, "merchant": merchant.pk, "role": role})
            assert answer.status_code == 200 and "staff account cannot be" in answer.content.decode()
    assert not MerchantMember.objects.filter(merchant=merchant).exists()
    assert not AuditLog.objects.filter(action="team.member_added").exists()
