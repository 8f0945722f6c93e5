"""Text that cannot be stored or hashed is refused at the door, before any view or session lookup.

Every request's address, query string, headers and body go through payments.textcheck (the one place
text is decoded and checked). A NUL or an unpaired surrogate anywhere is answered in the shape of the
door it came through, and nothing is stored: NICEPAY's resultCd JSON (HTTP 200) on the V2 API, the
REST error body (400) under /api/, a 400 to a partner, a page saying what to correct for people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from payments import textcheck
from payments.textcheck import BadText

log = logging.getLogger("payments.inbound")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def inspect(request: HttpRequest) -> BadText | None:
    """The first value of the request that holds text we cannot accept, or None."""
    if reason := textcheck.problem(request.path_info):
        return BadText("the address", reason)
    bad = textcheck.form_problem(request.META.get("QUERY_STRING", "").encode("latin-1", "replace"))
    bad = bad or textcheck.first_problem((k, v) for k, values in request.GET.lists() for v in values)
    bad = bad or textcheck.first_problem((f"the {k} header", v) for k, v in request.headers.items())
    if bad or request.method not in BODY_METHODS:
        return bad
    ctype = (request.META.get("CONTENT_TYPE") or "").lower()
    try:
        if ctype.startswith(FORM_TYPES[0]) and request.encoding in (None, "utf-8", "UTF-8"):
            bad = textcheck.form_problem(request.body)
        if ctype.startswith(FORM_TYPES):  # field values only (uploaded files are not text)
            return bad or textcheck.first_problem((k, v) for k, vs in request.POST.lists() for v in vs)
        body = request.body
    except (SuspiciousOperation, MultiPartParserError):  # too large or malformed: the view answers
        return None
    if "json" in ctype or body.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] in (b"{", b"["):
        try:
            textcheck.request_json(request)
        except BadText as exc:
            return exc
        except textcheck.BadJson:
            return None  # unreadable JSON: each door answers that in its own terms
        return None
    return BadText("the body", "a NUL character") if b"\x00" in body else None


def refusal(request: HttpRequest, bad: BadText) -> HttpResponse:
    path = request.path_info
    if bad.field == "the address":  # no resource has such a name
        from payments.ops_views import error_404
        from payments.rest.errors import not_found

        return not_found(request) if path.startswith("/api/") else error_404(request)
    from payments.snap.views import is_snap_path, text_refusal

    if is_snap_path(path):  # SNAP's JSON, before the V2 door's shape below
        return text_refusal(path, bad.field, bad.reason)
    if path.startswith("/nicepay/"):
        from payments.nicepay.errors import InvalidField
        from payments.nicepay.views import refusal as nicepay_refusal

        return nicepay_refusal(request, InvalidField(bad.field, bad.message))
    if path.startswith("/api/"):
        from payments.rest.errors import error_body

        body = error_body("invalid", "The request has invalid fields.", {bad.field: [bad.message]})
        return JsonResponse(body, status=400)
    if path.startswith("/partners/"):
        return JsonResponse({"error": "invalid payload"}, status=400)
    from payments.ops_views import error_response

    return error_response(
        request,
        400,
        "Characters we cannot accept",
        f"{bad.message}. Please go back, correct it and try again.",
    )


class InboundTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = inspect(request)
        if bad is None:
            return self.get_response(request)
        log.warning("refused %s %s: %s", request.method, request.path_info.split("\x00")[0][:100], bad)
        return refusal(request, bad)
