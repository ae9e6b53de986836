"""The simulator is an independent oracle: it imports nothing of the gateway and has no import circle.

Read from the source with ``ast`` (nothing is imported, so a module that would fail to import is
still checked), counting every import: module level, inside functions, and under
``if TYPE_CHECKING`` (a circle through type-only imports is still two modules that need each other).
An edge goes to the most specific module an import names: ``from simulator.pdu import gsm7`` points
at ``simulator.pdu.gsm7``, ``from simulator.pdu.fields import Reader`` at ``simulator.pdu.fields``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SIMULATOR = Path(__file__).resolve().parents[2] / "simulator"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SIMULATOR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SIMULATOR.rglob("*.py"))}


def _imported_names(name: str, path: Path) -> Iterator[str]:
    """Yield what each import of ``path`` names: ``a.b`` for ``from a import b``, relative ones resolved.

    ``from a import b`` yields ``a.b``; whether that is a module or a name inside ``a`` is decided by
    :func:`_most_specific`.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _most_specific(imported: str, modules: Mapping[str, Path]) -> str | None:
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported or None


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Return, for every simulator module, the simulator modules it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {_most_specific(imported, modules) for imported in _imported_names(name, path)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """Return one import circle as a path (first node repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        on_path.discard(path.pop())
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def package_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Collapse modules into their sub-package (``simulator.pdu``) or top-level module."""

    def unit(name: str) -> str:
        return ".".join(name.split(".")[:2])

    collapsed: dict[str, set[str]] = {}
    for source, targets in graph.items():
        if source == "simulator":  # the root __init__ re-exports everything; nothing imports it
            continue
        collapsed.setdefault(unit(source), set()).update(unit(t) for t in targets if unit(t) != unit(source))
    return collapsed


def test_the_graph_reader_sees_every_module_and_resolves_relative_imports() -> None:
    modules = _modules()
    assert {"simulator", "simulator.device.modem", "simulator.pdu.gsm7"} <= modules.keys()
    graph = import_graph(modules)
    assert "simulator.pdu.gsm7" in graph["simulator.pdu.encode"]  # via "from simulator.pdu import gsm7"
    assert "simulator.commands.base" in graph["simulator.commands.errors"]


def test_no_simulator_module_imports_the_gateway() -> None:
    offenders = sorted(
        f"{name}: {imported}"
        for name, path in _modules().items()
        for imported in _imported_names(name, path)
        if imported.split(".")[0] == "gsmgateway"
    )
    assert offenders == [], "the simulator must not share code with the gateway it tests"


def test_the_module_import_graph_has_no_cycle() -> None:
    assert find_cycle(import_graph(_modules())) is None


def test_the_sub_packages_import_each_other_in_one_direction() -> None:
    assert find_cycle(package_graph(import_graph(_modules()))) is None


def test_nothing_inside_imports_the_root_package() -> None:
    graph = import_graph(_modules())
    assert sorted(name for name, targets in graph.items() if "simulator" in targets) == []


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"b"}}, ["b", "b"]),
        ({"x": {"a"}, "a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
    ],
)
def test_the_cycle_finder_itself(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle
