"""The components apply path (playbooks/phase2_data.yml with ci) against stand-ins.

No cluster exists here. Stand-ins: the chart archives (tests/standins/charts, packaged
into an air-gap folder by the `stand_in_airgap` fixture), helm installing releases
(tests/standins/helm_release/helm: it renders each archive with the real helm first),
the API server (tests/standins/helm_cluster/apiserver.py: namespaces, Secrets, the
release history) and kubectl watching rollouts (tests/standins/kubectl_workloads).
Everything else is real: the playbook, roles components, cluster_check and
release_history, module component_plan, kubernetes.core.helm and k8s, the real
kubectl looking for Secrets.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from playbook_run import ROOT, STANDINS, PlaybookRun, run_playbook, standin_api

pytestmark = [pytest.mark.render, pytest.mark.slow]


@dataclass
class Cluster:
    """One stand-in cluster and the controller state of the ci environment."""

    store: Any
    helm_state: Path
    state_dir: Path
    build_dir: Path
    airgap: Path

    def play(
        self,
        *extra: str,
        not_ready: str = "",
        fail: str = "",
        playbook: str = "phase2_data.yml",
    ) -> PlaybookRun:
        """Run playbook against the stand-ins; not_ready and fail name releases to break."""
        return run_playbook(
            playbook,
            "-i",
            "inventories/ci",
            *extra,
            path_first=(STANDINS / "kubectl_workloads", STANDINS / "helm_release"),
            env={
                "SLIPWAY_STATE_DIR": str(self.state_dir),
                "SLIPWAY_BUILD_DIR": str(self.build_dir),
                "SLIPWAY_AIRGAP_DIR": str(self.airgap),
                "SLIPWAY_HELM_STANDIN_STATE": str(self.helm_state),
                "SLIPWAY_KUBECTL_STANDIN_NOT_READY": not_ready,
                "SLIPWAY_HELM_STANDIN_FAIL": fail,
            },
        )

    def revisions(self, namespace: str, release: str) -> list[dict[str, Any]]:
        path = self.helm_state / namespace / f"{release}.json"
        return list(json.loads(path.read_text())["revisions"])


@pytest.fixture
def cluster(tmp_path: Path, stand_in_airgap: Path) -> Iterator[Cluster]:
    state_dir = tmp_path / "state"
    with standin_api(state_dir, "ci") as store:
        yield Cluster(
            store=store,
            helm_state=tmp_path / "helm",
            state_dir=state_dir,
            build_dir=tmp_path / "build",
            airgap=stand_in_airgap,
        )


def seal_valkey_users(cluster: Cluster) -> None:
    """Put the Secret valkey needs in place, as phase 0 step 40 would."""
    cluster.store.add_secret("data", "valkey-users", {"default": "c3RhbmQtaW4="})


def test_deploy_labels_backs_up_then_changes_nothing(cluster: Cluster) -> None:
    seal_valkey_users(cluster)
    first = cluster.play()
    assert first.rc == 0, first.raw[-4000:]
    assert first.changed > 0

    [revision] = cluster.revisions("data", "valkey")
    assert (revision["status"], revision["chart"]) == ("deployed", "valkey-0.11.0")
    assert revision["values"]["auth"]["usersExistingSecret"] == "valkey-users"

    for name in ("platform", "data", "kubero", "apps", "observability"):
        namespace = cluster.store.namespace(name)
        assert namespace is not None, f"namespace {name} was not created"
        labels = namespace["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "slipway"
        assert labels["slipway.dev/env"] == "ci"
        assert labels["pod-security.kubernetes.io/enforce"] == "baseline"

    backup = cluster.state_dir / "ci" / "backups" / "manifests" / "data" / "valkey" / "1.yaml"
    assert backup.is_file(), "the helm get manifest backup is missing"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    kinds = {doc["kind"] for doc in yaml.safe_load_all(backup.read_text()) if doc}
    assert kinds == {"Deployment", "Service"}

    [record] = [
        json.loads(cm["data"]["record.json"]) for cm in cluster.store.configmaps("platform")
    ]
    assert (record["kind"], record["name"]) == ("component", "valkey")
    assert "valkey ok 1 check(s) passed" in first.output

    second = cluster.play()
    assert second.rc == 0, second.raw[-4000:]
    assert second.changed == 0, second.raw[-4000:]
    assert len(cluster.revisions("data", "valkey")) == 1


def test_failing_smoke_check_fails_the_run_naming_the_component(cluster: Cluster) -> None:
    seal_valkey_users(cluster)
    run = cluster.play(not_ready="valkey")
    assert run.rc != 0
    assert "valkey FAIL error: timed out waiting for the condition" in run.output
    assert "smoke checks failed for: valkey" in run.output
    # The release itself was deployed and backed up before the smoke check.
    backup = cluster.state_dir / "ci" / "backups" / "manifests" / "data" / "valkey" / "1.yaml"
    assert backup.is_file()


def test_readiness_off_skips_the_smoke_checks_and_says_so(cluster: Cluster) -> None:
    # A workload that never becomes ready fails the run above; with readiness off
    # (an API server without nodes) nothing is waited for, and the summary says
    # which releases were not checked instead of calling them passed.
    seal_valkey_users(cluster)
    run = cluster.play("-e", "slipway_wait_for_ready=false", not_ready="valkey")
    assert run.rc == 0, run.raw[-4000:]
    assert "NOT CHECKED (slipway_wait_for_ready is false" in run.output
    assert "no smoke check): valkey" in run.output
    assert "valkey ok" not in run.output


def test_missing_secret_stops_before_helm(cluster: Cluster) -> None:
    run = cluster.play()
    assert run.rc != 0
    assert "valkey needs what the cluster does not have yet: Secret data/valkey-users" in run.output
    assert not (cluster.helm_state / "data" / "valkey.json").exists()


# Phases 1 and 2 the way site.yml chains phases: every phase but the last defers the
# smoke summary. In ci, headlamp (phase 1) is enabled here and business-db, whose
# smoke checks need pods the stand-ins do not model, is not.
TWO_PHASES = """
- name: Phase 1 - platform
  ansible.builtin.import_playbook: {root}/playbooks/phase1_platform.yml
  vars:
    components_smoke_summary: deferred
- name: Phase 2 - data
  ansible.builtin.import_playbook: {root}/playbooks/phase2_data.yml
"""
OVERRIDE = "headlamp:\n  enabled: true\nbusiness-db:\n  enabled: false\n"
SUMMARY_HEADER = "component smoke detail"


def two_phases(cluster: Cluster, tmp_path: Path, fail: str = "") -> PlaybookRun:
    playbook = tmp_path / "two_phases.yml"
    playbook.write_text(TWO_PHASES.format(root=ROOT))
    override = tmp_path / "override.yml"
    override.write_text(OVERRIDE)
    return cluster.play(
        "-e", f"components_override_file={override}", fail=fail, playbook=str(playbook)
    )


def test_one_smoke_summary_at_the_end_of_a_run_of_several_phases(
    cluster: Cluster, tmp_path: Path
) -> None:
    seal_valkey_users(cluster)
    run = two_phases(cluster, tmp_path)
    assert run.rc == 0, run.raw[-4000:]
    assert run.output.count(SUMMARY_HEADER) == 1, run.raw[-6000:]
    table = run.output[run.output.index(SUMMARY_HEADER) :]
    assert "PLAY [Phase 2 - data stores]" in run.output[: run.output.index(SUMMARY_HEADER)]
    assert "headlamp ok 2 check(s) passed" in table
    assert "valkey ok 1 check(s) passed" in table


def test_a_failed_deploy_prints_the_summary_and_names_the_component(
    cluster: Cluster, tmp_path: Path
) -> None:
    seal_valkey_users(cluster)
    run = two_phases(cluster, tmp_path, fail="valkey")
    assert run.rc != 0
    assert run.output.count(SUMMARY_HEADER) == 1, run.raw[-6000:]
    table = run.output[run.output.index(SUMMARY_HEADER) :]
    assert "headlamp ok 2 check(s) passed" in table
    assert "valkey FAIL deploy: stderr: Error: INSTALL FAILED: release valkey failed" in table
    assert "valkey was not deployed: Failure when executing Helm command" in run.output
    assert not (cluster.helm_state / "data" / "valkey.json").exists()


# valkey turned into a chart directory of the collection: the stand-in chart.
PATH_OVERRIDE = """
valkey:
  repo: null
  upstream: null
  path: tests/standins/charts/generic
  chart: generic
  version: 0.0.0
"""


def test_path_chart_deploys_from_its_directory_in_air_gap_mode(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The air-gap folder holds no generic archive: helm gets the collection's directory."""
    assert not list(cluster.airgap.glob("charts/generic-*"))
    seal_valkey_users(cluster)
    override = tmp_path / "override.yml"
    override.write_text(PATH_OVERRIDE)
    first = cluster.play("-e", f"components_override_file={override}")
    assert first.rc == 0, first.raw[-4000:]
    assert first.changed > 0
    [revision] = cluster.revisions("data", "valkey")
    assert (revision["status"], revision["chart"]) == ("deployed", "generic-0.0.0")
    plan = yaml.safe_load((cluster.build_dir / "ci" / "components" / "plan.yml").read_text())
    [valkey] = [release for release in plan["releases"] if release["name"] == "valkey"]
    assert valkey["chart_ref"] == str(STANDINS / "charts" / "generic")
    assert "valkey ok 1 check(s) passed" in first.output

    second = cluster.play("-e", f"components_override_file={override}")
    assert second.rc == 0, second.raw[-4000:]
    assert second.changed == 0, second.raw[-4000:]
    assert len(cluster.revisions("data", "valkey")) == 1
