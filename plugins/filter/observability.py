"""Jinja filters: the environment's alerts and retention (logic in module_utils/signoz.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.signoz import (
    SignozError,
    channels_with_urls,
    plan_lines,
    route_rules,
)


def slipway_alert_rules(rules: list[Any], routes: dict[str, Any]) -> list[dict[str, Any]]:
    """Filter form of route_rules: ``rules | slipway.platform.alert_rules(routes)``."""
    try:
        return route_rules(rules, routes)
    except SignozError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_alert_channels(channels: list[Any], urls: list[Any]) -> list[dict[str, Any]]:
    """Filter form of channels_with_urls: ``channels | slipway.platform.alert_channels(urls)``."""
    try:
        return channels_with_urls(channels, urls)
    except SignozError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_observability_plan(
    channels: list[Any],
    rules: list[Any],
    routes: dict[str, Any],
    retention: dict[str, Any],
    collected: list[str],
) -> list[str]:
    """Filter form of plan_lines."""
    try:
        return plan_lines(channels, rules, routes, retention, collected)
    except SignozError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway filters over the environment's observability settings."""

    filter_map: ClassVar[dict[str, Any]] = {
        "alert_rules": slipway_alert_rules,
        "alert_channels": slipway_alert_channels,
        "observability_plan": slipway_observability_plan,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
