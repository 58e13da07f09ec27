"""No secret reaches ansible-playbook output, even at -vvv with --diff.

Runs a real playbook against localhost: seal (values, a value file, a generated
credential), seal again (zero changes), then open with the private key with
reveal + no_log, and greps everything the run printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    cert_pem,
    open_manifest,
    private_pem,
    rsa_key,
    write,
)

REPO = Path(__file__).resolve().parents[2]
PLAINTEXT = "Vvv-plaintext-4f1c9e"
FILE_PLAINTEXT = "file-plaintext-8d2a7b"
FKEY = "fingerprint-key-0d9b3c51a7e24f6b8c1d2e3f"


def _playbook(tmp_path: Path) -> Path:
    dest = tmp_path / "secrets" / "db.yml"
    tasks = [
        {
            "name": "Seal the database secret",
            "slipway.platform.sealed_secret": {
                "name": "db",
                "namespace": "platform",
                "values": {"password": "{{ db_password }}"},
                "value_files": {"ca.crt": str(write(tmp_path / "ca.crt", FILE_PLAINTEXT))},
                "generate": [{"key": "token", "length": 32}],
                "cert": str(write(tmp_path / "cert.pem", cert_pem(rsa_key()))),
                "fingerprint_key_file": str(write(tmp_path / "fp.key", FKEY)),
                "dest": str(dest),
            },
        },
        {
            "name": "Open it with the backed-up key",
            "slipway.platform.sealed_secret_info": {
                "path": str(dest),
                "private_key_files": [str(write(tmp_path / "key.pem", private_pem(rsa_key())))],
                "reveal": True,
            },
            "register": "opened",
            "no_log": True,
        },
        {
            "name": "Check the values opened",
            "ansible.builtin.assert": {
                "that": ["opened.data.password == db_password", "opened.data.token | length == 32"],
                "quiet": True,
            },
        },
        {
            "name": "Inspect without revealing",
            "slipway.platform.sealed_secret_info": {"path": str(dest)},
        },
    ]
    play = {
        "name": "Seal and open",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"db_password": PLAINTEXT, "ansible_python_interpreter": sys.executable},
        "tasks": tasks,
    }
    return write(tmp_path / "play.yml", yaml.safe_dump([play], sort_keys=False))


def _run(playbook: Path) -> PlaybookRun:
    run = run_playbook(str(playbook), "-i", "localhost,", "-vvv", "--diff")
    assert run.rc == 0, run.raw
    return run


@pytest.mark.slow
def test_no_secret_in_vvv_output(tmp_path: Path) -> None:
    playbook = _playbook(tmp_path)
    first = _run(playbook)
    second = _run(playbook)
    token = open_manifest(rsa_key(), (tmp_path / "secrets" / "db.yml").read_text())["token"]
    for run in (first, second):
        for secret in (PLAINTEXT, FILE_PLAINTEXT, FKEY, token.decode()):
            assert secret not in run.raw
    assert first.recap == (4, 1, 0), first.raw[-600:]
    assert second.recap == (4, 0, 0), second.raw[-600:]
    assert "token: generated (new)" in first.raw
