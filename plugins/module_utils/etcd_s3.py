"""Turn the environment's backup target into k3s's etcd-s3 settings.

``slipway_backup_target`` names one S3-compatible object store by URL
(``https://s3.example.net``), bucket, region and path; module_utils/backup.py checks
it (every refusal names the field as ``slipway_backup_target.<key>``). k3s wants the
endpoint as ``host[:port]`` without a scheme, plain HTTP said separately
(``etcd-s3-insecure``), and the prefix as ``etcd-s3-folder``: ``<path>/etcd``, beside
the PostgreSQL backups' ``<path>/postgresql`` (docs.k3s.io/cli/etcd-snapshot, "S3
Compatible Object Store support"). The credentials are not part of the target and
never pass through here.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.slipway.platform.plugins.module_utils.backup import (
    BackupError,
    backup_target,
)

FIELD = "slipway_backup_target"


class BackupTargetError(ValueError):
    """The backup target is malformed; the message names the field."""


def etcd_s3_settings(target: Any, default_path: str) -> dict[str, Any]:
    """Return k3s's etcd-s3 config.yaml keys for a backup target (no credentials), or raise."""
    try:
        checked = backup_target(target, default_path)
    except BackupError as exc:
        raise BackupTargetError(str(exc)) from exc
    if not checked:
        raise BackupTargetError(f"{FIELD} is empty: there is no object store for etcd snapshots")
    settings: dict[str, Any] = {
        "etcd-s3": True,
        "etcd-s3-endpoint": checked["endpoint_host"],
        "etcd-s3-bucket": checked["bucket"],
        "etcd-s3-region": checked["region"],
        "etcd-s3-folder": f"{checked['path']}/etcd",
    }
    if checked["insecure"]:
        settings["etcd-s3-insecure"] = True
    return settings
