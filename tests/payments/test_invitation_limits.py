"""Team invitations: the e-mail is no longer than an invitation and a username can hold (a field
message, nothing stored), and a staff or superuser account, even a deactivated one, is never
attached to a merchant as a member by inviting or accepting."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from payments.models import AuditLog, Invitation, MerchantMember
from payments.services.audit import Actor
from payments.services.merchants import invitation_create
from tests.factories import MerchantFactory
from tests.support.dashboard import member

pytestmark = pytest.mark.django_db

STAFF_MESSAGE = "belongs to a Payloan staff account"


def email_of_length(n: int) -> str:
    """A valid address of exactly n characters."""
    local, tld = "x" * 64, ".test"
    rest = n - len(local) - 1 - len(tld)
    labels = []
    while rest > 0:
        size = min(50, rest)
        labels.append("d" * (size - 1 if rest > size else size))
        rest -= len(labels[-1]) + (1 if rest > size else 0)
    address = f"{local}@{'.'.join(labels)}{tld}"
    assert len(address) == n, len(address)
    return address


@pytest.fixture
def shop():
    return MerchantFactory()


@pytest.fixture
def owner(shop) -> Client:
    client = Client()
    client.force_login(member(shop, "owner").user)
    return client


def invite(client: Client, email: str):
    return client.post("/dashboard/team/invite", {"email": email, "role": "viewer"}, follow=True)


def accept(token: str, password: str = "a-long-password-1"):
    return Client().post(f"/dashboard/invite/{token}/", {"password": password, "password2": password})


def test_an_email_longer_than_a_username_gets_a_field_message_and_nothing_is_stored(owner):
    page = invite(owner, email_of_length(151))
    assert "at most 150 characters" in page.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditLog.objects.filter(action="team.invited").exists()


def test_an_email_of_the_longest_username_is_invited_and_joins(owner, shop, mailoutbox):
    address = email_of_length(150)
    invite(owner, address)
    inv = Invitation.objects.get()
    assert inv.email == address
    token = mailoutbox[0].body.split("/dashboard/invite/")[1].split("/")[0]
    assert accept(token).status_code == 302
    assert MerchantMember.objects.get(user__username=address).merchant == shop


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True, "is_staff": True}])
def test_a_staff_account_cannot_be_invited(owner, django_user_model, flags):
    django_user_model.objects.create_user("ops@payloan.test", "ops@payloan.test", "pw-ops-12345", **flags)
    page = invite(owner, "OPS@payloan.test")
    assert STAFF_MESSAGE in page.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_accepting_never_reactivates_a_deactivated_staff_account(shop, django_user_model, flags):
    _, token = invitation_create(
        merchant=shop, email="ops@payloan.test", role="owner", actor=Actor("merchant")
    )
    # The account with that username is a staff one, deactivated (made after the invitation here).
    staff = django_user_model.objects.create_user(
        "ops@payloan.test", "ops@payloan.test", "pw-ops-12345", is_active=False, **flags
    )
    page = accept(token)
    assert page.status_code == 200 and STAFF_MESSAGE in page.content.decode()
    staff.refresh_from_db()
    assert not staff.is_active and staff.check_password("pw-ops-12345")
    assert not MerchantMember.objects.filter(user=staff).exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_removed_member_is_still_welcomed_back(shop, django_user_model):
    former = django_user_model.objects.create_user("rina@shop.test", "rina@shop.test", "old-pw-12345")
    former.is_active = False
    former.save()
    merchant_side = Actor("merchant")
    _, token = invitation_create(merchant=shop, email="rina@shop.test", role="viewer", actor=merchant_side)
    assert accept(token, "new-long-password-2").status_code == 302
    former.refresh_from_db()
    assert former.is_active and former.check_password("new-long-password-2")
    assert MerchantMember.objects.get(user=former).merchant == shop


def test_a_refused_invitation_keeps_what_was_typed_with_the_message_at_its_field(owner, django_user_model):
    """Not a redirect to an empty form under a banner: HTTP 400, the message at the e-mail field,
    the address still in it (a typo is corrected, not typed again)."""
    django_user_model.objects.create_user(
        "ops@payloan.test", "ops@payloan.test", "pw-ops-12345", is_staff=True
    )
    for email, message in (
        ("not-an-email", "Enter a valid email address."),
        ("ops@payloan.test", STAFF_MESSAGE),
    ):
        answer = owner.post("/dashboard/team/invite", {"email": email, "role": "developer"})
        page = answer.content.decode()
        assert answer.status_code == 400
        assert f'value="{email}"' in page and 'class="field-error" role="alert">' in page
        assert escape(message) in page
        assert '<option value="developer" selected>' in page  # the role chosen, too
    assert not Invitation.objects.exists()


def test_the_invitation_message_names_the_role_in_words(owner, mailoutbox):
    page = owner.post("/dashboard/team/invite", {"email": "new@shop.test", "role": "developer"}, follow=True)
    assert "Invitation e-mailed to new@shop.test (Developer)" in page.content.decode()
