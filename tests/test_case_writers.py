"""Only the case engine (oxtom/cases) writes cases, case events and QA checks.

Why: the engine keeps the rules that make a case trustworthy (optimistic
locking on `version`, one status machine, an event and an audit entry for
every change, the owner told when the status moves). A caller that writes
the rows itself skips all of them: `_qa_sample` once closed a case with an
UPDATE and made its events by hand, and street reports and councillors'
enquiries patched new cases after creating them. Callers ask the engine
(case_create with everything at once, case_record_rule_decision, ...).

The check reads each module's syntax tree, so it knows which `Case` a
module means (django.db.models.Case in an annotation is not ours) and
follows a write however the queryset is chained or split over lines.
Outside the rule: tests (factories make rows directly), migrations, and
bench/ (county-scale fixtures inserted in bulk for measuring, never run by
the application).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = {"Case", "CaseEvent", "QaCheck"}
ENGINE_MODULES = {"oxtom.cases.models", "oxtom.cases"}
WRITES = {"create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update",
          "save", "raw"}
# Reverse relations from another model to the engine's rows (case.events.create(...)).
RELATED = {"events", "qa_checks", "cases", "duplicates", "assigned_cases", "raised_cases"}
SKIP_PARTS = {".venv", "node_modules", "tests", "migrations", "bench", ".git", "var", "static"}


def _bindings(scope: ast.AST) -> dict[str, bool]:
    """Names imported in this scope (not in functions nested in it): True when bound to an engine model."""
    bound: dict[str, bool] = {}
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.ImportFrom):
            ours = bool(node.module) and (node.module in ENGINE_MODULES or node.module.endswith("cases.models"))
            for alias in node.names:
                bound[alias.asname or alias.name] = ours and alias.name in MODELS
        stack.extend(ast.iter_child_nodes(node))
    return bound


def _root_name(node: ast.AST) -> str | None:
    """The name a chain like Case.objects.filter(...).update starts from."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def _through_manager(node: ast.AST) -> bool:
    """Whether the chain passes through `.objects` (or `_default_manager`): a queryset write, not a str method."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager"):
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _related_write(func: ast.Attribute) -> bool:
    """case.events.create(...), customer.cases.update(...)."""
    receiver = func.value
    return isinstance(receiver, ast.Attribute) and receiver.attr in RELATED and func.attr in WRITES - {"save"}


def writers_in(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def ours(name: str | None, scopes: list[dict[str, bool]]) -> bool:
        for bound in reversed(scopes):  # the innermost import of the name decides which Case it is
            if name in bound:
                return bound[name]
        return False

    def visit(node: ast.AST, scopes: list[dict[str, bool]]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            scopes = [*scopes, _bindings(node)]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and ours(func.id, scopes):
                found.append((node.lineno, f"{func.id}(...)"))
            elif isinstance(func, ast.Attribute) and func.attr in WRITES:
                root = _root_name(func.value)
                if ours(root, scopes) and _through_manager(func.value):
                    found.append((node.lineno, f"{root}.objects...{func.attr}()"))
                elif _related_write(func):
                    found.append((node.lineno, f"...{func.value.attr}.{func.attr}()"))
        for child in ast.iter_child_nodes(node):
            visit(child, scopes)

    tree = ast.parse(source)
    visit(tree, [_bindings(tree)])
    return sorted(found)


def _modules():
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIP_PARTS & set(relative.parts[:-1]) or relative.parts[:2] == ("oxtom", "cases"):
            continue
        yield relative, path


def test_no_module_outside_the_engine_writes_cases_events_or_qa_checks():
    offenders = []
    for relative, path in _modules():
        for line, what in writers_in(path.read_text()):
            offenders.append(f"{relative}:{line} {what}")
    assert offenders == [], ("These write the case engine's tables; call a service in oxtom/cases/services "
                             "instead:\n" + "\n".join(offenders))


def test_the_check_finds_each_kind_of_write():
    """The guard would catch what it was written for (so a passing run means something)."""
    source = '''
from oxtom.cases.models import Case, CaseEvent as Event, QaCheck
from django.db.models import Case as When_

def patch(case, now):
    Case.objects.filter(pk=case.pk).update(
        status="closed")
    Event.objects.create(case=case, kind="note")
    QaCheck(case=case).save()
    Case.objects.bulk_create([])
    case.events.create(kind="note")
    qs = Case.objects.filter(pk=1)
    When_(default=1)
    "a, b".split(",")

def annotate():
    from django.db.models import Case
    return Case(default=1)

def later():
    from oxtom.cases.models import Case as C2
    C2.objects.filter(pk=1).delete()
'''
    found = [what for _, what in writers_in(source)]
    assert found.count("Case.objects...update()") == 1
    assert "Event.objects...create()" in found and "QaCheck(...)" in found
    assert "Case.objects...bulk_create()" in found and "...events.create()" in found
    assert not any("When_" in what for what in found)
    assert "C2.objects...delete()" in found
    assert len(found) == 6


def test_reads_are_not_writes():
    source = '''
from oxtom.cases.models import Case
from django.db.models import Case as C, When

rows = Case.objects.filter(status="new").values_list("pk", flat=True)
other = C(When(pk=1, then=1))
text = "x".replace("a", "b")
'''
    assert writers_in(source) == []
