"""The app_deploy role: argument specs and defaults agree; inventories supply every input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.render

ROOT = Path(__file__).parents[2]
ROLE = ROOT / "roles" / "app_deploy"
SPECS = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
DEFAULTS: dict[str, Any] = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
ENVS = ("dev", "ci", "test", "staging", "prod")


def test_entry_points_have_task_files() -> None:
    assert set(SPECS) == {"main", "plan", "apply"}
    for entry in SPECS:
        assert (ROLE / "tasks" / f"{entry}.yml").is_file()


@pytest.mark.parametrize("entry", ["main", "plan", "apply"])
def test_specs_and_defaults_agree(entry: str) -> None:
    options = SPECS[entry]["options"]
    assert all(name.startswith("app_deploy_") for name in options)
    for name, spec in options.items():
        assert name in DEFAULTS, f"{name} has no default in defaults/main.yml"
        if "default" in spec:
            assert spec["default"] == DEFAULTS[name], name


def test_main_covers_every_default() -> None:
    assert set(SPECS["main"]["options"]) == set(DEFAULTS)
    assert set(SPECS["main"]["options"]) == set(SPECS["plan"]["options"]) | set(
        SPECS["apply"]["options"]
    )


@pytest.mark.parametrize("env", ENVS)
def test_inventory_supplies_the_shared_settings(env: str) -> None:
    group_vars = ROOT / "inventories" / env / "group_vars" / "all"
    # Every file Ansible loads for the environment, the common layer (00-common.yml) first.
    defined: dict[str, Any] = {}
    for path in sorted(group_vars.glob("*.yml")):
        defined.update(yaml.safe_load(path.read_text()) or {})
    text = (ROLE / "defaults" / "main.yml").read_text()
    used = {
        word.strip("{} |") for word in text.split() if word.strip("{} |").startswith("slipway_")
    }
    assert used <= set(defined), sorted(used - set(defined))
    profile = defined["slipway_resource_profile"]
    # Every service class has values for the environment's profile, every unit a known class.
    for service_class, profiles in DEFAULTS["app_deploy_service_classes"].items():
        assert profile in profiles, (service_class, profile)
    classes = defined["slipway_release_unit_classes"]
    assert set(classes.values()) <= set(DEFAULTS["app_deploy_service_classes"]), classes
    assert defined["slipway_release_default_class"] in DEFAULTS["app_deploy_service_classes"]
    assert set(defined["slipway_release_ingress"]) <= {"web", "api", "worker"}
