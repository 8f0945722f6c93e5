"""Shopper forms of the hosted checkout. Every label and message is translated."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

PHONE = re.compile(r"^(?:0|62)8[0-9]{7,12}$")


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s\-().]", "", value or "")
    return digits[1:] if digits.startswith("+") else digits


def tenor_label(tenor: str) -> str:
    months = int(tenor)
    if months == 1:
        return str(_("Pay in 30 days"))
    return str(ngettext_lazy("%(n)d month", "%(n)d months", months) % {"n": months})


class PhoneForm(forms.Form):
    """OVO: the number of the OVO account that gets the payment request."""

    phone = forms.CharField(
        label=_("OVO phone number"),
        max_length=20,
        help_text=_("The number registered in your OVO app, for example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "08…"}),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a mobile number that starts with 08 or 628."))
        return phone


class PayLaterForm(forms.Form):
    """Pay-later: the tenor, and the delivery address when the shop sent none."""

    tenor = forms.ChoiceField(label=_("Instalment plan"), widget=forms.RadioSelect)
    delivery_name = forms.CharField(label=_("Recipient name"), max_length=100, required=False)
    delivery_phone = forms.CharField(label=_("Recipient phone"), max_length=20, required=False)
    delivery_address = forms.CharField(label=_("Street address"), max_length=100, required=False)
    delivery_city = forms.CharField(label=_("City"), max_length=50, required=False)
    delivery_state = forms.CharField(label=_("Province"), max_length=50, required=False)
    delivery_post_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    DELIVERY = (
        "delivery_name",
        "delivery_phone",
        "delivery_address",
        "delivery_city",
        "delivery_state",
        "delivery_post_code",
    )

    def __init__(self, *args: object, tenors: tuple[str, ...], ask_delivery: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.ask_delivery = ask_delivery
        self.fields["tenor"].choices = [(t, tenor_label(t)) for t in tenors]
        if tenors:
            self.fields["tenor"].initial = tenors[0]
        if not ask_delivery:
            for name in self.DELIVERY:
                del self.fields[name]
        else:
            self.fields["delivery_phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
            self.fields["delivery_post_code"].widget.attrs.update(
                inputmode="numeric", autocomplete="postal-code"
            )
            self.fields["delivery_name"].widget.attrs.update(autocomplete="name")
            self.fields["delivery_address"].widget.attrs.update(autocomplete="street-address")

    def clean(self) -> dict:
        data = super().clean()
        if self.ask_delivery:
            for name in self.DELIVERY:
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
            phone = normalise_phone(data.get("delivery_phone", ""))
            if phone and not phone.isdigit():
                self.add_error("delivery_phone", _("Enter digits only."))
            data["delivery_phone"] = phone
            if data.get("delivery_post_code") and not str(data["delivery_post_code"]).isdigit():
                self.add_error("delivery_post_code", _("Enter digits only."))
        return data

    def delivery(self) -> dict[str, str]:
        if not self.ask_delivery:
            return {}
        found = {name: self.cleaned_data[name] for name in self.DELIVERY}
        return {**found, "delivery_country": "Indonesia"}


class PayerForm(forms.Form):
    """A payment link knows no shopper: who pays, for the partner and the merchant's records."""

    name = forms.CharField(
        label=_("Full name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail"), max_length=40, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a mobile number that starts with 08 or 628."))
        return phone
