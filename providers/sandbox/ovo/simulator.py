"""Simulated OVO Push-to-Pay, registered with the sandbox under /sandbox/ovo/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from providers.sandbox import triggers
from providers.sandbox.core import Simulator, register
from providers.sandbox.models import SandboxOrder

from . import api, pages, state


@register
class OvoSimulator(Simulator):
    slug = state.SLUG
    name = "OVO"
    mitra_cd = "OVOE"
    test_credentials = {
        "OTP / PIN": "last 4 digits of the phone",
        "Phone app": "/sandbox/ovo/ovo-sim/<phone>",
    }

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("pos", api.pos, name="ovo-pos"),
            path("ovo-sim/<str:phone>", pages.phone_app, name="ovo-phone"),
            path("ovo-sim/<str:phone>/pushes.json", pages.pushes_json, name="ovo-pushes"),
            path("ovo-sim/<str:phone>/<str:ref>/approve", pages.approve, name="ovo-approve"),
            path("ovo-sim/<str:phone>/<str:ref>/decline", pages.decline, name="ovo-decline"),
        ]

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
