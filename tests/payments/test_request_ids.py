"""Request ids (X-EXTERNAL-ID): once per merchant, call and Jakarta day, across midnight too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import clock
from payments import exceptions as err
from payments.models import RequestId
from payments.services.request_ids import request_id_claim, request_id_release
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_an_id_is_spent_once_per_merchant_and_call(merchant):
    claim = request_id_claim(merchant=merchant, scope="snap-54", value="ordNo1", carry_seconds=900)
    with pytest.raises(err.RequestIdReused):
        request_id_claim(merchant=merchant, scope="snap-54", value="ordNo1", carry_seconds=900)
    # another call, or another merchant, may use the same id
    request_id_claim(merchant=merchant, scope="snap-55", value="ordNo1", carry_seconds=900)
    request_id_claim(merchant=MerchantFactory(), scope="snap-54", value="ordNo1", carry_seconds=900)
    # given back (its request was refused): usable again
    request_id_release(claim_id=claim)
    request_id_claim(merchant=merchant, scope="snap-54", value="ordNo1", carry_seconds=900)


def test_yesterdays_id_counts_while_a_request_made_with_it_could_still_be_live(merchant):
    today = clock.jakarta().date()
    row = RequestId.objects.create(
        merchant=merchant, scope="snap-58", day=today - timedelta(days=1), value="A"
    )
    with pytest.raises(err.RequestIdReused):  # spent seconds before midnight: a replay just after
        request_id_claim(merchant=merchant, scope="snap-58", value="A", carry_seconds=900)
    RequestId.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(seconds=901))
    request_id_claim(merchant=merchant, scope="snap-58", value="A", carry_seconds=900)  # a new day's id
