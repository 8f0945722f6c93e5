"""Every catalogue is complete: gettext skips a fuzzy or empty entry at compile time, and the shopper
then reads English in the middle of an Indonesian page (the OVO waiting page once did)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for app in ("payments", "providers") for p in (ROOT / app).glob("**/locale/*/LC_MESSAGES/django.po")
)


def test_there_are_catalogues() -> None:
    assert {p.relative_to(ROOT).parts[0] for p in CATALOGUES} >= {"payments", "providers"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_none_is_fuzzy(catalogue: Path) -> None:
    run = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "fuzzy" not in run.stderr and "untranslated" not in run.stderr, run.stderr


def test_the_ovo_waiting_page_is_indonesian_throughout() -> None:
    from django.utils import translation

    with translation.override("id"):
        assert (
            translation.gettext("Open your %(name)s app to approve")
            == "Buka aplikasi %(name)s untuk menyetujui"
        )
        assert translation.gettext("Approve in your %(name)s app") == "Setujui di aplikasi %(name)s"
