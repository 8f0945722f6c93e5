"""The one HTTP client adapters use: fixed timeouts, transport errors mapped, redacted logs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .errors import PartnerUnavailable

log = logging.getLogger("providers.http")
REDACT = ("key", "secret", "sign", "token", "password", "pin", "authorization", "hmac", "otp")


def redact(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    if not mapping:
        return {}
    return {k: ("***" if any(r in k.lower() for r in REDACT) else v) for k, v in mapping.items()}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def json_or_unavailable(self, partner: str) -> Any:
        """The JSON body. An answer that is not JSON (a proxy page, a truncated body) says nothing
        about the outcome, so it is ambiguous and retried like a transport error."""
        try:
            return self.json()
        except ValueError:  # includes UnicodeDecodeError
            raise PartnerUnavailable(f"{partner} answered HTTP {self.status} without JSON") from None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpClient:
    def __init__(self, *, timeout: float = 15.0, session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self.session = session or requests.Session()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        raise_5xx: bool = True,
    ) -> HttpResponse:
        started = time.monotonic()
        try:
            resp = self.session.request(
                method,
                url,
                headers=dict(headers or {}),
                data=data,
                params=params,
                timeout=timeout or self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.warning("partner %s %s failed: %s", method, url, type(exc).__name__)
            raise PartnerUnavailable(f"{type(exc).__name__} calling partner") from exc
        elapsed = int((time.monotonic() - started) * 1000)
        log.info(
            "partner %s %s -> %s in %sms headers=%s", method, url, resp.status_code, elapsed, redact(headers)
        )
        result = HttpResponse(resp.status_code, dict(resp.headers), resp.content)
        if raise_5xx and resp.status_code >= 500:
            raise PartnerUnavailable(f"partner answered HTTP {resp.status_code}", raw=result.text[:500])
        return result

    def post_json(
        self, url: str, body: bytes, *, headers: Mapping[str, str] | None = None, **kw: Any
    ) -> HttpResponse:
        h = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", url, headers=h, data=body, **kw)

    def post_form(
        self, url: str, fields: Mapping[str, Any], *, headers: Mapping[str, str] | None = None, **kw: Any
    ) -> HttpResponse:
        return self.request("POST", url, headers=headers, data=dict(fields), **kw)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> HttpResponse:
        return self.request("GET", url, headers=headers, params=params, **kw)
