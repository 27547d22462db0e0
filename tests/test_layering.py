"""Imports point down and run in no circle: `scripts/import_graph.py` over the whole package, with a small
allow-list whose every entry says why it may stay."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


import_graph = _load_script()

# (importer, imported) -> why it may point up.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

# Sorted members of one circle -> why it may stay.
ALLOWED_CIRCLES: dict[tuple[str, ...], str] = {}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    built: dict[str, set[str]] = import_graph.build_graph(ROOT / "ketenzicht")
    return built


def test_no_import_points_up(graph: dict[str, set[str]]) -> None:
    found = {(u.source, u.target) for u in import_graph.find_upward(graph)}
    assert sorted(found - ALLOWED_UPWARD.keys()) == []


def test_no_import_circle(graph: dict[str, set[str]]) -> None:
    found = {c.members for c in import_graph.find_circles(graph)}
    assert sorted(found - ALLOWED_CIRCLES.keys()) == []


def test_allow_list_holds_only_what_still_happens(graph: dict[str, set[str]]) -> None:
    upward = {(u.source, u.target) for u in import_graph.find_upward(graph)}
    circles = {c.members for c in import_graph.find_circles(graph)}
    assert sorted(ALLOWED_UPWARD.keys() - upward) == []
    assert sorted(ALLOWED_CIRCLES.keys() - circles) == []


def test_every_app_has_a_floor() -> None:
    apps = {p.parent.name for p in (ROOT / "ketenzicht").glob("*/apps.py")}
    assert sorted(a for a in apps if import_graph.layer_of(f"ketenzicht.{a}") is None) == []


def test_the_script_sees_an_upward_import_and_a_circle(tmp_path: Path) -> None:
    package = tmp_path / "ketenzicht"
    for name in ("organisations", "web"):
        (package / name).mkdir(parents=True)
        (package / name / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "organisations" / "a.py").write_text(
        "def f():\n    from ketenzicht.web import shell\n    from . import b\n"
    )
    (package / "organisations" / "b.py").write_text("from .a import f\n")
    (package / "web" / "shell.py").write_text("from ketenzicht.organisations.a import f\n")
    graph = import_graph.build_graph(package)
    assert [(u.source, u.target) for u in import_graph.find_upward(graph)] == [
        ("ketenzicht.organisations.a", "ketenzicht.web.shell")
    ]
    assert [c.members for c in import_graph.find_circles(graph)] == [
        ("ketenzicht.organisations.a", "ketenzicht.organisations.b", "ketenzicht.web.shell")
    ]
