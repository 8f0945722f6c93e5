"""Account links (AstraPay mandates)."""

from __future__ import annotations

from django.db.models import QuerySet

from payments.models import AccountLink, Merchant


def account_links_list(*, imid: str | None = None, state: str | None = None) -> QuerySet[AccountLink]:
    """Links of every merchant (ops), newest first; narrowed to one iMid and/or one state."""
    qs = AccountLink.objects.select_related("merchant").order_by("-created_at", "-id")
    if imid:
        qs = qs.filter(merchant__imid=imid)
    return qs.filter(state=state) if state else qs


def account_link_get(*, mandate_id: str, merchant: Merchant | None = None) -> AccountLink | None:
    """The link with this mandateID (of `merchant` when given), or None."""
    qs = AccountLink.objects.select_related("merchant").filter(mandate_id=mandate_id)
    if merchant is not None:
        qs = qs.filter(merchant=merchant)
    return qs.first()
