"""The ingress policy filters turn a bad inventory value into a filter error naming it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.filter.ingress_policy import FilterModule

FILTERS = FilterModule().filters()


def test_admin_source_range_passes_good_cidrs() -> None:
    assert FILTERS["admin_source_range"](["10.89.0.0/16"], "") == ["10.89.0.0/16"]


def test_admin_source_range_names_the_field() -> None:
    with pytest.raises(AnsibleFilterError, match=r"^slipway_admin_cidrs\[0\]: 0\.0\.0\.0/0"):
        FILTERS["admin_source_range"](["0.0.0.0/0"], "")


def test_tls_issuer_names_the_variable() -> None:
    assert FILTERS["tls_issuer"]("selfsigned-ca") == "selfsigned-ca"
    with pytest.raises(AnsibleFilterError, match=r"^slipway_tls_issuer: 'acme' must be one of"):
        FILTERS["tls_issuer"]("acme")
