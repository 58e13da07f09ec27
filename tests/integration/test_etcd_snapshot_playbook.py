"""playbooks/etcd_snapshot.yml: what it refuses and what check mode does, before any host.

The project's inventories name hosts that are not reachable here, so a run that
tried to reach one would show it unreachable in the recap. The snapshot and
the copy themselves run in the molecule scenario k3s_ha.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playbook_run import run_playbook

pytestmark = pytest.mark.slow


def test_refused_on_a_sqlite_cluster(tmp_path: Path) -> None:
    run = run_playbook(
        "etcd_snapshot.yml", "-i", "inventories/ci", "-e", f"slipway_state_dir={tmp_path}"
    )
    assert run.rc != 0
    assert "ci runs k3s on SQLite" in run.output, run.raw[-3000:]
    assert "which has no etcd to snapshot; nothing was touched" in run.output
    assert run.unreachable == 0
    assert "ci-1" not in run.raw.split("PLAY RECAP")[-1]


def test_check_mode_takes_no_snapshot(tmp_path: Path) -> None:
    run = run_playbook(
        "etcd_snapshot.yml",
        "-i",
        "inventories/staging",
        "--check",
        "-e",
        f"slipway_state_dir={tmp_path}",
    )
    assert run.rc == 0, run.raw[-3000:]
    assert "check mode: no snapshot taken and nothing copied" in run.output
    recap = re.search(r"staging-1\s*:\s*ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", run.raw)
    assert recap is not None, run.raw[-3000:]
    assert not (tmp_path / "etcd-snapshots").exists()
