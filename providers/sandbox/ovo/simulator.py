"""Simulated OVO Push-to-Pay, registered with the sandbox under /sandbox/ovo/."""

from __future__ import annotations

from typing import Any

from providers.sandbox import triggers
from providers.sandbox.core import Endpoint, Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state

APP = "ovo-sim/<str:phone>"


@register
class OvoSimulator(Simulator):
    slug = state.SLUG
    name = "OVO"
    mitra_cd = "OVOE"
    phone_app = "sandbox:ovo-app"
    test_credentials = {"OTP / PIN": "last 4 digits of the phone"}
    endpoints = (
        Endpoint(
            "pos",
            api.pos,
            "ovo-pos",
            "push to pay, reversal, void, and their status checks (0100/040000 payment, 0100/020040 void)",
            refund_status=True,
        ),
        Endpoint("ovo-sim/", pages.app_entry, "ovo-app", "the OVO app: choose the phone", page=True),
        Endpoint(APP, pages.phone_app, "ovo-phone", "the OVO app on one phone: pushes waiting", page=True),
        Endpoint(f"{APP}/pushes.json", pages.pushes_json, "ovo-pushes", "the app's feed"),
        Endpoint(f"{APP}/<str:ref>/approve", pages.approve, "ovo-approve", "approve with the OTP", page=True),
        Endpoint(f"{APP}/<str:ref>/decline", pages.decline, "ovo-decline", "decline", page=True),
    )

    def simulate(self, order: SandboxOrder, outcome: str) -> dict[str, Any]:
        """success approves in the app, decline/cancel decline (RC 17), expire lets it lapse now.
        Amount and phone triggers win: a push that is already answered does not change."""
        silent = order.data.get("silent")
        if outcome == triggers.SUCCESS and not silent:
            order = state.move(order, state.APPROVED, frm=(state.PENDING,), rc="00")
        elif outcome in (triggers.DECLINE, triggers.CANCEL) and not silent:
            order = state.move(order, state.DECLINED, frm=(state.PENDING,), rc="17")
        else:  # expire, or a push the app never answers (…902, …905, phone …0099)
            order = state.lapse(order)
        # OVO sends no notification: the blocked /pos call answers the gateway instead.
        return {"state": order.state, "rc": order.data.get("rc", ""), "notified": []}
