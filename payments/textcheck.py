"""Inbound text: the one place where request text and JSON are decoded and checked.

Two kinds of text cannot be stored or hashed and used to end in a 500: NUL (PostgreSQL refuses it in
text and jsonb) and an unpaired UTF-16 surrogate such as the JSON escape "\\ud800" (not encodable as
UTF-8). Everything else a person can type is accepted as sent: emoji, right-to-left marks, a BOM
inside a value. Bytes that are not UTF-8 (invalid or overlong sequences) make a JSON body unreadable;
form and query values arrive already decoded by Django, with such bytes replaced by U+FFFD.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

_SURROGATE = re.compile("[\ud800-\udfff]")


class BadText(ValueError):
    """A value holds text we cannot accept. `field` names where (a dotted path inside JSON)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field} contains {reason}")

    @property
    def message(self) -> str:
        return f"{self.field} contains {self.reason}, which is not accepted"


class BadJson(ValueError):
    """The body is not a JSON document we can read (syntax, encoding, or nesting too deep)."""


def problem(value: str) -> str | None:
    """What is wrong with `value`, or None when it is acceptable text."""
    if "\x00" in value:
        return "a NUL character"
    found = _SURROGATE.search(value)
    if found:
        return f"an unpaired surrogate (\\u{ord(found.group()):04x})"
    return None


def check(value: str, field: str) -> str:
    """`value` unchanged, or BadText naming `field`."""
    reason = problem(value)
    if reason:
        raise BadText(field, reason)
    return value


def check_tree(data: Any, field: str = "body") -> Any:
    """Every key and string of a decoded JSON document, iteratively (no recursion limit). Problems
    are named by path: `goodsNm` in a request body, `cartData.item[0].goods_name` inside a field."""
    root = "" if field == "body" else field
    stack: list[tuple[Any, str]] = [(data, root)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            check(node, where or field)
        elif isinstance(node, dict):
            for key, value in node.items():
                check(key, f"a field name in {where or field}")
                stack.append((value, f"{where}.{key}" if where else key))
        elif isinstance(node, list):
            stack.extend((item, f"{where or field}[{i}]") for i, item in enumerate(node))
    return data


def loads(raw: bytes | str, field: str = "body") -> Any:
    """Decode a JSON document and check all its text. A leading BOM is allowed; bytes must be UTF-8.

    Raises BadJson when it cannot be read, BadText when it holds a value we cannot accept."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadJson(f"{field} is not valid UTF-8 (byte {exc.start})") from None
    elif raw.startswith("\ufeff"):
        raw = raw[1:]
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadJson(f"{field} is nested too deeply") from None
    except ValueError as exc:
        raise BadJson(f"{field} is not valid JSON ({exc})") from None
    return check_tree(data, field)


def form_problem(raw: bytes) -> BadText | None:
    """A query string or form body whose percent-decoded bytes are not UTF-8 (Django would quietly
    turn them into U+FFFD; a machine sent something else than it meant, so it is refused)."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part, what in ((name, None), (value, name)):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                field = unquote_to_bytes(what).decode("utf-8", "replace") if what else "a field name"
                return BadText(field[:50], "bytes that are not UTF-8")
    return None


def first_problem(items: Iterable[tuple[str, str]]) -> BadText | None:
    """The first bad (name, value) pair of a form, query string or header list, or None."""
    for name, value in items:
        if reason := problem(name):
            return BadText("a field name", reason)
        if reason := problem(value):
            return BadText(name, reason)
    return None


_UNREAD = object()


def request_json(request: Any) -> Any:
    """The request's JSON body, decoded and checked once per request (the middleware may have done
    it already). Raises BadJson or BadText like `loads`."""
    data = getattr(request, "_checked_json", _UNREAD)
    if data is _UNREAD:
        data = loads(request.body)
        request._checked_json = data
    return data
