"""What merchant notifications of SNAP payments say: a JSON body (service 56) with NICEPAY's
headers X-TIMESTAMP, X-CLIENT-KEY and X-SIGNATURE, the last one SHA256withRSA over
`clientId|X-TIMESTAMP` with the gateway's key (published on the dashboard and at
/nicepay/snap/public-key.pem). That signature does not cover the body; our X-Payloan-Signature,
added by the outbox, does. Registered for the SNAP door in payments/apps.py."""

from __future__ import annotations

import json

from payments import clock
from payments.models import AccountLink, Merchant, Notification, Transaction
from payments.nicepay import notifications as v2
from payments.services import gateway_keys

from . import payloads
from .signatures import token_request_string

content_type = "application/json"


def payment(txn: Transaction, sequence: int) -> dict:
    """The body of a SNAP payment's status change."""
    return payloads.notification(txn, sequence)


def link(link: AccountLink) -> dict[str, str]:
    """Account links are made through V2's linkEnable, and told as V2 tells them."""
    return v2.link(link)


def test(merchant: Merchant) -> dict[str, str]:
    return v2.test(merchant)


def with_current_token(note: Notification) -> dict:
    """The body carries no token: it is sent as stored (the headers are signed at each attempt)."""
    return dict(note.payload)


def encode(fields: dict) -> bytes:
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def headers(note: Notification) -> dict[str, str]:
    """NICEPAY's notification headers, signed now: X-TIMESTAMP is this attempt's time (Jakarta)."""
    stamp = clock.jakarta().isoformat(timespec="seconds")
    client_id = note.merchant.imid
    return {
        "X-TIMESTAMP": stamp,
        "X-CLIENT-KEY": client_id,
        "X-SIGNATURE": gateway_keys.sign(token_request_string(client_id, stamp)),
    }
