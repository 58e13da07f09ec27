"""Component plan timing: the real plan path per inventory, and how the core scales.

Run from the repository root with the project venv:
    .venv/bin/python bench/bench_component_plan.py [--repeat 3] [--sizes 10,100,1000]

1. End to end: `ansible-playbook playbooks/phase1_platform.yml -i inventories/<env>
   --tags plan` (Ansible start-up, templating of the catalog, merge, order, files),
   for one inventory at a time and for all five in a row. No chart archives, so no
   helm rendering (that cost is per release and paid only in air-gap mode).
2. The pure core (merge of three layers, validation, ordering, file contents and
   writing to a temporary folder) on synthetic catalogs of N entries, each
   depending on up to three earlier ones and on a CRD of an operator.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ENVS = ("dev", "ci", "test", "staging", "prod")


def core() -> Any:
    """Import the plan core from this checkout (the collection path is .collections)."""
    sys.path.insert(0, str(REPO / ".collections"))
    return importlib.import_module(
        "ansible_collections.slipway.platform.plugins.module_utils.component_plan"
    )


def tool_env(build: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{REPO / '.tools' / 'bin'}:{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["SLIPWAY_BUILD_DIR"] = build
    return env


def plan_once(env_name: str, build: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            "ansible-playbook",
            "playbooks/phase1_platform.yml",
            "-i",
            f"inventories/{env_name}",
            "--tags",
            "plan",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        env=tool_env(build),
    )
    return time.perf_counter() - start


def synthetic(size: int) -> list[dict[str, Any]]:
    """Three layers of a catalog with size entries in four phases."""
    defaults: dict[str, Any] = {
        "operator": {
            "phase": 0,
            "namespace": "platform",
            "chart": "operator",
            "version": "1.0.0",
            "repo": "https://charts.example.com",
            "provides_crds": ["things.example.com"],
        }
    }
    for index in range(1, size):
        phase = min(3, index * 4 // size)
        earlier = [
            f"c{dep}" for dep in range(max(1, index - 3), index) if min(3, dep * 4 // size) <= phase
        ]
        defaults[f"c{index}"] = {
            "phase": phase,
            "namespace": "data",
            "chart": f"chart{index}",
            "version": "1.2.3",
            "repo": "https://charts.example.com",
            "depends_on": earlier,
            "crds": ["things.example.com"],
            "values": {"replicas": 1, "resources": {"requests": {"cpu": "50m"}}, "list": [1, 2, 3]},
        }
    environment = {f"c{index}": {"values": {"replicas": 2}} for index in range(1, size, 2)}
    override = {f"c{index}": {"values": {"list": {"+append": [4]}}} for index in range(1, size, 5)}
    return [defaults, environment, override]


def time_core(module: Any, size: int, repeat: int) -> tuple[float, float]:
    """Return (best seconds to plan, best seconds to plan and write files)."""
    layers = synthetic(size)
    plan_times, write_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        plan = module.build_plan(layers, "bench")
        files = module.plan_files(plan)
        plan_times.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as folder:
            module.sync_files(folder, files, check_mode=False)
            write_times.append(time.perf_counter() - start)
        assert len(plan.releases) == size
    return min(plan_times), min(write_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="10,100,1000")
    options = parser.parse_args()

    print("End to end (ansible-playbook --tags plan, median of runs):")
    print(f"{'inventory':<12}{'seconds':>10}")
    with tempfile.TemporaryDirectory() as build:
        per_env = {
            name: statistics.median(plan_once(name, build) for _ in range(options.repeat))
            for name in ENVS
        }
        for name, seconds in per_env.items():
            print(f"{name:<12}{seconds:>10.2f}")
        total = statistics.median(
            sum(plan_once(name, build) for name in ENVS) for _ in range(options.repeat)
        )
        print(f"{'all five':<12}{total:>10.2f}")

    module = core()
    print()
    print("Core (merge 3 layers + validate + order + file contents; best of runs):")
    print(f"{'components':>10}{'plan ms':>12}{'+ write ms':>12}{'us/comp':>10}")
    for size in (int(item) for item in options.sizes.split(",")):
        plan_s, write_s = time_core(module, size, options.repeat)
        print(
            f"{size:>10}{plan_s * 1000:>12.1f}{write_s * 1000:>12.1f}{plan_s * 1e6 / size:>10.0f}"
        )


if __name__ == "__main__":
    main()
