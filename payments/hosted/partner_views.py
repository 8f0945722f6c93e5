"""Where partners post their server notifications.

Anyone can post here, so before a byte is read: the sender's address is within its request rate,
the partner is one of the catalogue's, and the body fits that partner's largest real payload
(max_notification_bytes). Nothing is stored for a post that fails one of these."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import throttle
from payments.services.callbacks import partner_callback_receive
from providers import registry

RATE_WINDOW_SECONDS = 60


def _refuse(status: int, error: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return -1


@csrf_exempt  # machine to machine: verified by the partner's own signature
@require_POST
def partner_notify(request: HttpRequest, mitra_cd: str) -> HttpResponse:
    ip = request.META.get("REMOTE_ADDR", "")  # the client's, behind trusted proxies
    rate = throttle.Rule(settings.PARTNER_NOTIFY_RATE_PER_ADDRESS, RATE_WINDOW_SECONDS)
    # Without Redis the rate is not enforced: partners' notifications must still land, and the
    # size cap and the bounded storage of unverified ones still hold.
    if not throttle.attempt(f"notify-rate:{throttle.address_key(ip)}", rate, when_down=True):
        return _refuse(429, "too many requests", Retry_After=str(RATE_WINDOW_SECONDS))
    code = mitra_cd.upper()
    if code not in registry.known_mitra_codes():
        return _refuse(404, "unknown partner")
    limit = registry.adapter_class(code).max_notification_bytes
    if limit == 0:
        return _refuse(404, "this partner sends no notifications")
    declared = _declared_length(request)
    if declared < 0 or declared > limit:
        return _refuse(413, "notification too large")
    body = request.read(limit + 1)  # a chunked body declares no length: read one byte past the cap
    if len(body) > limit:
        return _refuse(413, "notification too large")
    headers = {k: v for k, v in request.headers.items()}
    status, content_type, answer = partner_callback_receive(
        mitra_cd=code, headers=headers, body=body, path=request.path, remote_addr=ip
    )
    return HttpResponse(answer, status=status, content_type=content_type)
