"""Slipway's one domain rule, shared by the inventories, the catalog and the app chart.

Public hosts are ``{prefix}-{env}.{base}`` (per-change environments such as test),
``{prefix}.{base}`` (staging) or the bare base domain for prod's front end.
Internal services live under one internal domain: ``{service}.{internal_domain}``.
"""

from __future__ import annotations

import re

DOMAIN_STYLES = ("env_suffixed", "prefixed", "bare", "localhost", "none")
_MAX_DOMAIN = 253
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class DomainError(ValueError):
    """A domain input is not valid; the message names the field."""


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
    if style == "prefixed":
        return f"{prefix}.{base_domain}" if prefix else base_domain
    return f"{prefix}-{env}.{base_domain}" if prefix else f"{env}.{base_domain}"


def internal_host(service: str, internal_domain: str) -> str:
    """Return the internal host name of a platform service (``secrets``, ``signoz`` ...)."""
    _check_label("service", service)
    _check_domain("internal_domain", internal_domain)
    return f"{service}.{internal_domain}"
