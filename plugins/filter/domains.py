"""Jinja filters for Slipway's domain rule (logic in module_utils/domains.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.domains import (
    DomainError,
    internal_host,
    public_host,
)


def slipway_public_host(prefix: str, env: str, base_domain: str, style: str) -> str:
    """Filter form of public_host: ``'app' | slipway.platform.public_host(env, base, style)``."""
    try:
        return public_host(prefix, env, base_domain, style)
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_internal_host(service: str, internal_domain: str) -> str:
    """Filter form of internal_host: ``'signoz' | slipway.platform.internal_host(domain)``."""
    try:
        return internal_host(service, internal_domain)
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway domain filters."""

    filter_map: ClassVar[dict[str, Any]] = {
        "public_host": slipway_public_host,
        "internal_host": slipway_internal_host,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
