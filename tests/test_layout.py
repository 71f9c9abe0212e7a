"""The package's layout: stages import only from their own stage or those below it, and no
module imports another in a circle. Every import counts, those inside functions and under
`if TYPE_CHECKING:` too: a circle that is only lazy is still a circle to read."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "normlang"

#: the pipeline, lowest first: a module may import from its own stage and the ones before it
STAGES = ("core", "syntax", "model", "engine", "checks", "runtime", "report", "api", "lsp", "cli")


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, package_dir: Path, modules: set[str]) -> set[str]:
    """The normlang modules `path` imports, anywhere in it."""
    name = module_name(path, package_dir)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + (
                    [node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:  # `from . import ast` imports a module, not a name
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules}


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    paths = sorted(package.rglob("*.py"))
    modules = {module_name(path, package) for path in paths}
    graph = nx.DiGraph()
    for path in paths:
        name = module_name(path, package)
        graph.add_node(name)
        graph.add_edges_from((name, imported) for imported in imports_of(path, package, modules)
                             if imported != name)
    return graph


def stage_of(module: str) -> str | None:
    """The stage a module belongs to; None for the package itself (the public façade)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_module_imports_another_in_a_circle() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles)


def test_every_module_belongs_to_a_stage() -> None:
    unknown = {stage_of(m) for m in import_graph()} - set(STAGES) - {None, "__main__"}
    assert not unknown, f"add {sorted(unknown)} to STAGES, where it sits in the pipeline"


def test_imports_point_down_the_pipeline() -> None:
    upward = []
    for importer, imported in import_graph().edges:
        here, there = stage_of(importer), stage_of(imported)
        if there is None:
            upward.append(f"{importer} imports the package façade `normlang`")
        elif here is not None and STAGES.index(there) > STAGES.index(here):
            upward.append(f"{importer} ({here}) imports {imported} ({there})")
    assert not upward, "imports that point up the pipeline:\n" + "\n".join(sorted(upward))


@pytest.mark.parametrize("source, expected", [
    ("from .b import x\n", "normlang.core.b"),
    ("from ..syntax import ast\n", "normlang.syntax.ast"),
    ("def f():\n    from ..syntax.ast import Norm\n", "normlang.syntax.ast"),
    ("if TYPE_CHECKING:\n    from normlang.core.b import x\n", "normlang.core.b"),
])
def test_the_walk_sees_every_kind_of_import(tmp_path: Path, source: str, expected: str) -> None:
    package = tmp_path / "normlang"
    for module in ("core/a.py", "core/b.py", "syntax/ast.py"):
        (package / module).parent.mkdir(parents=True, exist_ok=True)
        (package / module).write_text("")
    (package / "core" / "a.py").write_text(source)
    assert ("normlang.core.a", expected) in import_graph(package).edges


def test_a_circle_is_found(tmp_path: Path) -> None:
    package = tmp_path / "normlang"
    (package / "core").mkdir(parents=True)
    (package / "core" / "a.py").write_text("def f():\n    from .b import g\n")
    (package / "core" / "b.py").write_text("from .a import f\n")
    assert list(nx.simple_cycles(import_graph(package)))
