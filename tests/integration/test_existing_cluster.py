"""Bring your own cluster: phase 0's host and k3s steps end before any connection.

Every host is pointed at a closed port on loopback, so a play that tried to connect
would report it unreachable at once (and no packet leaves the machine).
"""

from __future__ import annotations

import pytest
from playbook_run import run_playbook

# Any connection attempt goes to a closed loopback port and fails fast.
_NOWHERE = ("-e", "ansible_host=127.0.0.1", "-e", "ansible_port=9")

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("playbook", "line"),
    [
        ("phase0/10_hosts.yml", "host preparation skipped on"),
        ("phase0/20_k3s.yml", "k3s install skipped on"),
    ],
)
def test_existing_cluster_skips_host_steps_without_connecting(playbook: str, line: str) -> None:
    run = run_playbook(
        playbook, "-i", "inventories/prod", "-e", "slipway_cluster_source=existing", *_NOWHERE
    )
    assert run.rc == 0, run.raw[-4000:]
    assert f"slipway_cluster_source is existing: {line} prod-1" in run.output
    assert "unreachable=1" not in run.output
    assert "changed=1" not in run.output


def test_unknown_cluster_source_is_refused_naming_the_field() -> None:
    run = run_playbook(
        "phase0/10_hosts.yml", "-i", "inventories/prod", "-e", "slipway_cluster_source=eks"
    )
    assert run.rc != 0
    assert "slipway_cluster_source must be k3s or existing, not eks" in run.output
