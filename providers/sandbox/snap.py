"""SNAP (Bank Indonesia's open API standard) as the simulated partners speak it: WIB timestamps,
minified JSON, the symmetric and asymmetric signatures, and answers in SNAP's shape (providers.md §0).

DANA and AstraPay keep only their own credentials and quirks; everything SNAP-generic lives here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .core import json_response

WIB = timezone(timedelta(hours=7))


def timestamp(moment: datetime | None = None) -> str:
    """X-TIMESTAMP: `yyyy-MM-ddTHH:mm:ss+07:00` (WIB), now unless a moment is given."""
    return (moment or datetime.now(WIB)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def minify(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def money(amount: int) -> dict[str, str]:
    """A SNAP money object: whole rupiah as a string with exactly two decimals."""
    return {"value": f"{int(amount)}.00", "currency": "IDR"}


def same(a: str, b: str) -> bool:
    return hmac.compare_digest((a or "").encode(), (b or "").encode())


def bearer(value: str) -> str:
    """The token of an `Authorization: Bearer …` header ("" when it is not one)."""
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def asymmetric_string(method: str, path: str, body: bytes, ts: str) -> bytes:
    """`METHOD:path:hex(sha256(body)):timestamp` (DANA, and partner notifications signed by RSA)."""
    return f"{method.upper()}:{path}:{hashlib.sha256(body).hexdigest()}:{ts}".encode()


def symmetric_signature(secret: str, method: str, path: str, token: str, body: bytes, ts: str) -> str:
    """b64(HMAC-SHA512(client secret, `METHOD:path:token:hex(sha256(body)):timestamp`))."""
    text = f"{method.upper()}:{path}:{token}:{hashlib.sha256(body).hexdigest()}:{ts}".encode()
    return base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha512).digest()).decode()


def rsa_sign(private_pem: bytes, message: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()  # type: ignore[union-attr,call-arg]


def rsa_verify(public_pem: bytes, message: bytes, signature_b64: str) -> bool:
    """SHA256withRSA (PKCS#1 v1.5); any malformed input simply does not verify."""
    if not signature_b64:
        return False
    try:
        key = serialization.load_pem_public_key(public_pem)
        key.verify(  # type: ignore[union-attr,call-arg]
            base64.b64decode(signature_b64, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class SnapError(Exception):
    """A refusal in SNAP's shape; the endpoint's service code completes `responseCode`."""

    def __init__(self, http: int, case: str, message: str) -> None:
        super().__init__(message)
        self.http, self.case, self.message = http, case, message


def answer(service: str, http: int, case: str, message: str, **fields: Any) -> JsonResponse:
    """`responseCode` = HTTP status + service code + case code, with the HTTP status to match."""
    return json_response(
        {"responseCode": f"{http}{service}{case}", "responseMessage": message, **fields}, status=http
    )


def ok(service: str, **fields: Any) -> JsonResponse:
    return answer(service, 200, "00", "Successful", **fields)


def endpoint(service: str) -> Callable[[Callable[..., JsonResponse]], Callable[..., JsonResponse]]:
    """A machine endpoint: POST only, no CSRF (it is authenticated by its signature), a SnapError
    raised anywhere inside becomes the SNAP answer for this service."""

    def deco(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                return view(request, *args, **kwargs)
            except SnapError as err:
                return answer(service, err.http, err.case, err.message)

        return inner

    return deco


def parse_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise SnapError(400, "00", "Bad Request. Body is not a JSON object")
    return data
