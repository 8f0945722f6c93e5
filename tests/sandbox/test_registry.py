"""One shape per simulated partner, one list of them: the sandbox's registry is built from its
partner folders, and the demo store's payment methods and the index come from the registry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest

from providers.sandbox import simulators
from providers.sandbox.core import SIMULATORS, Simulator, by_mitra_cd
from providers.sandbox.shop import views as shop

SANDBOX = Path(__file__).resolve().parents[2] / "providers" / "sandbox"
PARTNER_CODES = ("OVOE", "ESHP", "DANA", "LINK", "ASTR", "AKLP", "KDVI", "IDNA")


def test_every_partner_folder_is_registered_once_with_one_shape():
    folders = sorted(p.parent.name for p in SANDBOX.glob("*/simulator.py"))
    assert folders == simulators.packages() == sorted(SIMULATORS)
    assert len(folders) == 8
    for slug in folders:
        for module in ("api", "pages", "state", "simulator"):
            assert (SANDBOX / slug / f"{module}.py").exists(), (slug, module)
        assert SIMULATORS[slug].slug == slug
    assert len({s.mitra_cd for s in SIMULATORS.values()}) == len(SIMULATORS)


def test_no_partner_code_outside_its_own_folder():
    """The architecture rule: a partner code appears only in that partner's package."""
    spread = []
    for path in SANDBOX.rglob("*"):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        text = path.read_text()
        for code in PARTNER_CODES:
            owner = by_mitra_cd(code).slug
            if re.search(rf"""["']{code}["']""", text) and owner not in path.relative_to(SANDBOX).parts:
                spread.append((str(path.relative_to(SANDBOX)), code))
    assert spread == []


class NinthSimulator(Simulator):
    slug = "ninth"
    name = "Ninth Pay"
    mitra_cd = "NINE"
    pay_later = True
    needs_sellers = True
    test_credentials: ClassVar[dict[str, str]] = {"PIN": "999999"}


@pytest.fixture
def ninth():
    SIMULATORS["ninth"] = NinthSimulator()
    yield SIMULATORS["ninth"]
    del SIMULATORS["ninth"]


@pytest.mark.django_db
def test_a_ninth_partner_reaches_the_store_and_the_index(client, ninth):
    store = client.get("/sandbox/shop/").content.decode()
    assert '<option value="NINE">Ninth Pay</option>' in store
    pay_later_group = re.search(r'<optgroup label="Pay later">(.*?)</optgroup>', store).group(1)
    assert "NINE" in pay_later_group and "Ninth Pay" in pay_later_group
    index = client.get("/sandbox/").content.decode()
    assert 'id="partner-ninth"' in index and "mitraCd NINE" in index and "999999" in index


def test_store_methods_are_the_registry(ninth):
    offered = [s.mitra_cd for _, group in shop._methods() for s in group]
    assert sorted(offered) == sorted(s.mitra_cd for s in SIMULATORS.values())
    assert by_mitra_cd("NINE") is ninth
