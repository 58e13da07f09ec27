from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.filter.kubeconfig import FilterModule


def test_filter_names_the_kubeconfig() -> None:
    name = FilterModule().filters()["named_kubeconfig"]
    config = {
        "clusters": [{"name": "default", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "default", "user": {}}],
        "contexts": [{"name": "default", "context": {"cluster": "default", "user": "default"}}],
    }
    result = name(config, "slipway-ci", "https://10.0.0.5:6443")
    assert result["current-context"] == "slipway-ci"
    assert result["clusters"][0]["cluster"]["server"] == "https://10.0.0.5:6443"


def test_filter_turns_errors_into_filter_errors() -> None:
    name = FilterModule().filters()["named_kubeconfig"]
    with pytest.raises(AnsibleFilterError, match=r"^clusters: expected exactly one entry, got no$"):
        name({}, "slipway-ci", "https://10.0.0.5:6443")
