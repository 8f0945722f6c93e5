"""Keyset pages on (created_at, id), newest first: they walk the (merchant, -created_at, -id)
indexes, never OFFSET or COUNT(*), and stay stable while rows are added."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str  # "" on the last page


def encode_cursor(created_at: datetime, pk: int) -> str:
    """The opaque cursor of the row (created_at, pk)."""
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """(created_at, pk) of a cursor; None for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        when = datetime.fromisoformat(stamp)
        if timezone.is_naive(when):
            return None
        return when, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def after(qs: QuerySet, cursor: str) -> QuerySet:
    """Rows strictly older than the cursor in (created_at, id) order. The range condition on
    created_at keeps the index scan; the exclude drops the ties already shown. A bad or empty
    cursor is the first page."""
    decoded = decode_cursor(cursor) if cursor else None
    if decoded is None:
        return qs
    when, pk = decoded
    return qs.filter(created_at__lte=when).exclude(created_at=when, id__gte=pk)


def page_of(qs: QuerySet, *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page of `qs` (ordered newest first) after `cursor`: one query."""
    rows = list(after(qs, cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if more else "")
