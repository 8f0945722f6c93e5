"""Dashboard forms: validation only; the work is done by services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation

from payments.models import Invitation, MerchantMember
from payments.selectors.overview import MAX_DAYS
from payments.status import CHOICES as STATUS_CHOICES
from providers import registry

from .dates import DayField, MomentField
from .exports import REFUND_FILTERS


def partner_choices() -> list[tuple[str, str]]:
    """Every partner of the catalogue, by name (evaluated per form: the catalogue decides)."""
    return sorted(registry.display_names().items(), key=lambda p: p[1])


def partner_filter() -> forms.ChoiceField:
    """An optional "Partner" filter over the catalogue."""
    return forms.ChoiceField(
        label="Partner", required=False, choices=lambda: [("", "Any partner"), *partner_choices()]
    )


class LoginForm(forms.Form):
    username = forms.CharField(
        label="E-mail",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OverviewForm(forms.Form):
    """The overview's range: the last `days` days, today included (any number up to a year)."""

    PRESETS = (7, 30, 90, 365)
    days = forms.IntegerField(label="Days", min_value=1, max_value=MAX_DAYS)


class TransactionFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "tXid, referenceNo, name, phone, e-mail", "type": "search"}
        ),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *STATUS_CHOICES])
    partner = partner_filter()
    date_from = DayField(label="From", required=False)
    date_to = DayField(label="To", required=False)
    amount_min = forms.IntegerField(label="Min amount", required=False, min_value=0)
    amount_max = forms.IntegerField(label="Max amount", required=False, min_value=0)
    refunds = forms.ChoiceField(
        label="Refunds",
        required=False,
        choices=[("", "With or without"), *REFUND_FILTERS.items()],
    )

    def clean(self) -> dict[str, Any]:
        """A range the wrong way round would match nothing, silently: say so on its second field."""
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "'To' must be on or after 'From'.")
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "'Max amount' must be at least 'Min amount'.")
        return data


class CancelForm(forms.Form):
    cancel_type = forms.ChoiceField(label="Cancel", choices=[("2", "Partial"), ("1", "Full")])
    amount = forms.IntegerField(label="Amount (Rp)", min_value=1)
    reason = forms.CharField(label="Reason", max_length=255, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorOffForm(PasswordConfirmForm):
    """Turning two-factor sign-in off: the password and the authenticator's current code."""

    code = forms.CharField(label="Code from your authenticator app", max_length=12)


class NotificationUrlForm(forms.Form):
    url = forms.URLField(label="Default notification URL", max_length=255, assume_scheme="https")


class ReplayForm(forms.Form):
    since = MomentField(label="From")
    until = MomentField(label="Until")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise forms.ValidationError("'From' must be before 'Until'.")
        return data


LEAST_FIRST = [
    (MerchantMember.Role.VIEWER, "Viewer (read only)"),
    (MerchantMember.Role.DEVELOPER, "Developer"),
    (MerchantMember.Role.OWNER, "Owner"),
]


# An invitation's e-mail becomes the new member's username: no longer than either can hold.
INVITE_EMAIL_MAX = min(
    Invitation._meta.get_field("email").max_length,
    get_user_model()._meta.get_field("username").max_length,
)


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=INVITE_EMAIL_MAX)
    # The least role unless the owner chooses more.
    role = forms.ChoiceField(label="Role", choices=LEAST_FIRST, initial=MerchantMember.Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=MerchantMember.Role.choices)


class AcceptForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        min_length=10,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Repeat the password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            raise forms.ValidationError("The passwords do not match.")
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class ResetRequestForm(forms.Form):
    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class OverlapForm(forms.Form):
    overlap_hours = forms.TypedChoiceField(
        label="Old key keeps working for",
        coerce=int,
        choices=[
            (0, "no time: stop it now"),
            (1, "1 hour"),
            (24, "24 hours"),
            (72, "3 days"),
            (168, "7 days"),
        ],
        initial=24,
        required=False,
        empty_value=None,  # not chosen: settings.KEY_ROTATION_OVERLAP_HOURS
    )


class TestPaymentForm(forms.Form):
    mitra_cd = forms.ChoiceField(label="Partner", choices=partner_choices)
    amount = forms.IntegerField(
        label="Amount (Rp)",
        min_value=1,
        max_value=25_000_000,
        initial=15_000,
        help_text="The last three digits choose the outcome (see the table).",
    )
    phone = forms.CharField(label="Customer phone", max_length=15, initial="081234567890")


class PublicKeyForm(forms.Form):
    """The merchant's RSA public key, pasted or uploaded (the service checks it is one)."""

    pem = forms.CharField(
        label="Paste the public key (PEM)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(
            attrs={"rows": 7, "spellcheck": "false", "placeholder": "-----BEGIN PUBLIC KEY-----\n…"}
        ),
    )
    pem_file = forms.FileField(label="…or upload the .pem file", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("pem_file")
        if upload:
            if upload.size > 10_000:
                raise forms.ValidationError("That file is too large for a public key.")
            try:
                data["pem"] = upload.read().decode("ascii")
            except UnicodeDecodeError:
                raise forms.ValidationError("Upload the key in PEM form (text), not DER.")
        if not (data.get("pem") or "").strip():
            raise forms.ValidationError("Paste a public key or choose its file.")
        return data
