"""Every role's argument spec is its contract: names, entry points and defaults agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"
ALL_ROLES = sorted(p.name for p in ROLES.iterdir() if (p / "tasks").is_dir())


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text()) if path.is_file() else {}


def _defaults(role: str) -> dict[str, Any]:
    found: dict[str, Any] = dict(_load(ROLES / role / "defaults" / "main.yml") or {})
    for part in sorted((ROLES / role / "defaults" / "main").glob("*.yml")):
        found.update(_load(part) or {})
    return found


@pytest.mark.parametrize("role", ALL_ROLES)
def test_entry_points_have_task_files(role: str) -> None:
    specs = _load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]
    assert "main" in specs or not (ROLES / role / "tasks" / "main.yml").is_file()
    for entry_point in specs:
        assert (ROLES / role / "tasks" / f"{entry_point}.yml").is_file(), entry_point


@pytest.mark.parametrize("role", ALL_ROLES)
def test_spec_and_defaults_agree(role: str) -> None:
    specs = _load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]
    defaults = _defaults(role)
    documented: set[str] = set()
    for entry_point, spec in specs.items():
        for name, option in (spec.get("options") or {}).items():
            assert name.startswith(f"{role}_"), f"{entry_point}: {name} lacks the role prefix"
            documented.add(name)
            if name not in defaults:
                continue
            value = defaults[name]
            if "default" in option and "{{" not in str(value):
                assert option["default"] == value, f"{entry_point}: {name} spec and defaults differ"
    undocumented = sorted(set(defaults) - documented)
    assert undocumented == [], f"defaults without a spec entry: {undocumented}"
