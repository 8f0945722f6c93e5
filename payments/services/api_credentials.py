"""Credentials of the token-based merchant API (BI-SNAP): the client secret, the merchant's RSA
public key, and the bearer tokens issued against them.

The client id is the merchant's iMid. A token is stored as its SHA-256 only, lives
ACCESS_TOKEN_SECONDS, and every live token of a merchant is revoked when its secret or public key
changes. Secrets never reach the audit detail."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import exceptions as err
from payments import secrets as key_store
from payments.models import AccessToken, ApiCredential, AuditLog, Merchant

from .audit import Actor, audit_record

MIN_KEY_BITS = 1024  # NICEPAY's own published sandbox key is RSA-1024
MAX_PEM_CHARS = 10_000


def generate_client_secret() -> str:
    """88 characters of base64, the shape of NICEPAY's secrets."""
    return base64.b64encode(secrets.token_bytes(64)).decode()


def public_key_parse(pem: str) -> tuple[str, str]:
    """Check an RSA public key given as PEM (SubjectPublicKeyInfo or PKCS#1), or as the bare base64
    of its DER as NICEPAY's PHP helper passes keys. Returns (normalised SPKI PEM, fingerprint:
    SHA-256 hex of the DER). Raises PublicKeyInvalid with the reason."""
    text = (pem or "").strip()
    if not text:
        raise err.PublicKeyInvalid(detail="it is empty")
    if len(text) > MAX_PEM_CHARS:
        raise err.PublicKeyInvalid(detail="it is too long for a public key")
    if "PRIVATE KEY" in text:
        raise err.PublicKeyInvalid(detail="this is a PRIVATE key: keep it secret and paste its public key")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, TypeError) as exc:
        raise err.PublicKeyInvalid(detail=f"it could not be read: {str(exc)[:80]}")
    if not isinstance(key, rsa.RSAPublicKey):
        raise err.PublicKeyInvalid(detail="it is not an RSA key")
    if key.key_size < MIN_KEY_BITS:
        raise err.PublicKeyInvalid(detail=f"RSA-{key.key_size} is too short; use 2048 bits")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    normalised = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return normalised.decode(), hashlib.sha256(der).hexdigest()


def _revoke_tokens(merchant: Merchant) -> int:
    now = timezone.now()
    return AccessToken.objects.filter(merchant=merchant, revoked_at__isnull=True, expires_at__gt=now).update(
        revoked_at=now
    )


def _locked_credential(merchant: Merchant) -> ApiCredential:
    ApiCredential.objects.get_or_create(merchant=merchant)
    return ApiCredential.objects.select_for_update().get(merchant=merchant)


@transaction.atomic
def client_secret_rotate(*, merchant: Merchant, actor: Actor) -> str:
    """A new client secret (the first one when there was none). The old one and every token issued
    under it stop working at once. Returns the new secret, to be shown once."""
    cred = _locked_credential(merchant)
    plain = generate_client_secret()
    cred.client_secret_encrypted = key_store.encrypt(plain)
    cred.save(update_fields=["client_secret_encrypted", "updated_at"])
    revoked = _revoke_tokens(merchant)
    audit_record(
        actor=actor,
        action=AuditLog.Action.MERCHANT_CLIENT_SECRET_ROTATED,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
        detail={"tokens_revoked": revoked},
    )
    return plain


def client_secret_revealed(*, merchant: Merchant, actor: Actor) -> str:
    """Records that a member looked at the client secret, and returns it ("" when there is none)."""
    cred = ApiCredential.objects.filter(merchant=merchant).first()
    audit_record(
        actor=actor,
        action=AuditLog.Action.MERCHANT_CLIENT_SECRET_REVEALED,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
    )
    return cred.client_secret if cred else ""


@transaction.atomic
def public_key_set(*, merchant: Merchant, pem: str, actor: Actor) -> ApiCredential:
    """Register the merchant's RSA public key (it verifies the merchant's token requests). Every
    token issued before is revoked. Returns the credential. Raises PublicKeyInvalid."""
    normalised, fingerprint = public_key_parse(pem)
    cred = _locked_credential(merchant)
    previous = cred.public_key_fingerprint
    cred.public_key_pem, cred.public_key_fingerprint = normalised, fingerprint
    cred.save(update_fields=["public_key_pem", "public_key_fingerprint", "updated_at"])
    revoked = _revoke_tokens(merchant)
    audit_record(
        actor=actor,
        action=AuditLog.Action.MERCHANT_PUBLIC_KEY_SET,
        merchant=merchant,
        target=f"merchant:{merchant.imid}",
        detail={"from": previous, "to": fingerprint, "tokens_revoked": revoked},
    )
    return cred


def api_credential_load(*, merchant: Merchant, client_secret: str, public_key_pem: str) -> ApiCredential:
    """Give a merchant known credentials where it has none yet (the sandbox demo merchant gets
    NICEPAY's published ones). Idempotent: credentials already set are left as they are. Returns
    the credential. Raises PublicKeyInvalid."""
    normalised, fingerprint = public_key_parse(public_key_pem)
    with transaction.atomic():
        cred = _locked_credential(merchant)
        fields = []
        if not cred.client_secret_encrypted:
            cred.client_secret_encrypted = key_store.encrypt(client_secret)
            fields.append("client_secret_encrypted")
        if not cred.public_key_pem:
            cred.public_key_pem, cred.public_key_fingerprint = normalised, fingerprint
            fields += ["public_key_pem", "public_key_fingerprint"]
        if fields:
            cred.save(update_fields=[*fields, "updated_at"])
    return cred


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_token_issue(*, merchant: Merchant) -> tuple[str, int]:
    """A new bearer token for `merchant` (whose request the door has verified). Returns (token,
    lifetime in seconds: ACCESS_TOKEN_SECONDS). Tokens expired for a day are pruned on the way:
    clients that mint a token per call (python-nicepay does) would otherwise pile them up."""
    now = timezone.now()
    lifetime = settings.ACCESS_TOKEN_SECONDS
    token = secrets.token_urlsafe(48)
    AccessToken.objects.create(
        merchant=merchant, token_hash=_token_hash(token), expires_at=now + timedelta(seconds=lifetime)
    )
    AccessToken.objects.filter(merchant=merchant, expires_at__lt=now - timedelta(days=1)).delete()
    return token, lifetime


def access_token_merchant(*, token: str, now: datetime | None = None) -> Merchant:
    """The active merchant a live token was issued to. Raises AccessTokenInvalid (unknown, expired,
    revoked, or its merchant suspended). The lookup is by the token's hash, so no timing of a
    comparison reveals anything about stored tokens."""
    now = now or timezone.now()
    row = (
        AccessToken.objects.select_related("merchant").filter(token_hash=_token_hash(token or "")).first()
        if token
        else None
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.merchant.is_active:
        raise err.AccessTokenInvalid()
    return row.merchant
