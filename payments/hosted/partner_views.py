"""Where partners post their server notifications."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services.callbacks import partner_callback_receive


@csrf_exempt  # machine to machine: verified by the partner's own signature
@require_POST
def partner_notify(request: HttpRequest, mitra_cd: str) -> HttpResponse:
    headers = {k: v for k, v in request.headers.items()}
    status, content_type, body = partner_callback_receive(
        mitra_cd=mitra_cd.upper(),
        headers=headers,
        body=request.body,
        path=request.path,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return HttpResponse(body, status=status, content_type=content_type)
