from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLE = Path(__file__).parents[4] / "roles" / "components"
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
SPECS = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def test_main_entry_point_documents_every_default() -> None:
    assert set(SPECS["main"]["options"]) == set(DEFAULTS)


@pytest.mark.parametrize("entry_point", sorted(SPECS))
def test_literal_defaults_agree_with_the_spec(entry_point: str) -> None:
    for name, option in SPECS[entry_point]["options"].items():
        assert name.startswith("components_"), name
        assert name in DEFAULTS, f"{entry_point}: {name} has no default in defaults/main.yml"
        if "default" in option:
            assert option["default"] == DEFAULTS[name], f"{entry_point}: {name}"


@pytest.mark.parametrize("entry_point", ["main", "plan", "apply", "artifacts"])
def test_every_tasks_from_entry_point_has_a_spec(entry_point: str) -> None:
    assert (ROLE / "tasks" / f"{entry_point}.yml").is_file()
    assert entry_point in SPECS
