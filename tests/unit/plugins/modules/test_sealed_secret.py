from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.slipway.platform.plugins.modules import sealed_secret
from ansible_collections.slipway.platform.tests.unit.conftest import AnsibleExitJson
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    cert_pem,
    open_manifest,
    rsa_key,
    write,
)

PLAINTEXT = "Sup3r-s3cret-pa55word"
FKEY = "0123456789abcdef0123456789abcdef"

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]


@pytest.fixture
def run(
    set_module_args: SetArgs, exit_result: Runner
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def _run(params: dict[str, Any]) -> dict[str, Any]:
        set_module_args(params)
        return exit_result(sealed_secret.main)

    return _run


@pytest.fixture
def fail(set_module_args: SetArgs, fail_result: Runner) -> Callable[[dict[str, Any]], str]:
    def _fail(params: dict[str, Any]) -> str:
        set_module_args(params)
        return str(fail_result(sealed_secret.main)["msg"])

    return _fail


Run = Callable[[dict[str, Any]], dict[str, Any]]
Fail = Callable[[dict[str, Any]], str]


@pytest.fixture
def args(tmp_path: Path) -> dict[str, Any]:
    return {
        "name": "platform-db",
        "namespace": "platform",
        "values": {"username": "platform", "password": PLAINTEXT},
        "generate": [{"key": "token", "length": 24}],
        "cert": str(write(tmp_path / "cert.pem", cert_pem(rsa_key()))),
        "fingerprint_key": FKEY,
        "dest": str(tmp_path / "secrets" / "platform-db.yml"),
    }


def test_check_mode_writes_nothing(run: Run, args: dict[str, Any]) -> None:
    result = run({**args, "_ansible_check_mode": True})
    assert result["changed"]
    assert result["added"] == ["password", "username", "token"]
    assert not Path(args["dest"]).exists()


def test_apply_then_rerun_is_unchanged(run: Run, args: dict[str, Any]) -> None:
    first = run(args)
    assert first["changed"]
    text = Path(args["dest"]).read_text()
    opened = open_manifest(rsa_key(), text)
    assert opened["password"] == PLAINTEXT.encode()
    assert len(opened["token"]) == 24
    second = run(args)
    assert not second["changed"]
    assert second["kept"] == ["password", "username", "token"]
    assert Path(args["dest"]).read_text() == text
    check = run({**args, "_ansible_check_mode": True})
    assert not check["changed"]


def test_diff_lists_keys_never_values(run: Run, args: dict[str, Any]) -> None:
    run(args)
    changed = {**args, "values": {"username": "platform", "password": PLAINTEXT + "2"}}
    result = run({**changed, "_ansible_diff": True, "_ansible_check_mode": True})
    assert result["changed"]
    assert result["resealed"] == ["password"]
    diff = result["diff"]
    assert "password: sealed\n" in diff["before"]
    assert "password: re-sealed\n" in diff["after"]
    assert "username: sealed\n" in diff["after"]
    assert PLAINTEXT not in json.dumps(result)


def test_result_never_holds_a_value(run: Run, args: dict[str, Any]) -> None:
    result = run({**args, "_ansible_diff": True})
    dumped = json.dumps(result)
    assert PLAINTEXT not in dumped
    assert FKEY not in dumped
    token = open_manifest(rsa_key(), Path(args["dest"]).read_text())["token"].decode()
    assert token not in dumped


def test_value_files_and_key_file(run: Run, args: dict[str, Any], tmp_path: Path) -> None:
    params = {
        **args,
        "values": {},
        "value_files": {"ca.crt": str(write(tmp_path / "ca.crt", "-----CA-----\n"))},
        "fingerprint_key": "<omit>",
        "fingerprint_key_file": str(write(tmp_path / "fp.key", FKEY + "\n")),
        "mode": "0640",
    }
    params = {k: v for k, v in params.items() if v != "<omit>"}
    run(params)
    assert open_manifest(rsa_key(), Path(args["dest"]).read_text())["ca.crt"] == b"-----CA-----\n"
    assert Path(args["dest"]).stat().st_mode & 0o777 == 0o640
    assert not run(params)["changed"]


def test_state_absent(run: Run, args: dict[str, Any]) -> None:
    run(args)
    gone = {"name": args["name"], "namespace": args["namespace"], "cert": args["cert"]}
    gone |= {"dest": args["dest"], "state": "absent"}
    assert run(gone)["changed"]
    assert not Path(args["dest"]).exists()
    assert not run(gone)["changed"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cert": "/nonexistent/cert.pem"}, r"^cert: cannot read /nonexistent/cert.pem"),
        ({"namespace": "Platform"}, r"^namespace: 'Platform' is not a DNS label"),
        ({"values": {"port": 5432}}, r"^values\.port: must be a string"),
        ({"values": {}, "generate": []}, r"^values: nothing to seal"),
        ({"fingerprint_key": "short"}, r"^fingerprint_key: at least 32"),
        ({"value_files": {"password": "/x"}}, r"^value_files\.password: the key is also given"),
        ({"fingerprint_key": "<omit>"}, r"state is present but any of the following are missing"),
    ],
)
def test_bad_input_fails_clearly(
    fail: Fail, args: dict[str, Any], overrides: dict[str, Any], message: str
) -> None:
    params = {k: v for k, v in {**args, **overrides}.items() if v != "<omit>"}
    msg = fail(params)
    assert re.search(message, msg), msg
    assert PLAINTEXT not in msg


def test_binary_value_file_fails(fail: Fail, args: dict[str, Any], tmp_path: Path) -> None:
    binary = write(tmp_path / "blob", b"\x89PNG\r\n\x1a\n\x00\xff")
    msg = fail({**args, "value_files": {"blob": str(binary)}})
    assert msg.startswith("value_files.blob: file is not UTF-8 text")


def test_existing_foreign_file_is_not_clobbered(fail: Fail, args: dict[str, Any]) -> None:
    Path(args["dest"]).parent.mkdir(parents=True)
    write(Path(args["dest"]), "apiVersion: v1\nkind: ConfigMap\n")
    assert fail(args).startswith(f"dest: {args['dest']}: not a SealedSecret")
    assert Path(args["dest"]).read_text() == "apiVersion: v1\nkind: ConfigMap\n"


def test_bad_namespace_inside_dest_names_the_file(
    run: Run, fail: Fail, args: dict[str, Any]
) -> None:
    run(args)
    dest = Path(args["dest"])
    write(dest, dest.read_text().replace("namespace: platform", "namespace: Platform_", 1))
    msg = fail(args)
    assert msg.startswith(f"dest: {dest}: metadata.namespace: 'Platform_' is not a DNS label")


def test_unwritable_dest_fails_clearly(fail: Fail, args: dict[str, Any], tmp_path: Path) -> None:
    blocker = write(tmp_path / "not-a-dir", "x")
    msg = fail({**args, "dest": str(blocker / "db.yml")})
    assert msg.startswith(f"dest: cannot write in {blocker}")


def _expired_cert() -> bytes:
    now = datetime.now(UTC)
    return cert_pem(rsa_key(), now - timedelta(days=400), now - timedelta(days=1))


@pytest.mark.parametrize(
    ("cert", "overrides", "message"),
    [
        (lambda: b"not a pem", {}, r"^cert: not PEM"),
        (lambda: cert_pem(ec.generate_private_key(ec.SECP256R1())), {}, r"^cert: expected an RSA"),
        (_expired_cert, {}, r"^cert: certificate expired on"),
        (lambda: cert_pem(rsa_key(1024)), {}, r"^cert: RSA key of 1024 bits"),
        (lambda: cert_pem(rsa_key()), {"name": ""}, r"^name: strict scope"),
    ],
    ids=["not-pem", "ec-key", "expired", "small-key", "strict-without-name"],
)
def test_bad_cert_or_scope_fails_clearly(
    fail: Fail,
    args: dict[str, Any],
    cert: Callable[[], bytes],
    overrides: dict[str, Any],
    message: str,
) -> None:
    bad = write(Path(args["cert"]).with_name("bad.pem"), cert())
    params = {**args, **overrides, "cert": str(bad)}
    assert re.search(message, fail(params))


def test_expired_cert_allowed_when_asked(run: Run, args: dict[str, Any], tmp_path: Path) -> None:
    cert = str(write(tmp_path / "old.pem", _expired_cert()))
    assert run({**args, "cert": cert, "allow_expired_cert": True})["changed"]


def test_empty_values_do_not_mask_the_result(
    set_module_args: SetArgs,
    monkeypatch: pytest.MonkeyPatch,
    args: dict[str, Any],
    tmp_path: Path,
) -> None:
    seen: dict[str, Any] = {}

    def _exit(self: basic.AnsibleModule, **kwargs: Any) -> None:
        seen["no_log"] = set(self.no_log_values)
        seen["shown"] = remove_values(kwargs, self.no_log_values)
        raise AnsibleExitJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit)
    empty = write(tmp_path / "empty", "")
    set_module_args(
        {**args, "values": {"blank": "", "one": "Q"}, "value_files": {"nothing": str(empty)}}
    )
    with pytest.raises(AnsibleExitJson):
        sealed_secret.main()
    assert "" not in seen["no_log"]
    assert "Q" in seen["no_log"]
    assert seen["shown"]["dest"] == args["dest"]
    assert seen["shown"]["added"] == ["blank", "nothing", "one", "token"]
    opened = open_manifest(rsa_key(), Path(args["dest"]).read_text())
    assert (opened["blank"], opened["nothing"], opened["one"]) == (b"", b"", b"Q")
