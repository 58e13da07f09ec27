from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealRequest,
    load_cert,
    plan_sealed_secret,
)
from ansible_collections.slipway.platform.plugins.modules import sealed_secret_info
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    NOW,
    cert_pem,
    key_secret_yaml,
    private_pem,
    rsa_key,
    write,
)

PLAINTEXT = "opened-only-when-asked"
SetArgs = Callable[[dict[str, Any]], None]


@pytest.fixture
def sealed(tmp_path: Path) -> str:
    request = SealRequest(
        name="db",
        namespace="platform",
        scope="namespace-wide",
        values={"password": PLAINTEXT.encode()},
    )
    plan = plan_sealed_secret(request, load_cert(cert_pem(rsa_key()), now=NOW), b"f" * 32, None)
    return str(write(tmp_path / "db.yml", plan.text))


Runner = Callable[[Callable[[], object]], dict[str, Any]]


@pytest.fixture
def run(
    set_module_args: SetArgs, exit_result: Runner
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def _run(params: dict[str, Any]) -> dict[str, Any]:
        set_module_args(params)
        return exit_result(sealed_secret_info.main)

    return _run


@pytest.fixture
def fail(
    set_module_args: SetArgs, fail_result: Runner
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def _fail(params: dict[str, Any]) -> dict[str, Any]:
        set_module_args(params)
        return fail_result(sealed_secret_info.main)

    return _fail


Run = Callable[[dict[str, Any]], dict[str, Any]]


def test_inspect_without_keys(run: Run, sealed: str) -> None:
    result = run({"path": sealed})
    assert not result["changed"]
    assert (result["name"], result["namespace"], result["scope"]) == (
        "db",
        "platform",
        "namespace-wide",
    )
    assert result["data_keys"] == ["password"]
    assert result["cert_fingerprint"].startswith("sha256:")
    assert result["opened"] == []
    assert result["failed_keys"] == {}
    assert "data" not in result


def test_open_with_backup_without_revealing(run: Run, sealed: str, tmp_path: Path) -> None:
    backup = write(tmp_path / "keys.yml", key_secret_yaml([rsa_key(seed=1), rsa_key()]))
    result = run({"path": sealed, "private_key_files": [str(backup)]})
    assert result["opened"] == ["password"]
    assert result["failed_keys"] == {}
    assert PLAINTEXT not in json.dumps(result)


def test_wrong_key_is_reported(run: Run, sealed: str) -> None:
    content = private_pem(rsa_key(seed=1)).decode()
    result = run({"path": sealed, "private_key_content": content})
    assert result["opened"] == []
    assert list(result["failed_keys"]) == ["password"]


def test_reveal_needs_no_log(run: Run, fail: Run, sealed: str) -> None:
    params = {
        "path": sealed,
        "private_key_content": private_pem(rsa_key()).decode(),
        "reveal": True,
    }
    failure = fail(params)
    assert failure["msg"].startswith("reveal: set 'no_log: true'")
    assert PLAINTEXT not in json.dumps(failure)
    result = run({**params, "_ansible_no_log": True})
    assert result["data"] == {"password": PLAINTEXT}
    assert result["binary_keys"] == []


def test_reveal_marks_values_that_are_not_utf8(run: Run, tmp_path: Path) -> None:
    binary = b"\xff\xfe\x00key"
    request = SealRequest(
        name="db",
        namespace="platform",
        scope="namespace-wide",
        values={"blob": binary, "text": b"plain"},
    )
    plan = plan_sealed_secret(request, load_cert(cert_pem(rsa_key()), now=NOW), b"f" * 32, None)
    path = write(tmp_path / "db.yml", plan.text)
    result = run(
        {
            "path": str(path),
            "private_key_content": private_pem(rsa_key()).decode(),
            "reveal": True,
            "_ansible_no_log": True,
        }
    )
    assert result["binary_keys"] == ["blob"]
    assert base64.b64decode(result["data"]["blob"]) == binary
    assert result["data"]["text"] == "plain"


def test_not_a_sealed_secret(fail: Run, tmp_path: Path) -> None:
    failure = fail({"path": str(write(tmp_path / "x.yml", "kind: Secret\n"))})
    assert failure["msg"] == "path: not a SealedSecret manifest"
