"""The merchant's logo on its checkout pages, served from the database (small, checked images)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from payments.selectors.checkout import checkout_settings_get
from payments.selectors.merchants import merchant_get


@require_GET
def logo(request: HttpRequest, imid: str, version: int) -> HttpResponse:
    merchant = merchant_get(imid=imid)
    found = checkout_settings_get(merchant=merchant) if merchant else None
    if found is None or not found.logo or found.logo_version != version:
        raise Http404("no logo")
    response = HttpResponse(bytes(found.logo), content_type=found.logo_content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # the version is in the URL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
