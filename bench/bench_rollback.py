"""Rollback timing: the controller-side path of playbooks/rollback.yml, against the stand-in.

Run from the repository root with the project venv:
    .venv/bin/python bench/bench_rollback.py [--releases 1,10] [--wait 0,3]

No cluster exists here, so helm and the API server are the stand-ins in
tests/standins/helm_cluster/; everything else is real (ansible-playbook, the
cluster_check and release_history roles, the modules, kubernetes.core over HTTP).
`--wait` makes each stand-in `helm rollback` take that many seconds, as helm's
`--wait` does while pods become ready: the apps rollback runs the releases in
parallel, so the phase costs about one wait, not one per release. On a real
cluster add the slowest release's readiness time to these numbers.

1. `-e apps=previous` for N releases, then the same again (no change).
2. `-e helm_release=NAME` for one release, and `-e component=vault`, whose release
   and namespace the component planner resolves from the catalog (the difference
   between the two rows is that resolution).
3. The pure decision (parse `helm history -o json` of 256 revisions and plan).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
STANDIN = REPO / "tests" / "standins" / "helm_cluster"
FIXTURE = REPO / "tests" / "fixtures" / "helm" / "history_upgraded.json"


def load(path: Path, name: str) -> ModuleType:
    """Import a module from a file path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def history_core() -> Any:
    """Import the release history and rollback cores from this checkout."""
    sys.path.insert(0, str(REPO / ".collections"))
    base = "ansible_collections.slipway.platform.plugins.module_utils"
    return (
        importlib.import_module(f"{base}.release_history"),
        importlib.import_module(f"{base}.helm_rollback"),
    )


def seed(work: Path, store: Any, releases: int, wait: float) -> None:
    """Give the stand-ins N releases at revision 3 and two bundle records (revisions 2, 3)."""
    history, _ = history_core()
    names = [f"app{index:02d}" for index in range(releases)]
    for namespace, name in [("apps", name) for name in names] + [("platform", "vault")]:
        path = work / "helm" / namespace / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        revisions = json.loads(FIXTURE.read_text())
        path.write_text(json.dumps({"revisions": revisions, "delay_seconds": wait}))
    store.objects[("namespaces", "", "platform")] = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "platform"},
    }
    for bundle, time_, revision in (
        ("b1", "2026-01-01T00:00:00Z", 2),
        ("b2", "2026-01-02T00:00:00Z", 3),
    ):
        refs = [
            {
                "name": name,
                "namespace": "apps",
                "chart": "slipway-app",
                "chart_version": "1.4.2",
                "revision": revision,
            }
            for name in names
        ]
        record = history.new_record("bundle", bundle, refs, bundle=None, action="deploy", now=time_)
        configmap = history.to_configmap(record, "platform")
        store.objects[("configmaps", "platform", configmap["metadata"]["name"])] = configmap


def play(work: Path, *extra: str) -> tuple[float, str]:
    """Run rollback.yml against the stand-ins; return seconds and the recap line."""
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(STANDIN), str(REPO / ".venv" / "bin"), os.environ["PATH"]]),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "SLIPWAY_HELM_STANDIN_STATE": str(work / "helm"),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [
            "ansible-playbook",
            "playbooks/rollback.yml",
            "-i",
            "inventories/ci",
            "-e",
            f"slipway_state_dir={work / 'state'}",
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    recap = [line for line in done.stdout.splitlines() if line.startswith("localhost")]
    if done.returncode != 0:
        sys.exit(f"rollback.yml failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return seconds, " ".join(recap[-1].split()[2:4]) if recap else "?"


def bench_playbook(releases: int, wait: float) -> list[tuple[str, float, str]]:
    """Time an apps rollback, its re-run and a component rollback on fresh stand-ins."""
    apiserver = load(STANDIN / "apiserver.py", "slipway_apiserver_standin")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, store = apiserver.serve()
        try:
            (work / "state").mkdir()
            (work / "state" / "kubeconfig").write_text(apiserver.kubeconfig(server))
            seed(work, store, releases, wait)
            label = f"apps=previous, {releases} releases, wait {wait:g}s"
            seconds, recap = play(work, "-e", "apps=previous")
            rows.append((label, seconds, recap))
            seconds, recap = play(work, "-e", "apps=previous")
            rows.append((label + " (again)", seconds, recap))
            seconds, recap = play(work, "-e", "helm_release=app00", "-e", "revision=3")
            rows.append((f"helm_release=app00, wait {wait:g}s", seconds, recap))
            # The planner resolves the component's release and namespace from the catalog.
            seconds, recap = play(work, "-e", "component=vault", "-e", "revision=3")
            rows.append((f"component=vault (resolved by the plan), wait {wait:g}s", seconds, recap))
        finally:
            server.shutdown()
    return rows


def bench_core(repeat: int = 2000) -> float:
    """Return microseconds to parse and plan a 256-revision history."""
    _, rollback = history_core()
    entries = [
        {
            "revision": number,
            "updated": "2026-01-01T00:00:00Z",
            "status": "superseded",
            "chart": "slipway-app-1.4.2",
            "app_version": "1.4.2",
            "description": "Upgrade complete",
        }
        for number in range(1, 257)
    ]
    entries[-1]["status"] = "deployed"
    text = json.dumps(entries, separators=(",", ":"))
    start = time.perf_counter()
    for _ in range(repeat):
        rollback.plan_rollback(rollback.parse_history(text), 200)
    return (time.perf_counter() - start) / repeat * 1e6


def main() -> None:
    """Run the benchmarks and print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--releases", default="1,10")
    parser.add_argument("--wait", default="0,3")
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []
    for wait in (float(value) for value in args.wait.split(",")):
        for releases in (int(value) for value in args.releases.split(",")):
            rows.extend(bench_playbook(releases, wait))
    width = max(len(row[0]) for row in rows)
    print(f"{'rollback.yml against the stand-in':<{width}}  {'seconds':>8}  recap")
    for label, seconds, recap in rows:
        print(f"{label:<{width}}  {seconds:8.1f}  {recap}")
    print(f"\nparse + plan of a 256-revision helm history: {bench_core():.0f} µs")


if __name__ == "__main__":
    main()
