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
        ({}, {"etcd-s3-endpoint": "s3.example.net", "etcd-s3-folder": "prod"}),
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
        ({"path": "/backups/prod/"}, {"etcd-s3-folder": "backups/prod"}),
        ({"path": ""}, {"etcd-s3-folder": "mol-env"}),
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
    assert etcd_s3_settings(target, "staging")["etcd-s3-folder"] == "staging"


def test_no_credentials_in_the_result() -> None:
    target = {**TARGET, "access_key": "AKIA-SHOULD-NOT-PASS"}
    assert "AKIA-SHOULD-NOT-PASS" not in str(etcd_s3_settings(target, "prod"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"endpoint": "s3.example.net"},
            r"^slipway_backup_target\.endpoint must start with https://",
        ),
        ({"endpoint": "ftp://s3.example.net"}, r"^slipway_backup_target\.endpoint must start"),
        (
            {"endpoint": "http://s3.example.net"},
            r"^slipway_backup_target\.endpoint may use http://",
        ),
        ({"endpoint": "http://10.0.0.5:9000"}, r"^slipway_backup_target\.endpoint may use http://"),
        (
            {"endpoint": "https://s3.example.net/bucket"},
            r"^slipway_backup_target\.endpoint must be",
        ),
        ({"endpoint": "https://k:s@s3.example.net"}, r"^slipway_backup_target\.endpoint must be"),
        ({"endpoint": "https://s3.example.net?x=1"}, r"^slipway_backup_target\.endpoint must be"),
        ({"endpoint": "https://s3.example.net:99999"}, r"^slipway_backup_target\.endpoint: "),
        ({"endpoint": "https://s3_example.net"}, r"^slipway_backup_target\.endpoint: 's3_exa"),
        ({"endpoint": ""}, r"^slipway_backup_target\.endpoint must be a URL"),
        ({"endpoint": ["https://s3.example.net"]}, r"^slipway_backup_target\.endpoint must be"),
        ({"endpoint": "https://" + "a" * 400}, r"got 'https://aaaa.*\.\.\.$"),
        ({"bucket": "Slipway"}, r"^slipway_backup_target\.bucket must be an S3 bucket name"),
        ({"bucket": "ab"}, r"^slipway_backup_target\.bucket"),
        ({"bucket": "a" * 64}, r"^slipway_backup_target\.bucket"),
        ({"bucket": "a..b"}, r"^slipway_backup_target\.bucket"),
        ({"bucket": "192.168.5.4"}, r"^slipway_backup_target\.bucket"),
        ({"bucket": "-abc"}, r"^slipway_backup_target\.bucket"),
        ({"bucket": None}, r"^slipway_backup_target\.bucket"),
        ({"region": "EU Central"}, r"^slipway_backup_target\.region must be a region name"),
        ({"region": ""}, r"^slipway_backup_target\.region"),
        ({"path": "../other-env"}, r"^slipway_backup_target\.path must be a prefix"),
        ({"path": "a//b"}, r"^slipway_backup_target\.path"),
        ({"path": "a b"}, r"^slipway_backup_target\.path"),
        ({"path": 5}, r"^slipway_backup_target\.path"),
    ],
)
def test_refusals_name_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(BackupTargetError, match=message):
        etcd_s3_settings({**TARGET, **change}, "prod")


@pytest.mark.parametrize("key", ["endpoint", "bucket", "region"])
def test_missing_key_is_named(key: str) -> None:
    target = {name: value for name, value in TARGET.items() if name != key}
    with pytest.raises(BackupTargetError, match=rf"^slipway_backup_target\.{key} is missing"):
        etcd_s3_settings(target, "prod")


def test_not_a_mapping() -> None:
    with pytest.raises(BackupTargetError, match=r"^slipway_backup_target must be a mapping"):
        etcd_s3_settings("https://s3.example.net", "prod")
