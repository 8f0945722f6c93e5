"""Checks every shopper page must pass: its language, no sideways scrolling, touch targets of
44 px, and axe-core's accessibility rules (injected from the npm package)."""

from __future__ import annotations

import fcntl
import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_HOME = ROOT / "var" / "node"
AXE_PACKAGE = "axe-core@4.10.3"
AXE = AXE_HOME / "node_modules" / "axe-core" / "axe.min.js"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def axe_source() -> str:
    """axe-core from the npm registry, installed once under the git-ignored var/."""
    AXE_HOME.mkdir(parents=True, exist_ok=True)
    with open(AXE_HOME / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            subprocess.run(
                [
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--silent",
                    "--prefix",
                    str(AXE_HOME),
                    AXE_PACKAGE,
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
    return AXE.read_text()


@cache
def english_phrases() -> tuple[str, ...]:
    """The English text of every translated string of ours (its fixed parts of 12+ characters)."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("id")._catalog
    phrases = set()
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, tuple):
            msgid = msgid[0]
        if not msgid or msgid == msgstr:
            continue
        for part in PLACEHOLDER.split(msgid):
            part = part.strip(" .:")
            if len(part) >= 12:
                phrases.add(part)
    return tuple(sorted(phrases))


def assert_indonesian(page) -> None:  # noqa: ANN001
    assert page.locator("html").get_attribute("lang") == "id", page.url
    text = page.locator("body").inner_text()
    leftovers = [p for p in english_phrases() if p in text]
    assert not leftovers, (page.url, leftovers)


def assert_fits(page) -> None:  # noqa: ANN001
    """Nothing scrolls sideways; every control is at least 44 px tall."""
    widths = page.evaluate(
        """() => {
            const root = document.documentElement, vw = root.clientWidth;
            const wide = [...document.body.querySelectorAll('*')].filter(el => {
                const r = el.getBoundingClientRect();
                return r.width > 0 && (r.right > vw + 1 || r.left < -1);
            }).map(el => el.tagName + '.' + el.className);
            return {scroll: root.scrollWidth, body: document.body.scrollWidth, client: vw, wide};
        }"""
    )
    assert widths["scroll"] <= widths["client"] and widths["body"] <= widths["client"], (page.url, widths)
    assert widths["wide"] == [], (page.url, widths)
    controls = "a[href], button, select, label.choice, input:not([type=hidden]):not([type=radio])"
    small = page.evaluate(
        """(controls) => [...document.querySelectorAll(controls)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 30),
                        Math.round(el.getBoundingClientRect().height)])
            .filter(([, h]) => h < 44)""",
        controls,
    )
    assert small == [], (page.url, small)


def assert_accessible(page) -> None:  # noqa: ANN001
    """axe-core finds no serious or critical violation."""
    page.add_script_tag(content=axe_source())
    found = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    assert found == [], (page.url, found)


def check_shopper_page(page) -> None:  # noqa: ANN001
    assert_indonesian(page)
    assert_fits(page)
    assert_accessible(page)
