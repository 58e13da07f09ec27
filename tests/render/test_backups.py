"""Backups of every CloudNativePG cluster, rendered by the plan with the real charts.

The PostgreSQL clusters (cloudnative-pg's cluster chart 0.8.1), the Barman Cloud
plugin (plugin-barman-cloud 0.7.0) and cert-manager are packaged from their upstream
snapshots by scripts/airgap-charts; every other catalog chart is the stand-in, and
OpenPanel is the project's own chart. The real plan path runs for staging (an object
store set) and dev (none); then staging's plan is run again with the bad settings an
operator could write, each refused naming the field.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

pytestmark = [pytest.mark.render, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
MIRRORS = Path(os.environ.get("SLIPWAY_UPSTREAM_MIRRORS") or "/work/.mirror")
REAL = ("cert-manager", "barman-cloud", "platform-db", "business-db")
PLUGIN = "barman-cloud.cloudnative-pg.io"
Docs = list[dict[str, Any]]


@pytest.fixture(scope="module")
def airgap(stand_in_airgap: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in folder with the real archives of the database charts and the plugin."""
    for name in ("cloudnative-pg+charts", "cert-manager+cert-manager"):
        if not (MIRRORS / name / "repo").is_dir():
            pytest.skip(f"upstream snapshot {name} missing in {MIRRORS}")
    folder = tmp_path_factory.mktemp("airgap-real") / "airgap"
    shutil.copytree(stand_in_airgap, folder)
    only = [arg for name in REAL for arg in ("--only", name)]
    result = subprocess.run(
        [
            str(ROOT / "scripts" / "airgap-charts"),
            "--dest",
            str(folder),
            "--helm",
            str(ROOT / ".tools" / "bin" / "helm"),
            "--mirrors",
            str(MIRRORS),
            *only,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def plan(env: str, build: Path, airgap: Path | None, *extra: str) -> PlaybookRun:
    args = [arg for value in extra for arg in ("-e", value)]
    return run_playbook(
        "phase1_platform.yml",
        "-i",
        f"inventories/{env}",
        "--tags",
        "plan",
        *args,
        env={"SLIPWAY_AIRGAP_DIR": str(airgap) if airgap else "", "SLIPWAY_BUILD_DIR": str(build)},
    )


@pytest.fixture(scope="module")
def plans(airgap: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The plan directories of staging and dev, every phase."""
    build = tmp_path_factory.mktemp("build")
    dirs = {}
    for env in ("staging", "dev"):
        run = plan(env, build, airgap)
        assert run.rc == 0, run.raw[-4000:]
        dirs[env] = build / env / "components"
    return dirs


def manifests(plan_dir: Path, release: str) -> Docs:
    path = plan_dir / "manifests" / f"{release}.yaml"
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def one(docs: Docs, kind: str) -> dict[str, Any]:
    found = [doc for doc in docs if doc["kind"] == kind]
    assert len(found) == 1, [doc["kind"] for doc in docs]
    return found[0]


@pytest.mark.parametrize(
    ("release", "namespace", "cluster"),
    [
        ("platform-db", "platform", "platform-db-cluster"),
        ("business-db", "data", "business-db-cluster"),
        ("openpanel", "observability", "openpanel-db"),
    ],
)
def test_each_cluster_archives_wal_and_backs_up_daily_to_the_object_store(
    plans: dict[str, Path], release: str, namespace: str, cluster: str
) -> None:
    docs = manifests(plans["staging"], release)
    spec = one(docs, "Cluster")["spec"]
    store = one(docs, "ObjectStore")
    scheduled = one(docs, "ScheduledBackup")
    # The cluster's WAL archiver is the plugin, writing to the ObjectStore next to it.
    (plugin,) = spec["plugins"]
    assert plugin["name"] == PLUGIN
    assert plugin["isWALArchiver"] is True
    assert plugin.get("enabled", True) is True
    assert plugin["parameters"] == {"barmanObjectName": store["metadata"]["name"]}
    assert "backup" not in spec, "the in-tree barmanObjectStore goes away in CloudNativePG 1.31"
    config = store["spec"]["configuration"]
    assert config["destinationPath"] == "s3://slipway-staging-backups/staging/postgresql"
    assert config["endpointURL"] == "https://fsn1.your-objectstorage.com"
    # Credentials are references to the SealedSecret's Secret, never values.
    assert config["s3Credentials"] == {
        "accessKeyId": {"name": "backup-s3", "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": "backup-s3", "key": "ACCESS_SECRET_KEY"},
    }
    assert store["spec"]["retentionPolicy"] == "7d"
    assert not [
        doc for doc in docs if doc["kind"] == "Secret" and "ACCESS_KEY_ID" in json.dumps(doc)
    ]
    assert scheduled["spec"]["method"] == "plugin"
    assert scheduled["spec"]["pluginConfiguration"] == {"name": PLUGIN}
    assert scheduled["spec"]["cluster"] == {"name": cluster}
    assert scheduled["spec"]["schedule"] == "0 0 3 * * *"
    record = yaml.safe_load((plans["staging"] / "plan.yml").read_text())
    entry = next(item for item in record["releases"] if item["release"] == release)
    assert entry["namespace"] == namespace
    assert f"{namespace}/backup-s3" in entry["secrets"]


def test_the_plugin_runs_beside_the_operator_with_cert_manager_certificates(
    plans: dict[str, Path],
) -> None:
    docs = manifests(plans["staging"], "barman-cloud")
    service = one(docs, "Service")
    # The operator finds the plugin by this label on a Service in its own namespace.
    assert service["metadata"]["labels"]["cnpg.io/pluginName"] == PLUGIN
    assert service["metadata"]["namespace"] == "platform"
    assert {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Certificate"} == {
        "barman-cloud-client",
        "barman-cloud-server",
    }


def test_without_an_object_store_nothing_is_archived(plans: dict[str, Path]) -> None:
    for release in ("platform-db", "business-db"):
        docs = manifests(plans["dev"], release)
        kinds = {doc["kind"] for doc in docs}
        assert not kinds & {"ObjectStore", "ScheduledBackup"}, kinds
        assert "plugins" not in one(docs, "Cluster")["spec"]
    assert not (plans["dev"] / "manifests" / "barman-cloud.yaml").exists()


def test_the_plan_lists_where_each_backup_goes(tmp_path: Path) -> None:
    run = plan("staging", tmp_path, None, "components_require_sealed_secrets=false")
    assert run.rc == 0, run.raw[-4000:]
    assert (
        'backups business-db: base backup at "0 0 3 * * *" and WAL continuously to '
        "s3://slipway-staging-backups/staging/postgresql/business-db-cluster "
        "(https://fsn1.your-objectstorage.com), kept 7d"
    ) in run.output
    assert (
        'backups etcd: k3s etcd snapshots at "0 */6 * * *", 28 kept on the first server'
        in run.output
    )
    assert "backups valkey: Valkey AOF (appendfsync everysec); on its volume only" in run.output


def test_an_opted_out_environment_says_why(tmp_path: Path) -> None:
    run = plan(
        "staging",
        tmp_path,
        None,
        "components_require_sealed_secrets=false",
        json.dumps(
            {
                "slipway_backup_target": {},
                "slipway_backup_opt_out_reason": "rebuilt nightly from prod",
            }
        ),
    )
    assert run.rc == 0, run.raw[-4000:]
    assert (
        "backups: no PostgreSQL backups leave the hosts (opted out: rebuilt nightly from prod)"
        in run.output
    )


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({}, "slipway_backup_target: staging keeps its databases and etcd only on its own disks"),
        (
            {"endpoint": "s3.example.net", "bucket": "b-1", "region": "r1"},
            "slipway_backup_target.endpoint",
        ),
        (
            {"endpoint": "http://s3.example.net", "bucket": "b-1", "region": "r1"},
            "slipway_backup_target.endpoint: 'http://s3.example.net' is plain http",
        ),
        (
            {"endpoint": "https://s3.example.net", "bucket": "Bad_Bucket", "region": "r1"},
            "slipway_backup_target.bucket: 'Bad_Bucket' is not an S3 bucket name",
        ),
        (
            {"endpoint": "https://s3.example.net", "bucket": "b-1"},
            "slipway_backup_target.region: must be a non-empty string",
        ),
        (
            {
                "endpoint": "https://s3.example.net",
                "bucket": "b-1",
                "region": "r1",
                "path": "a/../b",
            },
            "slipway_backup_target.path: 'a/../b' has the part '..'",
        ),
        (
            {"endpoint": "https://s3.example.net", "bucket": "b-1", "region": "r1", "secret": "x"},
            "slipway_backup_target: unknown key(s) secret",
        ),
    ],
    ids=["empty", "no-scheme", "plain-http", "bucket", "no-region", "path", "unknown-key"],
)
def test_a_bad_target_fails_the_plan_naming_the_field(
    tmp_path: Path, target: dict[str, str], message: str
) -> None:
    run = plan("staging", tmp_path, None, json.dumps({"slipway_backup_target": target}))
    assert run.rc != 0
    assert message in run.output, run.raw[-3000:]


def test_a_restore_switches_the_stable_names_and_openpanel(tmp_path: Path) -> None:
    serving = {
        "business-db": "business-db-cluster-202612041200",
        "openpanel": "openpanel-db-202612041200",
    }
    run = plan(
        "staging",
        tmp_path,
        None,
        "components_require_sealed_secrets=false",
        json.dumps({"slipway_db_serving": serving}),
    )
    assert run.rc == 0, run.raw[-4000:]
    plan_dir = tmp_path / "staging" / "components"
    services = {doc["metadata"]["name"]: doc for doc in manifests(plan_dir, "db-endpoints") if doc}
    assert services["business-db-rw"]["metadata"]["namespace"] == "data"
    assert services["business-db-rw"]["spec"] == {
        "type": "ExternalName",
        "externalName": "business-db-cluster-202612041200-rw.data.svc.cluster.local",
        "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432, "protocol": "TCP"}],
    }
    # platform-db was not restored: its stable name still names the catalog's cluster.
    assert (
        services["platform-db-rw"]["spec"]["externalName"]
        == "platform-db-cluster-rw.platform.svc.cluster.local"
    )
    docs = manifests(plan_dir, "openpanel")
    refs = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for doc in docs
        if doc["kind"] == "Deployment"
        for container in doc["spec"]["template"]["spec"]["containers"]
        for env in container.get("env", [])
        if env["name"] == "DATABASE_URL"
    }
    assert refs == {"openpanel-db-202612041200-app"}
    # The chart's own cluster stays, with its data: the restore never removes it.
    assert one(docs, "Cluster")["metadata"]["name"] == "openpanel-db"
