"""Customer pages: back from the partner, the OVO waiting page, and its status feed."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from payments.exceptions import TransactionNotFound
from payments.models import Transaction
from payments.nicepay import responses
from payments.nicepay.views import error_page, with_params
from payments.selectors.transactions import transaction_get_public
from payments.services.payment import action_from_dict, transaction_push_ensure
from payments.services.polling import transaction_sync
from providers import registry
from providers.base.errors import PartnerError
from providers.base.types import PushToApp


def _txn_or_error(request: HttpRequest, txid: str) -> tuple[Transaction | None, HttpResponse | None]:
    txn = transaction_get_public(txid=txid)
    if txn is None:
        return None, error_page(request, TransactionNotFound("We could not find this payment."))
    return txn, None


def _first_return_in_a_while(txid: str) -> bool:
    """This page is public: ask the partner at most once every few seconds per payment."""
    try:
        return bool(cache.add(f"return-sync:{txid}", 1, timeout=5))
    except Exception:  # noqa: BLE001 - without the cache, asking the partner is still correct
        return True


@csrf_exempt  # partners send the browser back by GET or by a form POST from their own domain
def payment_return(request: HttpRequest, txid: str) -> HttpResponse:
    txn, err = _txn_or_error(request, txid)
    if err:
        return err
    if txn.status_enum.is_open and txn.payment_started_at and _first_return_in_a_while(txid):
        try:  # don't make the customer wait for the partner's notification
            txn = transaction_sync(transaction_id=txn.pk, source="return")
        except PartnerError:
            pass
    if txn.callback_url:
        return HttpResponseRedirect(with_params(txn.callback_url, responses.callback_params(txn)))
    return render(request, "hosted/result.html", {"txn": txn})


payment_cancelled = payment_return


def payment_wait(request: HttpRequest, txid: str) -> HttpResponse:
    txn, err = _txn_or_error(request, txid)
    if err:
        return err
    action = txn.partner_data.get("action")
    push = action_from_dict(action) if action else None
    if not isinstance(push, PushToApp):
        return HttpResponseRedirect(f"/pay/{txid}/return")
    if txn.status_enum.is_open:
        transaction_push_ensure(txn, push)
    return render(
        request,
        "hosted/wait.html",
        {
            "txn": txn,
            "push": push,
            "phone_hint": push.phone[-4:].rjust(len(push.phone), "•"),
            "partner_name": registry.partner(txn.mitra_cd).name,
        },
    )


def payment_status(request: HttpRequest, txid: str) -> JsonResponse:
    """What the waiting page follows. Status only: no customer data."""
    txn = transaction_get_public(txid=txid)
    if txn is None:
        return JsonResponse({"error": "not found"}, status=404)
    status = txn.status_enum
    return JsonResponse(
        {
            "status": status.value,
            "word": status.word,
            "final": not status.is_open,
            "returnUrl": f"/pay/{txid}/return",
        }
    )
