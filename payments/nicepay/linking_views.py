"""AstraPay account linking and linked payment (owned by the e-wallet work)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def link_enable(request):
    return JsonResponse({"resultCd": "9502", "resultMsg": "Transaction not allowed"}, status=400)


@csrf_exempt
def link_initiate(request):
    return JsonResponse({"resultCd": "9502", "resultMsg": "Transaction not allowed"}, status=400)


def link_finish(request, mandate_id):
    return JsonResponse({"resultCd": "9502", "resultMsg": "Transaction not allowed"}, status=400)
