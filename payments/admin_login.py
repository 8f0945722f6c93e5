"""The back office's sign-in, throttled like the dashboard's (payments/dashboard/ratelimit.py):
per client address + username, one atomic increment that decides before any password is compared,
cleared by a successful sign-in, and closed when Redis cannot count."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse

from payments.dashboard import ratelimit
from payments.dashboard.access import client_ip

SCOPE = "admin-login"
LOCKED = "throttled"
UNAVAILABLE = "unavailable"
LOCKED_MESSAGE = (
    f"Too many failed sign-in attempts. For your security, signing in is paused for "
    f"{ratelimit.WINDOW_SECONDS // 60} minutes. Please try again later."
)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """AdminAuthenticationForm that takes an attempt before it compares the password."""

    def clean(self) -> dict:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # nothing to compare: the field errors say what is missing
        ip = client_ip(self.request)
        try:
            allowed = ratelimit.hit(SCOPE, ip, username)
        except ratelimit.Unavailable:  # fail closed: no counting, no password check
            raise ValidationError(ratelimit.UNAVAILABLE_MESSAGE, code=UNAVAILABLE) from None
        if not allowed:
            raise ValidationError(LOCKED_MESSAGE, code=LOCKED)
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if ratelimit.is_locked(SCOPE, ip, username):  # that was the last allowed attempt
                raise ValidationError(
                    [*exc.error_list, ValidationError(LOCKED_MESSAGE, code=LOCKED)]
                ) from None
            raise
        ratelimit.reset(SCOPE, ip, username)
        return cleaned


def login_view(request: HttpRequest) -> HttpResponse:
    """/admin/login/: the admin's own login page; a refused attempt answers 429 (503 when the
    limit cannot count) with the form and the reason."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if form is not None and form.is_bound:
        if form.has_error(NON_FIELD_ERRORS, UNAVAILABLE):
            response.status_code = 503
        elif form.has_error(NON_FIELD_ERRORS, LOCKED):
            response.status_code = 429
    return response
