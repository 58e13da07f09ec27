"""The offline plan cross-checks the Secrets components need against committed SealedSecrets.

Runs the real plan path offline (`ansible-playbook playbooks/phase1_platform.yml --tags
plan`) for staging, with `slipway_sealing_secrets_dir` pointing at a folder in tmp_path,
the way an operator's `secrets/staging/` would hold what `playbooks/seal.yml` wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from playbook_run import ROOT, PlaybookRun, run_playbook

pytestmark = [pytest.mark.render, pytest.mark.slow]

# Every Secret an enabled staging component needs (docs/components.md).
STAGING_NEEDS = {
    "platform-db": "platform/platform-db-app",
    "vault": "platform/vault-storage",
    "business-db": "data/business-db-app",
    "valkey": "data/valkey-users",
    "openpanel": "observability/openpanel",
    "signoz-clickhouse": "observability/signoz-clickhouse",
    "clickhouse": "data/clickhouse-app",
    "arangodb": "data/arangodb-root",
    "cluster-issuers": "cert-manager/cloudflare-api-token",
    # The object store's credentials of each database's backups (staging sets a target).
    "platform-db backups": "platform/backup-s3",
    "business-db backups": "data/backup-s3",
    "openpanel backups": "observability/backup-s3",
}
STAGING_DECLARATIONS = yaml.safe_load(
    (ROOT / "inventories" / "staging" / "group_vars" / "all" / "sealing.yml").read_text()
)["slipway_sealing_secrets"]


def sealed_secret(secret: str) -> str:
    """Return a SealedSecret manifest for <namespace>/<name>, shaped as seal.yml writes it."""
    namespace, name = secret.split("/")
    return "---\n" + yaml.safe_dump(
        {
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "encryptedData": {"password": "AgB..."},
                "template": {"metadata": {"name": name, "namespace": namespace}},
            },
        }
    )


def commit(secrets: Path, *names: str) -> None:
    """Write the SealedSecrets of the given Secrets as namespace.name.yml files."""
    secrets.mkdir(parents=True, exist_ok=True)
    for secret in names:
        (secrets / f"{secret.replace('/', '.')}.yml").write_text(sealed_secret(secret))


def plan(tmp_path: Path, secrets: Path, **extra: object) -> PlaybookRun:
    """Run the staging plan with the SealedSecrets of the secrets folder."""
    settings = {"slipway_sealing_secrets_dir": str(secrets), **extra}
    return run_playbook(
        "phase1_platform.yml",
        "-i",
        "inventories/staging",
        "--tags",
        "plan",
        "-e",
        json.dumps(settings),
        env={"SLIPWAY_BUILD_DIR": str(tmp_path / "build")},
    )


def plan_file(tmp_path: Path) -> dict[str, object]:
    """Return the sealed_secrets section of the staging plan.yml."""
    summary = yaml.safe_load(
        (tmp_path / "build" / "staging" / "components" / "plan.yml").read_text()
    )
    return summary["sealed_secrets"]


def test_missing_sealed_secrets_warn_and_are_listed_in_the_plan(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets" / "staging"
    commit(secrets, "platform/platform-db-app", "data/valkey-users", "observability/openpanel")
    commit(secrets, "observability/signoz-clickhouse", "data/clickhouse-app", "data/arangodb-root")
    commit(secrets, "cert-manager/cloudflare-api-token")
    commit(secrets, "platform/backup-s3", "data/backup-s3", "observability/backup-s3")
    # Sealed for another namespace: it does not make data/business-db-app.
    commit(secrets, "apps/business-db-app")
    (secrets / "README.md").write_text("not a manifest, not read\n")
    # staging declares business-db-app; without its declaration the fix says to declare it.
    undeclared = [item for item in STAGING_DECLARATIONS if item["name"] != "business-db-app"]
    run = plan(tmp_path, secrets, slipway_sealing_secrets=undeclared)
    assert run.rc == 0, run.raw[-3000:]
    # vault-storage is declared in the staging inventory, business-db-app is not.
    assert (
        f"[WARNING]: vault needs Secret platform/vault-storage, which has no SealedSecret in "
        f"{secrets} (declared but not sealed): run ansible-playbook playbooks/seal.yml "
        "-i inventories/staging --ask-vault-pass "
        """-e '{"sealing_secrets_only": ["platform/vault-storage"]}', """
        f"then commit {secrets}/platform.vault-storage.yml" in run.output
    )
    assert (
        f"[WARNING]: business-db needs Secret data/business-db-app, which has no SealedSecret "
        f"in {secrets} (not declared): add {{name: business-db-app, namespace: data}}" in run.output
    )
    assert f"({secrets}/apps.business-db-app.yml seals apps/business-db-app" in run.output
    assert run.output.count("[WARNING]:") == 2, run.raw[-3000:]
    assert "SealedSecrets: 11 of 13 needed Secrets committed" in run.output
    section = plan_file(tmp_path)
    assert section["dir"] == str(secrets)
    assert section["committed"] == [
        "apps/business-db-app",
        "cert-manager/cloudflare-api-token",
        "data/arangodb-root",
        "data/backup-s3",
        "data/clickhouse-app",
        "data/valkey-users",
        "observability/backup-s3",
        "observability/openpanel",
        "observability/signoz-clickhouse",
        "platform/backup-s3",
        "platform/platform-db-app",
    ]
    missing = section["missing"]
    assert isinstance(missing, list)
    assert [(item["component"], item["secret"], item["declared"]) for item in missing] == [
        ("vault", "platform/vault-storage", True),
        ("business-db", "data/business-db-app", False),
    ]
    assert all("playbooks/seal.yml -i inventories/staging" in item["fix"] for item in missing)


def test_strict_mode_fails_on_a_missing_sealed_secret(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets" / "staging"
    commit(secrets, *[need for need in STAGING_NEEDS.values() if need != "data/valkey-users"])
    run = plan(tmp_path, secrets, components_require_sealed_secrets=True)
    assert run.rc != 0
    assert (
        "1 Secret(s) needed by enabled components have no committed SealedSecret and "
        "require_sealed_secrets is on (components_require_sealed_secrets): "
        "valkey needs Secret data/valkey-users" in run.output
    )
    # The plan was written before the run stopped, so plan.yml says what is missing too.
    assert [item["secret"] for item in plan_file(tmp_path)["missing"]] == ["data/valkey-users"]

    commit(secrets, "data/valkey-users")
    run = plan(tmp_path, secrets, components_require_sealed_secrets=True)
    assert run.rc == 0, run.raw[-3000:]
    assert "[WARNING]" not in run.output
    assert "SealedSecrets: 13 of 13 needed Secrets committed" in run.output


def test_a_file_that_is_not_a_sealed_secret_fails_naming_it(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets" / "staging"
    commit(secrets, "platform/platform-db-app")
    (secrets / "data.valkey-users.yml").write_text("apiVersion: v1\nkind: Secret\n")
    run = plan(tmp_path, secrets)
    assert run.rc != 0
    assert (
        f"{secrets}/data.valkey-users.yml: not a bitnami.com/v1alpha1 SealedSecret "
        "(found apiVersion 'v1', kind 'Secret')" in run.output
    )
    (secrets / "data.valkey-users.yml").write_text("metadata: [name\n")
    run = plan(tmp_path, secrets)
    assert run.rc != 0
    assert f"{secrets}/data.valkey-users.yml (line 1): YAML syntax error" in run.output
