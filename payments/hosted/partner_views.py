from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def partner_notify(request, mitra_cd):
    return JsonResponse({}, status=501)
