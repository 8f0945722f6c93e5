"""Keyset (cursor) pagination on (-created_at, -id): stable under inserts, and it uses the
(merchant, -created_at, -id) index instead of OFFSET or COUNT(*)."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination


class RecentFirstCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request) -> Cursor | None:  # noqa: ANN001
        # DRF answers a bad cursor with 404 and trusts the position it carries (a forged one would
        # reach the database as a bad timestamp): it is bad input, so check it and answer 400.
        invalid = ValidationError({self.cursor_query_param: ["Invalid cursor."]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid
        if cursor is not None and cursor.position is not None:
            try:
                parsed = parse_datetime(cursor.position)
            except ValueError:
                parsed = None
            if parsed is None:
                raise invalid
        return cursor
