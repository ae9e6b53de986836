"""The import graph of ``gsmgateway``: no circle, and no arrow from a lower layer to a higher one.

Every module's imports are read with :mod:`ast` (not by importing it, so a lazy import inside a
function counts as much as one at the top). The layer table below is this test's own, written from
docs/architecture.md, not derived from the code: a new module must be placed in it by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "gsmgateway"

ENTRY, DRIVERS, USE_CASES, SERVICES, CORE = 5, 4, 3, 2, 1

#: Module name (or package prefix) → layer. The longest matching prefix wins.
LAYERS: dict[str, int] = {
    "gsmgateway": CORE,  # the package itself: __version__ only
    "gsmgateway.__main__": ENTRY,
    "gsmgateway.cli": ENTRY,
    "gsmgateway.app": ENTRY,
    "gsmgateway.demo": ENTRY,
    "gsmgateway.admin_commands": ENTRY,
    "gsmgateway.wiring": ENTRY,
    "gsmgateway.configcheck": ENTRY,
    "gsmgateway.logsetup": ENTRY,
    "gsmgateway.heap": ENTRY,
    "gsmgateway.storewatch": ENTRY,
    "gsmgateway.metrics": ENTRY,
    "gsmgateway.status_report": ENTRY,
    "gsmgateway.systemd": ENTRY,
    "gsmgateway.api": DRIVERS,
    "gsmgateway.scheduler": DRIVERS,
    "gsmgateway.messages.worker": DRIVERS,
    "gsmgateway.messages.inbound_runner": DRIVERS,
    "gsmgateway.messages.webhook_dispatcher": DRIVERS,
    "gsmgateway.messages": USE_CASES,
    "gsmgateway.store": SERVICES,
    "gsmgateway.directory": SERVICES,
    "gsmgateway.modem": SERVICES,
    "gsmgateway.core": CORE,
}

#: Packages of one layer that may use each other, and in which direction (all others may not).
SIDEWAYS_ALLOWED = {("gsmgateway.directory", "gsmgateway.store")}
SIDEWAYS_CHECKED = ("gsmgateway.store", "gsmgateway.directory", "gsmgateway.modem")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Yield every ``gsmgateway`` module ``path`` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        yield from (t for t in targets if t == "gsmgateway" or t.startswith("gsmgateway."))


def layer_of(name: str) -> int:
    matches = [prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")]
    if not matches:
        raise AssertionError(f"{name} is in no layer: add it to LAYERS (and to docs/architecture.md)")
    return LAYERS[max(matches, key=len)]


def package_of(name: str) -> str | None:
    return next((p for p in SIDEWAYS_CHECKED if name == p or name.startswith(p + ".")), None)


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {target for target in imported(path, name, known) if target != name}
    return graph


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for source, targets in graph.items():
        for target in targets:
            low, high = layer_of(source), layer_of(target)
            if high > low:
                found.append(f"{source} (layer {low}) imports {target} (layer {high})")
            mine, theirs = package_of(source), package_of(target)
            if mine and theirs and mine != theirs and (mine, theirs) not in SIDEWAYS_ALLOWED:
                found.append(f"{source} imports {target}: {mine} may not use {theirs}")
    return sorted(found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    for name in all_modules():
        layer_of(name)


def test_no_module_imports_from_a_higher_layer() -> None:
    assert upward_imports(import_graph()) == []


def test_the_import_graph_has_no_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_reader_sees_lazy_and_relative_imports() -> None:
    """The checks are only as good as the parser: an import inside a function is still an arrow."""
    graph = import_graph()
    assert "gsmgateway.admin_commands" in graph["gsmgateway.cli"]  # imported inside a function
    assert "gsmgateway.api.handlers_sms" in graph["gsmgateway.api.routes"]  # ``from pkg import module``


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_circles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_an_upward_or_sideways_arrow_is_reported() -> None:
    graph = {
        "gsmgateway.core.models": {"gsmgateway.store.db"},
        "gsmgateway.modem.driver": {"gsmgateway.store.db"},
        "gsmgateway.directory.service": {"gsmgateway.store.db"},
    }
    assert upward_imports(graph) == [
        "gsmgateway.core.models (layer 1) imports gsmgateway.store.db (layer 2)",
        "gsmgateway.modem.driver imports gsmgateway.store.db: gsmgateway.modem may not use gsmgateway.store",
    ]
