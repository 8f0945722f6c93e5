from django.http import HttpResponse


def payment_return(request, txid):
    return HttpResponse(status=501)


payment_cancelled = payment_wait = payment_status = payment_return
