"""module_utils/backup.py: the object store's checks and the plan's backup lines."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.backup import (
    BackupError,
    backup_plan,
    backup_target,
)

GOOD = {"endpoint": "https://s3.example.net", "bucket": "slipway-b", "region": "eu-1"}
DATABASE = {"component": "business-db", "cluster": "business-db-cluster", "schedule": "0 0 3 * * *"}


def test_a_target_is_normalised_with_its_destination() -> None:
    target = backup_target(
        {**GOOD, "endpoint": "https://s3.example.net:8443/", "path": "/prod/pg/"}, "prod"
    )
    assert target == {
        "endpoint": "https://s3.example.net:8443",
        "endpoint_host": "s3.example.net:8443",
        "insecure": False,
        "bucket": "slipway-b",
        "region": "eu-1",
        "path": "prod/pg",
        "destination": "s3://slipway-b/prod/pg",
    }


def test_the_path_defaults_to_the_environment() -> None:
    assert backup_target(GOOD, "staging")["destination"] == "s3://slipway-b/staging"
    assert backup_target({**GOOD, "path": ""}, "staging")["path"] == "staging"


def test_plain_http_is_accepted_on_loopback_only() -> None:
    target = backup_target({**GOOD, "endpoint": "http://127.0.0.1:9000"}, "ci")
    assert target["insecure"] is True
    assert target["endpoint_host"] == "127.0.0.1:9000"
    with pytest.raises(BackupError, match=r"slipway_backup_target.endpoint: .* plain http"):
        backup_target({**GOOD, "endpoint": "http://10.0.0.5:9000"}, "ci")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "ftp://s3.example.net"}, "endpoint"),
        ({"endpoint": "https://s3.example.net/bucket"}, "endpoint"),
        ({"endpoint": "https://user@s3.example.net"}, "endpoint"),
        ({"endpoint": "https://s3.example.net:99999"}, "endpoint"),
        ({"endpoint": "https://s3.example.net:0"}, "endpoint"),
        ({"endpoint": "https://s3.example.net?x=1"}, "endpoint"),
        ({"endpoint": "https://k:s@s3.example.net"}, "endpoint"),
        ({"endpoint": ["https://s3.example.net"]}, "endpoint"),
        ({"endpoint": "https://bad_host.example"}, "endpoint"),
        ({"endpoint": ""}, "endpoint"),
        ({"endpoint": None}, "endpoint"),
        ({"bucket": "ab"}, "bucket"),
        ({"bucket": "a..b"}, "bucket"),
        ({"bucket": "192.168.1.1"}, "bucket"),
        ({"bucket": "x" * 2000}, "bucket"),
        ({"region": "EU 1"}, "region"),
        ({"path": "a b"}, "path"),
        ({"path": "a//b"}, "path"),
        ({"path": "../other-env"}, "path"),
        ({"bucket": "-abc"}, "bucket"),
        ({"bucket": "a" * 64}, "bucket"),
        ({"path": 7}, "path"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_malformed_key_is_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(BackupError, match=rf"^slipway_backup_target\.{field}: "):
        backup_target({**GOOD, **change}, "prod")


def test_an_empty_target_is_refused_where_required_unless_opted_out() -> None:
    assert backup_target({}, "dev") == {}
    with pytest.raises(BackupError, match="slipway_backup_opt_out_reason"):
        backup_target({}, "prod", required=True)
    with pytest.raises(BackupError, match="slipway_backup_opt_out_reason"):
        backup_target({}, "prod", required=True, opt_out_reason="   ")
    assert backup_target({}, "prod", required=True, opt_out_reason="a replica elsewhere") == {}


def test_not_a_mapping_and_unknown_keys_are_refused() -> None:
    with pytest.raises(BackupError, match="must be a mapping"):
        backup_target(["s3"], "prod")
    with pytest.raises(BackupError, match=r"unknown key\(s\) access_key"):
        backup_target({**GOOD, "access_key": "AKIA"}, "prod")


def test_the_plan_names_each_database_destination_and_retention() -> None:
    target = backup_target(GOOD, "prod")
    lines = backup_plan([DATABASE], target, ["business-db"], 14)
    assert lines == [
        'backups business-db: base backup at "0 0 3 * * *" and WAL continuously to '
        "s3://slipway-b/prod/postgresql/business-db-cluster (https://s3.example.net), kept 14d"
    ]


def test_the_plan_skips_disabled_components_and_says_when_nothing_leaves() -> None:
    items = [
        DATABASE,
        {
            "component": "etcd",
            "kind": "etcd",
            "schedule": "0 * * * *",
            "keep": 5,
            "embedded": False,
        },
    ]
    assert backup_plan(items, {}, ["other"]) == [
        "backups etcd: none; a single server keeps the cluster in SQLite (docs/backup.md)"
    ]
    lines = backup_plan(items, {}, ["business-db"], 7, "restored from prod weekly")
    assert lines[0] == (
        "backups: no PostgreSQL backups leave the hosts "
        "(opted out: restored from prod weekly): business-db"
    )


@pytest.mark.parametrize("days", [0, -1, "7", True, 1.5])
def test_a_bad_retention_is_named(days: object) -> None:
    with pytest.raises(BackupError, match="slipway_backup_retention_days"):
        backup_plan([DATABASE], {}, [], days)
