from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def registration(request):
    return JsonResponse({}, status=501)


payment = inquiry = cancel = registration
