"""List the imports among ketenzicht modules that break the layering: every import from a lower app to a
higher one, and every import circle. Module-level imports and imports inside functions both count
(imports under `if TYPE_CHECKING:` too: they are still an arrow between modules).

Usage: python scripts/import_graph.py [--root ketenzicht]

Output, one finding a line, sorted:
    up      ketenzicht.registrations.forms -> ketenzicht.web.forms   (registrations < web)
    circle  ketenzicht.patterns.labels -> ketenzicht.patterns.services -> ... -> ketenzicht.patterns.labels

The layers (bottom first) are LAYERS below; a module's layer is that of its app (the second part of its
name). An import within one app, or to an app on the same floor, is not "up". Exit status 1 when anything is
found, 0 otherwise. `tests/test_layering.py` uses `find_upward` and `find_circles`.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "ketenzicht"

# Bottom to top. Apps on one floor may import each other (but circles are still reported).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("formats", "console", "db", "datafile", "ui"),  # ground floor: no domain knowledge
    ("organisations",),
    ("audit",),
    ("accounts",),  # the functional administrator's user management: organisations' writes, logged
    ("signin",),  # the second factor and login by an identity provider: logs to the access log
    ("registrations",),
    ("persons",),
    ("linking",),
    ("patterns",),
    ("workprocesses",),  # the case kernel: above the data, below the desks
    ("dossiers",),
    ("measures",),  # protective measures and breaches: below the desks that impose them
    ("screening",),
    ("veiligthuis",),  # the Veilig Thuis desk: takes the screening desk's notifications
    ("prosecution",),  # the ZSM table and the prosecutors: take the police's files and VT's information
    ("insights",),  # figures counted from every desk below, published without names
    ("intake",),
    ("demo", "retention"),  # retention: purges the register and recomputes what remains
    ("web",),
    ("api",),
)


def layer_of(module: str) -> int | None:
    """The floor of a ketenzicht module (None for `ketenzicht` itself or an app not in LAYERS)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != PACKAGE:
        return None
    for floor, apps in enumerate(LAYERS):
        if parts[1] in apps:
            return floor
    return None


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_modules(root: Path) -> dict[str, Path]:
    """Every Python module under `root`, by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(module: str, path: Path, modules: Iterable[str]) -> set[str]:
    """The ketenzicht modules `module` imports anywhere in its file. `from a.b import c` counts as an
    import of `a.b.c` when that is a module, else of `a.b`."""
    known = set(modules)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def nearest(name: str) -> str | None:
        parts = name.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in known:
                return candidate
            parts.pop()
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE and (hit := nearest(alias.name)):
                    found.add(hit)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                source = _resolve_relative(module, is_package, node.level, node.module)
            else:
                source = node.module or ""
            if source.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                hit = sub if sub in known else nearest(source)
                if hit:
                    found.add(hit)
    found.discard(module)
    return found


def build_graph(root: Path) -> dict[str, set[str]]:
    modules = collect_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


@dataclass(frozen=True, order=True)
class Upward:
    source: str
    target: str

    def __str__(self) -> str:
        return f"up      {self.source} -> {self.target}   ({app_of(self.source)} < {app_of(self.target)})"


def find_upward(graph: dict[str, set[str]]) -> list[Upward]:
    found = []
    for source, targets in graph.items():
        low = layer_of(source)
        if low is None:
            continue
        for target in targets:
            high = layer_of(target)
            if high is not None and high > low:
                found.append(Upward(source, target))
    return sorted(found)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def _shortest_cycle(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """A shortest cycle through the first member, staying inside the component."""
    inside = set(members)
    start = members[0]
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in inside:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in seen:
                    seen.add(child)
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start, start]


@dataclass(frozen=True, order=True)
class Circle:
    members: tuple[str, ...]
    example: tuple[str, ...]

    def __str__(self) -> str:
        text = "circle  " + " -> ".join(self.example)
        if len(self.members) + 1 > len(self.example):
            text += f"   (component of {len(self.members)}: {', '.join(self.members)})"
        return text


def find_circles(graph: dict[str, set[str]]) -> list[Circle]:
    return [
        Circle(tuple(members), tuple(_shortest_cycle(graph, members)))
        for members in _strongly_connected(graph)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent / PACKAGE))
    args = parser.parse_args(argv)
    graph = build_graph(Path(args.root))
    upward = find_upward(graph)
    circles = find_circles(graph)
    for item in upward:
        print(item)
    for circle in circles:
        print(circle)
    print(f"# {len(graph)} modules, {len(upward)} upward imports, {len(circles)} circles")
    return 1 if upward or circles else 0


if __name__ == "__main__":
    sys.exit(main())
