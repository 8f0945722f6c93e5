"""Keyset (cursor) pagination on (-created_at, -id): stable under inserts, and it uses the
(merchant, -created_at, -id) index instead of OFFSET or COUNT(*)."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class RecentFirstCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        # DRF silently ignores a bad `limit`; say so instead (above the cap is simply capped).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["A positive integer is required."]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"]["minimum"] = 1
                param["description"] = (
                    f"Rows per page ({self.page_size} by default, {self.max_page_size} at most)."
                )
        return params

    def decode_cursor(self, request: Request) -> Cursor | None:
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
