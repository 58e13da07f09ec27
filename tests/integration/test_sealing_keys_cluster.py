"""Cert fetch, key backup, key restore and phase 0 apply against a stand-in cluster.

The API server (with the controller's cert endpoint behind the service proxy,
and a controller that unseals with the tests' own decryptor) is
tests/standins/sealed_secrets_cluster; everything else is real:
ansible-playbook, cluster_check, the sealing_keys role, kubernetes.core,
kubectl and ansible-vault.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealRequest,
    load_cert,
    plan_sealed_secret,
)
from ansible_collections.slipway.platform.tests.standins.sealed_secrets_cluster.apiserver import (
    Cluster,
    kubeconfig,
    serve,
)
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    cert_pem,
    key_secret_yaml,
    label_for,
    open_manifest,
    open_value,
    private_pem,
    rsa_key,
    write,
)

REPO = Path(__file__).resolve().parents[2]
BACKUP_PHRASE = "cluster-backup-phrase-0f3e7a"
PLAINTEXT = "opens-after-restore-62d1"


def _controller() -> Cluster:
    """Return a cluster whose controller holds two keys and serves the newer cert."""
    cluster = Cluster(cert_pem(rsa_key()).decode())
    for item in yaml.safe_load(key_secret_yaml([rsa_key(seed=1), rsa_key()]))["items"]:
        cluster.add("v1", "secrets", item)
    _deployment(cluster)
    return cluster


def _deployment(cluster: Cluster) -> None:
    cluster.add(
        "apps/v1",
        "deployments",
        {
            "metadata": {"name": "sealed-secrets-controller", "namespace": "kube-system"},
            "spec": {"template": {"metadata": {"annotations": {}}}},
        },
    )


def _against(
    tmp_path: Path, cluster: Cluster, playbook: str, *extra: str, **settings: str
) -> PlaybookRun:
    """Run playbooks/<playbook> with the ci inventory against the stand-in cluster."""
    server = serve(cluster)
    try:
        config = write(tmp_path / f"kubeconfig-{server.server_address[1]}", kubeconfig(server))
        settings = {
            "slipway_state_dir": str(tmp_path / "state"),
            "slipway_kubeconfig": str(config),
            "ansible_python_interpreter": sys.executable,
            **settings,
        }
        return run_playbook(playbook, "-i", "inventories/ci", "-e", json.dumps(settings), *extra)
    finally:
        server.shutdown()


def _playbook(tmp_path: Path, cluster: Cluster, playbook: str, *extra: str) -> PlaybookRun:
    run = _against(
        tmp_path,
        cluster,
        playbook,
        *extra,
        slipway_sealing_cert=str(tmp_path / "certs" / "sealed-secrets-public-ci.pem"),
        slipway_sealing_key_backup_passphrase=BACKUP_PHRASE,
    )
    assert run.rc == 0, run.raw[-3000:]
    for secret in (BACKUP_PHRASE, private_pem(rsa_key()).decode().splitlines()[3]):
        assert secret not in run.raw
    return run


def _secrets(cluster: Cluster) -> list[dict[str, Any]]:
    return cluster.items("v1", "secrets", "kube-system")


@pytest.mark.slow
def test_fetch_backup_restore(tmp_path: Path) -> None:
    old = _controller()

    fetched = _playbook(tmp_path, old, "sealing_cert_fetch.yml")
    cert_file = tmp_path / "certs" / "sealed-secrets-public-ci.pem"
    assert cert_file.read_text() == old.cert_pem
    assert "New sealing cert" in fetched.raw
    assert _playbook(tmp_path, old, "sealing_cert_fetch.yml").changed == 0

    request = SealRequest(name="db", namespace="platform", values={"password": PLAINTEXT.encode()})
    sealed = plan_sealed_secret(request, load_cert(cert_file.read_bytes()), b"f" * 32, None).text

    _playbook(tmp_path, old, "sealing_key_backup.yml")
    assert _playbook(tmp_path, old, "sealing_key_backup.yml").changed == 0
    (backup,) = (tmp_path / "state" / "backups" / "sealing-keys").glob("sealing-keys-ci-*.vault")

    fresh = Cluster()
    _deployment(fresh)
    check = _playbook(tmp_path, fresh, "sealing_key_restore.yml", "--check")
    assert check.changed > 0
    assert _secrets(fresh) == []
    restored = _playbook(tmp_path, fresh, "sealing_key_restore.yml")
    assert backup.name in restored.raw
    assert sorted(s["metadata"]["name"] for s in _secrets(fresh)) == [
        "sealed-secrets-key0",
        "sealed-secrets-key1",
    ]
    (deployment,) = fresh.items("apps/v1", "deployments", "kube-system")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert "sealing.slipway.io/keys-restored-at" in annotations
    assert _playbook(tmp_path, fresh, "sealing_key_restore.yml").changed == 0

    # The restored key opens what was sealed with the fetched cert.
    (active,) = [s for s in _secrets(fresh) if s["metadata"]["name"] == "sealed-secrets-key1"]
    key_pem = base64.b64decode(active["data"]["tls.key"])
    assert key_pem == private_pem(rsa_key())
    assert open_manifest(rsa_key(), sealed)["password"] == PLAINTEXT.encode()


@pytest.mark.slow
def test_backup_refuses_an_empty_passphrase(tmp_path: Path) -> None:
    run = _against(tmp_path, _controller(), "sealing_key_backup.yml")
    assert run.rc != 0
    assert "slipway_sealing_key_backup_passphrase is empty" in run.output
    assert not (tmp_path / "state" / "backups").exists()


def _unseal(sealed: dict[str, Any]) -> dict[str, str]:
    """Stand-in controller: open with the test's own decryptor, as the real one would."""
    label = label_for(sealed)
    try:
        return {
            key: base64.b64encode(open_value(rsa_key(), value, label)).decode()
            for key, value in sealed["spec"]["encryptedData"].items()
        }
    except ValueError as exc:
        raise ValueError(f"no key could decrypt secret ({exc})") from exc


@pytest.mark.slow
def test_phase0_applies_committed_sealed_secrets(tmp_path: Path) -> None:
    cluster = Cluster(cert_pem(rsa_key()).decode(), unseal=_unseal)
    cert = load_cert(cert_pem(rsa_key()))
    secrets_dir = tmp_path / "secrets" / "ci"
    secrets_dir.mkdir(parents=True)
    for name, scope in (("db", "strict"), ("registry", "namespace-wide")):
        request = SealRequest(
            name=name, namespace="kube-system", scope=scope, values={"v": PLAINTEXT.encode()}
        )
        plan = plan_sealed_secret(request, cert, b"f" * 32, None)
        write(secrets_dir / f"kube-system.{name}.yml", plan.text)
    extra = ("-e", json.dumps({"slipway_sealing_secrets_dir": str(secrets_dir)}))

    first = _playbook(tmp_path, cluster, "phase0/40_secrets.yml", *extra)
    assert first.changed == 1
    opened = {s["metadata"]["name"]: s for s in _secrets(cluster)}
    for name in ("db", "registry"):
        assert base64.b64decode(opened[name]["data"]["v"]) == PLAINTEXT.encode()
    second = _playbook(tmp_path, cluster, "phase0/40_secrets.yml", *extra)
    assert second.changed == 0
    assert PLAINTEXT not in first.raw + second.raw


def _sealed(cluster: Cluster, name: str) -> dict[str, Any]:
    (found,) = [s for s in cluster.items(*SEALED, "kube-system") if s["metadata"]["name"] == name]
    return found


SEALED = ("bitnami.com/v1alpha1", "sealedsecrets")


@pytest.mark.slow
def test_phase0_reapply_replaces_dropped_keys_and_old_scope(tmp_path: Path) -> None:
    cluster = Cluster(cert_pem(rsa_key()).decode(), unseal=_unseal)
    cert = load_cert(cert_pem(rsa_key()))
    secrets_dir = tmp_path / "secrets" / "ci"
    secrets_dir.mkdir(parents=True)
    dest = secrets_dir / "kube-system.registry.yml"

    def seal(scope: str, keys: tuple[str, ...]) -> None:
        values = {k: f"{PLAINTEXT}-{k}".encode() for k in keys}
        request = SealRequest(name="registry", namespace="kube-system", scope=scope, values=values)
        write(dest, plan_sealed_secret(request, cert, b"f" * 32, None).text)

    # A short wait: without the fix the controller never reports Synced.
    extra = (
        "-e",
        json.dumps({"slipway_sealing_secrets_dir": str(secrets_dir)}),
        "-e",
        "slipway_sealing_apply_timeout=10",
    )
    seal("namespace-wide", ("token", "dropped"))
    _playbook(tmp_path, cluster, "phase0/40_secrets.yml", *extra)
    first = _sealed(cluster, "registry")
    assert "sealedsecrets.bitnami.com/namespace-wide" in first["metadata"]["annotations"]
    assert sorted(first["spec"]["encryptedData"]) == ["dropped", "token"]

    seal("strict", ("token",))
    again = _playbook(tmp_path, cluster, "phase0/40_secrets.yml", *extra)
    assert again.changed == 1
    sealed = _sealed(cluster, "registry")
    assert "sealedsecrets.bitnami.com/namespace-wide" not in sealed["metadata"]["annotations"]
    assert "sealedsecrets.bitnami.com/namespace-wide" not in (
        sealed["spec"]["template"]["metadata"].get("annotations") or {}
    )
    assert list(sealed["spec"]["encryptedData"]) == ["token"]
    assert sealed["status"]["conditions"] == [{"type": "Synced", "status": "True"}]
    (managed,) = sealed["metadata"]["managedFields"]
    assert (managed["manager"], managed["operation"]) == ("slipway", "Apply")
    opened = {s["metadata"]["name"]: s for s in _secrets(cluster)}["registry"]["data"]
    assert {k: base64.b64decode(v) for k, v in opened.items()} == {
        "token": f"{PLAINTEXT}-token".encode()
    }
    assert _playbook(tmp_path, cluster, "phase0/40_secrets.yml", *extra).changed == 0
    assert PLAINTEXT not in again.raw


STEP25 = "phase0/25_sealing_keys_restore.yml"


def test_phase0_restores_keys_between_k3s_and_the_controller() -> None:
    steps = [
        entry["ansible.builtin.import_playbook"]
        for entry in yaml.safe_load((REPO / "playbooks" / "phase0_bootstrap.yml").read_text())
    ]
    assert steps.index("phase0/20_k3s.yml") + 1 == steps.index(STEP25)
    assert steps.index(STEP25) + 1 == steps.index("phase0/30_sealed_secrets_controller.yml")


def _key_names(cluster: Cluster) -> list[str]:
    return sorted(s["metadata"]["name"] for s in _secrets(cluster))


@pytest.mark.slow
def test_phase0_restores_keys_into_a_fresh_cluster_only(tmp_path: Path) -> None:
    old = _controller()
    _playbook(tmp_path, old, "sealing_key_backup.yml")
    (backup,) = (tmp_path / "state" / "backups" / "sealing-keys").glob("sealing-keys-ci-*.vault")
    asked = ("-e", json.dumps({"slipway_sealing_key_restore_file": str(backup)}))
    hidden = [
        *backup.read_text().splitlines()[1:4],
        *(s["data"]["tls.key"][-80:] for s in _secrets(old)),
    ]

    # A cluster rebuilt from nothing: k3s is up, the controller is not installed yet.
    fresh = Cluster()
    check = _playbook(tmp_path, fresh, STEP25, "--check", *asked)
    assert check.changed > 0
    assert _secrets(fresh) == []
    restored = _playbook(tmp_path, fresh, STEP25, "-v", *asked)
    assert f"2 sealing key(s) from {backup} are in kube-system" in restored.output
    assert _key_names(fresh) == ["sealed-secrets-key0", "sealed-secrets-key1"]
    assert [s["data"] for s in _secrets(fresh)] == [s["data"] for s in _secrets(old)]
    # Step 30 installs the controller; nothing to restart, and no warning about it.
    assert fresh.items("apps/v1", "deployments", "kube-system") == []
    assert "WARNING" not in restored.raw

    again = _playbook(tmp_path, fresh, STEP25, *asked)
    assert again.changed == 0
    assert (
        "Sealing keys not restored: kube-system already holds 2 sealing key(s)"
        " (sealed-secrets-key0, sealed-secrets-key1)" in again.output
    )
    for run in (check, restored, again):
        for secret in hidden:
            assert secret not in run.raw

    # A controller that already made its own key is not handed the old ones.
    own = Cluster()
    own.add("v1", "secrets", yaml.safe_load(key_secret_yaml([rsa_key(seed=7)]))["items"][0])
    _deployment(own)
    untouched = _playbook(tmp_path, own, STEP25, *asked)
    assert untouched.changed == 0
    assert "already holds 1 sealing key(s)" in untouched.output
    assert _key_names(own) == ["sealed-secrets-key0"]
    (deployment,) = own.items("apps/v1", "deployments", "kube-system")
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {}


@pytest.mark.slow
def test_phase0_restore_step_without_a_backup_file_only_says_how(tmp_path: Path) -> None:
    # No cluster is asked: the kubeconfig does not even exist.
    settings = {
        "slipway_state_dir": str(tmp_path / "state"),
        "slipway_kubeconfig": str(tmp_path / "missing-kubeconfig"),
        "ansible_python_interpreter": sys.executable,
    }
    run = run_playbook(STEP25, "-i", "inventories/ci", "-e", json.dumps(settings))
    assert run.rc == 0, run.raw[-3000:]
    assert run.changed == 0
    assert (
        "SKIPPED sealing key restore: a rebuilt cluster restores its keys here with"
        " -e slipway_sealing_key_restore_file=<backup .vault file>" in run.output
    )
    assert "missing-kubeconfig" not in run.raw
