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
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.tests.playbook_run import (
    PlaybookRun,
    run_playbook,
    standin_api,
)

ROOT = Path(__file__).parents[2]
STANDIN = ROOT / "tests" / "standins" / "cnpg_pods"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
RUNAS = "postgres" if os.geteuid() == 0 else ""


def _missing_user() -> bool:
    """True when the tests run as root and Debian's postgres user is not there."""
    if not RUNAS:
        return False
    try:
        pwd.getpwnam(RUNAS)
    except KeyError:
        return True
    return False


SERVERS = {
    # cluster: namespace, database, rows before and after the recovery point
    "platform-db-cluster": ("platform", "vault", 2, 1),
    "business-db-cluster": ("data", "app", 5, 3),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PG_BIN is None or _missing_user(),
        reason="PostgreSQL's server (Debian postgresql-15, scripts/setup) is not installed",
    ),
]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", RUNAS, "--", *argv] if RUNAS else argv


def pg(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert PG_BIN is not None
    return subprocess.run(
        as_postgres([str(PG_BIN / tool), *args]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def psql(root: Path, port: int, database: str, sql: str) -> str:
    return pg(
        "psql",
        "--host",
        str(root),
        "--port",
        str(port),
        "--username",
        "postgres",
        "--dbname",
        database,
        "--tuples-only",
        "--no-align",
        "--command",
        sql,
    ).stdout.strip()


def start_server(root: Path, name: str, port: int, database: str) -> dict[str, str]:
    """A real server archiving its WAL, with a database of one table; returns its dirs."""
    data, archive = root / f"data-{name}", root / f"archive-{name}"
    archive.mkdir()
    if RUNAS:
        shutil.chown(archive, user=RUNAS)
    pg("initdb", "--pgdata", str(data), "--auth", "trust", "--username", "postgres", "--no-sync")
    settings = (
        f"port = {port}\nunix_socket_directories = '{root}'\nlisten_addresses = ''\n"
        f"wal_level = replica\narchive_mode = on\narchive_command = 'cp %p {archive}/%f'\n"
        "fsync = off\n"
    )
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(settings)
    pg("pg_ctl", "--pgdata", str(data), "--log", str(root / f"{name}.log"), "--wait", "start")
    psql(root, port, "postgres", f"CREATE DATABASE {database}")
    psql(root, port, database, "CREATE TABLE orders (id serial PRIMARY KEY, note text)")
    return {"data": str(data), "archive": str(archive)}


def cluster_object(name: str, namespace: str, database: str) -> dict[str, Any]:
    """The Cluster as the catalog's chart makes it, with what CloudNativePG reports."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "instances": 1,
            "storage": {"size": "1Gi"},
            "postgresql": {"parameters": {"timezone": "UTC"}},
            "bootstrap": {
                "initdb": {
                    "database": database,
                    "owner": database,
                    "secret": {"name": f"{name[:-8]}-app"},
                }
            },
            "plugins": [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True}],
        },
        "status": {
            "currentPrimary": f"{name}-1",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def store_object(name: str, namespace: str, server: str, last_backup: datetime) -> dict[str, Any]:
    return {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": {"name": name, "namespace": namespace},
        "status": {
            "serverRecoveryWindow": {server: {"lastSuccessfulBackupTime": stamp(last_backup)}}
        },
    }


INSERTS = {
    "early": "INSERT INTO orders (note) VALUES ('early')",
    "late": "INSERT INTO orders (note) VALUES ('late')",
}


def insert(root: Path, port: int, database: str, note: str, count: int) -> None:
    for _ in range(count):
        psql(root, port, database, INSERTS[note])


def archived(root: Path, port: int, database: str) -> bool:
    """Whether the server archived a WAL file in the last minute."""
    return (
        psql(
            root,
            port,
            database,
            "SELECT last_archived_time > now() - interval '1 minute' FROM pg_stat_archiver",
        )
        == "t"
    )


@pytest.fixture
def clusters(tmp_path: Path) -> Iterator[Clusters]:
    # The servers run as postgres, which cannot enter pytest's root-only temporary tree;
    # mkdtemp makes the directory 0700, and it is handed to that user.
    root = Path(tempfile.mkdtemp(prefix="slipway-pg-"))
    if RUNAS:
        shutil.chown(root, user=RUNAS)
    state: dict[str, Any] = {
        "pg_bin": str(PG_BIN),
        "runas": RUNAS,
        "root": str(root),
        "next_port": 25440,
        "clusters": {},
        "objectstores": {},
        "backups": {},
        "others": {},
        "calls": [],
    }
    ports = {name: 25430 + index for index, name in enumerate(SERVERS)}
    try:
        for name, (namespace, database, before, _) in SERVERS.items():
            port = ports[name]
            dirs = start_server(root, name, port, database)
            insert(root, port, database, "early", before)
            base = root / f"base-{name}"
            connect = ["--host", str(root), "--port", str(port), "--username", "postgres"]
            pg(
                "pg_basebackup",
                *connect,
                "--pgdata",
                str(base),
                "--wal-method",
                "stream",
                "--checkpoint",
                "fast",
                "--no-sync",
            )
            state["backups"][name] = {"base": str(base), "archive": dirs["archive"]}
            state["clusters"][f"{namespace}/{name}"] = {
                "object": cluster_object(name, namespace, database),
                "port": port,
                "socket": str(root),
            }
            state["objectstores"][f"{namespace}/{name}-backups"] = store_object(
                f"{name}-backups", namespace, name, datetime.now(UTC)
            )
        time.sleep(1.1)
        between = datetime.now(UTC)
        time.sleep(1.1)
        for name, (_, database, _, after) in SERVERS.items():
            insert(root, ports[name], database, "late", after)
            psql(root, ports[name], database, "SELECT pg_switch_wal()")
        # Wait until the WAL holding the late rows is archived.
        for name, (_, database, _, _) in SERVERS.items():
            for _ in range(50):
                if archived(root, ports[name], database):
                    break
                time.sleep(0.2)
        state_file = tmp_path / "cnpg.json"
        state_file.write_text(json.dumps(state))
        with standin_api(tmp_path / "state", "staging"), standin_api(tmp_path / "state", "prod"):
            yield Clusters(state_file, tmp_path / "state", root, between)
    finally:
        for data in root.glob("data-*"):
            subprocess.run(
                as_postgres(
                    [str(PG_BIN / "pg_ctl"), "--pgdata", str(data), "--mode", "immediate", "stop"]
                ),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


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
    assert clusters.psql(25431, "app", "SELECT count(*) FROM orders") == "8"
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
