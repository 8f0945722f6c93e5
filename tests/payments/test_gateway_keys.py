"""The gateway's signing key: from the setting when given, else generated once and kept encrypted,
the same for every process; what it signs verifies with the key we publish."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from payments.models import GatewayKey
from payments.services import gateway_keys
from tests.support import snap

pytestmark = pytest.mark.django_db


def test_generated_once_stored_encrypted_and_verifiable():
    first = gateway_keys.public_key()
    assert GatewayKey.objects.count() == 1
    row = GatewayKey.objects.get()
    assert "PRIVATE KEY" not in row.private_key_encrypted and "PRIVATE KEY" in row.private_key_pem
    assert gateway_keys.public_key() == first  # the same key every time
    signature = gateway_keys.sign(b"IONPAYTEST|2026-01-01T00:00:00+07:00")
    assert snap.rsa_verify(first.pem, "IONPAYTEST|2026-01-01T00:00:00+07:00", signature)
    der = base64.b64decode(first.base64)
    assert serialization.load_der_public_key(der).key_size == 2048 and len(first.fingerprint) == 64


def test_a_configured_key_wins(settings):
    private, public = snap.new_key_pair()
    settings.GATEWAY_SIGNING_KEY = private
    assert gateway_keys.public_key().pem == public
    assert not GatewayKey.objects.exists()


def test_a_key_file_works_and_a_non_rsa_key_is_refused(settings, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.core.exceptions import ImproperlyConfigured

    private, public = snap.new_key_pair()
    path = tmp_path / "key.pem"
    path.write_text(private)
    settings.GATEWAY_SIGNING_KEY_FILE = str(path)
    assert gateway_keys.public_key().pem == public
    ecdsa = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.GATEWAY_SIGNING_KEY = ecdsa.decode()
    with pytest.raises(ImproperlyConfigured):
        gateway_keys.public_key()


def test_the_published_pem_url(client):
    resp = client.get("/nicepay/snap/public-key.pem")
    assert resp.status_code == 200 and resp.content.decode() == gateway_keys.public_key().pem
