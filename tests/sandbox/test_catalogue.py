"""The Indonesian catalogue of the sandbox is complete and compiled: every entry of the .po is
translated, the committed .mo says the same, and every literal {% translate %} of the sandbox's
templates has an entry (a new English string cannot slip onto an Indonesian page)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation

SANDBOX = Path(__file__).resolve().parents[2] / "providers" / "sandbox"
PO = SANDBOX / "locale" / "id" / "LC_MESSAGES" / "django.po"
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _joined(block: str) -> str:
    return "".join(ast.literal_eval(q) for q in QUOTED.findall(block))


def entries() -> list[tuple[str, str | None, str]]:
    """(msgid, msgid_plural or None, msgstr) for every entry but the header."""
    found = []
    for chunk in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        parts = dict(
            re.findall(r"^(msgid_plural|msgid|msgstr(?:\[0\])?) (.*?)(?=^msg|\Z)", chunk, re.S | re.M)
        )
        found.append(
            (
                _joined(parts["msgid"]),
                _joined(parts["msgid_plural"]) if "msgid_plural" in parts else None,
                _joined(parts.get("msgstr", parts.get("msgstr[0]", ""))),
            )
        )
    return found


def test_every_entry_is_translated_and_compiled():
    catalogue = entries()
    assert len(catalogue) > 200
    assert "fuzzy" not in PO.read_text(encoding="utf-8")
    with translation.override("id"):
        for msgid, plural, msgstr in catalogue:
            assert msgstr, msgid
            got = translation.ngettext(msgid, plural, 2) if plural else translation.gettext(msgid)
            assert got == msgstr, (msgid, got)  # the committed .mo matches the .po


def test_every_literal_template_string_has_an_entry():
    known = {msgid for msgid, _, _ in entries()}
    missing = []
    for template in (SANDBOX / "templates").rglob("*.html"):
        for literal in re.findall(r"""\{% translate (["'])(.+?)\1 %\}""", template.read_text()):
            if literal[1] not in known:
                missing.append((template.name, literal[1]))
    assert missing == []
