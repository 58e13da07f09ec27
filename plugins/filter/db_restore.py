"""Jinja filters for restoring and checking PostgreSQL backups (module_utils/db_restore.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.db_restore import (
    RestoreError,
    ages,
    now_utc,
    owner_of,
    parse_time,
    recovery_cluster,
    report_line,
    restored_name,
    row_counts,
    scheduled_backup,
    verdict,
)


def slipway_restore_cluster(live: Any, request: dict[str, Any]) -> dict[str, Any]:
    """Return {name, target_time, database, manifests} of a Cluster made from backups.

    ``request``: store (the ObjectStore), source (the server name the backups were taken
    under), base (the catalog's Cluster name), target_time, schedule and purpose.
    Purpose restore: a new Cluster named after base and the time, archiving its own WAL,
    with a ScheduledBackup on schedule; check: ``<base>-check``, no archiving.
    """
    try:
        now = now_utc()
        target_time = request.get("target_time") or ""
        when = parse_time(target_time, now) if target_time else ""
        restore = request.get("purpose", "restore") == "restore"
        base = request.get("base")
        name = restored_name(base, now) if restore else f"{base}-check"
        cluster = recovery_cluster(
            live,
            name,
            str(request.get("store", "")),
            str(request.get("source", "")),
            target_time=when,
            archive=restore,
            purpose="restore" if restore else "check",
        )
        manifests = (
            [cluster, scheduled_backup(cluster, str(request.get("schedule", "")))]
            if restore
            else [cluster]
        )
        return {
            "name": name,
            "target_time": when,
            "database": owner_of(live).get("database", ""),
            "manifests": manifests,
        }
    except RestoreError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_backup_freshness(
    store: Any, server: str, wal_text: Any, component: str, limits: dict[str, Any]
) -> dict[str, Any]:
    """Return the ages of ``server``'s newest base backup and WAL, and what is too old.

    ``limits``: backup_hours and wal_minutes.
    """
    found = ages(store, server, wal_text, now_utc())
    found["problems"] = verdict(
        component, found, float(limits["backup_hours"]), float(limits["wal_minutes"])
    )
    return found


def slipway_row_counts(text: Any) -> list[dict[str, Any]]:
    """Filter form of row_counts: psql -At output of the row-count query."""
    try:
        return row_counts(text)
    except RestoreError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_backup_report(found: dict[str, Any], component: str, counts: Any) -> str:
    """Filter form of report_line: one line per database."""
    return report_line(component, found, counts)


class FilterModule:
    """Slipway restore and backup-check filters."""

    filter_map: ClassVar[dict[str, Any]] = {
        "restore_cluster": slipway_restore_cluster,
        "backup_freshness": slipway_backup_freshness,
        "row_counts": slipway_row_counts,
        "backup_report": slipway_backup_report,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
