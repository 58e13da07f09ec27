from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.filter.deep_merge import FilterModule


def test_filter_merges_layers_in_order() -> None:
    merge = FilterModule().filters()["deep_merge"]
    assert merge({"a": {"b": 1}}, {"a": {"c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}


def test_filter_turns_merge_errors_into_filter_errors() -> None:
    merge = FilterModule().filters()["deep_merge"]
    with pytest.raises(AnsibleFilterError, match=r"^a: '\+append' needs a list"):
        merge({"a": 1}, {"a": {"+append": [1]}})
