"""The shape of the code: imports point one way, no cycles, modules of a readable size.

docs/architecture.md explains the layers; setup.cfg's ``[importlinter]`` section lists them.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

import grimp
import pytest
from importlinter import cli as importlinter_cli

from learnhub.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "learnhub"
LONG_MODULE_LINES = 400
LONG_MODULE_REASON = "Longer than 400 lines because"
DEFERRED_IMPORT_NOTE = "deferred:"


def learnhub_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_learnhub_imports_itself_back_through_others():
    # grimp reads every import statement, at the top or inside a function, so a cycle
    # hidden in a function is found as well.
    cycles = import_cycles(grimp.build_graph("learnhub", cache_dir=None))
    assert cycles == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(grimp.build_graph("cyclic", cache_dir=None)) == [["cyclic.a", "cyclic.b"]]


def test_features_import_only_from_the_layers_below_them(monkeypatch, capsys):
    monkeypatch.chdir(PROJECT_ROOT)
    exit_code = importlinter_cli.lint_imports(no_cache=True, no_logo=True)
    assert exit_code == 0, capsys.readouterr().out


def _imports_inside_functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def _imported_name(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.ImportFrom):
        return "." * node.level + (node.module or "")
    return node.names[0].name


def _comments_by_line(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


@pytest.mark.parametrize("path", learnhub_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_inside_functions_only_defer_heavy_outside_modules(path):
    """Never one of learnhub's own modules (that would dodge a cycle); another package only
    with a ``# deferred: why`` comment on the line or just above it."""
    source = path.read_text(encoding="utf-8")
    comments = _comments_by_line(source)
    for node in _imports_inside_functions(ast.parse(source)):
        name = _imported_name(node)
        where = f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
        assert not name.startswith((".", "learnhub")), f"{where} imports {name} in a function"
        said = comments.get(node.lineno, "") + comments.get(node.lineno - 1, "")
        assert DEFERRED_IMPORT_NOTE in said, f"{where}: say why {name} is imported late"


@pytest.mark.parametrize("path", learnhub_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_long_module_says_why_at_its_top(path):
    source = path.read_text(encoding="utf-8")
    if source.count("\n") <= LONG_MODULE_LINES:
        return
    docstring = ast.get_docstring(ast.parse(source)) or ""
    assert LONG_MODULE_REASON in docstring, (
        f"{path.relative_to(PROJECT_ROOT)} has {source.count(chr(10))} lines: split it by "
        f"concern, or say '{LONG_MODULE_REASON} …' in its docstring"
    )
