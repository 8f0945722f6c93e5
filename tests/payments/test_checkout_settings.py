"""services/checkout_settings.py: the logo is a small raster image recognised by its bytes, at
least one method stays on, and every change is audited."""

from __future__ import annotations

import pytest

from payments import exceptions as err
from payments.models import AuditLog, CheckoutSettings
from payments.services.checkout_settings import (
    CheckoutSettingsData,
    checkout_settings_update,
    logo_content_type,
)

pytestmark = pytest.mark.django_db
ALL = ("OVOE", "ESHP", "DANA", "LINK", "ASTR", "AKLP", "KDVI", "IDNA")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 10, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 10, "image/jpeg"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
    ],
)
def test_raster_logos_are_recognised(data, content_type) -> None:
    assert logo_content_type(data) == content_type


@pytest.mark.parametrize(
    "data", [b"<svg onload=alert(1)/>", b"<html>", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000]
)
def test_anything_else_is_refused(data) -> None:
    with pytest.raises(err.LogoInvalid):
        logo_content_type(data)


def test_update_saves_audits_and_keeps_one_method(merchant) -> None:
    settings_data = CheckoutSettingsData(
        display_name=" Toko Sari ",
        default_language="id",
        enabled_methods=("DANA", "OVOE"),
        accept_txid_only_links=False,
    )
    found = checkout_settings_update(merchant=merchant, data=settings_data)
    assert (found.display_name, found.default_language, found.accept_txid_only_links) == (
        "Toko Sari",
        "id",
        False,
    )
    assert set(found.disabled_methods) == set(ALL) - {"DANA", "OVOE"}
    assert AuditLog.objects.filter(action="checkout.settings_updated", merchant=merchant).count() == 1
    with pytest.raises(err.NoMethodEnabled):
        checkout_settings_update(merchant=merchant, data=CheckoutSettingsData("", "", (), True))
    with pytest.raises(err.LanguageNotOffered):
        checkout_settings_update(merchant=merchant, data=CheckoutSettingsData("", "fr", ALL, True))
    assert CheckoutSettings.objects.get(merchant=merchant).default_language == "id"  # refused: unchanged
