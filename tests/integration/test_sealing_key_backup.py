"""Disaster-recovery round trip of the sealing key backup, without a cluster.

The controller's key Secrets (what kubernetes.core.k8s_info returns in
backup.yml) are given directly; everything after that is the role's real code:
the ansible-vault encrypted backup file, its idempotent name, reading it back
as restore.yml does, and opening a committed SealedSecret with the restored keys.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealRequest,
    load_cert,
    plan_sealed_secret,
)
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    NOW,
    cert_pem,
    key_secret_yaml,
    private_pem,
    rsa_key,
    write,
)

REPO = Path(__file__).resolve().parents[2]
BACKUP_PHRASE = "backup-passphrase-7c2e91d04b"
PLAINTEXT = "restored-db-password-5e8a"


def _playbook(tmp_path: Path) -> Path:
    keys = write(tmp_path / "keys.yml", key_secret_yaml([rsa_key(seed=1), rsa_key()]))
    request = SealRequest(name="db", namespace="platform", values={"password": PLAINTEXT.encode()})
    cert = load_cert(cert_pem(rsa_key()), now=NOW)
    sealed = write(tmp_path / "db.yml", plan_sealed_secret(request, cert, b"f" * 32, None).text)
    common = {
        "sealing_keys_env": "test",
        "sealing_keys_backup_dir": str(tmp_path / "backups"),
        "sealing_keys_backup_passphrase": BACKUP_PHRASE,
    }
    tasks = [
        {
            "name": "Take the key Secrets as the API would return them",
            "ansible.builtin.set_fact": {
                "sealing_keys_found": {
                    "resources": "{{ (lookup('ansible.builtin.file', keys_file)"
                    " | from_yaml)['items'] }}"
                }
            },
            "vars": {"keys_file": str(keys)},
            "no_log": True,
        },
        {
            "name": "Write the backup",
            "ansible.builtin.include_role": {
                "name": "slipway.platform.sealing_keys",
                "tasks_from": "backup_write",
            },
            "vars": common,
        },
        {
            "name": "Read it back as the restore does",
            "ansible.builtin.include_role": {
                "name": "slipway.platform.sealing_keys",
                "tasks_from": "restore_read",
            },
            "vars": {**common, "sealing_keys_restore_from": "{{ sealing_keys_backup_file }}"},
        },
        {
            "name": "Open the committed secret with the restored keys",
            "slipway.platform.sealed_secret_info": {
                "path": str(sealed),
                "private_key_content": "{{ restored | to_yaml }}",
            },
            "vars": {"restored": {"kind": "List", "items": "{{ sealing_keys_restore_items }}"}},
            "register": "opened",
        },
        {
            "name": "Check it opened",
            "ansible.builtin.assert": {"that": ["opened.opened == ['password']"], "quiet": True},
        },
    ]
    play = {
        "name": "Back up and restore",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": tasks,
    }
    return write(tmp_path / "play.yml", yaml.safe_dump([play], sort_keys=False))


def _run(playbook: Path) -> PlaybookRun:
    run = run_playbook(str(playbook), "-i", "localhost,", "-v", "--diff")
    assert run.rc == 0, run.raw
    return run


@pytest.mark.slow
def test_backup_round_trip(tmp_path: Path) -> None:
    playbook = _playbook(tmp_path)
    first = _run(playbook)
    second = _run(playbook)
    assert first.changed == 3, first.raw[-600:]
    assert second.changed == 0, second.raw[-600:]

    (backup,) = (tmp_path / "backups").glob("sealing-keys-test-*.vault")
    assert backup.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backups" / ".gitignore").read_text() == "*\n"
    assert backup.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;sealing")
    passfile = write(tmp_path / "pass", BACKUP_PHRASE)
    vault = Path(sys.executable).parent / "ansible-vault"
    shown = subprocess.run(
        [vault, "view", "--vault-password-file", passfile, backup],
        capture_output=True,
        text=True,
        check=True,
    )
    document = yaml.safe_load(shown.stdout)
    assert [i["metadata"]["name"] for i in document["items"]] == [
        "sealed-secrets-key0",
        "sealed-secrets-key1",
    ]
    assert set(document["items"][0]) == {"apiVersion", "kind", "type", "metadata", "data"}

    # The vault ciphertext is no secret without the passphrase, but it is the whole
    # key set: it stays out of the output too, in the file as read and as slurp returns it.
    key_line = private_pem(rsa_key()).decode().splitlines()[5]
    cipher_line = backup.read_text().splitlines()[1]
    slurped = base64.b64encode(backup.read_bytes()).decode()
    for run in (first, second):
        for secret in (BACKUP_PHRASE, PLAINTEXT, key_line, cipher_line, slurped[100:160]):
            assert secret not in run.raw
            assert secret not in run.output
