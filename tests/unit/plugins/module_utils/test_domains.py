from __future__ import annotations

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.domains import (
    DomainError,
    internal_host,
    public_host,
)


@pytest.mark.parametrize(
    ("prefix", "env", "base", "style", "expected"),
    [
        ("x", "test", "example.com", "env_suffixed", "x-test.example.com"),
        ("app", "staging", "example.com", "prefixed", "app.example.com"),
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
    ],
)
def test_public_host_rejects(args: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(DomainError, match=rf"^{field}:"):
        public_host(*args)


def test_internal_host() -> None:
    assert internal_host("signoz", "internal.example.com") == "signoz.internal.example.com"
    with pytest.raises(DomainError, match=r"^internal_domain:"):
        internal_host("signoz", "")
