"""What the simulated pay-later partners (Kredivo, Indodana, Akulaku) share: an order that stays
open until the customer finishes on the partner's page (or lets it lapse), the outcome the amount's
trigger digits choose, one close per order, then the partner's notification and the browser's way
back. Each partner supplies its vocabulary, its notification and its return URL."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction

from . import triggers
from .core import Simulator, lapse
from .models import SandboxOrder


class PayLaterOrders:
    """One partner's orders. Subclasses set the states and implement the hooks at the bottom."""

    slug: ClassVar[str]
    open_state: ClassVar[str]  # waiting for the customer
    lapsed_state: ClassVar[str]  # what an unfinished order becomes at its expiry
    paid_state: ClassVar[str]
    outcomes: ClassVar[dict[str, str]]  # trigger outcome -> partner state; anything else is paid
    tenor_key: ClassVar[str] = "tenor"  # where the plan the customer chose is kept in data

    def state(self, order: SandboxOrder) -> str:
        """The order's state, an unpaid order lapsing lazily at its expiry."""
        return lapse(order, open_state=self.open_state, lapsed=self.lapsed_state)

    def is_open(self, order: SandboxOrder) -> bool:
        return self.state(order) == self.open_state and not order.data.get("finished")

    def status_for(self, order: SandboxOrder, outcome: str) -> str:
        return self.outcomes.get(triggers.effective(order.amount, outcome), self.paid_state)

    def finish(
        self, order: SandboxOrder, outcome: str = triggers.SUCCESS, tenor: str | None = None
    ) -> tuple[str, list[int]]:
        """The customer is done (paid, declined, cancelled, or left): close the order once, then
        notify as the partner does. Returns the browser's next URL and the notification's HTTP
        statuses. A second finish (a double submit, a retried simulate) changes nothing."""
        with transaction.atomic():
            locked = SandboxOrder.objects.select_for_update().get(pk=order.pk)
            closing = self.is_open(locked)
            if closing:
                status = self.status_for(locked, outcome)
                if tenor is not None:
                    locked.data[self.tenor_key] = tenor
                locked.data["finished"] = True
                if status != self.open_state:  # "stays pending": the customer is done, the order is not
                    locked.state = status
                    locked.data.update(self.closing_data(locked, triggers.effective(locked.amount, outcome)))
                locked.save(update_fields=["state", "data", "updated_at"])
        order.state, order.data = locked.state, locked.data
        sent = self.notify(order) if closing and order.state != self.open_state else []
        return self.back_url(order), sent

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """What the customer would do on the partner's page, without the page."""
        tenor = self.default_tenor(order) if outcome == triggers.SUCCESS and self.is_open(order) else None
        redirect, sent = self.finish(order, outcome, tenor=tenor)
        return {"state": order.state, "redirect_url": redirect, "notified": sent}

    # --- the partner's own parts ---------------------------------------------------------------
    def closing_data(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """Fields the partner records when the order closes (times, fraud verdicts)."""
        return {}

    def default_tenor(self, order: SandboxOrder) -> str | None:
        """The plan a simulated customer takes (None: the partner records none)."""
        return None

    def notify(self, order: SandboxOrder) -> list[int]:
        raise NotImplementedError

    def back_url(self, order: SandboxOrder) -> str:
        raise NotImplementedError


class PayLaterSimulator(Simulator):
    """A pay-later partner in the registry: payMethod 06, simulated through its orders."""

    pay_later = True
    orders: ClassVar[PayLaterOrders]

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        return self.orders.simulate(order, outcome)
