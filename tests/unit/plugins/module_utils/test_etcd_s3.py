"""module_utils/etcd_s3.py: the backup target as k3s's etcd-s3 settings.

The target's checks are module_utils/backup.py's (tests/unit/plugins/module_utils/
test_backup.py); here, how a checked target maps to k3s's keys, and that a refusal
reaches k3s_server naming the field.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.etcd_s3 import (
    BackupTargetError,
    etcd_s3_settings,
)

TARGET = {
    "endpoint": "https://s3.example.net",
    "bucket": "slipway-prod-backups",
    "region": "eu-central-1",
    "path": "prod",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, {"etcd-s3-endpoint": "s3.example.net", "etcd-s3-folder": "prod/etcd"}),
        ({"endpoint": "https://S3.Example.net:9443/"}, {"etcd-s3-endpoint": "s3.example.net:9443"}),
        (
            {"endpoint": "http://127.0.0.1:9000"},
            {"etcd-s3-endpoint": "127.0.0.1:9000", "etcd-s3-insecure": True},
        ),
        (
            {"endpoint": "http://[::1]:9000"},
            {"etcd-s3-endpoint": "[::1]:9000", "etcd-s3-insecure": True},
        ),
        ({"endpoint": "http://localhost:9000"}, {"etcd-s3-insecure": True}),
        ({"endpoint": "https://10.0.0.5:9000"}, {"etcd-s3-endpoint": "10.0.0.5:9000"}),
        ({"path": "/backups/prod/"}, {"etcd-s3-folder": "backups/prod/etcd"}),
        ({"path": ""}, {"etcd-s3-folder": "mol-env/etcd"}),
        ({"region": "auto"}, {"etcd-s3-region": "auto"}),
    ],
)
def test_settings(change: dict[str, Any], expected: dict[str, Any]) -> None:
    target = {**TARGET, **change}
    settings = etcd_s3_settings(target, "mol-env")
    assert settings["etcd-s3"] is True
    assert settings["etcd-s3-bucket"] == target["bucket"]
    assert ("etcd-s3-insecure" in settings) == target["endpoint"].startswith("http://")
    for key, value in expected.items():
        assert settings[key] == value


def test_path_defaults_to_the_environment() -> None:
    target = {key: value for key, value in TARGET.items() if key != "path"}
    assert etcd_s3_settings(target, "staging")["etcd-s3-folder"] == "staging/etcd"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({**TARGET, "endpoint": "http://10.0.0.5:9000"}, r"^slipway_backup_target\.endpoint: "),
        ({**TARGET, "bucket": "Slipway"}, r"^slipway_backup_target\.bucket: "),
        ({**TARGET, "access_key": "AKIA"}, r"^slipway_backup_target: unknown key\(s\) access_key"),
        ({"bucket": "b-1", "region": "r1"}, r"^slipway_backup_target\.endpoint: "),
        ("https://s3.example.net", r"^slipway_backup_target: must be a mapping"),
        ({}, r"^slipway_backup_target is empty"),
    ],
)
def test_refusals_name_the_field(target: Any, message: str) -> None:
    with pytest.raises(BackupTargetError, match=message):
        etcd_s3_settings(target, "prod")
