from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.filter.etcd_s3 import FilterModule

TARGET = {"endpoint": "https://s3.example.net", "bucket": "slipway-ci", "region": "eu-central-1"}


def test_filter_returns_the_settings() -> None:
    settings = FilterModule().filters()["etcd_s3_settings"](TARGET, "ci")
    assert settings["etcd-s3-endpoint"] == "s3.example.net"
    assert settings["etcd-s3-folder"] == "ci/etcd"


def test_filter_turns_errors_into_filter_errors() -> None:
    settings = FilterModule().filters()["etcd_s3_settings"]
    with pytest.raises(AnsibleFilterError, match=r"^slipway_backup_target\.region: "):
        settings({**TARGET, "region": "Nowhere!"}, "ci")
