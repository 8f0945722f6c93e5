"""Request ids a merchant spends once a day (SNAP's X-EXTERNAL-ID), so a captured request cannot
be played again. The unique constraint decides; no read-then-write race."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import clock
from payments import exceptions as err
from payments.models import Merchant, RequestId


def request_id_claim(*, merchant: Merchant, scope: str, value: str, carry_seconds: int) -> int:
    """Spend `value` for `scope` (the call) today, Asia/Jakarta. An id spent yesterday within the
    last `carry_seconds` (a signed request's lifetime, e.g. its token's) counts too, so a request
    replayed across midnight is still refused. Returns the claim's id (for request_id_release).
    Raises RequestIdReused."""
    now = timezone.now()
    today = clock.jakarta(now).date()
    recent_yesterday = RequestId.objects.filter(
        merchant=merchant,
        scope=scope,
        value=value,
        day=today - timedelta(days=1),
        created_at__gte=now - timedelta(seconds=carry_seconds),
    )
    if recent_yesterday.exists():
        raise err.RequestIdReused(value=value, scope=scope)
    try:
        with transaction.atomic():
            row = RequestId.objects.create(merchant=merchant, scope=scope, day=today, value=value)
    except IntegrityError:
        raise err.RequestIdReused(value=value, scope=scope)
    return row.pk


def request_id_release(*, claim_id: int) -> None:
    """Give a claimed id back: the request it came with was refused and changed nothing, so the
    merchant may correct the request and send it again under the same id."""
    RequestId.objects.filter(pk=claim_id).delete()
