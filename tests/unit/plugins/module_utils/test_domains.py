from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.domains import (
    DomainError,
    host_collisions,
    internal_host,
    produced_hosts,
    public_host,
    public_hosts,
)


@pytest.mark.parametrize(
    ("prefix", "env", "base", "style", "expected"),
    [
        ("x", "test", "example.com", "env_suffixed", "x-test.example.com"),
        ("app", "staging", "example.com", "env_suffixed", "app-staging.example.com"),
        ("", "staging", "example.com", "env_suffixed", "staging.example.com"),
        ("", "prod", "example.com", "bare", "example.com"),
        ("api", "prod", "example.com", "bare", "api.example.com"),
        ("app", "dev", "", "localhost", "app.localhost"),
        ("app", "ci", "", "none", ""),
    ],
)
def test_public_host(prefix: str, env: str, base: str, style: str, expected: str) -> None:
    assert public_host(prefix, env, base, style) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("App", "test", "example.com", "env_suffixed"), "prefix"),
        (("app", "te_st", "example.com", "env_suffixed"), "env"),
        (("app", "prod", "exa mple.com", "bare"), "base_domain"),
        (("app", "prod", "example.com", "wild"), "domain_style"),
        # prefixed gave the same hosts as bare; staging now carries its environment.
        (("app", "staging", "example.com", "prefixed"), "domain_style"),
    ],
)
def test_public_host_rejects(args: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(DomainError, match=rf"^{field}:"):
        public_host(*args)


def test_public_hosts_maps_every_name_and_names_a_bad_one() -> None:
    prefixes = {"web": None, "api": "api"}
    assert public_hosts(prefixes, "test", "example.com", "env_suffixed") == {
        "web": "test.example.com",
        "api": "api-test.example.com",
    }
    with pytest.raises(DomainError, match=r"^api: prefix: 'API' is not a DNS label"):
        public_hosts({"api": "API"}, "test", "example.com", "env_suffixed")


def test_internal_host() -> None:
    assert internal_host("signoz", "internal.example.com") == "signoz.internal.example.com"
    with pytest.raises(DomainError, match=r"^internal_domain:"):
        internal_host("signoz", "")


@pytest.mark.parametrize(
    ("produced", "expected"),
    [
        ({}, []),
        ({"front": "example.com"}, [("example.com", "front")]),
        (
            {"front": "", "ingress": {"web": "example.com", "api": "api.example.com"}},
            [("example.com", "ingress.web"), ("api.example.com", "ingress.api")],
        ),
        ({"ingress": {}, "internal": None}, []),
    ],
    ids=["nothing", "one", "nested-and-empty", "empty-mapping-and-none"],
)
def test_produced_hosts(produced: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert produced_hosts(produced) == expected


def test_produced_hosts_names_a_value_that_is_no_host() -> None:
    with pytest.raises(DomainError, match=r"^ingress\.api: must be a host name"):
        produced_hosts({"ingress": {"api": ["api.example.com"]}})


STAGING = [("app-staging.example.com", "front"), ("*.internal-staging.example.com", "internal")]
PROD = [("example.com", "front"), ("api.example.com", "ingress.api")]
API = "ingress.api"


@pytest.mark.parametrize(
    ("hosts", "env", "expected"),
    [
        ({"staging": STAGING, "prod": PROD}, "", []),
        # The same host twice in one environment (front end and web unit) is no collision.
        ({"prod": [*PROD, ("example.com", "ingress.web")]}, "", []),
        (
            {"staging": [("api.example.com", "ingress.api")], "prod": PROD},
            "",
            ["host api.example.com is produced by staging (ingress.api) and by prod (ingress.api)"],
        ),
        (
            {"staging": [("api.example.com", "ingress.api")], "prod": PROD},
            "prod",
            ["host api.example.com is produced by prod (ingress.api) and by staging (ingress.api)"],
        ),
        # Case and a trailing dot do not make another DNS name.
        (
            {"test": [("API.example.com.", "ingress.api")], "prod": PROD},
            "",
            ["host api.example.com is produced by test (ingress.api) and by prod (ingress.api)"],
        ),
        (
            {"staging": [("*.example.com", "internal")], "prod": PROD},
            "",
            [
                "host api.example.com is produced by prod (ingress.api) "
                "and by staging (internal, *.example.com)"
            ],
        ),
        (
            {
                "staging": [("*.internal.example.com", "internal")],
                "prod": [("*.internal.example.com", "internal")],
            },
            "",
            [
                "host *.internal.example.com is produced by staging (internal) "
                "and by prod (internal)"
            ],
        ),
        # A domain claims the names under it, not itself nor deeper ones.
        (
            {
                "staging": [("*.internal.example.com", "internal")],
                "prod": [("internal.example.com", "a"), ("x.y.internal.example.com", "b")],
            },
            "",
            [],
        ),
        # Only the collisions of the environment asked about.
        (
            {
                "test": [("api.example.com", "ingress.api")],
                "staging": STAGING,
                "prod": PROD,
            },
            "staging",
            [],
        ),
        # Names under localhost resolve to the machine itself: no environment shares them.
        (
            {
                "dev": [("app.localhost", "front"), ("*.internal.localhost", "internal")],
                "dev2": [("app.localhost", "front"), ("*.internal.localhost", "internal")],
            },
            "",
            [],
        ),
        (
            {
                "test": [("api.example.com", "ingress.api")],
                "staging": [("api.example.com", "ingress.api")],
                "prod": PROD,
            },
            "",
            [
                f"host api.example.com is produced by {one} ({API}) and by {two} ({API})"
                for one, two in (("test", "staging"), ("test", "prod"), ("staging", "prod"))
            ],
        ),
    ],
    ids=[
        "apart",
        "same-env-twice",
        "exact",
        "env-first",
        "case-and-dot",
        "domain-claims-host",
        "same-domain",
        "domain-not-itself-nor-deeper",
        "other-envs-only",
        "localhost",
        "three-envs",
    ],
)
def test_host_collisions(
    hosts: dict[str, list[tuple[str, str]]], env: str, expected: list[str]
) -> None:
    assert [str(collision) for collision in host_collisions(hosts, env)] == expected


@pytest.mark.parametrize(
    ("host", "field"),
    [("exa mple.com", "prod.front"), ("*.", "prod.internal"), ("-x.example.com", "prod.api")],
)
def test_host_collisions_names_a_bad_host(host: str, field: str) -> None:
    producer = field.split(".", 1)[1]
    with pytest.raises(DomainError, match=rf"^{field}: "):
        host_collisions({"prod": [(host, producer)]})
