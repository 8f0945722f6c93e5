"""The floor the V2 API is measured against: the same gunicorn, middleware and database, with
nothing but JSON parsing, a sha256 merchantToken compared in constant time, and one INSERT (or one
indexed SELECT)."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tests.support.flows import KEY

from .models import BenchRow


def _checked(request: HttpRequest) -> dict | None:
    body = json.loads(request.body)
    raw = f"{body['timeStamp']}{body['iMid']}{body['referenceNo']}{body['amt']}{KEY}"
    expected = hashlib.sha256(raw.encode()).hexdigest()
    return body if hmac.compare_digest(expected.encode(), body["merchantToken"].encode()) else None


@csrf_exempt
def insert(request: HttpRequest) -> JsonResponse:
    body = _checked(request)
    if body is None:
        return JsonResponse({"resultCd": "9010", "resultMsg": "Invalid merchantToken"})
    row = BenchRow.objects.create(
        imid=body["iMid"], reference_no=body["referenceNo"], amount=int(body["amt"])
    )
    return JsonResponse({"resultCd": "0000", "resultMsg": "SUCCESS", "id": row.pk})


@csrf_exempt
def read(request: HttpRequest) -> JsonResponse:
    body = _checked(request)
    if body is None:
        return JsonResponse({"resultCd": "9010", "resultMsg": "Invalid merchantToken"})
    row = (
        BenchRow.objects.filter(reference_no=body["referenceNo"]).values("id", "amount", "created_at").first()
    )
    if row is None:
        return JsonResponse({"resultCd": "8004", "resultMsg": "not found"})
    return JsonResponse({"resultCd": "0000", "resultMsg": "SUCCESS", **row})
