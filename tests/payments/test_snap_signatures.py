"""SNAP signatures on NICEPAY's published vectors, and the forms of path and body we accept."""

from __future__ import annotations

import base64
import hashlib
import json

from payments.snap import signatures
from tests.support.snap import NICEPAY_SANDBOX_KEY, NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, PUBLIC_KEY, rsa_sign

# python-nicepay's README "2.4 Verify Signature" (create-VA): body hashed as json.dumps sent it.
README_TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJJT05QQVlURVNUIiwiaXNzIjoiTklDRVBBWSIsIm5hbWUiOiJCRElO"
    "IiwiZXhwIjoiMjAyNC0xMS0xMlQyMDowOTozN1oifQ==.4djzd9Z1jZE8AXkFRmCrxm8IMfdhuk2RjFz0LSzRXIY="
)
README_BODY_HASH = "d04af00b1f17c7045dde178f377b77e385a3d6cecd22fe6822de1ee053489078"
README_SIGNATURE = "w7BpJ392jzRkAgvWC79Zawvztm/l1D+bxIJWgGq59xih0SuAi4PoTtUAUIXcOLuvZ3pYaSs8Mc1QZxhbVMMBqQ=="
# The token request's RSA signature with the published sandbox key (PKCS#1 v1.5 is deterministic).
TOKEN_STAMP = "2024-11-13T02:54:37+07:00"
TOKEN_SIGNATURE = (
    "N9m+5g9FqV58uid1R+AvP91qkbhQmpyuLmhKiNoYuS0JB6WuHy3LnT/qFhBecbE8tWaTLqHXbsty11ddgOWVKsiNHcOzCEhyghQ9qe8"
    "O8dZYOeOE0pHRFx4SnSXl/cjlROi48VqKjx9DT5cWjyyNHHI48uE2FzwtsTWd5ytSj9g="
)
# NICEPAY's own notification example (nodejs-nicepay README): its public key, data and signature.
NICEPAY_NOTIFY_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApizrKJl/1Legp3Zj8f0o
TIjKnUWe2HJCBSoRsVLxtpf0Dr1MI+23y+AMNKKxVXxbvReZq/sD91uN4GFYMUr1
6LY9oX7nJXh9C1JlI4/Xb/Q9MF30o1XYvogHLATtvTR/KQ8hxrf6Nlj/yuzeqrT+
PiQMZt1CaKiE6UMn36kq11DmDq4ocwcNhChKDudNZSZ4YYIFn5IgH05K+VsRjehp
a0szbO8qHmvnprXVVcqvk7ZSS+6fYwDynOq0f552aL0LWX0glNhh9F0oJqmTreW4
lM0mdhNDq4GhlJZl5IpaUiaGRM2Rz/t6spgwR7nqUhI9aE2kjzaorgP4ZWUGm3wl
TwIDAQAB
-----END PUBLIC KEY-----
"""
NICEPAY_NOTIFY_SIGNATURE = (
    "VoxMPjbcV9pro4YyHGQgoRj4rDVJgYk2Ecxn+95B90w47Wnabtco35BfhGpR7a5RukUNnAdeOEBNczSFk4B9uYyu3jc+ceX+Dvz5OYSgSnw5"
    "CiMHtGiVnTAqCM/yHZ2MRpIEqekBc4BWMLVtexSWp0YEJjLyo9dZPrSkSbyLVuD7jkUbvmEpVdvK0uK15xb8jueCcDA6LYVXHkq/OMggS1/5"
    "mrLNriBhCGLuR7M7hBUJbhpOXSJJEy7XyfItTBA+3MRC2FLcvUpMDrn/wz1uH1+b9A6FP7mG0bRSBOm2BTLyf+xJR5+cdd88RhF70tNQdQxh"
    "qr4okVo3IFqlCz2FFg=="
)


def test_hmac_matches_python_nicepays_published_example():
    got = signatures.hmac_signature(
        NICEPAY_SANDBOX_KEY,
        "POST",
        "/api/v1.0/transfer-va/create-va",
        README_TOKEN,
        README_BODY_HASH,
        "2024-11-13T02:54:37+07:00",
    )
    assert got == README_SIGNATURE


def test_token_signature_matches_the_published_key_and_verifies():
    data = signatures.token_request_string("IONPAYTEST", TOKEN_STAMP)
    assert data == b"IONPAYTEST|2024-11-13T02:54:37+07:00"
    assert rsa_sign(NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, data.decode()) == TOKEN_SIGNATURE
    assert signatures.rsa_verify(PUBLIC_KEY, data, TOKEN_SIGNATURE)
    assert not signatures.rsa_verify(PUBLIC_KEY, b"IONPAYTEST|2024-11-13T02:54:38+07:00", TOKEN_SIGNATURE)
    assert not signatures.rsa_verify(PUBLIC_KEY, data, "not base64!")
    assert not signatures.rsa_verify("not a key", data, TOKEN_SIGNATURE)


def test_nicepays_own_notification_example_verifies_the_way_we_sign():
    data = signatures.token_request_string("TNICEVA023", "2024-08-19T17:12:40+07:00")
    assert signatures.rsa_verify(NICEPAY_NOTIFY_KEY, data, NICEPAY_NOTIFY_SIGNATURE)


def test_minified_keeps_strings_and_their_escapes_as_sent():
    python = json.dumps({"a": "x y", "b": {"c": [1, 2]}, "d": 'é/"q\\'}).encode()  # ", " and ": "
    php = b'{"a":"x y","b":{"c":[1,2]},"d":"\\u00e9\\/\\"q\\\\"}'
    assert signatures.minified(python) == b'{"a":"x y","b":{"c":[1,2]},"d":"\\u00e9/\\"q\\\\"}'
    assert signatures.minified(php) == php  # already compact: nothing to take out
    assert signatures.minified(b'{ "k" : " spaced  value " }\n') == b'{"k":" spaced  value "}'


def test_signed_paths_and_body_forms():
    assert signatures.signed_paths("/nicepay/api/v1.0/debit/status") == [
        "/api/v1.0/debit/status",
        "/nicepay/api/v1.0/debit/status",
    ]
    assert signatures.signed_paths("/api/v1.0/debit/status") == ["/api/v1.0/debit/status"]
    raw = b'{"a": 1}'
    assert len(signatures.body_hashes(raw)) == 2 and len(signatures.body_hashes(b'{"a":1}')) == 1


def test_hmac_verify_accepts_raw_or_minified_body_and_nothing_else():
    raw = json.dumps({"partnerReferenceNo": "A 1", "amount": {"value": "1.00"}}).encode()
    common = {"secret": "s3cret", "method": "POST", "query": "", "token": "T", "timestamp": "ts"}
    for signed in (raw, signatures.minified(raw)):
        digest = hashlib.sha256(signed).hexdigest()
        sig = signatures.hmac_signature("s3cret", "POST", "/api/v1.0/debit/status", "T", digest, "ts")
        assert signatures.hmac_verify(path="/nicepay/api/v1.0/debit/status", raw=raw, signature=sig, **common)
        changed = raw.replace(b"A 1", b"A 2")
        assert not signatures.hmac_verify(
            path="/nicepay/api/v1.0/debit/status", raw=changed, signature=sig, **common
        )
        assert not signatures.hmac_verify(
            path="/nicepay/api/v1.0/debit/refund", raw=raw, signature=sig, **common
        )
    assert not signatures.hmac_verify(path="/x", raw=raw, signature=base64.b64encode(b"x").decode(), **common)


def test_timestamps_parse_iso_with_an_offset_only():
    assert signatures.parse_timestamp("2024-11-28T10:00:00+07:00") is not None
    assert signatures.parse_timestamp("2024-11-28T10:00:00.123Z") is not None
    assert signatures.parse_timestamp("2024-11-28T10:00:00") is None  # no zone: refused
    assert signatures.parse_timestamp("20241128100000") is None
    assert signatures.parse_timestamp("") is None
