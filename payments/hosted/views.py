"""Customer pages: back from the partner, the OVO waiting page, and its status feed.

Every URL carries the transaction's page secret (payments.customer_access); a wrong one counts
as a miss for the client's address and shows nothing."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from payments import customer_access
from payments.models import Transaction
from payments.nicepay import responses
from payments.nicepay.views import with_params
from payments.services.payment import action_from_dict, transaction_push_ensure
from payments.services.polling import return_worth_asking, transaction_sync_on_return
from providers import registry
from providers.base.errors import PartnerError
from providers.base.types import PushToApp

from .pages import customer_page, order_context


def _first_return_in_a_while(txid: str) -> bool:
    """Ask the partner at most once every few seconds per payment."""
    try:
        return bool(cache.add(f"return-sync:{txid}", 1, timeout=5))
    except Exception:  # noqa: BLE001 - without the cache, asking the partner is still correct
        return True


def after_payment_url(txn: Transaction) -> str:
    """Where the shopper goes once the partner is done: the hosted page for a checkout (receipt,
    or another method), else the merchant's callBackUrl with NICEPAY's result parameters."""
    if txn.checkout_id is not None:
        return customer_access.page_path(txn.txid)
    if txn.callback_url:
        return with_params(txn.callback_url, responses.callback_params(txn))
    return customer_access.page_path(txn.txid, "return")


@csrf_exempt  # partners send the browser back by GET or by a form POST from their own domain
@customer_page
def payment_return(request: HttpRequest, txn: Transaction) -> HttpResponse:
    if return_worth_asking(txn) and _first_return_in_a_while(txn.txid):
        try:  # don't make the customer wait for the partner's notification
            txn = transaction_sync_on_return(transaction_id=txn.pk)
        except PartnerError:
            pass
    if txn.checkout_id is not None or txn.callback_url:
        return HttpResponseRedirect(after_payment_url(txn))
    return render(request, "hosted/result.html", {**order_context(txn), "show_countdown": False})


payment_cancelled = payment_return


@require_GET
@customer_page
def payment_wait(request: HttpRequest, txn: Transaction) -> HttpResponse:
    action = txn.partner_data.get("action")
    push = action_from_dict(action) if action else None
    if not isinstance(push, PushToApp):
        return HttpResponseRedirect(customer_access.page_path(txn.txid, "return"))
    if txn.status_enum.is_open:
        transaction_push_ensure(txn, push)
    return render(
        request,
        "hosted/wait.html",
        {
            **order_context(txn),
            "show_countdown": False,  # the push has its own, shorter timer
            "push": push,
            # The countdown ends with whichever comes first: the push's own timer or the order's
            # payValidDt/payValidTm (a short one expires the order while OVO still holds the push).
            "wait_until": min(push.expires_at, txn.expires_at),
            "phone_hint": push.phone[-4:].rjust(len(push.phone), "•"),
            "status_url": customer_access.page_path(txn.txid, "status"),
            "return_url": customer_access.page_path(txn.txid, "return"),
            "page_url": customer_access.page_path(txn.txid),
            "partner_name": registry.partner(txn.mitra_cd).name,
        },
    )


@require_GET
@customer_page
def payment_status(request: HttpRequest, txn: Transaction) -> JsonResponse:
    """What the waiting page follows. Status only: no customer data."""
    status = txn.status_enum
    return JsonResponse(
        {
            "status": status.value,
            "word": status.word,
            "final": not status.is_open,
            "returnUrl": customer_access.page_path(txn.txid, "return"),
        }
    )
