from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.filter.domains import FilterModule

FILTERS = FilterModule().filters()


def test_host_collisions_takes_each_environments_producer_mapping() -> None:
    hosts = {
        "staging": {"slipway_release_ingress": {"api": "api.example.com", "web": ""}},
        "prod": {
            "slipway_frontend_host": "example.com",
            "slipway_release_ingress": {"api": "api.example.com"},
        },
    }
    assert FILTERS["host_collisions"](hosts, "staging") == [
        "host api.example.com is produced by staging (slipway_release_ingress.api) "
        "and by prod (slipway_release_ingress.api)"
    ]


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        (["staging"], r"^host_collisions: the input must map environments"),
        ({"prod": "example.com"}, r"^prod: must be a mapping of producer -> host$"),
        ({"prod": {"front": 3}}, r"^prod\.front: must be a host name"),
        ({"prod": {"front": "exa mple.com"}}, r"^prod\.front: 'exa mple' is not a DNS label"),
    ],
    ids=["not-a-mapping", "env-not-a-mapping", "not-a-host", "bad-host"],
)
def test_host_collisions_names_the_field(hosts: Any, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS["host_collisions"](hosts)


def test_public_hosts_names_the_unit() -> None:
    public_hosts = FILTERS["public_hosts"]
    assert public_hosts({"web": "app"}, "staging", "example.com", "env_suffixed") == {
        "web": "app-staging.example.com"
    }
    with pytest.raises(AnsibleFilterError, match=r"^web: domain_style: 'prefixed' is not one of"):
        public_hosts({"web": "app"}, "staging", "example.com", "prefixed")
    with pytest.raises(AnsibleFilterError, match=r"^public_hosts: the input must be a mapping"):
        public_hosts(["app"], "staging", "example.com", "env_suffixed")
