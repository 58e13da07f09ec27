"""Pure parts of the test-host tool: addresses, recipe hash, argument checks."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("testhosts", HERE / "testhosts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["testhosts"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("subnet", "names", "addresses"),
    [
        (
            "10.89.10.0/24",
            ["dev-1", "dev-2", "dev-3"],
            ["10.89.10.11", "10.89.10.12", "10.89.10.13"],
        ),
        ("10.89.42.0/24", ["server1"], ["10.89.42.11"]),
    ],
)
def test_fixed_addresses(
    tool: ModuleType, subnet: str, names: list[str], addresses: list[str]
) -> None:
    hosts = tool.lab_hosts("lab", names, ipaddress.IPv4Network(subnet))
    assert [h.address for h in hosts] == addresses
    assert [h.container for h in hosts] == [f"lab.{n}" for n in names]


def test_dev_inventory_matches_the_lab(tool: ModuleType) -> None:
    inventory = (HERE.parents[1] / "inventories/dev/hosts.yml").read_text()
    for host in tool.lab_hosts(
        "dev", ["dev-1", "dev-2", "dev-3"], ipaddress.IPv4Network("10.89.10.0/24")
    ):
        assert f"{host.name}:\n              ansible_host: {host.address}" in inventory


def test_recipe_hash_is_stable_and_short(tool: ModuleType) -> None:
    assert tool.recipe_hash() == tool.recipe_hash()
    assert len(tool.recipe_hash()) == 12


@pytest.mark.parametrize(
    "argv", [["create", "--lab", "x", "--count", "0"], ["create", "--lab", "x", "--count", "99"]]
)
def test_count_bounds(
    tool: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert tool.main(argv) == 2
    assert "--count: give 1 to 40 hosts" in capsys.readouterr().err


@pytest.mark.parametrize(
    "container",
    [
        {"State": "running", "Pid": 0},
        {"State": "running"},
        # A live process that is not a host's systemd: the PID was reused.
        {"State": "running", "Pid": os.getpid()},
        {"State": "running", "Pid": 2**22 + 1},
    ],
)
def test_running_without_systemd_is_not_alive(
    tool: ModuleType, container: dict[str, object]
) -> None:
    """podman's state can outlive the container's process (a restarted machine)."""
    assert tool._alive(container) is False
