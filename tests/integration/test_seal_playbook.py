"""playbooks/seal.yml end to end, offline: every value source, re-run, check mode, bad input.

Runs the real playbook with the ci inventory; the environment's cert, state
directory and output directory are pointed into tmp_path with extra vars.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

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
        [
            str(Path(sys.executable).parent / "ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(passfile),
            str(source),
        ],
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


def _seal(tmp_path: Path, *args: str, env_value: str = FROM_ENV) -> PlaybookRun:
    return run_playbook(
        "seal.yml",
        "-i",
        "inventories/ci",
        "-e",
        f"@{tmp_path / 'extra.yml'}",
        "--vault-password-file",
        str(tmp_path / "vault-pass"),
        "--diff",
        *args,
        env={"SLIPWAY_TEST_STRIPE_KEY": env_value},
    )


@pytest.mark.slow
def test_seal_playbook(tmp_path: Path) -> None:
    _extra_vars(tmp_path)
    dest = tmp_path / "out" / "apps.shop-api.yml"

    # Check mode on a first run plans with a throwaway key (no key file yet) and
    # predicts every addition; -vvv so the no-secret check below covers the most
    # verbose output of the seal playbook too.
    check = _seal(tmp_path, "--check", "-vvv")
    assert check.rc == 0, check.raw
    assert not dest.exists()
    assert not (tmp_path / "state" / "sealing-fingerprint.key").exists()
    assert check.changed == 3, check.raw[-3000:]
    for predicted in (
        "ca.crt: sealed (new)",
        "db_password: sealed (new)",
        "session: generated (new)",
        "stripe_key: sealed (new)",
        "user: sealed (new)",
    ):
        assert predicted in check.raw
    assert "added: - ca.crt - db_password - stripe_key - user - session" in check.output

    first = _seal(tmp_path)
    assert first.rc == 0, first.raw
    opened = open_manifest(rsa_key(), dest.read_text())
    assert opened["db_password"] == FROM_VAULT.encode()
    assert opened["stripe_key"] == FROM_ENV.encode()
    assert opened["user"] == b"shop"
    assert opened["ca.crt"] == b"-----CA-----\n"
    assert len(opened["session"]) == 40
    assert (tmp_path / "state" / "sealing-fingerprint.key").stat().st_mode & 0o777 == 0o600

    text = dest.read_text()
    second = _seal(tmp_path)
    assert second.changed == 0
    assert dest.read_text() == text

    rotated = _seal(tmp_path, env_value=FROM_ENV + "-new")
    assert rotated.rc == 0, rotated.raw
    assert "stripe_key: re-sealed" in rotated.raw
    assert "db_password: sealed\n" in rotated.raw
    assert open_manifest(rsa_key(), dest.read_text())["session"] == opened["session"]

    for run in (check, first, second, rotated):
        for secret in (FROM_VAULT, FROM_ENV, VAULT_UNLOCK, opened["session"].decode()):
            assert secret not in run.raw

    missing = _seal(tmp_path, env_value="")
    assert missing.rc != 0
    assert (
        "slipway_sealing_secrets[apps/shop-api]: from_env variables SLIPWAY_TEST_STRIPE_KEY"
        in missing.output
    )


# Characters a password may hold that Jinja, a shell or YAML would read as syntax.
HOSTILE = "pw{{ 7*6 }}x{% raw %}y{#c#}}}$(id)`id`'\"\\n\nline2 {{"


@pytest.mark.slow
def test_values_are_sealed_verbatim_from_every_source(tmp_path: Path) -> None:
    _extra_vars(tmp_path)
    source = tmp_path / "state" / "sealing-values.vault.yml"
    source.unlink()
    write(source, yaml.safe_dump({"sealing_values": {"apps/shop-api": {"db_password": HOSTILE}}}))
    subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(tmp_path / "vault-pass"),
            str(source),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )
    write(tmp_path / "ca.crt", HOSTILE)
    run = _seal(tmp_path, env_value=HOSTILE)
    assert run.rc == 0, run.raw[-3000:]
    opened = open_manifest(rsa_key(), (tmp_path / "out" / "apps.shop-api.yml").read_text())
    for key in ("db_password", "stripe_key", "ca.crt"):
        assert opened[key] == HOSTILE.encode(), key
    assert HOSTILE not in run.raw
