"""Every simulated partner: each package under providers/sandbox/ with a `simulator` module is one,
and importing that module registers it. Adding a partner is adding its folder."""

from importlib import import_module
from pathlib import Path
from pkgutil import iter_modules

HERE = Path(__file__).resolve().parent


def packages() -> list[str]:
    return sorted(
        m.name for m in iter_modules([str(HERE)]) if m.ispkg and (HERE / m.name / "simulator.py").exists()
    )


def load() -> None:
    for name in packages():
        import_module(f"providers.sandbox.{name}.simulator")
