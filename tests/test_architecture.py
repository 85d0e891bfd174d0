"""The import graph of dongne has no cycle of any length, type-only imports
(``if TYPE_CHECKING:``) and function-local imports included. The layers are
checked by import-linter's contracts (pyproject.toml, `make lint`); this is the
stricter, module-by-module rule under them."""

from __future__ import annotations

import grimp


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each
    other (directly or through others), those of two modules or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def _one_cycle(graph: grimp.ImportGraph, group: set[str]) -> list[str]:
    """A concrete cycle through the group, for the failure message."""
    start = min(group)
    for imported in sorted(graph.find_modules_directly_imported_by(start)):
        if imported in group:
            back = graph.find_shortest_chain(importer=imported, imported=start)
            if back is not None:
                return [start, *back]
    return sorted(group)


def _report(graph: grimp.ImportGraph, groups: list[set[str]]) -> str:
    lines = []
    for group in groups:
        cycle = _one_cycle(graph, group)
        lines.append(f"{len(group)} modules import each other, e.g. " + " -> ".join(cycle))
        for module in sorted(group):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if imported in group:
                    details = graph.get_import_details(importer=module, imported=imported)
                    at = ", ".join(str(d["line_number"]) for d in details)
                    lines.append(f"    {module} -> {imported} (line {at})")
    return "\n".join(lines)


def test_the_import_graph_has_no_cycle() -> None:
    graph = grimp.build_graph("dongne", exclude_type_checking_imports=False, cache_dir=None)
    assert len(graph.modules) > 100  # the whole package was read
    groups = _strongly_connected(graph)
    assert not groups, "import cycles:\n" + _report(graph, groups)


def test_a_cycle_is_found_and_named() -> None:
    """The check itself: a graph with a three-module loop fails it, by name."""
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b", line_number=1, line_contents="import p.b")
    graph.add_import(importer="p.b", imported="p.c", line_number=1, line_contents="import p.c")
    graph.add_import(importer="p.c", imported="p.a", line_number=7, line_contents="import p.a")
    graph.add_import(importer="p.d", imported="p.a", line_number=1, line_contents="import p.a")
    groups = _strongly_connected(graph)
    assert groups == [{"p.a", "p.b", "p.c"}]
    assert _one_cycle(graph, groups[0]) == ["p.a", "p.b", "p.c", "p.a"]
    assert "p.c -> p.a (line 7)" in _report(graph, groups)
