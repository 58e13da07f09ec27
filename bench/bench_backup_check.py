"""Wall time of playbooks/backup_check.yml, by the size of the database it restores.

Two real PostgreSQL servers (tests/pg_servers.py) play platform-db and business-db,
behind the CloudNativePG stand-in for kubectl (tests/standins/cnpg_pods): the check
reads each ObjectStore and the primary's WAL age, restores the newest base backup and
the archived WAL into a scratch server (a real recovery: a copy of the base backup,
WAL replayed), counts every table's rows with count(*) and removes the scratch server.
What it does not time: downloading a base backup from an object store, and
CloudNativePG starting pods. Without PostgreSQL it prints why and skips.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
RUNS = 3
# business-db's rows (platform-db keeps 1000): before the base backup, after it (WAL only).
SIZES = ((1_000, 100), (200_000, 20_000))


def helpers() -> tuple[ModuleType, ModuleType]:
    """Import the real-PostgreSQL helpers and the playbook runner of this checkout."""
    sys.path.insert(0, str(REPO / ".collections"))
    base = "ansible_collections.slipway.platform.tests"
    return importlib.import_module(f"{base}.pg_servers"), importlib.import_module(
        f"{base}.playbook_run"
    )


def one_size(pg: ModuleType, runner: ModuleType, before: int, after: int) -> list[float]:
    servers = {
        "platform-db-cluster": ("platform", "vault", 1_000, 10),
        "business-db-cluster": ("data", "app", before, after),
    }
    root = pg.make_root()
    times = []
    try:
        state, _ = pg.serve(root, servers, 25530)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            state_file = work / "cnpg.json"
            state_file.write_text(json.dumps(state))
            with runner.standin_api(work / "state", "staging"):
                for _ in range(RUNS):
                    start = time.monotonic()
                    run = runner.run_playbook(
                        "backup_check.yml",
                        "-i",
                        "inventories/staging",
                        "-e",
                        json.dumps(
                            {
                                "slipway_state_dir": str(work / "state" / "staging"),
                                "slipway_enable_observability": False,
                            }
                        ),
                        path_first=(REPO / "tests" / "standins" / "cnpg_pods",),
                        env={
                            "SLIPWAY_STATE_DIR": str(work / "state"),
                            "SLIPWAY_CNPG_STANDIN_STATE": str(state_file),
                        },
                        timeout=1800,
                    )
                    times.append(time.monotonic() - start)
                    if run.rc != 0:
                        raise SystemExit(f"backup_check.yml failed:\n{run.raw[-3000:]}")
                    total = before + after
                    if f"public.orders={total}" not in run.output:
                        raise SystemExit(f"the restored copy does not hold {total} rows")
    finally:
        pg.stop_all(root)
    return times


def main() -> None:
    pg, runner = helpers()
    reason = pg.unavailable()
    if reason:
        print(f"bench_backup_check: skipped: {reason}")
        return
    print("| business-db rows (base backup + WAL only) | runs | median s | slowest s |")
    print("|---|---|---|---|")
    for before, after in SIZES:
        times = one_size(pg, runner, before, after)
        print(
            f"| {before} + {after} | {len(times)} | {statistics.median(times):.1f} | "
            f"{max(times):.1f} |"
        )


if __name__ == "__main__":
    main()
