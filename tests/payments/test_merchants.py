"""Merchants and teams as services: keys, the notification URL, invitations and roles, each
audited from its actor without a secret in the log."""

from __future__ import annotations

import pytest

from payments import exceptions as err
from payments.models import AuditLog, Invitation, MerchantMember
from payments.services import merchants
from payments.services.audit import Actor
from tests.support.dashboard import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(merchant) -> MerchantMember:
    return member(merchant, "owner")


def as_member(m: MerchantMember) -> Actor:
    return Actor(AuditLog.Actor.MERCHANT, m.user, "10.2.2.2")


def test_key_rotation_returns_the_new_key_once_and_logs_no_secret(merchant, owner):
    old = merchant.merchant_key
    new = merchants.merchant_key_rotate(merchant=merchant, actor=as_member(owner))
    merchant.refresh_from_db()
    assert merchant.merchant_key == new != old
    log = AuditLog.objects.get(action="merchant.key_rotated")
    assert log.actor_user == owner.user and new not in str(log.detail) and old not in str(log.detail)


def test_notification_url_change_is_logged_from_and_to(merchant, owner):
    merchants.merchant_notification_url_set(
        merchant=merchant, url="https://shop.example/n", actor=as_member(owner)
    )
    merchant.refresh_from_db()
    assert merchant.default_notification_url == "https://shop.example/n"
    assert AuditLog.objects.get(action="merchant.notification_url_set").detail == {
        "from": "",
        "to": "https://shop.example/n",
    }
    with pytest.raises(err.NotificationUrlMissing):
        merchant.default_notification_url = ""
        merchants.merchant_test_notification(merchant=merchant, actor=as_member(owner))


def test_an_invitation_works_once_and_the_new_member_is_the_actor(merchant, owner):
    inv, token = merchants.invitation_create(
        merchant=merchant, email="New@Shop.test", role="viewer", actor=as_member(owner)
    )
    assert inv.email == "new@shop.test" and token not in inv.token_hash
    user = merchants.invitation_accept(token=token, password="a-long-password", actor=as_member(owner))
    assert MerchantMember.objects.get(user=user).role == "viewer"
    assert AuditLog.objects.get(action="team.joined").actor_user == user
    with pytest.raises(err.InvitationInvalid):
        merchants.invitation_accept(token=token, password="a-long-password", actor=as_member(owner))
    with pytest.raises(err.UserExists):
        merchants.invitation_create(
            merchant=merchant, email="new@shop.test", role="viewer", actor=as_member(owner)
        )


def test_revoking_an_unknown_invitation_is_refused(merchant, owner):
    with pytest.raises(err.InvitationNotFound):
        merchants.invitation_revoke(merchant=merchant, invitation_id=999, actor=as_member(owner))
    assert not Invitation.objects.exists()


def test_the_last_owner_keeps_the_role(merchant, owner):
    with pytest.raises(err.LastOwner):
        merchants.member_role_set(
            merchant=merchant, member_id=owner.pk, role="viewer", actor=as_member(owner)
        )
    second = member(merchant, "owner")
    merchants.member_role_set(merchant=merchant, member_id=owner.pk, role="viewer", actor=as_member(second))
    owner.refresh_from_db()
    assert owner.role == "viewer"
    assert AuditLog.objects.get(action="team.role_changed").detail == {"from": "owner", "to": "viewer"}
    with pytest.raises(err.UnknownRole):
        merchants.member_role_set(merchant=merchant, member_id=owner.pk, role="boss", actor=as_member(second))
