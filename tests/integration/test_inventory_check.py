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


def test_an_inventory_of_its_own_passes_without_the_domain_rule(tmp_path) -> None:
    """An inventory that sets slipway_env but not the project's common layer (molecule's
    labs) is checked for the environment only: it produces no host of the project's."""
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(
        "all:\n  vars:\n    slipway_env: lab\n  hosts:\n    localhost:\n"
        "      ansible_connection: local\n"
        "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    )
    run = run_playbook("inventory_check.yml", "-i", str(hosts))
    assert run.rc == 0, run.output
    assert "is undefined" not in run.output
