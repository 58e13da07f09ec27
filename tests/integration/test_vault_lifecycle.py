"""vault_init.yml and vault_unseal.yml against stand-ins for Vault's pods and the API server.

`tests/standins/vault_pods/kubectl` answers `kubectl get pods` and `kubectl exec ... vault`
the way Vault's CLI does in its pods; the gate talks to the API server stand-in. The
playbooks, the vault_lifecycle role, Ansible's vault filters and the keys file are real.
"""

from __future__ import annotations

import json
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.slipway.platform.tests.playbook_run import (
    PlaybookRun,
    run_playbook,
    standin_api,
)

ROOT = Path(__file__).parents[2]
STANDIN = ROOT / "tests" / "standins" / "vault_pods"
# Made per run: the keys file's passphrase, which no output may show.
PASSPHRASE = secrets.token_urlsafe(24)
SHORT = PASSPHRASE[:8]

pytestmark = pytest.mark.slow


@dataclass
class Vault:
    """One stand-in Vault (pods in a state file) and the controller's state directory."""

    state_file: Path
    state_dir: Path

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())

    def restart(self) -> None:
        """Every pod comes back sealed, as Vault does after a restart."""
        state = self.state()
        for pod in state["pods"].values():
            pod.update(sealed=True, progress=0)
        state["calls"] = []
        self.state_file.write_text(json.dumps(state))

    @property
    def keys_file(self) -> Path:
        return self.state_dir / "staging" / "vault-keys.vault.yml"

    def play(self, playbook: str, *extra: str, passphrase: str = PASSPHRASE) -> PlaybookRun:
        return run_playbook(
            playbook,
            "-i",
            "inventories/staging",
            "-vvv",
            "-e",
            json.dumps(
                {
                    "slipway_state_dir": str(self.state_dir / "staging"),
                    "vault_vault_keys_passphrase": passphrase,
                }
            ),
            *extra,
            path_first=(STANDIN,),
            env={
                "SLIPWAY_STATE_DIR": str(self.state_dir),
                "SLIPWAY_VAULT_STANDIN_STATE": str(self.state_file),
            },
        )


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    state_file = tmp_path / "vault.json"
    pods = {f"vault-{index}": {"sealed": True, "progress": 0} for index in range(2)}
    state_file.write_text(json.dumps({"initialized": False, "pods": pods}))
    with standin_api(tmp_path / "state", "staging"):
        yield Vault(state_file, tmp_path / "state")


def decrypt(path: Path) -> dict[str, Any]:
    vault = VaultLib([("vault-keys", VaultSecret(PASSPHRASE.encode()))])
    return yaml.safe_load(vault.decrypt(path.read_bytes()))


def test_init_writes_only_the_encrypted_file_then_unseal_unseals_every_pod(vault: Vault) -> None:
    init = vault.play("vault_init.yml")
    assert init.rc == 0, init.output[-3000:]
    state = vault.state()
    assert state["initialized"] is True
    assert (state["shares"], state["threshold"]) == (5, 3)
    keys = decrypt(vault.keys_file)
    assert keys["vault_root_token"] == state["root_token"]
    assert len(keys["vault_unseal_keys_b64"]) == 5
    assert keys["vault_unseal_threshold"] == 3
    assert stat.S_IMODE(vault.keys_file.stat().st_mode) == 0o600
    assert not vault.keys_file.with_name("vault-keys.vault.yml.probe").exists()
    # Nothing secret in -vvv output: not the root token, not one key.
    for secret in [state["root_token"], *keys["vault_unseal_keys_b64"], *state["keys"]]:
        assert secret not in init.raw
    assert PASSPHRASE not in init.raw
    assert "vault_unseal.yml" in init.output

    again = vault.play("vault_init.yml")
    assert again.rc == 0
    assert again.changed == 0
    assert "Vault is already initialised" in again.output
    assert decrypt(vault.keys_file) == keys

    unseal = vault.play("vault_unseal.yml")
    assert unseal.rc == 0, unseal.output[-3000:]
    assert all(not pod["sealed"] for pod in vault.state()["pods"].values())
    # Three keys per sealed pod, each given on stdin, never on a command line.
    assert [call[1] for call in vault.state()["calls"]] == ["vault-0"] * 3 + ["vault-1"] * 3
    for secret in [state["root_token"], *keys["vault_unseal_keys_b64"]]:
        assert secret not in unseal.raw

    nothing = vault.play("vault_unseal.yml")
    assert nothing.changed == 0
    assert "nothing to do" in nothing.output


def test_unseal_after_a_restart(vault: Vault) -> None:
    assert vault.play("vault_init.yml").rc == 0
    vault.restart()
    run = vault.play("vault_unseal.yml")
    assert run.rc == 0, run.output[-3000:]
    assert run.changed == 1
    assert all(not pod["sealed"] for pod in vault.state()["pods"].values())


def test_check_mode_initialises_nothing(vault: Vault) -> None:
    run = vault.play("vault_init.yml", "--check")
    assert run.rc == 0, run.output[-3000:]
    assert "Would initialise Vault (check mode)" in run.output
    assert vault.state()["initialized"] is False
    assert not vault.keys_file.exists()


@pytest.mark.parametrize(
    ("playbook", "short", "prepare", "message"),
    [
        ("vault_init.yml", True, None, "vault_vault_keys_passphrase must be at least 16"),
        ("vault_unseal.yml", False, None, "Vault is not initialised: run ansible-playbook"),
        (
            "vault_init.yml",
            False,
            "old keys file",
            "holds the keys of an earlier Vault. Move it somewhere safe",
        ),
    ],
    ids=["short passphrase", "unseal before init", "earlier keys file"],
)
def test_refusals_name_the_fix_and_change_nothing(
    vault: Vault, playbook: str, *, short: bool, prepare: str | None, message: str
) -> None:
    passphrase = SHORT if short else PASSPHRASE
    if prepare:
        vault.keys_file.parent.mkdir(parents=True, exist_ok=True)
        vault.keys_file.write_text(prepare)
    run = vault.play(playbook, passphrase=passphrase)
    assert run.rc != 0
    assert message in run.output
    assert vault.state()["initialized"] is False
    assert passphrase not in run.raw
    if prepare:
        assert vault.keys_file.read_text() == prepare


def test_unseal_with_another_vaults_keys_says_so(vault: Vault) -> None:
    assert vault.play("vault_init.yml").rc == 0
    state = vault.state()
    state["keys"] = ["00" * 33] * 5  # this Vault was initialised again elsewhere
    vault.state_file.write_text(json.dumps(state))
    vault.restart()
    run = vault.play("vault_unseal.yml")
    assert run.rc != 0
    assert all(pod["sealed"] for pod in vault.state()["pods"].values())


def test_phase0_report_names_the_state_and_the_command(vault: Vault, tmp_path: Path) -> None:
    """What phase 0 step 50 prints after Vault's release (its last play, the role's main)."""
    book = tmp_path / "report.yml"
    book.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.include_role:\n        name: slipway.platform.vault_lifecycle\n"
    )

    def report() -> str:
        run = vault.play(str(book))
        assert run.rc == 0, run.output[-3000:]
        return run.output

    assert (
        "Vault is not initialised: run ansible-playbook playbooks/vault_init.yml"
        " -i inventories/staging --ask-vault-pass"
    ) in report()
    assert vault.play("vault_init.yml").rc == 0
    assert (
        "Vault is sealed on vault-0, vault-1: run ansible-playbook playbooks/vault_unseal.yml"
        in (report())
    )
    assert vault.play("vault_unseal.yml").rc == 0
    assert "Vault is initialised and unsealed on vault-0, vault-1" in report()
