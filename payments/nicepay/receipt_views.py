"""Akulaku receipt confirmation (owned by the pay-later work)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def confirm_akulaku(request):
    return JsonResponse({"resultCd": "9502", "resultMsg": "Transaction not allowed"}, status=400)
