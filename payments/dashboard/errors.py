"""Service errors in the dashboard's words: money as "Rp 45.000", never a bare number."""

from __future__ import annotations

from payments import exceptions as err

from .charts import rupiah

MONEY = ("amount", "remaining", "minimum", "maximum", "total")
WORDING: dict[type[err.ApplicationError], str] = {
    err.CancelAmountTooLarge: "{amount} is more than what is left to cancel: {remaining}.",
    err.FullCancelAfterPartial: "Part of this payment was refunded already: cancel the remaining {remaining} "
    "as a partial cancel.",
    err.FullCancelNotWhole: "A full cancel is for the whole {amount}.",
    err.InvalidCancelAmount: "Enter an amount above Rp 0.",
    err.AmountBelowMinimum: "{amount} is below this partner's minimum of {minimum}.",
    err.AmountAboveMaximum: "{amount} is above this partner's maximum of {maximum}.",
}


def error_message(exc: err.ApplicationError) -> str:
    """The error for a person reading the dashboard."""
    wording = next((WORDING[k] for k in type(exc).__mro__ if k in WORDING), None)
    if exc.explicit or wording is None:
        return exc.message
    params = {k: rupiah(int(v)) if k in MONEY and isinstance(v, int) else v for k, v in exc.params.items()}
    try:
        return wording.format(**params)
    except (KeyError, IndexError):
        return exc.message
