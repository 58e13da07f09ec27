"""host_prep's firewall opens the port of the flannel backend the environment runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[4]
# Role defaults are trusted templates, as Ansible takes them from a role.
DEFAULTS = {
    name: trust_as_template(value) if isinstance(value, str) else value
    for name, value in yaml.safe_load(
        (ROOT / "roles" / "host_prep" / "defaults" / "main.yml").read_text()
    ).items()
}


def resolved(name: str, **inventory: Any) -> Any:
    """Return a host_prep default templated with the role's defaults and the inventory's values."""
    templar = Templar(loader=DataLoader(), variables={**DEFAULTS, **inventory})
    return templar.template(DEFAULTS[name])


@pytest.mark.parametrize(
    ("backend", "udp_ports", "interfaces"),
    [
        ("vxlan", [8472], ["cni0", "flannel.1"]),
        ("wireguard-native", [51820, 51821], ["cni0", "flannel-wg", "flannel-wg-v6"]),
    ],
)
def test_node_ports_and_interfaces_follow_the_flannel_backend(
    backend: str, udp_ports: list[int], interfaces: list[str]
) -> None:
    inventory = {"slipway_k3s_flannel_backend": backend}
    assert resolved("host_prep_firewall_node_udp_ports", **inventory) == udp_ports
    assert resolved("host_prep_firewall_trusted_interfaces", **inventory) == interfaces


def test_without_a_backend_setting_the_firewall_is_vxlans() -> None:
    assert resolved("host_prep_firewall_node_udp_ports") == [8472]
