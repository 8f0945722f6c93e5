"""The audit log: who changed what. Services record their own entries from the `actor` they are
given, with the one vocabulary of AuditLog.Action. Never pass secrets in `detail`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from payments.models import AuditLog, Merchant


@dataclass(frozen=True)
class Actor:
    """Who acts. `kind` is an AuditLog.Actor (staff, merchant, api, system); `user` the signed-in
    user where there is one; `remote_addr` the client's address as the door sees it."""

    kind: str
    user: Any = None
    remote_addr: str = ""


SYSTEM = Actor(AuditLog.Actor.SYSTEM)


def audit_record(
    *,
    actor: Actor,
    action: AuditLog.Action,
    merchant: Merchant | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """One audit entry. `target` names what was acted on ("transaction:<tXid>"); `detail` holds
    what helps later (never a secret). Returns the stored entry."""
    return AuditLog.objects.create(
        actor_kind=actor.kind,
        actor_user=actor.user if getattr(actor.user, "pk", None) else None,
        merchant=merchant,
        action=AuditLog.Action(action),
        target=target[:100],
        detail=detail or {},
        remote_addr=actor.remote_addr[:45],
    )
