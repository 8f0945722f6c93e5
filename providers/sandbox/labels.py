"""Words the partner pages show that come from data (test-credential labels), marked here so the
translation catalogue has them; the templates translate them as they render."""

from django.utils.translation import gettext_noop

CREDENTIAL_LABELS = (
    gettext_noop("Phone"),
    gettext_noop("PIN"),
    gettext_noop("OTP"),
    gettext_noop("Password"),
    gettext_noop("DANA phone"),
    gettext_noop("ShopeePay PIN"),
    gettext_noop("OVO phone"),
    gettext_noop("OTP / PIN"),
    gettext_noop("last 4 digits of the phone"),
)
