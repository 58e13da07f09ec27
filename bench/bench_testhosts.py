"""Time to create local test hosts (1, 3, 6), to re-run create on a running lab, and to destroy."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tests/testhosts/testhosts.py"


def _timed(*args: str) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, str(TOOL), *args], check=True, capture_output=True)
    return time.monotonic() - start


def main() -> None:
    rows = []
    for count in (1, 3, 6):
        lab = f"bench{count}"
        _timed("destroy", "--lab", lab)
        create = _timed("create", "--lab", lab, "--count", str(count))
        again = _timed("create", "--lab", lab, "--count", str(count))
        destroy = _timed("destroy", "--lab", lab)
        rows.append({"hosts": count, "create_s": create, "rerun_s": again, "destroy_s": destroy})
    print(f"{'hosts':>5}  {'create (s)':>10}  {'no-change create (s)':>20}  {'destroy (s)':>11}")
    for r in rows:
        create, rerun, destroy = r["create_s"], r["rerun_s"], r["destroy_s"]
        print(f"{r['hosts']:>5}  {create:>10.1f}  {rerun:>20.1f}  {destroy:>11.1f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
