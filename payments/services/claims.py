"""Single flight for partner calls that must happen once: a PartnerCall row claimed before the call
(one INSERT, or one conditional UPDATE to take over an abandoned claim), marked done after it.
No DB transaction or lock is held across the partner call (architecture rule 4)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments.models import PartnerCall


def claim_take(
    *,
    key: str,
    seconds: float,
    transaction_id: int | None = None,
    data: dict[str, Any] | None = None,
    reuse_done: bool = False,
) -> PartnerCall | None:
    """Claim the call `key` for `seconds` (its lease).

    Returns the claim - attempt 1 for a new one, attempt n > 1 when an abandoned claim (lease run out,
    not done) was taken over: the caller must then find out what the earlier attempt did before
    calling again - or None while another holder's lease runs or the call is done. `data` is stored
    on a new claim only (a takeover keeps the first attempt's data, e.g. a reserved tXid).
    `reuse_done`: a done call may be claimed afresh (attempt 1, `data`), for keys that a finished
    call frees again (a referenceNo used again once its earlier transaction ended unpaid)."""
    now = timezone.now()
    lease = now + timedelta(seconds=seconds)
    try:
        with transaction.atomic():
            return PartnerCall.objects.create(
                key=key, transaction_id=transaction_id, lease_until=lease, data=data or {}
            )
    except IntegrityError:
        pass
    taken = PartnerCall.objects.filter(key=key, done_at__isnull=True, lease_until__lt=now).update(
        attempt=F("attempt") + 1, lease_until=lease
    )
    if not taken and reuse_done:
        taken = PartnerCall.objects.filter(key=key, done_at__isnull=False).update(
            attempt=1, lease_until=lease, done_at=None, data=data or {}, transaction_id=transaction_id
        )
    return PartnerCall.objects.get(key=key) if taken else None


def claim_done(claim: PartnerCall, **data: Any) -> None:
    """The call happened (or its outcome is known): nobody calls again. `data` is merged into the
    claim's data."""
    fields: dict[str, Any] = {"done_at": timezone.now()}
    if data:
        fields["data"] = {**claim.data, **data}
    PartnerCall.objects.filter(pk=claim.pk, attempt=claim.attempt).update(**fields)


def claim_abandon(claim: PartnerCall, **data: Any) -> None:
    """The call's outcome is unknown (a timeout): end the lease now, keep the claim and its data,
    so whoever takes over finds out what the partner did (or repeats the call the same way)."""
    fields: dict[str, Any] = {"lease_until": timezone.now()}
    if data:
        fields["data"] = {**claim.data, **data}
    PartnerCall.objects.filter(pk=claim.pk, attempt=claim.attempt, done_at__isnull=True).update(**fields)


def claim_postpone(claim: PartnerCall, *, until: datetime, **data: Any) -> None:
    """The call was not made and may only be made from `until` (a partner's closing hour): keep
    the claim, not done, with its lease ending then, so whoever sweeps for run-out leases takes it
    up again. `data` is merged into the claim's data."""
    fields: dict[str, Any] = {"lease_until": until}
    if data:
        fields["data"] = {**claim.data, **data}
    PartnerCall.objects.filter(pk=claim.pk, attempt=claim.attempt, done_at__isnull=True).update(**fields)


def claim_release(claim: PartnerCall) -> None:
    """The call failed before the partner acted: free the key, so a retry may claim it at once."""
    PartnerCall.objects.filter(pk=claim.pk, attempt=claim.attempt, done_at__isnull=True).delete()


def claim_is_done(key: str) -> bool:
    """Whether the call `key` was made (its claim marked done)."""
    return PartnerCall.objects.filter(key=key, done_at__isnull=False).exists()
