"""How a simulated partner treats a refund (or cancel, void, reversal) call, chosen per transaction
by a test through `POST /sandbox/refund-control` {"tXid", "mode", "seconds"}:

- `normal`: the partner refunds and answers at once;
- `slow`: it refunds, then answers after `seconds`;
- `hang`: it refunds, but holds its answer until the control is set back to `normal` (or
  `seconds`, default 120, pass), so the caller times out not knowing;
- `drop`: the request is lost: nothing is refunded, and the caller gets no answer until the control
  is released (then the partner's own 5xx answer).

Each partner's refund status query then tells what really happened, which is what a gateway's
sweep of unsettled cancels must rely on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .models import RefundControl

NORMAL, SLOW, HANG, DROP = "normal", "slow", "hang", "drop"
MODES = (NORMAL, SLOW, HANG, DROP)
DEFAULT_HOLD = 120  # seconds a hang or drop holds a web thread at most
MAX_SECONDS = 600
POLL = 0.2

R = TypeVar("R")


def control(merchant_ref: str, mode: str, seconds: int = 0) -> RefundControl:
    row, _ = RefundControl.objects.update_or_create(
        merchant_ref=merchant_ref, defaults={"mode": mode, "seconds": seconds}
    )
    return row


def _current(merchant_ref: str) -> tuple[str, int]:
    row = RefundControl.objects.filter(merchant_ref=merchant_ref).values_list("mode", "seconds").first()
    return row if row else (NORMAL, 0)


def _hold(merchant_ref: str, mode: str, seconds: int) -> None:
    """Wait until the control no longer says `mode` (released) or the time runs out."""
    deadline = time.monotonic() + (seconds or DEFAULT_HOLD)
    while time.monotonic() < deadline and _current(merchant_ref)[0] == mode:
        time.sleep(POLL)


def run(merchant_ref: str, refund: Callable[[], R], lost: Callable[[], R]) -> R:
    """Performs `refund` (which commits the partner's state and builds its answer) the way the
    control for this transaction says; `lost` builds the answer to a dropped request."""
    mode, seconds = _current(merchant_ref)
    if mode == DROP:
        _hold(merchant_ref, DROP, seconds)
        return lost()
    result = refund()
    if mode == SLOW:
        time.sleep(seconds)
    elif mode == HANG:
        _hold(merchant_ref, HANG, seconds)
    return result
