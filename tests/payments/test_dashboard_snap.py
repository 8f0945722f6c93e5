"""The dashboard's BI-SNAP page: client secret shown and rotated after the password, the merchant's
public key pasted or uploaded (checked, fingerprinted), roles, and our notification key published."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from payments.models import AccessToken, ApiCredential, AuditLog
from payments.services import api_credentials, gateway_keys
from tests.factories import MerchantFactory
from tests.support import snap
from tests.support.dashboard import PASSWORD, member

pytestmark = pytest.mark.django_db
PAGE = "/dashboard/developers/snap/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(client):
    m = member(snap.snap_demo_merchant(), "owner")
    client.force_login(m.user)
    return m


def test_page_shows_client_id_masked_secret_fingerprint_and_our_key(client, owner):
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="client-id">IONPAYTEST<' in html
    assert snap.NICEPAY_SANDBOX_KEY not in html  # masked until revealed
    assert "33F4…" in html
    assert ":".join(snap.PUBLIC_KEY_FINGERPRINT[i : i + 2] for i in range(0, 64, 2)).upper() in html
    ours = gateway_keys.public_key()
    assert ours.base64 in html and "/nicepay/snap/public-key.pem" in html
    assert b'href="/dashboard/developers/snap/"' in client.get("/dashboard/developers/").content


def test_reveal_and_rotate_need_the_password(client, owner):
    wrong = client.post(f"{PAGE}secret/reveal", {"password": "nope"})
    assert wrong.status_code == 403 and snap.NICEPAY_SANDBOX_KEY not in wrong.content.decode()
    shown = client.post(f"{PAGE}secret/reveal", {"password": PASSWORD})
    assert shown.status_code == 200 and snap.NICEPAY_SANDBOX_KEY in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"

    token, _ = api_credentials.access_token_issue(merchant=owner.merchant)
    rotated = client.post(f"{PAGE}secret/rotate", {"password": PASSWORD})
    new = ApiCredential.objects.get(merchant=owner.merchant).client_secret
    assert rotated.status_code == 200 and new != snap.NICEPAY_SANDBOX_KEY and new in rotated.content.decode()
    assert AccessToken.objects.get().revoked_at is not None
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"merchant.client_secret_revealed", "merchant.client_secret_rotated"} <= actions


def test_paste_or_upload_a_public_key(client, owner):
    _, public = snap.new_key_pair()
    saved = client.post(f"{PAGE}public-key", {"pem": public})
    assert saved.status_code == 200 and b'id="key-saved"' in saved.content
    cred = ApiCredential.objects.get(merchant=owner.merchant)
    assert cred.public_key_pem == public and cred.public_key_fingerprint != snap.PUBLIC_KEY_FINGERPRINT

    upload = SimpleUploadedFile(
        "merchant.pem", snap.PUBLIC_KEY.encode(), content_type="application/x-pem-file"
    )
    saved = client.post(f"{PAGE}public-key", {"pem": "", "pem_file": upload})
    assert saved.status_code == 200
    assert (
        ApiCredential.objects.get(merchant=owner.merchant).public_key_fingerprint
        == snap.PUBLIC_KEY_FINGERPRINT
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"pem": ""}, "Paste a public key"),
        ({"pem": "hello"}, "could not be read"),
        ({"pem": snap.NICEPAY_SANDBOX_SNAP_PRIVATE_KEY}, "PRIVATE key"),
    ],
)
def test_a_bad_key_is_a_field_message_and_changes_nothing(client, owner, data, words):
    before = ApiCredential.objects.get(merchant=owner.merchant).public_key_pem
    answer = client.post(f"{PAGE}public-key", data)
    assert answer.status_code == 400 and words in answer.content.decode()
    assert ApiCredential.objects.get(merchant=owner.merchant).public_key_pem == before


@pytest.mark.parametrize("role", ["viewer", "developer"])
def test_only_owners_see_or_change_the_secret_and_key(client, role):
    m = member(snap.snap_demo_merchant(), role)
    client.force_login(m.user)
    page = client.get(PAGE).content.decode()
    assert "snap-reveal-submit" not in page and "key-submit" not in page
    assert "Only owners" in page
    assert client.post(f"{PAGE}secret/reveal", {"password": PASSWORD}).status_code == 403
    assert client.post(f"{PAGE}secret/rotate", {"password": PASSWORD}).status_code == 403
    _, public = snap.new_key_pair()
    assert client.post(f"{PAGE}public-key", {"pem": public}).status_code == 403
    assert ApiCredential.objects.get().client_secret == snap.NICEPAY_SANDBOX_KEY


def test_each_merchant_sees_only_its_own(client):
    snap.snap_demo_merchant()
    other = member(MerchantFactory(), "owner")
    client.force_login(other.user)
    page = client.get(PAGE).content.decode()
    assert "IONPAYTEST" not in page and 'id="no-secret"' in page and 'id="no-key"' in page
    created = client.post(f"{PAGE}secret/rotate", {"password": PASSWORD})
    assert created.status_code == 200
    assert ApiCredential.objects.get(merchant__imid="IONPAYTEST").client_secret == snap.NICEPAY_SANDBOX_KEY


def test_forms_need_csrf(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)
    assert strict.post(f"{PAGE}secret/rotate", {"password": PASSWORD}).status_code == 403
    assert ApiCredential.objects.get().client_secret == snap.NICEPAY_SANDBOX_KEY
