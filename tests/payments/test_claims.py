"""Single flight for partner calls: one holder at a time, an abandoned claim taken over (attempt + 1,
the first attempt's data kept), a done call never claimed again, a released one free at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import PartnerCall
from payments.services import claims

pytestmark = pytest.mark.django_db


def test_one_holder_at_a_time_then_done_for_good():
    first = claims.claim_take(key="push:1", seconds=30, data={"txid": "T1"})
    assert first is not None and first.attempt == 1
    assert claims.claim_take(key="push:1", seconds=30) is None  # held
    claims.claim_done(first, outcome="00")
    PartnerCall.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(minutes=1))
    assert claims.claim_take(key="push:1", seconds=30) is None  # done: never again
    assert claims.claim_is_done("push:1")
    assert PartnerCall.objects.get(pk=first.pk).data == {"txid": "T1", "outcome": "00"}


def test_an_abandoned_claim_is_taken_over_with_its_data():
    first = claims.claim_take(key="register:1:R1", seconds=30, data={"txid": "T1"})
    PartnerCall.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    second = claims.claim_take(key="register:1:R1", seconds=30, data={"txid": "T2"})
    assert second is not None and second.attempt == 2 and second.data == {"txid": "T1"}
    claims.claim_done(first)  # the first holder came back late: its attempt is over, nothing changes
    assert not claims.claim_is_done("register:1:R1")


def test_a_released_claim_can_be_taken_at_once():
    first = claims.claim_take(key="receipt:9", seconds=30)
    claims.claim_release(first)
    again = claims.claim_take(key="receipt:9", seconds=30)
    assert again is not None and again.attempt == 1


def test_a_done_call_may_be_claimed_afresh_where_the_key_is_freed_again():
    first = claims.claim_take(key="register:1:R2", seconds=30, data={"txid": "T1"})
    claims.claim_done(first)
    assert claims.claim_take(key="register:1:R2", seconds=30) is None
    again = claims.claim_take(key="register:1:R2", seconds=30, data={"txid": "T2"}, reuse_done=True)
    assert again is not None and again.attempt == 1 and again.data == {"txid": "T2"} and again.done_at is None
