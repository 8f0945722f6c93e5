"""AstraPay account linking (filled in by the e-wallet work)."""

from __future__ import annotations


def link_apply_callback(*, event, callback) -> tuple[str, str]:  # noqa: ANN001
    return "rejected", "account linking is not available yet"
