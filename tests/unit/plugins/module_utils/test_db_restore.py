"""module_utils/db_restore.py: the restored Cluster, the time it recovers to, the check's report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.db_restore import (
    PLUGIN,
    RestoreError,
    ages,
    parse_time,
    recovery_cluster,
    report_line,
    restored_name,
    row_counts,
    scheduled_backup,
    verdict,
)

NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
LIVE: dict[str, Any] = {
    "apiVersion": "postgresql.cnpg.io/v1",
    "kind": "Cluster",
    "metadata": {"name": "business-db-cluster", "namespace": "data", "uid": "x"},
    "spec": {
        "instances": 2,
        "storage": {"size": "10Gi"},
        "postgresql": {"parameters": {"timezone": "UTC"}},
        "bootstrap": {
            "initdb": {"database": "app", "owner": "app", "secret": {"name": "business-db-app"}}
        },
        "plugins": [{"name": PLUGIN, "isWALArchiver": True}],
        "externalClusters": [{"name": "old"}],
    },
    "status": {"currentPrimary": "business-db-cluster-1"},
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-04T09:30:00Z", "2026-12-04 09:30:00+00"),
        ("2026-12-04 10:30:00+01:00", "2026-12-04 09:30:00+00"),
        ("2026-12-04T09:30:00.250Z", "2026-12-04 09:30:00.250+00"),
    ],
)
def test_a_time_with_its_zone_becomes_utc(value: str, expected: str) -> None:
    assert parse_time(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-04T09:30:00", "is not a time with its zone"),
        ("yesterday", "is not a time with its zone"),
        (None, "is not a time with its zone"),
        ("2026-13-04T09:30:00Z", "is not a valid time"),
        ("2026-12-04T12:00:00Z", "is not in the past"),
    ],
)
def test_a_bad_time_is_refused_naming_target_time(value: object, message: str) -> None:
    with pytest.raises(RestoreError, match=rf"^target_time: .*{message}"):
        parse_time(value, NOW)


def test_the_new_name_carries_the_time_and_fits() -> None:
    assert restored_name("business-db-cluster", NOW) == "business-db-cluster-202612041200"
    long = restored_name("a" * 60, NOW)
    assert len(long) <= 50
    assert long.endswith("-202612041200")
    with pytest.raises(RestoreError, match=r"^cluster: "):
        restored_name("Bad_Name", NOW)


def test_the_restored_cluster_keeps_the_shape_and_owner_and_archives_anew() -> None:
    cluster = recovery_cluster(
        LIVE,
        "business-db-cluster-202612041200",
        "store",
        "business-db-cluster",
        target_time="2026-12-04 09:30:00+00",
    )
    spec = cluster["spec"]
    assert spec["instances"] == 2
    assert spec["storage"] == {"size": "10Gi"}
    assert spec["bootstrap"] == {
        "recovery": {
            "source": "origin",
            "database": "app",
            "owner": "app",
            "secret": {"name": "business-db-app"},
            "recoveryTarget": {"targetTime": "2026-12-04 09:30:00+00"},
        }
    }
    assert spec["externalClusters"] == [
        {
            "name": "origin",
            "plugin": {
                "name": PLUGIN,
                "parameters": {"barmanObjectName": "store", "serverName": "business-db-cluster"},
            },
        }
    ]
    assert spec["plugins"] == [
        {"name": PLUGIN, "isWALArchiver": True, "parameters": {"barmanObjectName": "store"}}
    ]
    assert cluster["metadata"] == {
        "name": "business-db-cluster-202612041200",
        "namespace": "data",
        "labels": {
            "app.kubernetes.io/managed-by": "slipway",
            "slipway.dev/restored-from": "business-db-cluster",
            "slipway.dev/purpose": "restore",
        },
    }
    # The live object is not changed.
    assert "initdb" in LIVE["spec"]["bootstrap"]
    backup = scheduled_backup(cluster, "0 0 3 * * *")
    assert backup["spec"]["cluster"] == {"name": "business-db-cluster-202612041200"}
    assert backup["spec"]["method"] == "plugin"


def test_a_scratch_cluster_archives_nothing_and_recovers_everything() -> None:
    cluster = recovery_cluster(
        LIVE,
        "business-db-cluster-check",
        "store",
        "business-db-cluster",
        archive=False,
        purpose="check",
    )
    assert "plugins" not in cluster["spec"]
    assert "recoveryTarget" not in cluster["spec"]["bootstrap"]["recovery"]


@pytest.mark.parametrize("live", [None, {"kind": "Pod"}, {"kind": "Cluster"}])
def test_something_else_than_a_cluster_is_refused(live: object) -> None:
    with pytest.raises(RestoreError, match=r"^cluster: "):
        recovery_cluster(live, "x", "store", "y")


def test_row_counts_are_read_and_anything_else_refused() -> None:
    assert row_counts("public|orders|8\n\npublic|users|0\n") == [
        {"table": "public.orders", "rows": 8},
        {"table": "public.users", "rows": 0},
    ]
    assert row_counts("") == []
    with pytest.raises(RestoreError, match="line 1 is not schema"):
        row_counts("ERROR: relation does not exist")
    with pytest.raises(RestoreError, match="too large"):
        row_counts("x" * (5 * 1024 * 1024))


def store(last: datetime | None) -> dict[str, Any]:
    window = {"lastSuccessfulBackupTime": last.strftime("%Y-%m-%dT%H:%M:%SZ")} if last else {}
    return {"status": {"serverRecoveryWindow": {"db": window}}}


def test_ages_and_limits() -> None:
    found = ages(store(NOW - timedelta(hours=2)), "db", "120|000000010000000000000005", NOW)
    assert found["backup_age_seconds"] == 7200
    assert found["wal_age_seconds"] == 120
    assert verdict("business-db", found, 26, 30) == []
    assert report_line("business-db", found, [{"table": "public.orders", "rows": 8}]) == (
        "business-db: newest base backup 2.0 h old, newest WAL 2 min (000000010000000000000005); "
        "restored copy holds public.orders=8"
    )
    assert "no copy restored (check mode)" in report_line("business-db", found, None)
    stale = ages(store(NOW - timedelta(hours=30)), "db", "3600|w", NOW)
    assert verdict("business-db", stale, 26, 30) == [
        "business-db: newest base backup is 30.0 h old, over the limit of 26 h "
        "(slipway_backup_max_age_hours)",
        "business-db: newest archived WAL is 60 min old, over the limit of 30 min "
        "(slipway_backup_max_wal_age_minutes)",
    ]
    none = ages(store(None), "db", "|", NOW)
    assert verdict("business-db", none, 26, 30) == [
        "business-db: no successful base backup recorded in the object store",
        "business-db: the primary has archived no WAL",
    ]
    assert ages({}, "db", "", NOW)["backup_age_seconds"] is None
