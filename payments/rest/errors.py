"""One JSON error shape for every 4xx/5xx of the merchant API:

    {"error": {"code": "not_found", "message": "...", "fields": {"field": ["problem", ...]}}}

`code` is stable and machine-readable; `message` is for people and never carries a secret."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from payments.exceptions import ApplicationError
from providers.base.errors import PartnerError, PartnerUnavailable

log = logging.getLogger("payments.rest")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{k}: {m}" for k, v in detail.items() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item)]
    return [str(detail)]


def _validation_fields(detail: Any) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {"non_field_errors": _flatten(detail)}
    return {str(k): _flatten(v) for k, v in detail.items()}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER. Unexpected exceptions become a 500 in the same shape (logged,
    message generic) instead of Django's page."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        fields = _validation_fields(exc.detail)
        body = error_body("invalid", "The request has invalid fields.", fields)
        http_status = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        message = " ".join(_flatten(exc.detail))
        body = error_body(exc.default_code, message)
        http_status = exc.status_code
    elif isinstance(exc, ApplicationError):
        body = error_body(_snake(type(exc).__name__), exc.message)
        http_status = exc.http_status
    elif isinstance(exc, PartnerUnavailable):
        # The partner's own message may name hosts or codes: keep it out of the answer.
        body = error_body("partner_unavailable", "The partner is unavailable, please retry later.")
        http_status = status.HTTP_503_SERVICE_UNAVAILABLE
        headers["Retry-After"] = "30"
    elif isinstance(exc, PartnerError):
        body = error_body("partner_error", "The partner refused or answered with an error.")
        http_status = status.HTTP_502_BAD_GATEWAY
    else:
        log.exception("unhandled error in %s", context.get("view").__class__.__name__)
        body = error_body("server_error", "Something went wrong on our side. Please try again.")
        http_status = status.HTTP_500_INTERNAL_SERVER_ERROR
    set_rollback()
    return Response(body, status=http_status, headers=headers)


@csrf_exempt  # machine paths: a POST to an unknown one is a 404, not a CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all under /api/: an unknown path answers in the API's shape, not the site's."""
    return JsonResponse(error_body("not_found", "Not found."), status=404)
