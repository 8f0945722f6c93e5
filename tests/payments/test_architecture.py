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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports, anywhere in its body (inside functions too),
    relative imports resolved; an import of a name inside a module counts as that module."""
    modules = {module_name(p): p for p in py_files(package)}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_payments_has_no_import_cycle():
    graph = import_graph("payments")
    assert "payments.services.settle" in graph["payments.services.callbacks"]  # the graph is real
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_services_reach_celery_only_through_the_queue_module():
    graph = import_graph("payments")
    for name, targets in graph.items():
        if name.startswith("payments.services."):
            assert "payments.tasks" not in targets, name
    for path in py_files("payments/services"):
        if path.name != "queue.py":
            assert not any(m.startswith("celery") for m in imports(path)), path


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


FRONT_DOORS = ("payments.nicepay", "payments.snap", "payments.rest", "payments.dashboard", "payments.hosted")
# NICEPAY V2 names beyond the request table (answers, notifications, cart and seller JSON).
V2_NAMES = {
    "amt",
    "timeStamp",
    "tXid",
    "resultCd",
    "resultMsg",
    "transDt",
    "transTm",
    "cancelAmt",
    "cancelType",
    "cancelMsg",
    "canceltXid",
    "matchCl",
    "mandateID",
    "linkStatus",
    "receiptConfirmed",
    "ResponseData",
    "goods_id",
    "goods_amt",
    "goods_quantity",
    "goods_sellers_id",
    "sellersId",
    "sellersNm",
    "sellersAddress",
    "linkEnable",
    "linkInitiate",
}
ENGLISH = {"currency", "description", "sellers"}  # V2 field names that are also plain words
# BI-SNAP names (payments/snap): headers, request and answer fields.
SNAP_NAMES = {
    "responseCode",
    "responseMessage",
    "partnerReferenceNo",
    "originalReferenceNo",
    "originalPartnerReferenceNo",
    "partnerRefundNo",
    "latestTransactionStatus",
    "webRedirectUrl",
    "accessToken",
    "X-EXTERNAL-ID",
    "X-PARTNER-ID",
    "X-CLIENT-KEY",
}


def v2_names() -> set[str]:
    from payments.nicepay.requests import REGISTRATION_FIELDS

    return ({f.name for f in REGISTRATION_FIELDS} | V2_NAMES | SNAP_NAMES) - ENGLISH


def string_literals(path: Path):
    """(line, text) of every string constant that is not a docstring."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_services_speak_no_wire_format():
    """Rule 11: no NICEPAY result code and no V2 field name in services; they raise typed errors
    and the V2 door maps them (payments/nicepay/errors.py)."""
    names = re.compile(r"\b(" + "|".join(sorted(map(re.escape, v2_names()))) + r")\b")
    found = []
    for path in py_files("payments/services"):
        for line, text in string_literals(path):
            if re.fullmatch(r"[0-9]{4}|[0-9]{7}", text) or names.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert found == []


def test_the_wire_check_finds_a_v2_name_and_a_result_code(tmp_path):
    names = re.compile(r"\b(" + "|".join(sorted(map(re.escape, v2_names()))) + r")\b")
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstrings may cite tXid."""\nx = {"resultCd": "9301", "amt": 1}\n')
    texts = sorted(t for _, t in string_literals(sample))
    assert texts == ["9301", "amt", "resultCd"]
    assert [t for t in texts if re.fullmatch(r"[0-9]{4}", t) or names.search(t)] == texts


def test_services_and_selectors_never_import_a_front_door():
    graph = import_graph("payments")
    for name, targets in graph.items():
        if name.startswith(("payments.services", "payments.selectors")):
            assert not {t for t in targets if t.startswith(FRONT_DOORS)}, name


def test_partner_codes_appear_only_in_their_own_package_and_the_catalogue():
    """Rule 13: every list of partners and every per-partner rule derives from providers/registry.py;
    a partner's code is spelled only there and in its own packages (providers/<slug>/,
    providers/sandbox/<slug>/, templates/sandbox/<slug>/)."""
    from providers import registry

    own = {code: registry.adapter_class(code).slug for code in registry.known_mitra_codes()}
    quoted = re.compile(r"""["'](""" + "|".join(own) + r""")["']""")
    files = [*py_files("payments", "providers"), *(ROOT / "templates").rglob("*.html")]
    offenders = set()
    for path in files:
        rel = path.relative_to(ROOT)
        if rel.name == "registry.py" and rel.parent.name == "providers":
            continue
        for match in quoted.finditer(path.read_text()):
            if own[match.group(1)] not in rel.parts:
                offenders.add(str(rel))
    assert offenders == set()


def test_every_service_has_its_own_test_file():
    services = {p.stem for p in (ROOT / "payments/services").glob("*.py") if p.stem != "__init__"}
    assert services and {s for s in services if not (ROOT / f"tests/payments/test_{s}.py").exists()} == set()


def test_every_public_service_and_selector_says_what_it_does():
    """Arguments, return, errors and units are in the docstring (the brief's rule); a missing one
    is the easy case to catch."""
    missing = []
    for path in py_files("payments/services", "payments/selectors"):
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.FunctionDef)
                and not node.name.startswith("_")
                and not ast.get_docstring(node)
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert missing == []
