"""Every simulated partner, imported once so each registers itself."""

from importlib import import_module

PACKAGES: tuple[str, ...] = (
    "linkaja",
    "astrapay",
    "shopeepay",
    "dana",
    "ovo",
    "akulaku",
    "kredivo",
    "indodana",
)


def load() -> None:
    for name in PACKAGES:
        import_module(f"providers.sandbox.{name}.simulator")
