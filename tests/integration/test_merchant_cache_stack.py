"""The merchant cache across processes: the gunicorn workers have cached the merchant, and a key
rotation or a suspension made elsewhere (here: this test's process) holds on their next call."""

import pytest

from payments.models import AuditLog
from payments.services import merchants
from payments.services.audit import Actor
from tests.support import flows

pytestmark = pytest.mark.integration
OPS = Actor(AuditLog.Actor.SYSTEM)


def register(stack, **kw) -> dict:  # noqa: ANN001
    return flows.register(
        stack.base_url, mitra_cd="ESHP", amount=15_000, db_process_url="http://127.0.0.1:9/n", **kw
    )


def test_rotation_and_suspension_hold_at_once_in_the_servers(stack, demo_merchant):
    for _ in range(4):  # every worker and thread has read (and cached) the merchant
        assert register(stack)["resultCd"] == "0000"
    new_key = merchants.merchant_key_rotate(merchant=demo_merchant, actor=OPS, overlap_hours=0)
    assert register(stack)["resultCd"] == "9010"
    assert register(stack, key=new_key)["resultCd"] == "0000"
    merchants.merchant_set_active(merchant=demo_merchant, active=False, actor=OPS)
    assert register(stack, key=new_key)["resultCd"] == "9011"
