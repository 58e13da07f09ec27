"""Unit tests for module_utils/ingress_policy.py: the admin allowlist and the TLS issuer."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.ingress_policy import (
    PolicyError,
    admin_source_range,
    exposed_hosts,
    host_lines,
    tls_issuer,
)


@pytest.mark.parametrize(
    ("cidrs", "reason", "expected"),
    [
        (["203.0.113.0/24"], "", ["203.0.113.0/24"]),
        (["10.89.0.0/16", "2001:db8::/32"], "", ["10.89.0.0/16", "2001:db8::/32"]),
        (["198.51.100.7/32"], "", ["198.51.100.7/32"]),
        (["0.0.0.0/0"], "a lab behind its own firewall", ["0.0.0.0/0"]),
    ],
)
def test_admin_source_range_accepts(cidrs: list[str], reason: str, expected: list[str]) -> None:
    assert admin_source_range(cidrs, reason) == expected


@pytest.mark.parametrize(
    ("cidrs", "reason", "message"),
    [
        ([], "", r"^slipway_admin_cidrs: must be a non-empty list of CIDRs, got \[\]"),
        (None, "", r"^slipway_admin_cidrs: must be a non-empty list of CIDRs, got None"),
        ("10.0.0.0/8", "", r"^slipway_admin_cidrs: must be a non-empty list"),
        (["10.0.0.1"], "", r"^slipway_admin_cidrs\[0\]: '10\.0\.0\.1' is not a CIDR"),
        (["10.0.0.0/8", 8], "", r"^slipway_admin_cidrs\[1\]: 8 is not a CIDR"),
        (["10.0.0.0/33"], "", r"^slipway_admin_cidrs\[0\]: '10\.0\.0\.0/33' is not a valid CIDR"),
        # Host bits set: a typo more often than intent.
        (["10.0.0.1/8"], "", r"^slipway_admin_cidrs\[0\]: '10\.0\.0\.1/8' is not a valid CIDR"),
        (["nope/24"], "", r"^slipway_admin_cidrs\[0\]: 'nope/24' is not a valid CIDR"),
        (
            ["10.0.0.0/8", "0.0.0.0/0"],
            "",
            r"^slipway_admin_cidrs\[1\]: 0\.0\.0\.0/0 admits every address .* "
            r"slipway_admin_open_to_all_reason",
        ),
        (["::/0"], "   ", r"^slipway_admin_cidrs\[0\]: ::/0 admits every address"),
    ],
)
def test_admin_source_range_refuses_naming_the_field(cidrs: Any, reason: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        admin_source_range(cidrs, reason)


@pytest.mark.parametrize("value", ["selfsigned-ca", "letsencrypt-dns", "letsencrypt-http"])
def test_tls_issuer_accepts_the_issuers_slipway_makes(value: str) -> None:
    assert tls_issuer(value) == value


@pytest.mark.parametrize("value", ["letsencrypt", "", None, "SELFSIGNED-CA"])
def test_tls_issuer_refuses_naming_the_variable(value: Any) -> None:
    with pytest.raises(PolicyError, match=r"^slipway_tls_issuer: .* must be one of selfsigned-ca,"):
        tls_issuer(value)


ENTRIES = [
    {"component": "vault", "host": "secrets.example.com", "path": "/", "exposure": "admin-only"},
    {"component": "openpanel", "host": "o.example.com", "path": "/api", "exposure": "public"},
    {"component": "openpanel", "host": "o.example.com", "path": "/", "exposure": "admin-only"},
]


def test_exposed_hosts_lists_enabled_components_and_the_apps() -> None:
    hosts = exposed_hosts(ENTRIES, {"openpanel"}, ["app.example.com", "app.example.com"])
    assert host_lines(hosts, ["198.51.100.0/24"]) == [
        "host app.example.com/: public [apps]",
        "host o.example.com/: admin-only (198.51.100.0/24) [openpanel]",
        "host o.example.com/api: public [openpanel]",
    ]


def test_no_hosts_without_ingress() -> None:
    assert host_lines(exposed_hosts([], {"vault"}), ["10.0.0.0/8"]) == []


def test_exposure_value_is_checked() -> None:
    entry = {"component": "vault", "host": "secrets.example.com", "exposure": "private"}
    with pytest.raises(PolicyError, match=r"^exposure\[0\]\.exposure: 'private' must be one of"):
        exposed_hosts([entry], {"vault"})
