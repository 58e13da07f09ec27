"""Slipway's one domain rule, shared by the inventories, the catalog and the app chart.

Public hosts are ``{prefix}-{env}.{base}`` (test and staging) or, in prod,
``{prefix}.{base}`` and the bare base domain for its main front end. Internal services
live under one internal domain per environment: ``{service}.{internal_domain}``.
No two environments may produce the same host name: ``host_collisions`` finds the
names that two of them would both serve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DOMAIN_STYLES = ("env_suffixed", "bare", "localhost", "none")
# "*.<domain>": every one-label name under the domain (an internal domain's services).
WILDCARD = "*."
_MAX_DOMAIN = 253
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class DomainError(ValueError):
    """A domain input is not valid; the message names the field."""


@dataclass(frozen=True)
class Claim:
    """One name an environment produces: a host, or a whole domain as ``*.<domain>``."""

    env: str
    producer: str
    name: str


@dataclass(frozen=True)
class Collision:
    """A host name two environments both produce."""

    host: str
    first: Claim
    second: Claim

    def __str__(self) -> str:
        """Name the host, both environments and what produced it in each."""
        return (
            f"host {self.host} is produced by {self.first.env} ({_by(self.first, self.host)}) "
            f"and by {self.second.env} ({_by(self.second, self.host)})"
        )


def _by(claim: Claim, host: str) -> str:
    """Return what produced a claim, with the domain it claims when that is not the host."""
    return claim.producer if claim.name == host else f"{claim.producer}, {claim.name}"


def _check_label(field: str, value: str) -> None:
    """Raise DomainError unless value is one lowercase DNS label."""
    if not _LABEL.match(value):
        raise DomainError(
            f"{field}: {value!r} is not a DNS label (lowercase letters, digits and '-', "
            "1-63 characters, no leading or trailing '-')"
        )


def _check_domain(field: str, value: str) -> None:
    """Raise DomainError unless value is a dotted DNS name."""
    if not value or len(value) > _MAX_DOMAIN:
        raise DomainError(f"{field}: {value!r} is not a domain name (1-253 characters)")
    for label in value.split("."):
        _check_label(field, label)


def public_host(prefix: str, env: str, base_domain: str, style: str) -> str:
    """Return the public host name of a front end by Slipway's domain rule.

    An empty prefix means the environment's main front end; with style ``bare``
    (prod) it is the base domain itself. Style ``none`` (ci) has no ingress and
    returns an empty string.
    """
    if style not in DOMAIN_STYLES:
        raise DomainError(f"domain_style: {style!r} is not one of {', '.join(DOMAIN_STYLES)}")
    if style == "none":
        return ""
    _check_label("env", env)
    if prefix:
        _check_label("prefix", prefix)
    if style == "localhost":
        return f"{prefix}.localhost" if prefix else "localhost"
    _check_domain("base_domain", base_domain)
    if style == "bare":
        return f"{prefix}.{base_domain}" if prefix else base_domain
    return f"{prefix}-{env}.{base_domain}" if prefix else f"{env}.{base_domain}"


def public_hosts(
    prefixes: Mapping[str, Any], env: str, base_domain: str, style: str
) -> dict[str, str]:
    """Return the public host of every front end of a name -> prefix mapping (None is '')."""
    hosts = {}
    for name, given in prefixes.items():
        prefix = "" if given is None else str(given)
        try:
            hosts[name] = public_host(prefix, env, base_domain, style)
        except DomainError as exc:
            raise DomainError(f"{name}: {exc}") from exc
    return hosts


def internal_host(service: str, internal_domain: str) -> str:
    """Return the internal host name of a platform service (``secrets``, ``signoz`` ...)."""
    _check_label("service", service)
    _check_domain("internal_domain", internal_domain)
    return f"{service}.{internal_domain}"


def produced_hosts(produced: Mapping[str, Any], path: str = "") -> list[tuple[str, str]]:
    """Return (host, producer) for a nested mapping of producer -> host; '' produces none.

    The producer is the dotted path of keys, e.g. ``{"ingress": {"api": "api.example.com"}}``
    gives ``("api.example.com", "ingress.api")``.
    """
    found: list[tuple[str, str]] = []
    for key, value in produced.items():
        producer = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping):
            found.extend(produced_hosts(value, producer))
        elif isinstance(value, str):
            if value:
                found.append((value, producer))
        elif value is not None:
            raise DomainError(f"{producer}: must be a host name or a mapping of them")
    return found


def _claim(env: str, host: str, producer: str) -> Claim | None:
    """Return the checked claim of one produced name, or None for a machine-local one.

    Names under ``localhost`` always resolve to the machine itself (RFC 6761), so two
    environments cannot reach each other's through them.
    """
    name = host.strip().rstrip(".").lower()
    domain = name[len(WILDCARD) :] if name.startswith(WILDCARD) else name
    if domain == "localhost" or domain.endswith(".localhost"):
        return None
    _check_domain(f"{env}.{producer}", domain)
    return Claim(env, producer, name)


def _pairs(host: str, claims: list[Claim], env: str) -> list[Collision]:
    """Return the collisions among the claims on host, the first claim of each environment."""
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.env, claim)
    found = []
    owners = list(first.values())
    for index, one in enumerate(owners):
        for other in owners[index + 1 :]:
            # Two whole domains collide under their own name, not under each host.
            if host not in (one.name, other.name):
                continue
            if env and env not in (one.env, other.env):
                continue
            pair = (other, one) if other.env == env else (one, other)
            found.append(Collision(host, *pair))
    return found


def host_collisions(
    hosts: Mapping[str, Iterable[tuple[str, str]]], env: str = ""
) -> list[Collision]:
    """Return every host name that two environments both produce.

    ``hosts`` maps each environment to the (host, producer) pairs it produces; a host
    ``*.<domain>`` claims every one-label name under the domain. With ``env``, only the
    collisions of that environment are returned, its own claim first.
    """
    exact: dict[str, list[Claim]] = {}
    domains: dict[str, list[Claim]] = {}
    for owner, produced in hosts.items():
        for host, producer in produced:
            claim = _claim(owner, host, producer)
            if claim is None:
                continue
            if claim.name.startswith(WILDCARD):
                domains.setdefault(claim.name[len(WILDCARD) :], []).append(claim)
            else:
                exact.setdefault(claim.name, []).append(claim)
    found = []
    for host, claims in exact.items():
        found.extend(_pairs(host, claims + domains.get(host.partition(".")[2], []), env))
    for domain, claims in domains.items():
        found.extend(_pairs(WILDCARD + domain, claims, env))
    return found
