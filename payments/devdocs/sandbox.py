"""The sandbox's outcome triggers and each simulated partner's test credentials, read from the
sandbox itself (only when SANDBOX is on)."""

from __future__ import annotations

from django.conf import settings


def sandbox_reference() -> tuple[list[tuple[str, str, str]], list[tuple[str, dict[str, str]]]]:
    """Returns ([(last three digits, outcome, what happens)], [(partner, {credential: value})])."""
    if not settings.SANDBOX:
        return [], []
    from providers.sandbox import core, simulators, triggers

    simulators.load()
    rows = [
        (digits, outcome, triggers.DESCRIPTIONS.get(outcome, ""))
        for digits, outcome in triggers.TRIGGERS.items()
    ]
    creds = [
        (sim.name, dict(sim.test_credentials))
        for sim in sorted(core.SIMULATORS.values(), key=lambda s: s.name)
        if sim.test_credentials
    ]
    return rows, creds
