"""Wall time of playbooks/phase0/20_k3s.yml: first run on 3 hosts, no-change re-run on 1, 3, 6.

Each lab is local test hosts (tests/testhosts) with one server and the rest agents; the
k3s binary is the stand-in of tests/standins/k3s, downloaded over HTTP from the
controller with checksum verification, as the real release would be.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTHOSTS = ROOT / "tests/testhosts/testhosts.py"
RELEASE = ROOT / "tests/standins/k3s/release.py"
PLAYBOOK = ROOT / "playbooks/phase0/20_k3s.yml"
VERSION = "v1.34.9+k3s1"
PORT = 18090


def _run(argv: list[str], env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[:4])} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


def lab_inventory(
    lab: str, work: Path, count: int, extra_vars: dict[str, object] | None = None
) -> tuple[Path, str]:
    """Create COUNT hosts (one server, the rest agents); return the inventory and gateway."""
    created = json.loads(
        _run(
            [
                sys.executable,
                str(TESTHOSTS),
                "create",
                "--lab",
                lab,
                "--count",
                str(count),
                "--json",
            ]
        )
    )
    hosts = created["instances"]
    gateway = re.sub(r"\.\d+$", ".1", hosts[0]["address"])
    known = created["known_hosts"]
    key = hosts[0]["identity_file"]

    def entry(h: dict[str, str]) -> dict[str, str]:
        return {"ansible_host": h["address"]}

    inventory = {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": key,
                "ansible_ssh_common_args": (
                    f"-o UserKnownHostsFile={known} -o StrictHostKeyChecking=yes"
                ),
                "slipway_env": lab,
                "slipway_k3s_version": VERSION,
                "slipway_k3s_token": "",
                "slipway_k3s_cluster_cidr": "10.42.0.0/16",
                "slipway_k3s_service_cidr": "10.43.0.0/16",
                "slipway_state_dir": str(work / "state"),
                "slipway_kubeconfig": str(work / "state/kubeconfig"),
                "slipway_missing_cluster_action": "fail",
                "slipway_airgap_dir": "",
                "slipway_k3s_release_url": f"http://{gateway}:{PORT}",
                "slipway_k3s_service_limits": {"LimitNOFILE": 20000, "LimitNPROC": 32768},
                **(extra_vars or {}),
            },
            "children": {
                "k3s_cluster": {
                    "children": {
                        "k3s_servers": {"hosts": {hosts[0]["instance"]: entry(hosts[0])}},
                        "k3s_agents": {"hosts": {h["instance"]: entry(h) for h in hosts[1:]}},
                    }
                }
            },
        }
    }
    path = work / "hosts.json"
    path.write_text(json.dumps(inventory))
    return path, gateway


def serve_release(work: Path, gateway: str) -> None:
    """Build the k3s stand-in release under WORK and serve it to the lab from GATEWAY."""
    _run([sys.executable, str(RELEASE), "build", "--out", str(work / "rel"), "--version", VERSION])
    _run(
        [
            sys.executable,
            str(RELEASE),
            "serve",
            "--root",
            str(work / "rel/k3s"),
            "--bind",
            gateway,
            "--port",
            str(PORT),
            "--pidfile",
            str(work / "pid"),
            "--lifetime",
            "1800",
        ]
    )


def tear_down(lab: str, work: Path) -> None:
    """Stop the release server and destroy the lab's hosts."""
    if (work / "pid").exists():
        _run([sys.executable, str(RELEASE), "stop", "--pidfile", str(work / "pid")])
    _run([sys.executable, str(TESTHOSTS), "destroy", "--lab", lab])


def _play(inventory: Path) -> tuple[float, dict[str, int]]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
    }
    start = time.monotonic()
    out = _run(["ansible-playbook", "-i", str(inventory), str(PLAYBOOK)], env=env)
    took = time.monotonic() - start
    stats = json.loads(out)["stats"]
    return took, {host: s["changed"] for host, s in stats.items()}


def main() -> None:
    rows = []
    for count in (1, 3, 6):
        lab = f"bench-k3s{count}"
        with tempfile.TemporaryDirectory(dir=ROOT / ".testhosts") as tmp:
            work = Path(tmp)
            try:
                inventory, gateway = lab_inventory(lab, work, count)
                serve_release(work, gateway)
                first, _ = _play(inventory)
                again, again_changed = _play(inventory)
                if any(again_changed.values()):
                    raise SystemExit(f"re-run on {count} hosts changed something: {again_changed}")
                rows.append(
                    {"hosts": count, "first_s": round(first, 1), "rerun_s": round(again, 1)}
                )
            finally:
                tear_down(lab, work)
    print(f"{'hosts':>5}  {'first run (s)':>13}  {'no-change re-run (s)':>20}")
    for r in rows:
        print(f"{r['hosts']:>5}  {r['first_s']:>13.1f}  {r['rerun_s']:>20.1f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
