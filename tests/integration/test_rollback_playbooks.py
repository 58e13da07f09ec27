"""playbooks/rollback.yml and history.yml end to end against the helm+cluster stand-in.

Everything Slipway runs is real (ansible-playbook, the modules, the role,
kubernetes.core over HTTP); only helm and the API server are the stand-ins in
tests/standins/helm_cluster/, replaying the fixture JSON of tests/fixtures/helm/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playbook_run import run_playbook, standin_api

from ansible_collections.slipway.platform.plugins.module_utils.release_history import (
    new_record,
    to_configmap,
)

ROOT = Path(__file__).parents[2]
STANDIN = ROOT / "tests" / "standins" / "helm_cluster"
FIXTURES = ROOT / "tests" / "fixtures" / "helm"

pytestmark = pytest.mark.slow


@dataclass
class Cluster:
    """One stand-in cluster: API store, helm state, controller state."""

    store: Any
    helm_state: Path
    state_dir: Path

    def seed_release(self, namespace: str, name: str, fixture: str) -> None:
        path = self.helm_state / namespace / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"revisions": json.loads((FIXTURES / fixture).read_text())}))

    def revisions(self, namespace: str, name: str) -> list[dict[str, Any]]:
        path = self.helm_state / namespace / f"{name}.json"
        return json.loads(path.read_text())["revisions"]

    def seed_bundle(self, name: str, time: str, revision: int) -> None:
        releases = [
            {
                "name": app,
                "namespace": "apps",
                "chart": "slipway-app",
                "chart_version": "1.4.2",
                "revision": revision,
            }
            for app in ("api", "shop")
        ]
        record = new_record(
            "bundle", name, releases, bundle={"id": name}, action="deploy", now=time
        )
        configmap = to_configmap(record, "platform")
        with self.store.lock:
            self.store.objects[("namespaces", "", "platform")] = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "platform"},
            }
            self.store.objects[("configmaps", "platform", configmap["metadata"]["name"])] = (
                configmap
            )

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(cm["data"]["record.json"]) for cm in self.store.configmaps("platform")]

    def play(self, playbook: str, *extra: str) -> tuple[int, str, tuple[int, int, int] | None]:
        run = run_playbook(
            playbook,
            "-i",
            "inventories/ci",
            # The controller state of this test only, not the checkout's .state/.
            "-e",
            f"slipway_state_dir={self.state_dir / 'ci'}",
            *extra,
            path_first=(STANDIN,),
            env={
                "SLIPWAY_STATE_DIR": str(self.state_dir),
                "SLIPWAY_HELM_STANDIN_STATE": str(self.helm_state),
            },
        )
        return run.rc, run.output, run.recap


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    state_dir = tmp_path / "state"
    with standin_api(state_dir) as store:
        yield Cluster(store=store, helm_state=tmp_path / "helm", state_dir=state_dir)


def test_release_rollback_then_no_change(cluster: Cluster) -> None:
    cluster.seed_release("apps", "shop", "history_upgraded.json")
    rc, out, recap = cluster.play("rollback.yml", "-e", "helm_release=shop")
    assert rc == 0, out
    assert recap is not None
    assert recap[1] > 0
    assert cluster.revisions("apps", "shop")[-1]["description"] == "Rollback to 2"
    assert "apps/shop before: revision 3" in out
    (record,) = cluster.records()
    assert (record["kind"], record["name"], record["action"]) == ("component", "shop", "rollback")
    assert record["releases"][0]["revision"] == 4
    mirror = list((cluster.state_dir / "ci" / "backups" / "history").glob("*.json"))
    assert len(mirror) == 1

    rc, out, recap = cluster.play("rollback.yml", "-e", "helm_release=shop")
    assert rc == 0, out
    assert recap is not None
    assert recap[1] == 0, out
    # ci keeps 2 revisions (slipway_helm_history_max); the newest is still 4.
    assert cluster.revisions("apps", "shop")[-1]["revision"] == 4

    # The cluster is gone: history.yml says so and reads the controller mirror.
    rc, out, recap = cluster.play("history.yml", "-e", "slipway_kubeconfig=/nonexistent/kubeconfig")
    assert rc == 0, out
    assert "reading the controller mirror" in out
    assert "source: mirror" in out
    assert re.search(r"component\s+shop\s+rollback\s+shop\s+apps\s+slipway-app-1\.4\.1\s+4", out), (
        out
    )
    rc, out, _ = cluster.play(
        "history.yml", "-e", "source=cluster", "-e", "slipway_kubeconfig=/nonexistent/k"
    )
    assert rc != 0
    assert "source=cluster, but the cluster does not answer" in out


def test_component_rollback_resolves_release_from_catalog(cluster: Cluster, tmp_path: Path) -> None:
    """component=NAME rolls back the catalog entry's `release:` in its namespace."""
    override = tmp_path / "override.yml"
    override.write_text("vault:\n  release: vault-main\n")
    cluster.seed_release("platform", "vault-main", "history_upgraded.json")
    # A release named like the component elsewhere must not be touched.
    cluster.seed_release("apps", "vault", "history_upgraded.json")
    rc, out, recap = cluster.play(
        "rollback.yml", "-e", "component=vault", "-e", f"components_override_file={override}"
    )
    assert rc == 0, out
    assert recap is not None
    assert recap[1] > 0
    assert cluster.revisions("platform", "vault-main")[-1]["description"] == "Rollback to 2"
    assert len(cluster.revisions("apps", "vault")) == 3
    assert "platform/vault-main before: revision 3" in out
    (record,) = cluster.records()
    assert (record["kind"], record["name"], record["action"]) == ("component", "vault", "rollback")
    assert (record["releases"][0]["name"], record["releases"][0]["namespace"]) == (
        "vault-main",
        "platform",
    )


def test_component_rollback_to_named_revision_survives_pruning(cluster: Cluster) -> None:
    """Running `-e revision=N` again is a no-change even after helm pruned N (ci keeps 2)."""
    cluster.seed_release("apps", "shop", "history_upgraded.json")
    rc, out, recap = cluster.play("rollback.yml", "-e", "helm_release=shop", "-e", "revision=1")
    assert rc == 0, out
    assert [rev["revision"] for rev in cluster.revisions("apps", "shop")] == [3, 4]
    assert cluster.revisions("apps", "shop")[-1]["description"] == "Rollback to 1"

    rc, out, recap = cluster.play("rollback.yml", "-e", "helm_release=shop", "-e", "revision=1")
    assert rc == 0, out
    assert recap is not None
    assert recap[1] == 0, out
    assert "revision 4 is deployed and already carries revision 1" in out
    assert len(cluster.records()) == 1


def test_apps_rollback_to_previous_bundle_then_no_change(cluster: Cluster) -> None:
    for app in ("api", "shop"):
        cluster.seed_release("apps", app, "history_upgraded.json")
    cluster.seed_bundle("b1", "2026-11-01T10:00:00Z", 2)
    cluster.seed_bundle("b2", "2026-11-02T10:00:00Z", 3)

    rc, out, recap = cluster.play("rollback.yml", "-e", "apps=previous", "--check")
    assert rc == 0, out
    assert "would roll back from revision 3 (deployed) to 2" in out
    assert len(cluster.revisions("apps", "shop")) == 3
    assert len(cluster.records()) == 2

    rc, out, recap = cluster.play("rollback.yml", "-e", "apps=previous")
    assert rc == 0, out
    assert "roll the apps back from bundle b2 to b1" in out
    for app in ("api", "shop"):
        assert cluster.revisions("apps", app)[-1]["description"] == "Rollback to 2"
    newest = max(cluster.records(), key=lambda rec: rec["time"])
    assert (newest["name"], newest["action"]) == ("b1", "rollback")
    assert [rel["revision"] for rel in newest["releases"]] == [4, 4]

    rc, out, recap = cluster.play("rollback.yml", "-e", "apps=previous")
    assert rc == 0, out
    assert "already rolled back to bundle b1" in out
    assert recap is not None
    assert recap[1] == 0, out

    rc, out, _ = cluster.play("history.yml")
    assert rc == 0, out
    assert "source: cluster" in out
    assert re.search(r"bundle\s+b1\s+rollback\s+api\s+apps\s+slipway-app-1\.4\.1\s+4", out), out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "Say what to roll back, exactly once"),
        (("-e", "component=shop", "-e", "apps=previous"), "Say what to roll back, exactly once"),
        (
            ("-e", "apps=previous", "-e", "revision=2"),
            'revision: "2" must be a Helm revision number',
        ),
        (
            ("-e", "component=nope"),
            'component: "nope" is not in the catalog of ci; known components: admin-allowlist, '
            "arangodb, barman-cloud, business-db, cert-manager, ",
        ),
        (("-e", "helm_release=nope"), "release 'nope' not found in any namespace"),
        (
            ("-e", "component=vault", "-e", "helm_release=vault"),
            "Say what to roll back, exactly once",
        ),
        (("-e", "apps=b9"), "apps: bundle 'b9' is not in the history"),
    ],
)
def test_clear_errors(cluster: Cluster, extra: tuple[str, ...], message: str) -> None:
    cluster.seed_release("apps", "shop", "history_upgraded.json")
    cluster.seed_bundle("b1", "2026-11-01T10:00:00Z", 2)
    rc, out, _ = cluster.play("rollback.yml", *extra)
    assert rc != 0
    assert message in out, out
    assert "Traceback" not in out


RECORD_PLAY = """---
- name: Record a deploy the way deploy playbooks do
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Record the bundle deploy
      ansible.builtin.include_role:
        name: slipway.platform.release_history
        tasks_from: record
      vars:
        release_history_kind: bundle
        release_history_name: shop-2026.11.23
        release_history_bundle: {id: shop-2026.11.23, services: {shop: {image: "shop:1.4.2"}}}
        release_history_releases:
          - {name: shop, namespace: apps, chart: slipway-app, chart_version: "1.4.2", revision: "7"}
"""


def test_record_role_stores_once(cluster: Cluster, tmp_path: Path) -> None:
    playbook = tmp_path / "record.yml"
    playbook.write_text(RECORD_PLAY)
    rc, out, recap = cluster.play(str(playbook), "--check")
    assert rc == 0, out
    assert cluster.records() == []
    rc, out, recap = cluster.play(str(playbook))
    assert rc == 0, out
    assert recap is not None
    assert recap[1] > 0
    (record,) = cluster.records()
    assert record["bundle"]["services"]["shop"]["image"] == "shop:1.4.2"
    assert record["releases"] == [
        {
            "name": "shop",
            "namespace": "apps",
            "chart": "slipway-app",
            "chart_version": "1.4.2",
            "revision": 7,
        }
    ]
    rc, out, recap = cluster.play(str(playbook))
    assert rc == 0, out
    assert recap is not None
    assert recap[1] == 0, out
    assert "Already recorded deploy of bundle shop-2026.11.23" in out
    assert len(list((cluster.state_dir / "ci" / "backups" / "history").glob("*.json"))) == 1
