"""Restoring a CloudNativePG cluster from its object store, and checking that it restores.

Pure functions; the playbooks (restore.yml, backup_check.yml) read the live objects
with kubectl, pass them here, and apply what comes back. A restore never touches the
cluster it restores from: it makes a new Cluster, bootstrapped by the Barman Cloud
plugin from the source's base backup and WAL (to a point in time when asked), which
archives its own WAL into the same object store under its own name. The check makes
a scratch Cluster the same way, without archiving, and reads what it holds.

Every error names the input (``component``, ``target_time`` ...). Names starting with
``_`` are private to this file.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

PLUGIN = "barman-cloud.cloudnative-pg.io"
SOURCE = "origin"
MANAGED_BY = "slipway"
# Labels every restored or scratch Cluster carries: what it was made from, and why.
LABEL_SOURCE = "slipway.dev/restored-from"
LABEL_PURPOSE = "slipway.dev/purpose"
# CloudNativePG names a Cluster's Services <name>-rw ...; a DNS label is 63 characters.
MAX_NAME = 50
# The spec fields a restored Cluster takes from the live one: everything that shapes
# the instances, not how the data first came to be (bootstrap) or where it goes.
_DROP = ("bootstrap", "externalClusters", "plugins", "backup", "replica")
_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d{1,6})?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})$"
)
_MAX_ROWS_TEXT = 4 * 1024 * 1024
_ROW_COLUMNS = 3


class RestoreError(ValueError):
    """A restore or check input is wrong; the message names it."""


def parse_time(value: Any, now: datetime, field: str = "target_time") -> str:
    """Return the time in UTC when it lies in the past; raise naming ``field`` otherwise.

    The input is RFC 3339 (a T or a space, and a zone); the output is the form
    PostgreSQL's recovery_target_time and CloudNativePG's targetTime both read
    (2026-12-04 09:30:00+00).
    """
    text = value.strip() if isinstance(value, str) else ""
    match = _TIME.match(text)
    if not match:
        raise RestoreError(
            f"{field}: {value!r} is not a time with its zone, such as 2026-12-04T09:30:00Z "
            "or 2026-12-04 10:30:00+01:00"
        )
    try:
        parsed = datetime.fromisoformat(
            f"{match['date']}T{match['time']}{match['frac'] or ''}"
            + ("+00:00" if match["zone"] == "Z" else match["zone"])
        )
    except ValueError as exc:
        raise RestoreError(f"{field}: {value!r} is not a valid time: {exc}") from exc
    if parsed >= now:
        raise RestoreError(
            f"{field}: {value!r} is not in the past (now is {now.strftime('%Y-%m-%dT%H:%M:%SZ')})"
        )
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + (match["frac"] or "") + "+00"


def restored_name(base: Any, now: datetime) -> str:
    """Return the new Cluster's name: the catalog's cluster name and the time of the restore."""
    if not isinstance(base, str) or not re.match(r"^[a-z]([-a-z0-9]*[a-z0-9])?$", base):
        raise RestoreError(f"cluster: {base!r} is not a Cluster name")
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M")
    head = base[: MAX_NAME - len(stamp) - 1].rstrip("-")
    return f"{head}-{stamp}"


def _spec_of(live: Any, field: str) -> dict[str, Any]:
    if not isinstance(live, dict) or live.get("kind") != "Cluster":
        raise RestoreError(f"{field}: not a CloudNativePG Cluster object")
    spec = live.get("spec")
    if not isinstance(spec, dict):
        raise RestoreError(f"{field}: the Cluster has no spec")
    return spec


def _owner(spec: dict[str, Any]) -> dict[str, Any]:
    """Database, owner and owner's Secret of the live Cluster, kept by the new one."""
    bootstrap = spec.get("bootstrap") or {}
    for method in ("initdb", "recovery", "pg_basebackup"):
        found = bootstrap.get(method)
        if isinstance(found, dict) and found.get("database"):
            keep = {key: found[key] for key in ("database", "owner") if found.get(key)}
            if isinstance(found.get("secret"), dict) and found["secret"].get("name"):
                keep["secret"] = {"name": found["secret"]["name"]}
            return keep
    return {}


def owner_of(live: Any) -> dict[str, Any]:
    """Database, owner and owner's Secret of a live Cluster (empty when it names none)."""
    return _owner(_spec_of(live, "cluster"))


def recovery_cluster(
    live: Any,
    name: str,
    store: str,
    source_server: str,
    *,
    target_time: str = "",
    archive: bool = True,
    purpose: str = "restore",
) -> dict[str, Any]:
    """Return a Cluster bootstrapped from ``source_server``'s backups in ObjectStore ``store``.

    ``live`` is the Cluster being restored (as kubectl returns it); its instances, storage,
    resources and PostgreSQL settings carry over. ``archive`` makes the new Cluster archive
    its own WAL to the same store (a restore); a scratch Cluster of the check does not.
    """
    spec = copy.deepcopy(_spec_of(live, "cluster"))
    for key in _DROP:
        spec.pop(key, None)
    recovery: dict[str, Any] = {"source": SOURCE, **_owner(_spec_of(live, "cluster"))}
    if target_time:
        recovery["recoveryTarget"] = {"targetTime": target_time}
    spec["bootstrap"] = {"recovery": recovery}
    spec["externalClusters"] = [
        {
            "name": SOURCE,
            "plugin": {
                "name": PLUGIN,
                "parameters": {"barmanObjectName": store, "serverName": source_server},
            },
        }
    ]
    if archive:
        spec["plugins"] = [
            {"name": PLUGIN, "isWALArchiver": True, "parameters": {"barmanObjectName": store}}
        ]
    metadata = live.get("metadata") or {}
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": name,
            "namespace": metadata.get("namespace", ""),
            "labels": {
                "app.kubernetes.io/managed-by": MANAGED_BY,
                LABEL_SOURCE: source_server,
                LABEL_PURPOSE: purpose,
            },
        },
        "spec": spec,
    }


def scheduled_backup(cluster: dict[str, Any], schedule: str) -> dict[str, Any]:
    """Return the daily ScheduledBackup of a restored Cluster (the catalog's schedule)."""
    metadata = cluster["metadata"]
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "ScheduledBackup",
        "metadata": {
            "name": f"{metadata['name']}-daily",
            "namespace": metadata["namespace"],
            "labels": dict(metadata["labels"]),
        },
        "spec": {
            "immediate": True,
            "schedule": schedule,
            "backupOwnerReference": "self",
            "method": "plugin",
            "pluginConfiguration": {"name": PLUGIN},
            "cluster": {"name": metadata["name"]},
        },
    }


def row_counts(text: Any) -> list[dict[str, Any]]:
    """Parse the row-count query's psql -At output into [{table, rows}]; raise otherwise."""
    if not isinstance(text, str) or len(text) > _MAX_ROWS_TEXT:
        raise RestoreError("row counts: the query's output is missing or too large")
    counts = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) != _ROW_COLUMNS or not parts[2].isdigit():
            raise RestoreError(
                f"row counts: line {number} is not schema|table|rows: {line[:200]!r}"
            )
        counts.append({"table": f"{parts[0]}.{parts[1]}", "rows": int(parts[2])})
    return counts


def _age(now: datetime, value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        then = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max((now - then).total_seconds(), 0.0)


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    return f"{seconds / 3600:.1f} h"


def ages(store: Any, server: str, wal_text: Any, now: datetime) -> dict[str, Any]:
    """Return the ages (seconds) of the newest base backup and archived WAL of ``server``.

    ``store`` is the ObjectStore as kubectl returns it (its status holds each server's
    last successful backup); ``wal_text`` is the psql -At output of the WAL age query
    (roles/backups/files/wal_age.sql) on the primary.
    """
    status = (store or {}).get("status") or {} if isinstance(store, dict) else {}
    window = (status.get("serverRecoveryWindow") or {}).get(server) or {}
    backup_age = _age(now, window.get("lastSuccessfulBackupTime"))
    wal_age: float | None = None
    wal_name = ""
    if isinstance(wal_text, str) and wal_text.strip():
        seconds, wal_name = [*wal_text.strip().split("|", 1), ""][:2]
        wal_age = float(seconds) if seconds.isdigit() else None
    return {
        "backup_age_seconds": backup_age,
        "last_backup": window.get("lastSuccessfulBackupTime") or "",
        "first_recoverability_point": window.get("firstRecoverabilityPoint") or "",
        "wal_age_seconds": wal_age,
        "last_wal": wal_name,
    }


def verdict(
    component: str, found: dict[str, Any], max_backup_hours: float, max_wal_minutes: float
) -> list[str]:
    """Return why ``component``'s backups are too old (empty: within the limits)."""
    problems = []
    backup_age = found["backup_age_seconds"]
    if backup_age is None:
        problems.append(f"{component}: no successful base backup recorded in the object store")
    elif backup_age > max_backup_hours * 3600:
        problems.append(
            f"{component}: newest base backup is {_hours(backup_age)} old, over the "
            f"limit of {max_backup_hours:g} h (slipway_backup_max_age_hours)"
        )
    wal_age = found["wal_age_seconds"]
    if wal_age is None:
        problems.append(f"{component}: the primary has archived no WAL")
    elif wal_age > max_wal_minutes * 60:
        problems.append(
            f"{component}: newest archived WAL is {wal_age / 60:.0f} min old, over the "
            f"limit of {max_wal_minutes:g} min (slipway_backup_max_wal_age_minutes)"
        )
    return problems


def report_line(component: str, found: dict[str, Any], counts: list[dict[str, Any]] | None) -> str:
    """Return one line per database: ages, and rows per table of the restored copy.

    ``counts`` None: no copy was restored (check mode).
    """
    wal_age = found["wal_age_seconds"]
    wal = "none" if wal_age is None else f"{wal_age / 60:.0f} min ({found['last_wal']})"
    if counts is None:
        copy_text = "no copy restored (check mode)"
    else:
        tables = ", ".join(f"{item['table']}={item['rows']}" for item in counts)
        copy_text = f"restored copy holds {tables or 'no tables'}"
    return (
        f"{component}: newest base backup {_hours(found['backup_age_seconds'])} old, "
        f"newest WAL {wal}; {copy_text}"
    )


def now_utc() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)
