"""Keeps the secrets that travel in URLs out of the run log, and the rest of each line readable.

A customer page's path carries its secret (/pay/<tXid>/<token>/..., /link/<mandateID>/<token>/finish,
/l/<code>, the signed paymentURL, a team invitation), and the V2 payment step carries the
merchant's merchantToken in its query; partners' returns bring authCode, sign or signature_key.
Whoever reads a log line must not be able to open the page or replay the step. The filter is on
every handler of LOGGING (settings) and on gunicorn's own loggers (payloan_site/gunicorn.py)."""

from __future__ import annotations

import logging
import re

MASK = "[masked]"
_END = r"/\s?#&\"'<>"  # what ends a path segment or a query value in a log line

# The secret path segment after each of these prefixes.
_PATH = re.compile(
    rf"(/(?:pay|link)/[^{_END}]+/|/l/|/dashboard/invite/|/nicepay/redirect/v2/payment/)[^{_END}]+"
)
# Query parameters whose value is a credential (names compared without case).
SECRET_PARAMETERS = (
    "merchantToken",
    "merchantKey",
    "authCode",
    "sign",
    "signature",
    "signature_key",
    "token",
    "tk",
    "access_token",
    "accessToken",
    "password",
)
_QUERY = re.compile(rf"([?&;](?:{'|'.join(SECRET_PARAMETERS)})=)[^{_END}]*", re.IGNORECASE)


def mask(text: str) -> str:
    """`text` with every secret path segment and secret query value replaced by MASK."""
    return _QUERY.sub(rf"\g<1>{MASK}", _PATH.sub(rf"\g<1>{MASK}", text))


class MaskSecrets(logging.Filter):
    """Rewrites a record's message with the secrets masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it itself
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
