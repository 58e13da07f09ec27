"""Jinja filters for Slipway's domain rule (logic in module_utils/domains.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.domains import (
    DomainError,
    host_collisions,
    internal_host,
    produced_hosts,
    public_host,
    public_hosts,
)


def slipway_public_host(prefix: str, env: str, base_domain: str, style: str) -> str:
    """Filter form of public_host: ``'app' | slipway.platform.public_host(env, base, style)``."""
    try:
        return public_host(prefix, env, base_domain, style)
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_public_hosts(
    prefixes: Mapping[str, Any], env: str, base_domain: str, style: str
) -> dict[str, str]:
    """Filter form of public_hosts: ``units | slipway.platform.public_hosts(env, base, style)``."""
    if not isinstance(prefixes, Mapping):
        raise AnsibleFilterError("public_hosts: the input must be a mapping of name -> prefix")
    try:
        return public_hosts(prefixes, env, base_domain, style)
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_internal_host(service: str, internal_domain: str) -> str:
    """Filter form of internal_host: ``'signoz' | slipway.platform.internal_host(domain)``."""
    try:
        return internal_host(service, internal_domain)
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def slipway_host_collisions(hosts: Mapping[str, Any], env: str = "") -> list[str]:
    """Filter form of host_collisions: environment -> producer -> host in, one line each out."""
    if not isinstance(hosts, Mapping):
        raise AnsibleFilterError("host_collisions: the input must map environments to their hosts")
    produced = {}
    for owner, owned in hosts.items():
        if not isinstance(owned, Mapping):
            raise AnsibleFilterError(f"{owner}: must be a mapping of producer -> host")
        try:
            produced[str(owner)] = produced_hosts(owned)
        except DomainError as exc:
            raise AnsibleFilterError(f"{owner}.{exc}") from exc
    try:
        return [str(collision) for collision in host_collisions(produced, env)]
    except DomainError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway domain filters."""

    filter_map: ClassVar[dict[str, Any]] = {
        "public_host": slipway_public_host,
        "public_hosts": slipway_public_hosts,
        "internal_host": slipway_internal_host,
        "host_collisions": slipway_host_collisions,
    }

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
