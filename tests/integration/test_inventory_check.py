"""A run given an inventory that is not one of the project's environments stops at once."""

from __future__ import annotations

import pytest
from playbook_run import run_playbook

pytestmark = pytest.mark.slow

ENVS = "inventories/ci, inventories/dev, inventories/prod, inventories/staging, inventories/test"


@pytest.mark.parametrize(
    "playbook",
    ["site.yml", "phase1_platform.yml", "apps.yml", "rollback.yml", "seal.yml", "history.yml"],
)
def test_a_missing_inventory_names_the_environments(playbook: str) -> None:
    run = run_playbook(playbook, "-i", "inventories/nope")
    assert run.rc != 0
    assert "slipway_env is not set, so" in run.output
    assert "inventories/nope is not a Slipway environment" in run.output
    assert f"Give -i one of {ENVS}" in run.output
    assert "is undefined" not in run.output


def test_an_inventory_without_the_environment_settings_is_refused(tmp_path) -> None:
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    )
    run = run_playbook("phase2_data.yml", "-i", str(hosts))
    assert run.rc != 0
    assert f"{hosts} is not a Slipway environment" in run.output
