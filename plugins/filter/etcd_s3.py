"""Jinja filter: the backup target as k3s's etcd-s3 settings (logic in module_utils/etcd_s3.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.etcd_s3 import (
    BackupTargetError,
    etcd_s3_settings,
)


def slipway_etcd_s3_settings(target: Any, default_path: str) -> dict[str, Any]:
    """Filter form: ``slipway_backup_target | slipway.platform.etcd_s3_settings(slipway_env)``."""
    try:
        return etcd_s3_settings(target, default_path)
    except BackupTargetError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway etcd-s3 filter."""

    filter_map: ClassVar[dict[str, Any]] = {"etcd_s3_settings": slipway_etcd_s3_settings}

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
