"""The architecture rules that code review alone would miss."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def py_files(*dirs):
    for d in dirs:
        yield from (p for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts)


def imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_only_transaction_apply_status_assigns_transaction_status():
    offenders = []
    for path in py_files("payments", "providers"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, (ast.AugAssign, ast.AnnAssign))
                else []
            )
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr == "status" and isinstance(t.value, ast.Name):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(offenders) == 1, offenders
    assert offenders[0].startswith("payments/services/transitions.py:"), offenders
    source = (ROOT / "payments/services/transitions.py").read_text()
    assert re.search(r"def transaction_apply_status\(.*?txn\.status = to", source, re.S)


def test_status_is_never_bulk_updated():
    for path in py_files("payments"):
        text = path.read_text()
        assert not re.search(r"\.update\([^)]*\bstatus\s*=", text), path


def test_providers_never_import_payments():
    for path in py_files("providers"):
        assert not any(m == "payments" or m.startswith("payments.") for m in imports(path)), path


def test_sandbox_is_the_outside_world():
    for path in py_files("providers/sandbox"):
        for module in imports(path):
            assert not module.startswith("payments"), (path, module)
            if module.startswith("providers."):
                assert module.startswith("providers.sandbox"), (path, module)


def test_adapters_hold_no_orm_code():
    for path in py_files("providers"):
        if "sandbox" in path.parts:
            continue
        assert not any(m.startswith("django.db") for m in imports(path)), path


def test_no_float_near_money():
    for path in py_files("payments", "providers"):
        assert "float(" not in path.read_text(), path
        assert "FloatField" not in path.read_text(), path
