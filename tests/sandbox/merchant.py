"""A merchant's V2 integration for sandbox tests, on the demo store's own client: register a payment
for a partner (its payMethod, cart and sellers as the sandbox registry says), send the browser to
it, ask the gateway, verify notifications."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from providers.sandbox.core import by_mitra_cd
from providers.sandbox.shop.client import Customer, V2Client, seller


@dataclass
class Payment:
    client: V2Client
    body: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def txid(self) -> str:
        return self.answer["tXid"]

    @property
    def amount(self) -> int:
        return int(self.body["amt"])

    def payment_url(self, callback_url: str) -> str:
        return self.client.payment_url(
            txid=self.txid,
            reference_no=self.body["referenceNo"],
            amount=self.amount,
            callback_url=callback_url,
        )

    def inquiry(self) -> dict[str, Any]:
        return self.client.inquiry(txid=self.txid, reference_no=self.body["referenceNo"], amount=self.amount)

    def wait_for_status(self, expected: str, timeout: float = 30.0) -> dict[str, Any]:
        """Polls the inquiry until `status` is `expected` (or the time runs out); the last answer."""
        deadline, answer = time.monotonic() + timeout, {}
        while time.monotonic() < deadline:
            answer = self.inquiry()
            if answer.get("status") == expected:
                break
            time.sleep(0.3)
        return answer


def register(
    base_url: str, *, mitra_cd: str, amount: int, notify_url: str, phone: str = "081234567890"
) -> Payment:
    """Registers a payment with `mitra_cd` the way the demo store would; asserts it was accepted."""
    partner = by_mitra_cd(mitra_cd)
    assert partner is not None, mitra_cd
    client = V2Client(base_url=base_url)
    body = client.registration_body(
        reference_no=f"ORD{uuid.uuid4().hex[:16].upper()}",
        amount=amount,
        mitra_cd=mitra_cd,
        notify_url=notify_url,
        customer=Customer(phone=phone),
        pay_later=partner.pay_later,
        sellers=[seller()] if partner.needs_sellers else None,
    )
    payment = Payment(client, body, client.register(body))
    assert payment.answer.get("resultCd") == "0000", payment.answer
    return payment
