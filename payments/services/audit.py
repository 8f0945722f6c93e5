"""The audit log: who changed what. Never pass secrets in `detail`."""

from __future__ import annotations

from typing import Any

from payments.models import AuditLog, Merchant


def audit_record(
    *,
    actor_kind: str,
    action: str,
    merchant: Merchant | None = None,
    user=None,  # noqa: ANN001
    target: str = "",
    detail: dict[str, Any] | None = None,
    remote_addr: str = "",
) -> AuditLog:
    return AuditLog.objects.create(
        actor_kind=actor_kind,
        actor_user=user if getattr(user, "pk", None) else None,
        merchant=merchant,
        action=action,
        target=target[:100],
        detail=detail or {},
        remote_addr=remote_addr[:45],
    )
