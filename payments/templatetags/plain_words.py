"""Dashboard statuses and states in words, with the code small beside them (payments.dashboard.words)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from payments.dashboard.words import plain

register = template.Library()


@register.simple_tag
def plain_words(kind: str, code: object, badge: bool = True) -> SafeString:
    """{% plain_words "status" t.status %}: the words (in a coloured badge unless badge=False), then
    the code as `<span class="code">`."""
    p = plain(kind, str(code or ""))
    words = format_html('<span class="badge {}">{}</span>', p.css, p.text) if badge else p.text
    if not p.code:
        return format_html("{}", words)
    return format_html('{} <span class="code" title="{}">{}</span>', words, p.title, p.code)
