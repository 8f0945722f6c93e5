"""Users and groups in the back office, replacing django.contrib.auth's registrations.

Whoever can set a password or a permission can become that account. So, for anyone but a
superuser: passwords, is_staff, is_superuser, groups and permissions (of users and of groups) are
read-only, and the accounts that hold rights (a merchant's member, whose dashboard can refund and
show the merchantKey; a staff or superuser account) can be neither edited nor deleted. grant_owner
does not open a member's password either: it lets staff choose who becomes an owner, not act as
one; a member who lost a password resets it from the dashboard's sign-in page. Every save here is
in the audit log (field names only, never a password hash)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from payments.admin import _staff_audit
from payments.models import AuditLog, MerchantMember

User = get_user_model()
RIGHTS = ("is_staff", "is_superuser", "groups", "user_permissions")


def holds_rights(user: AbstractUser) -> bool:
    """A merchant's member, or a staff or superuser account."""
    return user.is_staff or user.is_superuser or MerchantMember.objects.filter(user=user).exists()


def _merchant_of(user: AbstractUser) -> Any:
    member = MerchantMember.objects.filter(user=user).select_related("merchant").first()
    return member.merchant if member else None


for model in (User, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, *RIGHTS)

    def has_change_permission(self, request: HttpRequest, obj: AbstractUser | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and holds_rights(obj):
            return False  # shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: AbstractUser | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and holds_rights(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The bulk action asks has_delete_permission without a row: the accounts are checked here.
        if not request.user.is_superuser and any(holds_rights(user) for user in queryset):
            raise PermissionDenied
        for user in queryset:
            self._audit(request, AuditLog.Action.USER_DELETED, user, [])
        super().delete_queryset(request, queryset)

    def delete_model(self, request: HttpRequest, obj: AbstractUser) -> None:
        self._audit(request, AuditLog.Action.USER_DELETED, obj, [])
        super().delete_model(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # saved (else the form again)
            user = self.get_object(request, id)
            self._audit(request, AuditLog.Action.USER_PASSWORD_SET, user, ["password"])
        return response

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = AuditLog.Action.USER_UPDATED if change else AuditLog.Action.USER_CREATED
        self._audit(request, action, obj, form.changed_data)

    def _audit(self, request: HttpRequest, action: AuditLog.Action, user: Any, fields: list[str]) -> None:
        # The add form's password1/password2 are named "password", like the password form's.
        names = {"password" if name in ("password1", "password2") else name for name in fields}
        detail = {"user": user.get_username(), "fields": sorted(names)}
        _staff_audit(request, action, merchant=_merchant_of(user), target=f"user:{user.pk}", detail=detail)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A group's permissions pass to every member at once: only a superuser edits them."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, "permissions")

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _staff_audit(
            request,
            AuditLog.Action.GROUP_UPDATED if change else AuditLog.Action.GROUP_CREATED,
            merchant=None,
            target=f"group:{obj.pk}",
            detail={"group": obj.name, "fields": sorted(form.changed_data)},
        )
