"""restore.yml and backup_check.yml against real PostgreSQL servers playing the clusters.

Two real PostgreSQL 15 servers play platform-db-cluster and business-db-cluster: each
archives its WAL to a directory (the object store's stand-in) and has a base backup
taken with pg_basebackup. `tests/standins/cnpg_pods/kubectl` answers the playbooks'
kubectl commands from them (README there): every psql is real, and a recovery Cluster
is a real point-in-time recovery. The playbooks, the backups role and its SQL are the
production ones; the gate talks to the API server stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.tests.pg_servers import (
    make_root,
    psql,
    serve,
    stamp,
    stop_all,
    store_object,
    unavailable,
)
from ansible_collections.slipway.platform.tests.playbook_run import (
    PlaybookRun,
    run_playbook,
    standin_api,
)

ROOT = Path(__file__).parents[2]
STANDIN = ROOT / "tests" / "standins" / "cnpg_pods"
SERVERS = {
    # cluster: namespace, database, rows before and after the recovery point
    "platform-db-cluster": ("platform", "vault", 2, 1),
    "business-db-cluster": ("data", "app", 5, 3),
}
FIRST_PORT = 25430

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(unavailable()), reason=unavailable())]


@dataclass
class Clusters:
    """The stand-in's state, the real servers behind it and the controller's state dir."""

    state_file: Path
    state_dir: Path
    root: Path
    between: datetime  # after the first rows, before the second

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())

    def write(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state))

    def psql(self, port: int, database: str, sql: str) -> str:
        return psql(self.root, port, database, sql)

    def play(self, playbook: str, env: str, *extra: str) -> PlaybookRun:
        settings = {
            "slipway_state_dir": str(self.state_dir / env),
            "slipway_enable_observability": False,
            # restore.yml records the switch here; the inventory's own stays untouched.
            "backups_serving_file": str(self.state_dir / "db_serving.yml"),
        }
        return run_playbook(
            playbook,
            "-i",
            f"inventories/{env}",
            "-e",
            json.dumps(settings),
            *extra,
            path_first=(STANDIN,),
            env={
                "SLIPWAY_STATE_DIR": str(self.state_dir),
                "SLIPWAY_CNPG_STANDIN_STATE": str(self.state_file),
            },
        )


@pytest.fixture
def clusters(tmp_path: Path) -> Iterator[Clusters]:
    root = make_root()
    try:
        state, between = serve(root, SERVERS, FIRST_PORT)
        state_file = tmp_path / "cnpg.json"
        state_file.write_text(json.dumps(state))
        with standin_api(tmp_path / "state", "staging"), standin_api(tmp_path / "state", "prod"):
            yield Clusters(state_file, tmp_path / "state", root, between)
    finally:
        stop_all(root)


def test_backup_check_restores_each_database_and_reports_its_rows(clusters: Clusters) -> None:
    run = clusters.play("backup_check.yml", "staging")
    assert run.rc == 0, run.raw[-4000:]
    # Restored from the base backup and every archived WAL: all rows, early and late.
    assert "business-db: newest base backup 0.0 h old, newest WAL 0 min (" in run.output
    assert "restored copy holds public.orders=8" in run.output
    assert "restored copy holds public.orders=3" in run.output
    state = clusters.state()
    # The scratch clusters were made from the backups, then removed; the serving ones
    # were only read.
    assert ["apply", "Cluster", "data/business-db-cluster-check"] in state["calls"]
    assert ["delete", "Cluster", "data/business-db-cluster-check"] in state["calls"]
    assert sorted(state["clusters"]) == ["data/business-db-cluster", "platform/platform-db-cluster"]
    assert not list(clusters.root.glob("data-*-check"))


def test_backup_check_fails_on_a_backup_older_than_the_limit(clusters: Clusters) -> None:
    state = clusters.state()
    old = datetime.now(UTC) - timedelta(hours=30)
    state["objectstores"]["data/business-db-cluster-backups"] = store_object(
        "business-db-cluster-backups", "data", "business-db-cluster", old
    )
    clusters.write(state)
    run = clusters.play("backup_check.yml", "staging")
    assert run.rc != 0
    assert (
        "business-db: newest base backup is 30.0 h old, over the limit of 26 h "
        "(slipway_backup_max_age_hours)" in run.output
    ), run.raw[-3000:]
    # platform-db is within its limits and says so.
    assert "platform-db: newest base backup 0.0 h old" in run.output


def test_restore_to_a_point_in_time_makes_a_new_cluster_and_keeps_the_old(
    clusters: Clusters,
) -> None:
    run = clusters.play(
        "restore.yml",
        "staging",
        "--skip-tags",
        "switch",
        "-e",
        "component=business-db",
        "-e",
        f"target_time={stamp(clusters.between)}",
    )
    assert run.rc == 0, run.raw[-4000:]
    state = clusters.state()
    [restored] = [key for key in state["clusters"] if key.startswith("data/business-db-cluster-2")]
    name = restored.split("/", 1)[1]
    cluster = state["clusters"][restored]
    spec = cluster["object"]["spec"]
    assert spec["bootstrap"]["recovery"] == {
        "source": "origin",
        "database": "app",
        "owner": "app",
        "secret": {"name": "business-db-app"},
        "recoveryTarget": {"targetTime": clusters.between.strftime("%Y-%m-%d %H:%M:%S+00")},
    }
    # Real PITR: only the rows written before target_time came back.
    assert clusters.psql(cluster["port"], "app", "SELECT count(*) FROM orders") == "5"
    # The old cluster is untouched and still holds everything.
    assert clusters.psql(FIRST_PORT + 1, "app", "SELECT count(*) FROM orders") == "8"
    assert ["apply", "ScheduledBackup", f"data/{name}-daily"] in state["calls"]
    assert not [call for call in state["calls"] if call[0] == "delete"]
    serving = yaml.safe_load((clusters.state_dir / "db_serving.yml").read_text())
    assert serving == {"slipway_db_serving": {"business-db": name}}
    assert "business-db-cluster is kept as it is" in run.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("-e", "component=business-db", "-e", "target_time=yesterday"),
            "target_time: 'yesterday' is not a time with its zone",
        ),
        (
            ("-e", "component=business-db", "-e", "target_time=2999-01-01T00:00:00Z"),
            "target_time: '2999-01-01T00:00:00Z' is not in the past",
        ),
        (
            (
                "-e",
                "component=valkey",
            ),
            'component: "valkey" is not a database of staging',
        ),
        ((), 'component: "" is not a database of staging'),
    ],
    ids=["not-a-time", "future", "not-a-database", "no-component"],
)
def test_bad_input_stops_before_anything_is_made(
    clusters: Clusters, extra: tuple[str, ...], message: str
) -> None:
    run = clusters.play("restore.yml", "staging", *extra)
    assert run.rc != 0
    assert message in run.output, run.raw[-3000:]
    assert not [call for call in clusters.state()["calls"] if call[0] == "apply"]


def test_prod_asks_first_and_makes_nothing_without_an_answer(clusters: Clusters) -> None:
    run = clusters.play("restore.yml", "prod", "-e", "component=business-db")
    assert run.rc != 0
    assert "Not confirmed" in run.output, run.raw[-3000:]
    assert not [call for call in clusters.state()["calls"] if call[0] == "apply"]
