"""Who may reach Slipway's ingress hosts, and which ClusterIssuer signs their certificates.

Pure functions over inventory values; every error names the inventory variable.
``admin_source_range`` checks ``slipway_admin_cidrs``, the networks a Traefik
ipAllowList Middleware admits to the admin surfaces; ``tls_issuer`` checks
``slipway_tls_issuer``, the ClusterIssuer every Ingress names.
"""

from __future__ import annotations

import ipaddress
from typing import Any

TLS_ISSUERS = ("selfsigned-ca", "letsencrypt-dns", "letsencrypt-http")
EXPOSURES = ("public", "admin-only")
_CIDRS = "slipway_admin_cidrs"
_OPEN_REASON = "slipway_admin_open_to_all_reason"


class PolicyError(Exception):
    """An ingress setting is wrong; the message names the variable."""


def tls_issuer(value: Any) -> str:
    """Return the ClusterIssuer name when it is one Slipway makes; raise PolicyError if not."""
    if value not in TLS_ISSUERS:
        raise PolicyError(f"slipway_tls_issuer: {value!r} must be one of {', '.join(TLS_ISSUERS)}")
    return str(value)


def _network(index: int, item: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Return one entry of the list as a network, or raise naming its position."""
    if not isinstance(item, str) or "/" not in item:
        raise PolicyError(f"{_CIDRS}[{index}]: {item!r} is not a CIDR such as 203.0.113.0/24")
    try:
        return ipaddress.ip_network(item, strict=True)
    except ValueError as exc:
        raise PolicyError(f"{_CIDRS}[{index}]: {item!r} is not a valid CIDR: {exc}") from exc


def admin_source_range(cidrs: Any, open_reason: Any = "") -> list[str]:
    """Return the admin networks as normalised CIDRs; raise PolicyError on a bad list.

    An empty list would admit nobody, which is never meant; a network that holds every
    address (0.0.0.0/0, ::/0) opens the admin surfaces to the internet and is refused
    unless the reason for doing so is given.
    """
    if not isinstance(cidrs, list | tuple) or not cidrs:
        raise PolicyError(f"{_CIDRS}: must be a non-empty list of CIDRs, got {cidrs!r}")
    networks = [_network(index, item) for index, item in enumerate(cidrs)]
    reason = open_reason.strip() if isinstance(open_reason, str) else ""
    for index, network in enumerate(networks):
        if network.prefixlen == 0 and not reason:
            raise PolicyError(
                f"{_CIDRS}[{index}]: {network} admits every address to the admin surfaces; "
                f"list the operators' networks, or set {_OPEN_REASON} to say why they are "
                "open to all"
            )
    return [str(network) for network in networks]


def exposed_hosts(
    entries: list[dict[str, Any]],
    enabled: set[str] | frozenset[str],
    public_hosts: list[str] | tuple[str, ...] = (),
) -> list[dict[str, str]]:
    """Return the hosts (and paths) the enabled components serve, each public or admin-only.

    An entry names its component (a catalog name; empty for a host that is not the
    catalog's, always listed), host, path and exposure; each of public_hosts (the
    apps' front ends) is a public entry without a component.
    """
    hosts: list[dict[str, str]] = []
    apps = [{"host": host, "path": "/", "exposure": "public"} for host in public_hosts]
    for index, entry in enumerate([*entries, *apps]):
        where = f"exposure[{index}]"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where}: must be a mapping of component, host, path, exposure")
        exposure = entry.get("exposure")
        if exposure not in EXPOSURES:
            raise PolicyError(
                f"{where}.exposure: {exposure!r} must be one of {', '.join(EXPOSURES)}"
            )
        component = str(entry.get("component") or "")
        host = str(entry.get("host") or "")
        if not host or (component and component not in enabled):
            continue
        record = {
            "component": component,
            "host": host,
            "path": str(entry.get("path") or "/"),
            "exposure": str(exposure),
        }
        if record not in hosts:
            hosts.append(record)
    return sorted(hosts, key=lambda item: (item["host"], item["path"]))


def host_lines(hosts: list[dict[str, str]], admin_cidrs: list[str]) -> list[str]:
    """Return one plan line per exposed host: who may reach it and what serves it."""
    admitted = ", ".join(admin_cidrs) or "nobody"
    lines = []
    for item in hosts:
        who = item["exposure"]
        if who == "admin-only":
            who = f"admin-only ({admitted})"
        lines.append(f"host {item['host']}{item['path']}: {who} [{item['component'] or 'apps'}]")
    return lines
