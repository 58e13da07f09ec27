"""Jinja filters for backups (logic in module_utils/backup.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.backup import (
    BackupError,
    backup_plan,
    backup_target,
)


def slipway_backup_target(
    target: Any, env: str, required: Any = False, opt_out_reason: Any = ""
) -> dict[str, Any]:
    """Filter form of backup_target: ``slipway_backup_target | backup_target(env, ...)``."""
    try:
        return backup_target(target, env, required, opt_out_reason)
    except BackupError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_backup_plan(
    items: Any, target: Any, enabled: Any, retention_days: Any = 7, opt_out_reason: Any = ""
) -> list[str]:
    """Filter form of backup_plan: ``components_backups | backup_plan(target, enabled)``."""
    try:
        return backup_plan(items, target, enabled, retention_days, opt_out_reason)
    except BackupError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway backup filters."""

    filter_map: ClassVar[dict[str, Any]] = {
        "backup_target": slipway_backup_target,
        "backup_plan": slipway_backup_plan,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
