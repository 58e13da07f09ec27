"""Jinja filters: what a deploy did to Helm releases (logic in module_utils/helm_releases.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.helm_releases import (
    HelmListError,
    deployed_records,
    revisions,
    undo_steps,
)


def slipway_helm_revisions(listing: Any) -> dict[str, dict[str, Any]]:
    """Filter form of revisions: ``helm_list.stdout | slipway.platform.helm_revisions``."""
    try:
        return revisions(listing)
    except HelmListError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_helm_undo(
    selected: list[Any], before: dict[str, Any], now: dict[str, Any], failed: str
) -> list[dict[str, Any]]:
    """Filter form of undo_steps: ``selected | slipway.platform.helm_undo(before, now, failed)``."""
    try:
        return undo_steps(selected, before, now, failed)
    except HelmListError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_helm_deployed(selected: list[Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """Filter form of deployed_records: ``selected | slipway.platform.helm_deployed(now)``."""
    try:
        return deployed_records(selected, now)
    except HelmListError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway filters over helm list."""

    filter_map: ClassVar[dict[str, Any]] = {
        "helm_revisions": slipway_helm_revisions,
        "helm_undo": slipway_helm_undo,
        "helm_deployed": slipway_helm_deployed,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
