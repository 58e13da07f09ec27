"""The deploy path of playbooks/apps.yml, against stand-ins for a cluster and its API server.

No cluster exists here: tests/standins/helm_release/helm (install, upgrade, list,
values; it renders with the real helm first), tests/standins/helm_cluster/
(history, rollback, and the API server the release history is stored in) and
tests/standins/kubectl_workloads (rollout status of what a release rendered) stand in.
Everything else is real: the playbook, the app_deploy, cluster_check and
release_history roles, release_bundle_info, kubernetes.core.helm and helm_rollback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playbook_run import STANDINS, run_playbook, standin_api

pytestmark = [pytest.mark.render, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
UNITS = ("web", "api", "worker")


@dataclass
class Cluster:
    """One stand-in cluster: the API store, helm's release state, the controller state."""

    store: Any
    helm_state: Path
    state_dir: Path

    def revisions(self, name: str) -> list[dict[str, Any]]:
        return json.loads((self.helm_state / "apps" / f"{name}.json").read_text())["revisions"]

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(cm["data"]["record.json"]) for cm in self.store.configmaps("platform")]

    def play(self, *extra: str, fail: str = "") -> tuple[int, str, tuple[int, int, int] | None]:
        run = run_playbook(
            "apps.yml",
            "-i",
            "inventories/ci",
            "-e",
            f"app_deploy_build_dir={self.state_dir / 'build'}",
            *extra,
            path_first=(STANDINS / "kubectl_workloads", STANDINS / "helm_release"),
            env={
                "SLIPWAY_STATE_DIR": str(self.state_dir),
                "SLIPWAY_HELM_STANDIN_STATE": str(self.helm_state),
                "SLIPWAY_HELM_STANDIN_FAIL": fail,
            },
        )
        return run.rc, run.output, run.recap


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    state_dir = tmp_path / "state"
    with standin_api(state_dir) as store:
        yield Cluster(store=store, helm_state=tmp_path / "helm", state_dir=state_dir)


def next_release(tmp_path: Path) -> Path:
    """The ci example bundle moved to another build (release and every tag)."""
    text = (ROOT / "releases" / "ci" / "bundle.yml").read_text().replace("3f9c2ab41d7e", "5d0e7f1")
    path = tmp_path / "next.yml"
    path.write_text(
        text.replace('git_sha: "5d0e7f10c5e8d21a4b7f9e6d3c1b2a4f5e6"', 'git_sha: "5d0e7f1"')
    )
    return path


def image(revision: dict[str, Any]) -> str:
    return str(revision["values"]["image"]["reference"])


def test_deploy_records_then_changes_nothing(cluster: Cluster) -> None:
    rc, out, recap = cluster.play()
    assert rc == 0, out
    assert recap is not None and recap[1] > 0
    for name in UNITS:
        [revision] = cluster.revisions(name)
        assert (revision["status"], revision["chart"]) == ("deployed", "app-0.2.0")
        assert image(revision) == f"registry.example.com/shop/{name}:3f9c2ab41d7e"
    [record] = cluster.records()
    assert (record["kind"], record["name"]) == ("bundle", "3f9c2ab41d7e")
    assert sorted(
        (r["name"], r["namespace"], r["chart"], r["chart_version"], r["revision"])
        for r in record["releases"]
    ) == sorted((n, "apps", "app", "0.2.0", 1) for n in UNITS)
    assert record["bundle"]["release"] == "3f9c2ab41d7e"
    # The deploy path of the components: the smoke table and the manifest backups.
    for name in UNITS:
        assert f"{name} ok 1 check(s) passed" in " ".join(out.split())
        backup = cluster.state_dir / "ci" / "backups" / "manifests" / "apps" / name / "1.yaml"
        assert f"name: {name}" in backup.read_text()

    rc, out, recap = cluster.play()
    assert rc == 0, out
    assert recap is not None and recap[1] == 0, out

    rc, out, recap = cluster.play("--check")
    assert rc == 0, out
    assert recap is not None and recap[1] == 0, out


def test_a_failing_unit_undoes_the_whole_release(cluster: Cluster, tmp_path: Path) -> None:
    rc, out, _ = cluster.play()
    assert rc == 0, out
    rc, out, recap = cluster.play("-e", f"bundle={next_release(tmp_path)}", fail="api")
    assert rc != 0
    assert recap is not None and recap[2] == 1
    # Units deploy in bundle order and the run stops at api: worker is never touched.
    assert "release 5d0e7f1 was not deployed: api failed" in out
    assert "this run also undid web, so the cluster runs what it ran before" in out
    for name in UNITS:
        latest = cluster.revisions(name)[-1]
        assert latest["status"] == "deployed"
        assert image(latest) == f"registry.example.com/shop/{name}:3f9c2ab41d7e"
    # Only the good release is in the history.
    assert [record["name"] for record in cluster.records()] == ["3f9c2ab41d7e"]
    assert len(cluster.revisions("worker")) == 1


def test_a_failing_first_deploy_removes_the_units_it_installed(cluster: Cluster) -> None:
    rc, out, recap = cluster.play(fail="api")
    assert rc != 0
    assert recap is not None and recap[2] == 1
    assert "this run also undid web, so the cluster runs what it ran before" in out
    assert not (cluster.helm_state / "apps" / "web.json").exists()
    assert not (cluster.helm_state / "apps" / "worker.json").exists()
    assert cluster.records() == []
