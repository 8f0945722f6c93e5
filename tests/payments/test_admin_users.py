"""Users and groups in the back office: only a superuser sets a password or a right (is_staff,
is_superuser, groups, permissions) or touches an account that holds rights (a merchant's member,
a staff account), so the owner rule (grant_owner) cannot be bypassed by becoming the owner."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from payments import clock
from payments.models import AuditLog, MerchantMember
from tests.factories import MerchantFactory
from tests.payments.test_admin_permissions import staff_client

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"
USER_PERMS = ("view_user", "change_user", "add_user", "delete_user")
NEW_PASSWORD = {"usable_password": "true", "password1": "Taken-over-2026!", "password2": "Taken-over-2026!"}


def auth_staff(django_user_model, name: str, *codenames: str) -> Client:
    client = staff_client(django_user_model, name)
    user = django_user_model.objects.get(username=name)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="auth", codename__in=codenames)
    )
    return client


JOINED = datetime(2026, 1, 5, 9, 30, tzinfo=clock.JAKARTA)


def user_form(user, **changes) -> dict:
    """The change form as the page posts it (date_joined pinned to whole seconds, so unchanged)."""
    type(user).objects.filter(pk=user.pk).update(date_joined=JOINED)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": timezone.localtime(JOINED).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(JOINED).strftime("%H:%M:%S"),
        "initial-date_joined_0": timezone.localtime(JOINED).strftime("%Y-%m-%d"),
        "initial-date_joined_1": timezone.localtime(JOINED).strftime("%H:%M:%S"),
    }
    data.update(changes)
    return data


@pytest.fixture
def support(django_user_model) -> Client:
    return auth_staff(django_user_model, "support", *USER_PERMS)


@pytest.fixture
def owner(django_user_model):
    user = django_user_model.objects.create_user("boss@shop.test", "boss@shop.test", "pw-boss-12345")
    MerchantMember.objects.create(user=user, merchant=MerchantFactory(), role="owner")
    return user


@pytest.fixture
def plain(django_user_model):
    return django_user_model.objects.create_user("temp@shop.test", "temp@shop.test", "pw-temp-12345")


def test_staff_cannot_set_anyones_password(support, owner, plain):
    for user in (owner, plain):
        url = f"{USERS}{user.pk}/password/"
        assert support.get(url).status_code == 403
        assert support.post(url, NEW_PASSWORD).status_code == 403
        user.refresh_from_db()
        assert user.check_password(f"pw-{user.username.split('@')[0]}-12345")
    assert not Client().login(username="boss@shop.test", password=NEW_PASSWORD["password1"])
    assert not AuditLog.objects.filter(action__startswith="user.").exists()


def test_a_merchant_member_and_a_staff_account_are_read_only_for_staff(support, owner, django_user_model):
    colleague = django_user_model.objects.create_user(
        "ops2", "ops2@payloan.test", "pw-ops2-12345", is_staff=True
    )
    me = django_user_model.objects.get(username="support")
    for user in (owner, colleague, me):
        url = f"{USERS}{user.pk}/change/"
        page = support.get(url)
        assert page.status_code == 200 and 'name="email"' not in page.content.decode()
        answer = support.post(url, user_form(user, email="attacker@evil.test", is_superuser="on"))
        assert answer.status_code == 403
        user.refresh_from_db()
        assert user.email != "attacker@evil.test" and not user.is_superuser
    assert support.post(f"{USERS}{owner.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = support.post(USERS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [owner.pk], "post": "yes"})
    assert bulk.status_code == 403
    assert django_user_model.objects.filter(pk=owner.pk).exists()
    assert not AuditLog.objects.filter(action__startswith="user.").exists()


def test_rights_are_read_only_for_staff_and_other_fields_are_audited(support, plain):
    url = f"{USERS}{plain.pk}/change/"
    page = support.get(url).content.decode()
    for field in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page, field
    perm = Permission.objects.get(codename="grant_owner")
    answer = support.post(
        url,
        user_form(plain, first_name="Temp", is_staff="on", is_superuser="on", user_permissions=[perm.pk]),
    )
    assert answer.status_code == 302
    plain.refresh_from_db()
    assert plain.first_name == "Temp"
    assert not (plain.is_staff or plain.is_superuser or plain.user_permissions.exists())
    log = AuditLog.objects.get(action="user.updated")
    assert (log.actor_kind, log.actor_user.username, log.target) == ("staff", "support", f"user:{plain.pk}")
    assert log.detail == {"user": plain.username, "fields": ["first_name"]}


def test_a_group_s_permissions_are_read_only_for_staff(django_user_model):
    group = Group.objects.create(name="support")
    staff = auth_staff(django_user_model, "grouper", "view_group", "change_group")
    perm = Permission.objects.get(codename="grant_owner")
    url = f"/admin/auth/group/{group.pk}/change/"
    assert 'name="permissions"' not in staff.get(url).content.decode()
    assert staff.post(url, {"name": "support", "permissions": [perm.pk]}).status_code == 302
    assert not group.permissions.exists()
    root = staff_client(django_user_model, "root", superuser=True)
    assert root.post(url, {"name": "support", "permissions": [perm.pk]}).status_code == 302
    assert list(group.permissions.all()) == [perm]
    logs = AuditLog.objects.filter(action="group.updated").order_by("id")
    assert [(log.actor_user.username, log.detail["fields"]) for log in logs] == [
        ("grouper", []),
        ("root", ["permissions"]),
    ]


def test_a_superuser_sets_passwords_and_rights_and_both_are_audited(django_user_model, owner, plain):
    root = staff_client(django_user_model, "root", superuser=True)
    assert root.post(f"{USERS}{owner.pk}/password/", NEW_PASSWORD).status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD["password1"])
    log = AuditLog.objects.get(action="user.password_set")
    assert (log.actor_user.username, log.target, log.merchant) == (
        "root",
        f"user:{owner.pk}",
        owner.membership.merchant,
    )
    assert log.detail == {"user": owner.username, "fields": ["password"]}
    assert NEW_PASSWORD["password1"] not in str(log.detail) and owner.password not in str(log.detail)

    assert root.post(f"{USERS}{plain.pk}/change/", user_form(plain, is_staff="on")).status_code == 302
    plain.refresh_from_db()
    assert plain.is_staff
    assert AuditLog.objects.get(action="user.updated").detail["fields"] == ["is_staff"]
