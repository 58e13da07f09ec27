"""The component plan of every inventory, rendered offline with the real helm.

Upstream chart archives cannot be downloaded here: tests/standins/charts/generic is
packaged (real `helm package`) under each catalog chart's name and version into a
temporary air-gap folder with a real SHA256SUMS; the real plan path then runs:
`ansible-playbook playbooks/phase1_platform.yml --tags plan` (role components,
module component_plan, `helm template`). Every manifest is schema-validated for
Kubernetes 1.34.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

pytestmark = [pytest.mark.render, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
STANDIN = ROOT / "tests" / "standins" / "charts" / "generic"
KUBE_VERSION = "1.34"
# Custom resources of operators have no Kubernetes schema; the openpanel chart's are
# checked field by field in test_openpanel_chart.py, the databases' in
# test_database_charts.py, the backups' in test_backups.py.
CUSTOM_GROUPS = (
    "cert-manager.io/",
    "postgresql.cnpg.io/",
    "barmancloud.cnpg.io/",
    "database.arangodb.com/",
    "traefik.io/",
    "clickhouse.altinity.com/",
    "clickhouse-keeper.altinity.com/",
)
EVERYWHERE = {
    "sealed-secrets",
    "db-endpoints",
    "cert-manager",
    "cluster-issuers",
    "cloudnative-pg",
    "platform-db",
    "business-db",
    "valkey",
}
EXPECTED = {
    # kubero is off in the catalog until it publishes an operator+UI chart.
    "dev": EVERYWHERE | {"headlamp", "admin-allowlist"},
    "ci": EVERYWHERE,
    # The phase-2 databases go with their operators.
    "test": EVERYWHERE
    | {
        "headlamp",
        "admin-allowlist",
        "kube-arangodb",
        "arangodb",
        "clickhouse-operator",
        "clickhouse",
    },
    "staging": EVERYWHERE
    | {
        "admin-allowlist",
        "barman-cloud",
        "headlamp",
        "kube-arangodb",
        "arangodb",
        "clickhouse-operator",
        "clickhouse",
        "vault",
        "vault-tls",
        "signoz-clickhouse",
        "signoz",
        "otel-collector",
        "otel-agent",
        "openpanel",
    },
    "prod": EVERYWHERE
    | {
        "admin-allowlist",
        "barman-cloud",
        "headlamp",
        "kube-arangodb",
        "arangodb",
        "clickhouse-operator",
        "clickhouse",
        "vault",
        "vault-tls",
        "signoz-clickhouse",
        "signoz",
        "otel-collector",
        "otel-agent",
        "openpanel",
    },
}
DASHBOARD_HOST = {
    "dev": "dashboard.internal.localhost",
    "test": "dashboard.internal-test.example.com",
    "staging": "dashboard.internal-staging.example.com",
    "prod": "dashboard.internal.example.com",
}


def tool_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{ROOT / '.tools' / 'bin'}:{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    # One line per result, so messages are not wrapped.
    env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def airgap(stand_in_airgap: Path) -> Path:
    """The stand-in air-gap folder: tests/standins/charts/generic as every catalog chart."""
    return stand_in_airgap


def run_play(
    playbook: str, inventory: str, *flags: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run one playbook from the repository root with the project's tools and env on top."""
    return subprocess.run(
        ["ansible-playbook", playbook, "-i", f"inventories/{inventory}", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=tool_env(**env),
    )


def run_plan(
    inventory: str, airgap: Path | None, build: Path, *flags: str
) -> subprocess.CompletedProcess[str]:
    """Run the plan of phase 1's playbook; airgap None plans without an air-gap folder."""
    return run_play(
        "playbooks/phase1_platform.yml",
        inventory,
        "--tags",
        "plan",
        *flags,
        SLIPWAY_AIRGAP_DIR=str(airgap or ""),
        SLIPWAY_BUILD_DIR=str(build),
    )


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("inventory", sorted(EXPECTED))
def test_plan_renders_and_validates(inventory: str, airgap: Path, tmp_path: Path) -> None:
    first = run_plan(inventory, airgap, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    plan_dir = tmp_path / inventory / "components"
    plan = yaml.safe_load((plan_dir / "plan.yml").read_text())
    assert plan["env"] == inventory
    releases = {release["name"]: release for release in plan["releases"]}
    assert set(releases) == EXPECTED[inventory]
    disabled = {item["name"] for item in plan["disabled"]}
    assert ("openpanel" in disabled) == (inventory not in ("staging", "prod"))
    phases = [release["phase"] for release in plan["releases"]]
    assert phases == sorted(phases)
    seen: set[str] = set()
    for release in plan["releases"]:
        assert set(release["after"]) <= seen, f"{release['name']} planned before {release['after']}"
        seen.add(release["name"])
        # A path chart is installed from the collection, in air-gap mode too.
        local = (
            ROOT / release["path"] if release["path"] else airgap / "charts" / release["archive"]
        )
        assert release["chart_ref"] == str(local)
        manifests = plan_dir / "manifests" / f"{release['release']}.yaml"
        docs = documents(manifests)
        assert docs, f"{manifests} is empty"
        for doc in docs:
            if not doc["apiVersion"].startswith(CUSTOM_GROUPS):
                kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
    for doc in documents(plan_dir / "namespaces.yaml"):
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        assert doc["metadata"]["labels"]["slipway.dev/env"] == inventory
    if inventory in DASHBOARD_HOST:
        headlamp = documents(plan_dir / "manifests" / "headlamp.yaml")
        ingress = next(doc for doc in headlamp if doc["kind"] == "Ingress")
        assert ingress["spec"]["rules"][0]["host"] == DASHBOARD_HOST[inventory]
    if inventory in ("staging", "prod"):
        # Slipway's own chart, rendered from the collection with the catalog's values.
        openpanel = documents(plan_dir / "manifests" / "openpanel.yaml")
        hosts = {doc["spec"]["rules"][0]["host"] for doc in openpanel if doc["kind"] == "Ingress"}
        assert hosts == {DASHBOARD_HOST[inventory].replace("dashboard.", "openpanel.", 1)}
        assert "Secret" not in {doc["kind"] for doc in openpanel}
        # Every needed Secret is at least declared: the plan only lacks sealing.
        undeclared = [item for item in plan["sealed_secrets"]["missing"] if not item["declared"]]
        assert undeclared == []
        # SigNoz's ClickHouse user: password by Secret reference, pods' network only.
        store = documents(plan_dir / "manifests" / "signoz-clickhouse.yaml")
        [installation] = [doc for doc in store if doc["kind"] == "ClickHouseInstallation"]
        users = installation["spec"]["configuration"]["users"]
        assert users["signoz/password"] == {
            "valueFrom": {"secretKeyRef": {"name": "signoz-clickhouse", "key": "password"}}
        }
        assert users["signoz/networks/ip"] == ["10.42.0.0/16"]
    if inventory == "prod":
        # HA Vault: the ingress's Service vault-active needs Kubernetes service registration.
        vault = yaml.safe_load((plan_dir / "values" / "vault.yaml").read_text())["server"]
        assert vault["ha"]["enabled"] is True
        assert 'service_registration "kubernetes" {}' in vault["ha"]["config"]
    again = run_plan(inventory, airgap, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "changed=0" in again.stdout


def test_check_mode_shows_the_plan_and_writes_nothing(airgap: Path, tmp_path: Path) -> None:
    result = run_plan("staging", airgap, tmp_path, "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "+env: staging" in result.stdout
    assert "vault" in result.stdout
    assert not (tmp_path / "staging").exists()


VERIFY_PLAY = """
- name: Verify chart archives the way apply does
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Verify
      ansible.builtin.include_role:
        name: slipway.platform.components
        tasks_from: verify_archives
      vars:
        components_chart_dir: "{chart_dir}"
        # A path chart has no archive: verify passes it by.
        components_selected:
          - {{archive: "{archive}", path: ""}}
          - {{archive: "", path: charts/openpanel}}
"""


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("", ""),
        ("tamper", "{archive} in {charts}: does not match its recorded sha256"),
        ("unrecorded", "{archive} in {charts}: is not in SHA256SUMS"),
        ("no-sums", "{charts}/SHA256SUMS is missing"),
    ],
)
def test_apply_refuses_a_changed_archive(
    airgap: Path, tmp_path: Path, damage: str, message: str
) -> None:
    charts = tmp_path / "charts"
    shutil.copytree(airgap / "charts", charts)
    archive = "headlamp-0.43.0.tgz"
    sums = charts / "SHA256SUMS"
    if damage == "tamper":
        with (charts / archive).open("ab") as stream:
            stream.write(b"tampered")
    elif damage == "unrecorded":
        kept = [line for line in sums.read_text().splitlines() if not line.endswith(archive)]
        sums.write_text("\n".join(kept) + "\n")
    elif damage == "no-sums":
        sums.unlink()
    playbook = tmp_path / "verify.yml"
    playbook.write_text(VERIFY_PLAY.format(chart_dir=charts, archive=archive))
    result = run_play(str(playbook), "dev")
    if message:
        assert result.returncode != 0
        assert message.format(archive=archive, charts=charts) in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (None, "components_override_file: {path} does not exist"),
        (
            "valkey:\n  version: latest\n",
            "components.valkey.version: 'latest' is not a pinned SemVer version",
        ),
        (
            "sealed-secrets:\n  enabled: false\n",
            "components.business-db.depends_on: 'sealed-secrets' is disabled in this environment",
        ),
        ("- not a mapping\n", "layers[2]: must be a mapping of component name to entry"),
    ],
)
def test_bad_override_file_names_the_field(
    airgap: Path, tmp_path: Path, override: str | None, message: str
) -> None:
    path = tmp_path / "override.yml"
    if override is not None:
        path.write_text(override)
    result = run_plan("dev", airgap, tmp_path, "-e", f"components_override_file={path}")
    assert result.returncode != 0
    assert message.format(path=path) in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_override_file_appends_and_replaces(airgap: Path, tmp_path: Path) -> None:
    path = tmp_path / "override.yml"
    path.write_text(
        "headlamp:\n"
        "  values:\n"
        "    replicaCount: 3\n"
        "    ingress:\n"
        "      hosts:\n"
        "        +append:\n"
        "          - {host: ops.example.com, paths: [{path: /, type: Prefix}]}\n"
    )
    result = run_plan("dev", airgap, tmp_path, "-e", f"components_override_file={path}")
    assert result.returncode == 0, result.stdout + result.stderr
    values = yaml.safe_load((tmp_path / "dev/components/values/headlamp.yaml").read_text())
    assert values["replicaCount"] == 3
    assert [host["host"] for host in values["ingress"]["hosts"]] == [
        "dashboard.internal.localhost",
        "ops.example.com",
    ]


# headlamp turned into a chart directory of the collection: the stand-in chart.
PATH_OVERRIDE = """
headlamp:
  repo: null
  upstream: null
  path: tests/standins/charts/generic
  chart: generic
  version: 0.0.0
"""


def test_path_chart_is_rendered_without_an_air_gap_folder(tmp_path: Path) -> None:
    override = tmp_path / "override.yml"
    override.write_text(PATH_OVERRIDE)
    result = run_plan("dev", None, tmp_path, "-e", f"components_override_file={override}")
    assert result.returncode == 0, result.stdout + result.stderr
    # Besides headlamp, only the collection's own charts (phase 0's cluster-issuers,
    # admin-allowlist and db-endpoints) are at hand.
    [rendered] = [line for line in result.stdout.splitlines() if "rendered with helm: " in line]
    names = rendered.split("rendered with helm: ", 1)[1].strip(" '\",").split(", ")
    assert sorted(names) == ["admin-allowlist", "cluster-issuers", "db-endpoints", "headlamp"], (
        rendered
    )
    plan_dir = tmp_path / "dev" / "components"
    [headlamp] = [
        release
        for release in yaml.safe_load((plan_dir / "plan.yml").read_text())["releases"]
        if release["name"] == "headlamp"
    ]
    assert headlamp["chart_ref"] == str(STANDIN)
    assert (headlamp["archive"], headlamp["chart_repo_url"]) == ("", "")
    for doc in documents(plan_dir / "manifests" / "headlamp.yaml"):
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
    # Nothing else has a chart at hand without the air-gap folder.
    assert not (plan_dir / "manifests" / "valkey.yaml").exists()


ARTIFACTS_PLAY = """
- name: Chart archives, the way playbooks/artifacts.yml fills them
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Pull and checksum
      ansible.builtin.include_role:
        name: slipway.platform.components
        tasks_from: artifacts
"""


def test_artifacts_records_checksums_once_and_refuses_changes(airgap: Path, tmp_path: Path) -> None:
    """Archives already present are not pulled again (no network here): only recorded."""
    target = tmp_path / "airgap"
    shutil.copytree(airgap / "charts", target / "charts")
    (target / "charts" / "SHA256SUMS").unlink()
    # ci uses only repository charts, all present, so nothing is downloaded.
    playbook = tmp_path / "artifacts.yml"
    playbook.write_text(ARTIFACTS_PLAY)

    def run() -> subprocess.CompletedProcess[str]:
        return run_play(
            str(playbook),
            "ci",
            SLIPWAY_AIRGAP_DIR=str(target),
            SLIPWAY_BUILD_DIR=str(tmp_path / "build"),
        )

    first = run()
    assert first.returncode == 0, first.stdout + first.stderr
    recorded = (target / "charts" / "SHA256SUMS").read_text().splitlines()
    assert "valkey-0.11.0.tgz" in {line.split()[1] for line in recorded}
    for line in recorded:
        digest, name = line.split()
        assert hashlib.sha256((target / "charts" / name).read_bytes()).hexdigest() == digest
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "changed=0" in second.stdout
    with (target / "charts" / "valkey-0.11.0.tgz").open("ab") as stream:
        stream.write(b"tampered")
    third = run()
    assert third.returncode != 0
    assert "valkey-0.11.0.tgz changed since it was recorded" in third.stdout


def test_artifacts_leaves_path_charts_alone(airgap: Path, tmp_path: Path) -> None:
    """A path chart is part of the collection: nothing is pulled or recorded for it."""
    target = tmp_path / "airgap"
    shutil.copytree(airgap / "charts", target / "charts")
    (target / "charts" / "SHA256SUMS").unlink()
    (target / "charts" / "valkey-0.11.0.tgz").unlink()
    override = tmp_path / "override.yml"
    override.write_text(PATH_OVERRIDE.replace("headlamp:", "valkey:"))
    playbook = tmp_path / "artifacts.yml"
    playbook.write_text(ARTIFACTS_PLAY)
    result = run_play(
        str(playbook),
        "ci",
        "-e",
        f"components_override_file={override}",
        SLIPWAY_AIRGAP_DIR=str(target),
        SLIPWAY_BUILD_DIR=str(tmp_path / "build"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = {
        line.split()[1] for line in (target / "charts" / "SHA256SUMS").read_text().splitlines()
    }
    assert "cluster-0.8.1.tgz" in recorded
    assert not [name for name in recorded if name.startswith(("valkey", "generic"))]
    assert not (target / "charts" / "valkey-0.11.0.tgz").exists()
