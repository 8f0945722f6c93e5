"""Dashboard forms of the hosted checkout: payment links and the checkout's settings."""

from __future__ import annotations

from django import forms

from payments.models import CheckoutSettings
from payments.selectors.checkout import methods_all

from .dates import MomentField


class PaymentLinkForm(forms.Form):
    amount = forms.IntegerField(label="Amount (Rp)", min_value=1, max_value=999_999_999_999)
    description = forms.CharField(label="Description (shown to the payer)", max_length=100)
    expires_at = MomentField(
        label="Expires", required=False, help_text="Leave empty for a link that does not expire."
    )
    multi_use = forms.BooleanField(
        label="Can be paid many times (e.g. a product or a donation)", required=False
    )


class CheckoutSettingsForm(forms.Form):
    display_name = forms.CharField(
        label="Name shown to shoppers", max_length=60, required=False, help_text="Empty: your merchant name."
    )
    logo = forms.FileField(label="Logo (PNG, JPEG or WebP, up to 200 KB)", required=False)
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    default_language = forms.ChoiceField(
        label="Default language", choices=CheckoutSettings.Language.choices, required=False
    )
    methods = forms.MultipleChoiceField(
        label="Methods offered on the hosted page", widget=forms.CheckboxSelectMultiple, required=False
    )
    accept_txid_only_links = forms.BooleanField(
        label="Accept NICEPAY's payment link with only the tXid (/redirect/v2/payment?tXid=…)",
        required=False,
        help_text="Turn off once your shop sends shoppers to the paymentURL we answer (it carries a secret).",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["methods"].choices = [(m.mitra_cd, m.name) for m in methods_all()]
