"""Wall time of playbooks/etcd_snapshot.yml: snapshot on the first server, copy to the controller.

One local test host (tests/testhosts) runs the k3s stand-in with embedded etcd, so the
snapshot is the stand-in's size (a few hundred bytes: it keeps no real etcd data); the
time is Ansible's and SSH's, not etcd's. Without test hosts (no podman, or the test-host
tool cannot list labs) it prints why and skips.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_k3s import ROOT, TESTHOSTS, _run, lab_inventory, serve_release, tear_down

PLAYBOOK = ROOT / "playbooks/etcd_snapshot.yml"
INSTALL = ROOT / "playbooks/phase0/20_k3s.yml"
RUNS = 3


def unavailable() -> str:
    """Return why test hosts cannot be used here, or '' when they can."""
    if shutil.which("podman") is None:
        return "podman is not installed"
    listed = subprocess.run(
        [sys.executable, str(TESTHOSTS), "list"], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        return f"tests/testhosts/testhosts.py list failed: {listed.stderr.strip()[-300:]}"
    return ""


def _play(inventory: Path, playbook: Path) -> float:
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    start = time.monotonic()
    _run(["ansible-playbook", "-i", str(inventory), str(playbook)], env=env)
    return time.monotonic() - start


def main() -> None:
    reason = unavailable()
    if reason:
        print(f"bench_etcd_snapshot: skipped, no test hosts: {reason}")
        return
    lab = "bench-etcd"
    (ROOT / ".testhosts").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / ".testhosts") as tmp:
        work = Path(tmp)
        try:
            inventory, gateway = lab_inventory(
                lab, work, 1, extra_vars={"slipway_k3s_embedded_etcd": True}
            )
            serve_release(work, gateway)
            _play(inventory, INSTALL)
            times = [_play(inventory, PLAYBOOK) for _ in range(RUNS)]
            copies = (work / "state/etcd-snapshots").glob("on-demand-*")
            sizes = [p.stat().st_size for p in copies if p.suffix != ".sha256"]
        finally:
            tear_down(lab, work)
    row = {
        "runs": RUNS,
        "snapshot_bytes": max(sizes, default=0),
        "median_s": round(statistics.median(times), 1),
        "max_s": round(max(times), 1),
    }
    print(f"{'runs':>4}  {'snapshot (bytes)':>16}  {'median (s)':>10}  {'slowest (s)':>11}")
    print(
        f"{row['runs']:>4}  {row['snapshot_bytes']:>16}  {row['median_s']:>10.1f}  "
        f"{row['max_s']:>11.1f}"
    )
    print(json.dumps([row]))


if __name__ == "__main__":
    main()
