from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROLES = Path(__file__).parents[4] / "roles"
ENTRY_POINTS = {"sealing_keys": ["cert_fetch", "backup", "restore"], "sealing_secrets": ["main"]}


def _load(role: str, *parts: str) -> Any:
    return yaml.safe_load((ROLES / role).joinpath(*parts).read_text())


@pytest.mark.parametrize("role", sorted(ENTRY_POINTS))
def test_every_default_is_documented_and_literal_defaults_agree(role: str) -> None:
    defaults = _load(role, "defaults", "main.yml")
    specs = _load(role, "meta", "argument_specs.yml")["argument_specs"]
    assert sorted(specs) == sorted(ENTRY_POINTS[role])
    documented: set[str] = set()
    for entry_point, spec in specs.items():
        assert (ROLES / role / "tasks" / f"{entry_point}.yml").is_file()
        for name, option in spec["options"].items():
            assert name.startswith(f"{role}_"), name
            assert name in defaults, f"{entry_point}: {name} has no default"
            documented.add(name)
            if "default" in option:
                assert option["default"] == defaults[name], f"{entry_point}: {name}"
            else:
                assert "{{" in str(defaults[name]), f"{entry_point}: {name} needs a spec default"
    assert documented == set(defaults)


def test_declaration_defaults_agree_with_the_spec() -> None:
    entry = _load("sealing_secrets", "meta", "argument_specs.yml")["argument_specs"]["main"]
    options = entry["options"]["sealing_secrets_list"]["options"]
    filled = _load("sealing_secrets", "vars", "main.yml")["sealing_secrets_entry_defaults"]
    assert filled == {k: v["default"] for k, v in options.items() if "default" in v}
