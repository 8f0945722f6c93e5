"""/docs/: the merchant developer's guide, public, generated from the code it describes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import content
from .sandbox import sandbox_reference


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    base = settings.PUBLIC_BASE_URL
    triggers, credentials = sandbox_reference()
    return render(
        request,
        "devdocs/index.html",
        {
            "base": base,
            "endpoints": content.endpoints(base),
            "kinds": content.KINDS,
            "formulas": content.FORMULAS,
            "example": content.token_example(),
            "notification_examples": content.notification_check_examples(),
            "sandbox_on": settings.SANDBOX,
            "triggers": triggers,
            "credentials": credentials,
            "retries": content.duration_words(list(settings.NOTIFICATION_RETRY_SCHEDULE)),
            "sandbox_imid": content.SANDBOX_IMID,
            "result_codes": content.result_codes(),
        },
    )
