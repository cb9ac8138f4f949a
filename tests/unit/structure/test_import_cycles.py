"""Issue 13: no module of the package imports one that imports it back, not even from inside a function."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "import_cycles.py"
spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
assert spec and spec.loader
import_cycles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_cycles)


def test_the_package_has_no_import_cycle():
    known = import_cycles.modules()
    graph = {name: import_cycles.imports_of(name, path, known) for name, path in known.items()}
    assert import_cycles.cycles(graph) == []


def test_a_cycle_through_a_function_level_import_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles.cycles(graph) == [["a", "b", "c"]]


def test_the_services_see_each_other_through_their_imports():
    known = import_cycles.modules()
    access = import_cycles.imports_of("subplane.services.access", known["subplane.services.access"], known)
    assert "subplane.services.group_roles" in access  # the edges the check walks are real ones
    groups = import_cycles.imports_of("subplane.services.management_groups",
                                      known["subplane.services.management_groups"], known)
    assert "subplane.services.access" in groups
