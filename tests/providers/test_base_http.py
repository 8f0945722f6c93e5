"""The one JSON reading the adapters share: a non-JSON partner answer is ambiguous, never a crash."""

from __future__ import annotations

import pytest

from providers.base.errors import PartnerUnavailable
from providers.base.http import HttpResponse


def test_json_or_unavailable_reads_json():
    assert HttpResponse(200, {}, b'{"a":1}').json_or_unavailable("X") == {"a": 1}


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"", b"\xff\xfe{", b'{"a":'])
def test_json_or_unavailable_refuses_anything_else(body):
    with pytest.raises(PartnerUnavailable, match="X answered HTTP 502 without JSON"):
        HttpResponse(502, {}, body).json_or_unavailable("X")
