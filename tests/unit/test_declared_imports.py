"""Every package that code under flows/ imports is declared in pyproject.toml's dependencies."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    return {
        _normalise(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0])
        for spec in project["dependencies"]
    }


def _imported_modules(folder: Path) -> dict[str, set[str]]:
    """Top-level module name -> the files under ``folder`` importing it (absolute imports)."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(folder)))
    return found


def undeclared_imports(folder: Path) -> dict[str, list[str]]:
    """Packages imported under ``folder`` that no declared dependency provides."""
    distributions = packages_distributions()
    declared = _declared()
    undeclared = {}
    for module, files in _imported_modules(folder).items():
        if module in sys.stdlib_module_names or module in ("flows", "__future__"):
            continue
        if not {_normalise(d) for d in distributions.get(module, [])} & declared:
            undeclared[module] = sorted(files)
    return undeclared


def test_flows_imports_only_declared_packages():
    assert undeclared_imports(PROJECT_DIR / "flows") == {}


def test_the_check_finds_a_package_that_comes_only_through_another(tmp_path):
    # psycopg2 is installed (dbt-postgres needs it) but not declared: importing it is found;
    # a declared package, the standard library and the project itself are not
    (tmp_path / "mod.py").write_text(
        "from psycopg2.extensions import parse_dsn\nimport json\nimport polars\n"
        "from flows import datasets\n"
    )
    assert undeclared_imports(tmp_path) == {"psycopg2": ["mod.py"]}
