"""Real PostgreSQL servers that play CloudNativePG clusters, for tests and benchmarks.

Each server archives its WAL to a directory (the object store's stand-in) and has a
base backup taken with pg_basebackup; `tests/standins/cnpg_pods/kubectl` answers the
backups role's kubectl commands from them (its README says what that proves).
PostgreSQL refuses to run as root: when the caller is root, every PostgreSQL tool runs
as Debian's postgres user, in a directory under /tmp it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
RUNAS = "postgres" if os.geteuid() == 0 else ""
# Rows, from psql's variable n, with a note from its variable note (stdin, not -c:
# psql substitutes variables only in what it reads).
INSERT = "INSERT INTO orders (note) SELECT :'note' FROM generate_series(1, :n);\n"
ARCHIVED = "SELECT last_archived_time > now() - interval '1 minute' FROM pg_stat_archiver"


def unavailable() -> str:
    """Return why real PostgreSQL servers cannot run here, or '' when they can."""
    if PG_BIN is None:
        return "PostgreSQL's server (Debian postgresql-15, scripts/setup) is not installed"
    if RUNAS:
        try:
            pwd.getpwnam(RUNAS)
        except KeyError:
            return f"running as root and there is no {RUNAS} user to run PostgreSQL as"
    return ""


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", RUNAS, "--", *argv] if RUNAS else argv


def pg(tool: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert PG_BIN is not None
    return subprocess.run(
        as_postgres([str(PG_BIN / tool), *args]),
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )


def psql(root: Path, port: int, database: str, sql: str) -> str:
    connect = ["--host", str(root), "--port", str(port), "--username", "postgres"]
    return pg(
        "psql", *connect, "--dbname", database, "--tuples-only", "--no-align", "--command", sql
    ).stdout.strip()


def insert(root: Path, port: int, database: str, note: str, count: int) -> None:
    """Add count rows with this note to the orders table."""
    connect = ["--host", str(root), "--port", str(port), "--username", "postgres"]
    pg(
        "psql",
        *connect,
        "--dbname",
        database,
        "--quiet",
        "--set",
        f"n={count}",
        "--set",
        f"note={note}",
        "--file",
        "-",
        stdin=INSERT,
    )


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
    owner = {"database": database, "owner": database, "secret": {"name": f"{name[:-8]}-app"}}
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "instances": 1,
            "storage": {"size": "1Gi"},
            "postgresql": {"parameters": {"timezone": "UTC"}},
            "bootstrap": {"initdb": owner},
            "plugins": [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True}],
        },
        "status": {
            "currentPrimary": f"{name}-1",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def store_object(name: str, namespace: str, server: str, last_backup: datetime) -> dict[str, Any]:
    """An ObjectStore whose status records the server's last successful backup."""
    window = {server: {"lastSuccessfulBackupTime": stamp(last_backup)}}
    return {
        "apiVersion": "barmancloud.cnpg.io/v1",
        "kind": "ObjectStore",
        "metadata": {"name": name, "namespace": namespace},
        "status": {"serverRecoveryWindow": window},
    }


def make_root() -> Path:
    """A directory under /tmp the servers' user owns (0700, from mkdtemp)."""
    root = Path(tempfile.mkdtemp(prefix="slipway-pg-"))
    if RUNAS:
        shutil.chown(root, user=RUNAS)
    return root


def serve(
    root: Path, servers: dict[str, tuple[str, str, int, int]], first_port: int
) -> tuple[dict[str, Any], datetime]:
    """Start one server per cluster and return the stand-in's state and a time between rows.

    ``servers``: cluster name to (namespace, database, rows before the base backup and
    the returned time, rows after it). The rows after are in archived WAL only.
    """
    state: dict[str, Any] = {
        "pg_bin": str(PG_BIN),
        "runas": RUNAS,
        "root": str(root),
        "next_port": first_port + len(servers),
        "clusters": {},
        "objectstores": {},
        "backups": {},
        "others": {},
        "calls": [],
    }
    ports = {name: first_port + index for index, name in enumerate(servers)}
    for name, (namespace, database, before, _) in servers.items():
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
    for name, (_, database, _, after) in servers.items():
        insert(root, ports[name], database, "late", after)
        psql(root, ports[name], database, "SELECT pg_switch_wal()")
    # Wait until the WAL holding the late rows is archived.
    for name, (_, database, _, _) in servers.items():
        for _ in range(50):
            if psql(root, ports[name], database, ARCHIVED) == "t":
                break
            time.sleep(0.2)
    return state, between


def stop_all(root: Path) -> None:
    """Stop every server under root and remove it."""
    for data in root.glob("data-*"):
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "pg_ctl"), "--pgdata", str(data), "--mode", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
        )
    shutil.rmtree(root, ignore_errors=True)
