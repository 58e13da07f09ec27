"""Jinja filters for the ingress policy (logic in module_utils/ingress_policy.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.ingress_policy import (
    PolicyError,
    admin_source_range,
    tls_issuer,
)


def slipway_admin_source_range(cidrs: Any, open_reason: str = "") -> list[str]:
    """Filter form of admin_source_range: ``slipway_admin_cidrs | admin_source_range(reason)``."""
    try:
        return admin_source_range(cidrs, open_reason)
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_tls_issuer(value: Any) -> str:
    """Filter form of tls_issuer: ``slipway_tls_issuer | slipway.platform.tls_issuer``."""
    try:
        return tls_issuer(value)
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway ingress policy filters."""

    filter_map: ClassVar[dict[str, Any]] = {
        "admin_source_range": slipway_admin_source_range,
        "tls_issuer": slipway_tls_issuer,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
