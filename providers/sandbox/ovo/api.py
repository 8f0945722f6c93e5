"""OVO's one endpoint, POST /pos. A push BLOCKS until the customer answers in the app (the phone
simulator page or /sandbox/simulate) or the push window (SANDBOX_OVO_PUSH_TIMEOUT) lapses."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.sandbox import core, refunds, triggers
from providers.sandbox.models import SandboxOrder

from . import state

log = logging.getLogger("sandbox.ovo")
POLL_SECONDS = 0.3
RESPONSE_TYPE = {"0200": "0210", "0400": "0410", "0100": "0110"}
OPERATIONS = {
    ("0200", "040000"),  # push to pay
    ("0400", "040000"),  # reversal
    ("0200", "020040"),  # void
    ("0100", "040000"),  # check push-to-pay status
    ("0100", "020040"),  # check void status
}


def reply(req: dict[str, Any], rc: str, order: SandboxOrder | None = None, http: int = 200) -> JsonResponse:
    """OVO answers with the request echoed, the response type, responseCode and result data."""
    body = {**req, "type": RESPONSE_TYPE.get(str(req.get("type")), req.get("type"))}
    if rc:
        body["responseCode"] = rc
    if order is not None and order.data.get("approval_code"):
        body["approvalCode"] = order.data["approval_code"]
    body["transactionResponseData"] = state.response_data(order)
    return core.json_response(body, status=http)


def invalid(req: dict[str, Any], why: str) -> JsonResponse:
    log.info("ovo /pos refused: %s", why)
    return core.json_response({**req, "responseCode": "30", "responseMessage": why}, status=400)


@csrf_exempt  # machine-to-machine partner API
@require_POST
def pos(request: HttpRequest) -> JsonResponse:
    app_id, random = request.headers.get("app-id", ""), request.headers.get("random", "")
    if app_id != state.APP_ID or not (random.isdigit() and len(random) == 10):
        return core.json_response({"responseCode": "63", "responseMessage": "Authentication failed"}, 401)
    if not state.hmac_ok(app_id, random, request.headers.get("hmac", "")):
        return core.json_response({"responseCode": "63", "responseMessage": "Authentication failed"}, 401)
    req = core.json_body(request)
    if req is None:
        return invalid({}, "body is not a JSON object")
    op = (str(req.get("type")), str(req.get("processingCode")))
    if op not in OPERATIONS:
        return invalid(req, "unknown type/processingCode")
    for key, value in state.TERMINAL.items():
        if req.get(key) != value:
            return core.json_response({**req, "responseCode": "58", "responseMessage": f"invalid {key}"}, 400)
    amount, ref, data = req.get("amount"), req.get("referenceNumber"), req.get("transactionRequestData")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return core.json_response({**req, "responseCode": "13"}, 400)
    if not isinstance(ref, int) or not 1 <= ref <= 999_999 or not isinstance(data, dict):
        return invalid(req, "referenceNumber must be 1..999999 and transactionRequestData an object")
    if not data.get("merchantInvoice") or not data.get("batchNo"):
        return invalid(req, "batchNo and merchantInvoice are mandatory")
    if op == ("0200", "040000"):
        return push(req, amount, data)
    if op == ("0400", "040000"):
        return reverse(req, data)
    if op == ("0100", "040000"):
        order = state.latest(data["merchantInvoice"])
        return reply(req, state.check_rc(order), order)
    if op == ("0100", "020040"):
        order = state.latest(data["merchantInvoice"])
        return reply(req, state.void_rc(order), order)
    order = state.latest(data["merchantInvoice"])
    if order is None:
        return reply(req, "25")
    return refunds.run(order.merchant_ref, lambda: void(req, amount, order), lost=_server_error)


def _server_error() -> JsonResponse:
    return core.json_response({"message": "Internal Server Error"}, status=500)


def push(req: dict[str, Any], amount: int, data: dict[str, Any]) -> JsonResponse:
    phone = str(data.get("phone") or "")
    if not phone.startswith("08") or not phone.isdigit():
        return reply(req, "14")
    trig = triggers.trigger_for(amount)
    rc = state.PHONE_TRIGGERS.get(phone[-4:]) or {triggers.DECLINE: "51", triggers.CANCEL: "17"}.get(trig, "")
    silent = phone.endswith(state.SILENT_PHONE) or trig in (triggers.EXPIRE, triggers.PENDING)
    try:
        order = SandboxOrder.objects.create(
            partner=state.SLUG,
            ref=f"{data['batchNo']}-{req['referenceNumber']:06d}",
            merchant_ref=data["merchantInvoice"],
            amount=amount,
            state=state.ERROR if trig == triggers.PARTNER_ERROR else state.DECLINED if rc else state.PENDING,
            expires_at=timezone.now() + timedelta(seconds=state.push_timeout()),
            data={"phone": phone, "rc": rc, "silent": silent, "batchNo": data["batchNo"]},
        )
    except IntegrityError:  # referenceNumber reused within the batch
        return reply(req, "94")
    if order.state == state.ERROR:
        return core.json_response({"message": "Internal Server Error"}, status=500)
    if rc:
        return reply(req, rc, order)
    return wait(req, order)


def wait(req: dict[str, Any], order: SandboxOrder) -> JsonResponse:
    """Block like OVO does until the app answers or the push window lapses."""
    while True:
        order.refresh_from_db()
        if order.state == state.APPROVED:
            return reply(req, "00", order)
        if order.state == state.DECLINED:
            return reply(req, str(order.data.get("rc") or "17"), order)
        if order.state != state.PENDING:  # reversed meanwhile
            return reply(req, "", order)
        if order.expires_at <= timezone.now():
            state.move(order, state.TIMEOUT, frm=(state.PENDING,))
            # Nothing useful: no response code. The adapter treats it as "no approval in time".
            return reply(req, "", None)
        time.sleep(POLL_SECONDS)


def reverse(req: dict[str, Any], data: dict[str, Any]) -> JsonResponse:
    order = state.latest(data["merchantInvoice"])
    if order is None:
        return reply(req, "25")
    state.move(order, state.REVERSED, frm=(state.PENDING, state.TIMEOUT, state.ERROR, state.APPROVED))
    return reply(req, "00", None)


def void(req: dict[str, Any], amount: int, order: SandboxOrder) -> JsonResponse:
    if order.state == state.VOIDED:
        return reply(req, "00", order)  # a repeated void changes nothing
    if order.state != state.APPROVED:
        return reply(req, "58", order)
    approved = timezone.localtime(datetime.fromisoformat(order.data["approved_at"]))
    if approved.date() != timezone.localdate() or amount != order.amount:
        return reply(req, "57", order)  # void only on the same day, full amount only
    return reply(req, "00", state.move(order, state.VOIDED, frm=(state.APPROVED,)))
