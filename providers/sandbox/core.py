"""What every simulated partner shares: the registry, notification delivery, JSON helpers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, ClassVar

import requests
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern

from .models import SandboxOrder

log = logging.getLogger("sandbox")


class Simulator:
    """One simulated partner. Subclasses provide their API and pages as URL patterns."""

    slug: ClassVar[str]  # /sandbox/<slug>/
    name: ClassVar[str]
    mitra_cd: ClassVar[str]
    test_credentials: ClassVar[dict[str, str]] = {}

    def urlpatterns(self) -> list[URLPattern]:
        raise NotImplementedError

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """Act at the partner as the customer would: success | decline | expire | cancel."""
        raise NotImplementedError


SIMULATORS: dict[str, Simulator] = {}


def register(cls: type[Simulator]) -> type[Simulator]:
    SIMULATORS[cls.slug] = cls()
    return cls


def gateway_url(path: str) -> str:
    """Where the partner sends server notifications, as configured at merchant onboarding."""
    return f"{settings.SANDBOX_GATEWAY_BASE_URL}{path}"


def public_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/sandbox{path}"


def send(
    url: str,
    *,
    body: bytes | dict,
    headers: dict[str, str] | None = None,
    copies: int = 1,
    form: bool = False,
) -> list[int]:
    """POST a notification `copies` times; returns the HTTP statuses (0 = unreachable)."""
    statuses = []
    for _ in range(copies):
        try:
            if form:
                r = requests.post(url, data=body, headers=headers or {}, timeout=15)
            else:
                r = requests.post(
                    url,
                    data=body,
                    headers={"Content-Type": "application/json", **(headers or {})},
                    timeout=15,
                )
            statuses.append(r.status_code)
        except requests.RequestException as exc:
            log.warning("sandbox notification to %s failed: %s", url, type(exc).__name__)
            statuses.append(0)
    return statuses


def json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def json_response(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> JsonResponse:
    resp = JsonResponse(data, status=status, json_dumps_params={"separators": (",", ":")})
    if raw is not None:
        resp.content = raw
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


Handler = Callable[..., Any]
