"""Apps offline plan and render for 10, 100 and 1,000 units: time and peak memory.

Run from the repository root with the project venv:
    .venv/bin/python bench/bench_apps_plan.py [--units 10,100,1000] [--repo DIR]

Each size runs the real `playbooks/apps.yml -i inventories/ci -e slipway_render_only=true`
on a generated ci bundle (units web, api, then svc-NNN), twice: the first run writes
every build file, the second finds nothing to change. The peak memory is the largest
resident set of any process of the run (ansible-playbook, its workers, the module,
helm). `--repo` runs the same against another checkout (an older commit, say), for a
before/after on the same machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TAG = "3f9c2ab41d7e"


def bundle_text(units: int) -> str:
    """A ci release bundle of n units, every one tagged with the release's git SHA."""
    names = ["web", "api", *(f"svc-{index:04d}" for index in range(units - 2))]
    lines = [
        "apiVersion: slipway.platform/v1",
        "kind: ReleaseBundle",
        f'release: "{TAG}"',
        "metadata:",
        f'  git_sha: "{TAG}0c5e8d21a4b7f9e6d3c1b2a4f5e6"',
        "units:",
    ]
    for name in names:
        lines += [
            f"  - name: {name}",
            f"    image: registry.example.com/shop/{name}",
            f'    tag: "{TAG}"',
        ]
    return "\n".join(lines) + "\n"


def run(repo: Path, bundle: Path, build: Path) -> tuple[float, float, str]:
    """Run the render-only apps playbook; return (seconds, peak MiB of its processes, recap)."""
    env = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(REPO / ".venv" / "bin"), str(REPO / ".tools" / "bin"), os.environ["PATH"]]
        ),
        "ANSIBLE_CONFIG": str(repo / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
    }
    argv = [
        "ansible-playbook",
        "playbooks/apps.yml",
        "-i",
        "inventories/ci",
        "-e",
        "slipway_render_only=true",
        "-e",
        f"bundle={bundle}",
        "-e",
        f"app_deploy_build_dir={build}",
    ]
    # A fresh child per run, so RUSAGE_CHILDREN's peak is this run's alone.
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "recap = [l for l in done.stdout.splitlines() if l.startswith('localhost')]\n"
        "counts = ' '.join(recap[-1].split()[2:4]) if recap else '?'\n"
        "print(done.returncode, seconds, peak, counts)\n"
        "if done.returncode: print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(repo), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    fields = done.stdout.split(maxsplit=3)
    if not fields or fields[0] != "0":
        sys.exit(f"apps.yml failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return float(fields[1]), float(fields[2]), fields[3].strip()


def main() -> None:
    """Time the plan and render for each size and print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", default="10,100,1000")
    parser.add_argument("--repo", type=Path, default=REPO)
    args = parser.parse_args()
    print(f"apps.yml render-only on ci, {args.repo}")
    print(f"{'units':>6}  {'run':<7} {'seconds':>8}  {'per unit':>9}  {'peak MiB':>8}  recap")
    for units in (int(value) for value in args.units.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            bundle = Path(tmp) / "bundle.yml"
            bundle.write_text(bundle_text(units))
            for label in ("first", "again"):
                seconds, peak, recap = run(args.repo.resolve(), bundle, Path(tmp) / "build")
                print(
                    f"{units:>6}  {label:<7} {seconds:8.1f}  {seconds / units * 1000:7.0f}ms"
                    f"  {peak:8.0f}  {recap}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
