"""Outcome triggers: the last three digits of the amount choose the partner's behaviour."""

from django.utils.translation import gettext_lazy as _

SUCCESS = "success"
DECLINE = "decline"
EXPIRE = "expire"
CANCEL = "cancel"
FRAUD = "fraud"
PENDING = "pending"
NO_NOTIFY = "no_notify"
NOTIFY_TWICE = "notify_twice"
BAD_SIGNATURE = "bad_signature"
PARTNER_ERROR = "partner_error"

TRIGGERS: dict[str, str] = {
    "901": DECLINE,
    "902": EXPIRE,
    "903": CANCEL,
    "904": FRAUD,
    "905": PENDING,
    "906": NO_NOTIFY,
    "907": NOTIFY_TWICE,
    "908": BAD_SIGNATURE,
    "909": PARTNER_ERROR,
}
DESCRIPTIONS = {
    DECLINE: _("the partner declines"),
    EXPIRE: _("expires without customer action"),
    CANCEL: _("the customer cancels on the partner page"),
    FRAUD: _("fraud deny (pay-later)"),
    PENDING: _("stays pending forever"),
    NO_NOTIFY: _("paid, but the notification is never sent (forces polling)"),
    NOTIFY_TWICE: _("paid, notification sent twice"),
    BAD_SIGNATURE: _("notification with an invalid signature"),
    PARTNER_ERROR: _("the partner's create call answers 5xx"),
}


def trigger_for(amount: int) -> str:
    return TRIGGERS.get(f"{int(amount) % 1000:03d}", SUCCESS)


def effective(amount: int, outcome: str = SUCCESS) -> str:
    """What happens at the partner: an explicit /sandbox/simulate outcome wins; a plain success
    follows the amount's trigger digits."""
    return outcome if outcome != SUCCESS else trigger_for(amount)


def notification_copies(amount: int) -> int:
    """How many times the partner sends its notification for a final state."""
    t = trigger_for(amount)
    return 0 if t == NO_NOTIFY else 2 if t == NOTIFY_TWICE else 1


def forge_signature(amount: int) -> bool:
    return trigger_for(amount) == BAD_SIGNATURE
