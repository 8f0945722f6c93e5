"""docs/snap.md stays true: its worked example is recomputed with the door's own code, its paths
resolve to SNAP views, and every case of its code table is one the error table can answer."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.urls import resolve

from payments.snap import errors, signatures
from tests.support.snap import NICEPAY_SANDBOX_KEY, NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, rsa_sign

DOC = (Path(__file__).resolve().parents[2] / "docs" / "snap.md").read_text()


def value(label: str) -> str:
    return re.search(rf"^{re.escape(label)}\s*=\s*(\S+.*)$", DOC, re.M).group(1).strip()


def test_worked_example_is_what_the_door_computes():
    body = re.search(r"^body \(as python-nicepay sends it\):\n(\{.*\})$", DOC, re.M).group(1).encode()
    assert hashlib.sha256(body).hexdigest() == value("sha256(body)")
    string = value("string to sign")
    method, path, token, digest, stamp = string.split(":", 4)
    assert signatures.hmac_signature(NICEPAY_SANDBOX_KEY, method, path, token, digest, stamp) == value(
        "X-SIGNATURE"
    )
    assert signatures.hmac_verify(
        secret=NICEPAY_SANDBOX_KEY,
        method="POST",
        path="/nicepay" + path,
        query="",
        token=token,
        raw=body,
        timestamp=stamp,
        signature=value("X-SIGNATURE"),
    )
    token_signature = re.search(r"gives `([A-Za-z0-9+/=]{100,})`", DOC).group(1)
    assert (
        rsa_sign(NICEPAY_SANDBOX_SNAP_PRIVATE_KEY, "IONPAYTEST|2024-11-13T02:54:37+07:00") == token_signature
    )


def test_documented_paths_are_served_by_the_snap_door():
    paths = set(re.findall(r"`POST (/nicepay/[^`]+)`", DOC))
    assert len(paths) == 4
    for path in paths:
        assert resolve(path).func.__module__ == "payments.snap.views", path
    assert resolve("/nicepay/snap/public-key.pem").url_name == "public-key"


def test_documented_cases_exist_in_the_table():
    documented = set(re.findall(r"`(\d{3})xx(\d{2})`", DOC))
    known = {(str(case[0]), case[1]) for case, _ in errors.CASES.values()}
    known |= {(str(v[0]), v[1]) for v in vars(errors).values() if isinstance(v, tuple) and len(v) == 3}
    assert documented and documented <= known, documented - known
