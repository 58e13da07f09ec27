"""playbooks/seal.yml end to end, offline: every value source, re-run, check mode, bad input.

Runs the real playbook with the ci inventory; the environment's cert, state
directory and output directory are pointed into tmp_path with extra vars.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    cert_pem,
    open_manifest,
    rsa_key,
    write,
)

REPO = Path(__file__).resolve().parents[2]
FROM_VAULT = "from-the-vault-3b7f"
FROM_ENV = "from-the-env-91c2"
VAULT_UNLOCK = "vault-pass-for-this-test"


def _extra_vars(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    source = write(
        state / "sealing-values.vault.yml",
        yaml.safe_dump({"sealing_values": {"apps/shop-api": {"db_password": FROM_VAULT}}}),
    )
    passfile = write(tmp_path / "vault-pass", VAULT_UNLOCK)
    subprocess.run(
        ["ansible-vault", "encrypt", "--vault-password-file", str(passfile), str(source)],
        check=True,
        capture_output=True,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )
    secrets = [
        {
            "name": "shop-api",
            "namespace": "apps",
            "scope": "namespace-wide",
            "literal": {"user": "shop"},
            "from_source": ["db_password"],
            "from_env": {"stripe_key": "SLIPWAY_TEST_STRIPE_KEY"},
            "from_file": {"ca.crt": str(write(tmp_path / "ca.crt", "-----CA-----\n"))},
            "generate": [{"key": "session", "length": 40, "alphabet": "urlsafe"}],
        },
        {"name": "old-thing", "namespace": "apps", "literal": {"a": "b"}, "state": "absent"},
    ]
    extra = {
        "slipway_state_dir": str(state),
        "slipway_sealing_cert": str(write(tmp_path / "cert.pem", cert_pem(rsa_key()))),
        "slipway_sealing_secrets_dir": str(tmp_path / "out"),
        "slipway_sealing_secrets": secrets,
    }
    return write(tmp_path / "extra.yml", yaml.safe_dump(extra))


def _seal(tmp_path: Path, *args: str, env_value: str = FROM_ENV) -> tuple[int, str]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "SLIPWAY_TEST_STRIPE_KEY": env_value,
    }
    command = [
        "ansible-playbook",
        "playbooks/seal.yml",
        "-i",
        "inventories/ci",
        "-e",
        f"@{tmp_path / 'extra.yml'}",
        "--vault-password-file",
        str(tmp_path / "vault-pass"),
        "--diff",
        *args,
    ]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return done.returncode, done.stdout + done.stderr


def _changed(output: str) -> int:
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+) ", output)
    assert match, output[-800:]
    return int(match.group(1))


@pytest.mark.slow
def test_seal_playbook(tmp_path: Path) -> None:
    _extra_vars(tmp_path)
    dest = tmp_path / "out" / "apps.shop-api.yml"

    rc, check = _seal(tmp_path, "--check")
    assert rc == 0, check
    assert not dest.exists()

    rc, first = _seal(tmp_path)
    assert rc == 0, first
    opened = open_manifest(rsa_key(), dest.read_text())
    assert opened["db_password"] == FROM_VAULT.encode()
    assert opened["stripe_key"] == FROM_ENV.encode()
    assert opened["user"] == b"shop"
    assert opened["ca.crt"] == b"-----CA-----\n"
    assert len(opened["session"]) == 40
    assert (tmp_path / "state" / "sealing-fingerprint.key").stat().st_mode & 0o777 == 0o600

    text = dest.read_text()
    rc, second = _seal(tmp_path)
    assert rc == 0, second
    assert _changed(second) == 0
    assert dest.read_text() == text

    rc, rotated = _seal(tmp_path, env_value=FROM_ENV + "-new")
    assert rc == 0, rotated
    assert "stripe_key: re-sealed" in rotated
    assert "db_password: sealed\n" in rotated
    assert open_manifest(rsa_key(), dest.read_text())["session"] == opened["session"]

    for output in (check, first, second, rotated):
        for secret in (FROM_VAULT, FROM_ENV, VAULT_UNLOCK, opened["session"].decode()):
            assert secret not in output

    rc, missing = _seal(tmp_path, env_value="")
    assert rc != 0
    assert "slipway_sealing_secrets[apps/shop-api]: from_env variables SLIPWAY_TEST_STRIPE_KEY" in (
        " ".join(missing.split())
    )
