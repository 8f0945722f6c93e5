"""The merchant's hosted checkout settings: name and logo shoppers see, default language,
methods offered, and whether NICEPAY's tXid-only payment link is accepted."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from payments import exceptions as err
from payments.models import AuditLog, CheckoutSettings, Merchant
from payments.selectors.checkout import methods_all

from .audit import SYSTEM, Actor, audit_record

LOGO_MAX_BYTES = 200 * 1024
# Raster formats only, recognised by their first bytes: an SVG (script) or HTML is never served.
LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class CheckoutSettingsData:
    display_name: str
    default_language: str  # "", "id" or "en"
    enabled_methods: tuple[str, ...]  # mitraCd values
    accept_txid_only_links: bool
    logo: bytes | None = None  # a new logo, or None to keep the current one
    remove_logo: bool = False


def logo_content_type(data: bytes) -> str:
    """The image type of an uploaded logo. Raises LogoInvalid: not PNG/JPEG/WebP, or too large."""
    if len(data) > LOGO_MAX_BYTES:
        raise err.LogoInvalid(max_kb=LOGO_MAX_BYTES // 1024)
    for magic, content_type in LOGO_SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise err.LogoInvalid(max_kb=LOGO_MAX_BYTES // 1024)


def checkout_settings_update(
    *, merchant: Merchant, data: CheckoutSettingsData, actor: Actor = SYSTEM
) -> CheckoutSettings:
    """Saves the settings. Raises LogoInvalid, LanguageNotOffered and NoMethodEnabled."""
    known = {m.mitra_cd for m in methods_all()}
    enabled = set(data.enabled_methods) & known
    if not enabled:
        raise err.NoMethodEnabled()
    if data.default_language not in {c for c, _ in CheckoutSettings.Language.choices}:
        raise err.LanguageNotOffered(language=data.default_language)
    content_type = logo_content_type(data.logo) if data.logo else ""
    with transaction.atomic():
        found, _ = CheckoutSettings.objects.select_for_update().get_or_create(merchant=merchant)
        found.display_name = data.display_name.strip()[:60]
        found.default_language = data.default_language
        found.disabled_methods = sorted(known - enabled)
        found.accept_txid_only_links = data.accept_txid_only_links
        if data.logo:
            found.logo, found.logo_content_type = data.logo, content_type
            found.logo_version += 1
        elif data.remove_logo:
            found.logo, found.logo_content_type = None, ""
            found.logo_version += 1
        found.save()
        audit_record(
            actor=actor,
            action=AuditLog.Action.CHECKOUT_SETTINGS_UPDATED,
            merchant=merchant,
            target=f"merchant:{merchant.imid}",
            detail={
                "methods_off": found.disabled_methods,
                "logo_changed": bool(data.logo or data.remove_logo),
            },
        )
    return found
