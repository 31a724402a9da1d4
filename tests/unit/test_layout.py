"""The package's layout is its architecture: the core pipeline (load, model, render) knows
nothing of the layers around it (the build cache, search, the output folder, the preview server,
the command line), and no two modules import each other, directly or in a ring."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sitegen"
CORE = ("load", "model", "render")
OUTER = ("incremental", "search", "output", "serve", "cli", "pipeline", "build")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "starter" in path.relative_to(PACKAGE).parts[:-1]:
            continue  # the starter site's files, not code of the package
        parts = ("sitegen", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path, *, top_level_only: bool) -> Iterator[tuple[str, int]]:
    """The sitegen modules `path` imports, with their lines; `top_level_only` leaves out
    imports inside functions and under TYPE_CHECKING (those run later, or never)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _top_level(tree.body) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield (sub if sub in MODULES else node.module), node.lineno


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Try | ast.If):
            yield from _top_level(node.body)
            continue
        yield node


def test_the_layout_has_the_pipelines_packages() -> None:
    for package in (*CORE, *OUTER[:-1]):
        assert (PACKAGE / package / "__init__.py").is_file(), package
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "build.py", "errors.py", "lazy.py"], flat


@pytest.mark.parametrize("layer", CORE)
def test_the_core_imports_no_outer_layer(layer: str) -> None:
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
        for module, path in MODULES.items()
        if module.startswith(f"sitegen.{layer}")
        for name, line in _imports(path, top_level_only=False)
        if any(name == f"sitegen.{o}" or name.startswith(f"sitegen.{o}.") for o in OUTER)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_through_others() -> None:
    graph = {
        module: {
            name
            for name, _ in _imports(path, top_level_only=True)
            if name in MODULES and name != module and not module.startswith(name + ".")
        }
        for module, path in MODULES.items()
    }
    # Importing a package imports its __init__: an edge to it, never a cycle of this kind.
    rings = [ring for ring in _rings(graph) if len(ring) > 1]
    assert not rings, rings


def _rings(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), as lists of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    rings: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            ring = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                ring.append(member)
                if member == node:
                    break
            rings.append(sorted(ring))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return rings


def test_the_checks_see_a_real_import() -> None:
    """The scan is not blind: build.py imports the cache and search layers."""
    names = {name for name, _ in _imports(MODULES["sitegen.build"], top_level_only=True)}
    assert any(n.startswith("sitegen.incremental") for n in names), names
    assert any(n.startswith("sitegen.search") for n in names), names
