"""Credentials of the token-based API: public keys checked and fingerprinted, secrets rotated and
revealed with an audit entry, tokens stored hashed, expiring, revoked on any credential change."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from payments import exceptions as err
from payments.models import AccessToken, ApiCredential, AuditLog
from payments.services import api_credentials as svc
from payments.services.audit import SYSTEM
from tests.support import snap

pytestmark = pytest.mark.django_db


def test_public_key_forms_are_read_and_fingerprinted():
    pem, fingerprint = svc.public_key_parse(snap.PUBLIC_KEY)
    assert fingerprint == snap.PUBLIC_KEY_FINGERPRINT  # openssl pkey -pubin -outform DER | sha256
    bare = "".join(line for line in snap.PUBLIC_KEY.splitlines() if not line.startswith("-----"))
    assert svc.public_key_parse(bare) == (pem, fingerprint)  # PHP/Magento hand keys over bare
    key = serialization.load_pem_public_key(snap.PUBLIC_KEY.encode())
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert svc.public_key_parse(pkcs1) == (pem, fingerprint)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        (snap.NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, "PRIVATE key"),
        ("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----", "could not be read"),
        (base64.b64encode(b"junk").decode(), "could not be read"),
        ("x" * 20_000, "too long"),
    ],
)
def test_bad_public_keys_are_refused_with_the_reason(text, why):
    with pytest.raises(err.PublicKeyInvalid) as caught:
        svc.public_key_parse(text)
    assert why in caught.value.message


def test_short_and_non_rsa_keys_are_refused():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    short = rsa.RSAPublicNumbers(65537, (1 << 511) | 0xF1).public_key()  # 512 bits
    ecdsa = ec.generate_private_key(ec.SECP256R1()).public_key()
    for key, why in ((short, "too short"), (ecdsa, "not an RSA key")):
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        with pytest.raises(err.PublicKeyInvalid, match=why):
            svc.public_key_parse(pem.decode())


def test_rotate_reveal_and_key_change_revoke_tokens_and_are_audited(merchant):
    first = svc.client_secret_rotate(merchant=merchant, actor=SYSTEM)
    assert len(first) == 88 and svc.client_secret_revealed(merchant=merchant, actor=SYSTEM) == first
    token, lifetime = svc.access_token_issue(merchant=merchant)
    assert lifetime == 900 and svc.access_token_merchant(token=token) == merchant

    second = svc.client_secret_rotate(merchant=merchant, actor=SYSTEM)
    assert second != first
    with pytest.raises(err.AccessTokenInvalid):
        svc.access_token_merchant(token=token)  # the rotation revoked it

    token, _ = svc.access_token_issue(merchant=merchant)
    _, public = snap.new_key_pair()
    cred = svc.public_key_set(merchant=merchant, pem=public, actor=SYSTEM)
    assert len(cred.public_key_fingerprint) == 64
    with pytest.raises(err.AccessTokenInvalid):
        svc.access_token_merchant(token=token)

    actions = list(AuditLog.objects.filter(merchant=merchant).order_by("id").values_list("action", flat=True))
    assert actions == [
        "merchant.client_secret_rotated",
        "merchant.client_secret_revealed",
        "merchant.client_secret_rotated",
        "merchant.public_key_set",
    ]
    for entry in AuditLog.objects.all():
        assert first not in str(entry.detail) and second not in str(entry.detail)
    assert ApiCredential.objects.get(merchant=merchant).client_secret_encrypted != second  # encrypted


def test_tokens_expire_and_die_with_their_merchant(merchant):
    token, _ = svc.access_token_issue(merchant=merchant)
    later = timezone.now() + timedelta(seconds=901)
    with pytest.raises(err.AccessTokenInvalid):
        svc.access_token_merchant(token=token, now=later)
    merchant.is_active = False
    merchant.save()
    with pytest.raises(err.AccessTokenInvalid):
        svc.access_token_merchant(token=token)
    with pytest.raises(err.AccessTokenInvalid):
        svc.access_token_merchant(token="")


def test_issuing_prunes_tokens_expired_for_a_day(merchant):
    old, _ = svc.access_token_issue(merchant=merchant)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(days=2))
    svc.access_token_issue(merchant=merchant)
    assert AccessToken.objects.filter(merchant=merchant).count() == 1


def test_demo_credentials_load_once_and_keep_what_is_there(merchant):
    cred = svc.api_credential_load(
        merchant=merchant, client_secret=snap.NICEPAY_SANDBOX_KEY, public_key_pem=snap.PUBLIC_KEY
    )
    assert cred.client_secret == snap.NICEPAY_SANDBOX_KEY
    assert cred.public_key_fingerprint == snap.PUBLIC_KEY_FINGERPRINT
    rotated = svc.client_secret_rotate(merchant=merchant, actor=SYSTEM)
    again = svc.api_credential_load(
        merchant=merchant, client_secret=snap.NICEPAY_SANDBOX_KEY, public_key_pem=snap.PUBLIC_KEY
    )
    assert again.client_secret == rotated  # loading again changes nothing set already


def test_load_demo_gives_ionpaytest_the_published_snap_credentials():
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent
    cred = ApiCredential.objects.get(merchant__imid="IONPAYTEST")
    assert cred.client_secret == snap.NICEPAY_SANDBOX_KEY
    assert cred.public_key_fingerprint == snap.PUBLIC_KEY_FINGERPRINT
    assert ApiCredential.objects.count() == 1
