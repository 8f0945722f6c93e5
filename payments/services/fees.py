"""MDR (merchant discount rate): what Payloan keeps from each paid payment.

Rule (stated to merchants on the Balance page and in /docs/): fee = fixed + amount x percent, where
percent is in basis points (1/100 of a percent) and the percentage part is rounded half up to the
whole rupiah; the fee never exceeds the amount. A merchant's own row for a partner replaces the
partner's default row; with neither, the fee is 0. The fee is not returned on a refund (the
partner keeps its MDR too), as with Xendit and Midtrans."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from payments.models import PartnerFee

BASIS_POINTS = 10_000  # 100 %


@dataclass(frozen=True)
class FeeTerms:
    percent_bp: int  # basis points: 150 = 1.50 %
    fixed: int  # whole rupiah
    settlement_days: int  # working days from payment to settlement (1 = T+1)

    @property
    def percent_text(self) -> str:
        return f"{self.percent_bp // 100}.{self.percent_bp % 100:02d} %"


def fee_amount(*, amount: int, percent_bp: int, fixed: int) -> int:
    """The MDR of one payment.

    Args: amount and fixed in whole rupiah; percent_bp in basis points (0..10,000).
    Returns: whole rupiah, at most `amount`. Integer arithmetic only (half up: +5,000 before the
    floor division by 10,000)."""
    if amount <= 0:
        return 0
    percent_part = (amount * percent_bp + BASIS_POINTS // 2) // BASIS_POINTS
    return min(amount, fixed + percent_part)


def payment_net(*, amount: int, fee: int, refunded: int, paid: bool) -> int:
    """What the merchant keeps of one payment, as the settlement report counts it
    (payments/selectors/settlements.py): amount - MDR fee - refunded once paid, else 0.

    Args: amount, fee and refunded (cancelled amount) in whole rupiah; paid: it was ever paid.
    Returns: whole rupiah; negative after a full refund, since the fee is not returned."""
    return amount - fee - refunded if paid else 0


def fee_terms_by_partner(*, merchant_id: int | None, mitra_codes: list[str]) -> dict[str, FeeTerms]:
    """The terms in force per partner for one merchant: the merchant's own row, else the partner's
    default row, else no fee. Settlement days come from the merchant's row, else the default row,
    else settings.SETTLEMENT_DAYS_DEFAULT. One query.

    Returns: {mitraCd: FeeTerms} for every code asked."""
    rows = PartnerFee.objects.filter(mitra_cd__in=mitra_codes).filter(
        Q(merchant__isnull=True) | Q(merchant_id=merchant_id)
    )
    own = {r.mitra_cd: r for r in rows if r.merchant_id is not None}
    default = {r.mitra_cd: r for r in rows if r.merchant_id is None}
    out = {}
    for code in mitra_codes:
        candidates = [r for r in (own.get(code), default.get(code)) if r is not None]
        days = next(
            (r.settlement_days for r in candidates if r.settlement_days is not None),
            settings.SETTLEMENT_DAYS_DEFAULT,
        )
        chosen = candidates[0] if candidates else None
        out[code] = FeeTerms(
            percent_bp=chosen.percent_bp if chosen else 0,
            fixed=chosen.fixed if chosen else 0,
            settlement_days=days,
        )
    return out


def transaction_fee(*, merchant_id: int, mitra_cd: str, amount: int) -> int:
    """The MDR for a payment of `amount` (whole rupiah) now. Called by the status writer when a
    payment becomes paid, inside that DB transaction, so the fee is stored with the status."""
    terms = fee_terms_by_partner(merchant_id=merchant_id, mitra_codes=[mitra_cd])[mitra_cd]
    return fee_amount(amount=amount, percent_bp=terms.percent_bp, fixed=terms.fixed)
