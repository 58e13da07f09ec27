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
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def _playbook(tmp_path: Path, cluster: Cluster, playbook: str, *extra: str) -> str:
    server = serve(cluster)
    try:
        config = write(tmp_path / f"kubeconfig-{server.server_address[1]}", kubeconfig(server))
        settings = {
            "slipway_state_dir": str(tmp_path / "state"),
            "slipway_kubeconfig": str(config),
            "slipway_sealing_cert": str(tmp_path / "certs" / "sealed-secrets-public-ci.pem"),
            "slipway_sealing_key_backup_passphrase": BACKUP_PHRASE,
            "ansible_python_interpreter": sys.executable,
        }
        env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
        done = subprocess.run(
            [
                "ansible-playbook",
                playbook,
                "-i",
                "inventories/ci",
                "-e",
                json.dumps(settings),
                *extra,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.shutdown()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for secret in (BACKUP_PHRASE, private_pem(rsa_key()).decode().splitlines()[3]):
        assert secret not in output
    return output


def _changed(output: str) -> int:
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+) ", output)
    assert match, output[-800:]
    return int(match.group(1))


def _secrets(cluster: Cluster) -> list[dict[str, Any]]:
    return cluster.items("v1", "secrets", "kube-system")


@pytest.mark.slow
def test_fetch_backup_restore(tmp_path: Path) -> None:
    old = _controller()

    fetched = _playbook(tmp_path, old, "playbooks/sealing_cert_fetch.yml")
    cert_file = tmp_path / "certs" / "sealed-secrets-public-ci.pem"
    assert cert_file.read_text() == old.cert_pem
    assert "New sealing cert" in fetched
    assert _changed(_playbook(tmp_path, old, "playbooks/sealing_cert_fetch.yml")) == 0

    request = SealRequest(name="db", namespace="platform", values={"password": PLAINTEXT.encode()})
    sealed = plan_sealed_secret(request, load_cert(cert_file.read_bytes()), b"f" * 32, None).text

    _playbook(tmp_path, old, "playbooks/sealing_key_backup.yml")
    assert _changed(_playbook(tmp_path, old, "playbooks/sealing_key_backup.yml")) == 0
    (backup,) = (tmp_path / "state" / "backups" / "sealing-keys").glob("sealing-keys-ci-*.vault")

    fresh = Cluster()
    _deployment(fresh)
    check = _playbook(tmp_path, fresh, "playbooks/sealing_key_restore.yml", "--check")
    assert _changed(check) > 0
    assert _secrets(fresh) == []
    restored = _playbook(tmp_path, fresh, "playbooks/sealing_key_restore.yml")
    assert backup.name in restored
    assert sorted(s["metadata"]["name"] for s in _secrets(fresh)) == [
        "sealed-secrets-key0",
        "sealed-secrets-key1",
    ]
    (deployment,) = fresh.items("apps/v1", "deployments", "kube-system")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert "sealing.slipway.io/keys-restored-at" in annotations
    assert _changed(_playbook(tmp_path, fresh, "playbooks/sealing_key_restore.yml")) == 0

    # The restored key opens what was sealed with the fetched cert.
    (active,) = [s for s in _secrets(fresh) if s["metadata"]["name"] == "sealed-secrets-key1"]
    key_pem = base64.b64decode(active["data"]["tls.key"])
    assert key_pem == private_pem(rsa_key())
    assert open_manifest(rsa_key(), sealed)["password"] == PLAINTEXT.encode()


@pytest.mark.slow
def test_backup_refuses_an_empty_passphrase(tmp_path: Path) -> None:
    server = serve(_controller())
    try:
        config = write(tmp_path / "kubeconfig", kubeconfig(server))
        done = subprocess.run(
            [
                "ansible-playbook",
                "playbooks/sealing_key_backup.yml",
                "-i",
                "inventories/ci",
                "-e",
                json.dumps(
                    {
                        "slipway_state_dir": str(tmp_path / "state"),
                        "slipway_kubeconfig": str(config),
                        "ansible_python_interpreter": sys.executable,
                    }
                ),
            ],
            cwd=REPO,
            env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.shutdown()
    assert done.returncode != 0
    assert "slipway_sealing_key_backup_passphrase is empty" in " ".join(done.stdout.split())
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

    first = _playbook(tmp_path, cluster, "playbooks/phase0/40_secrets.yml", *extra)
    assert _changed(first) == 1
    opened = {s["metadata"]["name"]: s for s in _secrets(cluster)}
    for name in ("db", "registry"):
        assert base64.b64decode(opened[name]["data"]["v"]) == PLAINTEXT.encode()
    second = _playbook(tmp_path, cluster, "playbooks/phase0/40_secrets.yml", *extra)
    assert _changed(second) == 0
    assert PLAINTEXT not in first + second
