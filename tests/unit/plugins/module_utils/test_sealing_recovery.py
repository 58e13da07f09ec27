from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealingError,
    SealRequest,
    load_cert,
    plan_sealed_secret,
    public_key_fingerprint,
)
from ansible_collections.slipway.platform.plugins.module_utils.sealing_recovery import (
    load_private_keys,
    unseal,
)
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    NOW,
    cert_pem,
    key_secret_yaml,
    private_pem,
    rsa_key,
)

VALUES = {"username": b"platform", "password": b"pa55-word"}


def _sealed(scope: str = "strict", seed: int = 0) -> str:
    request = SealRequest(name="db", namespace="platform", scope=scope, values=VALUES)
    cert = load_cert(cert_pem(rsa_key(seed=seed)), now=NOW)
    return plan_sealed_secret(request, cert, b"f" * 32, None).text


@pytest.mark.parametrize(
    "source",
    [
        lambda: private_pem(rsa_key()),
        lambda: private_pem(rsa_key(seed=1)) + private_pem(rsa_key()),
        lambda: key_secret_yaml([rsa_key(seed=1), rsa_key()]).encode(),
        lambda: rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    ],
    ids=["pkcs1", "two-pems", "backup-list", "pkcs8"],
)
@pytest.mark.parametrize("scope", ["strict", "namespace-wide", "cluster-wide"])
def test_unseal_opens_with_the_right_key(source: Callable[[], bytes], scope: str) -> None:
    keys = load_private_keys(source())
    result = unseal(_sealed(scope), keys, "path")
    assert result.scope == scope
    assert result.opened == ("password", "username")
    assert dict(result.values) == VALUES
    assert result.failed == {}
    expected = public_key_fingerprint(rsa_key().public_key())
    assert set(result.opened_with.values()) == {expected}


def test_unseal_reports_what_does_not_open() -> None:
    result = unseal(_sealed(), [rsa_key(seed=1)], "path")
    assert result.opened == ()
    assert set(result.failed) == {"password", "username"}
    assert result.values == {}


def test_renamed_manifest_does_not_open() -> None:
    renamed = _sealed().replace("name: db", "name: other")
    result = unseal(renamed, [rsa_key()], "path")
    assert result.opened == ()
    assert "name, namespace and scope" in result.failed["password"]


def test_unseal_reports_bad_base64() -> None:
    manifest = yaml.safe_load(_sealed())
    manifest["spec"]["encryptedData"].update({"password": "not*base64"})
    result = unseal(yaml.safe_dump(manifest), [rsa_key()], "path")
    assert result.failed == {"password": "not base64"}
    assert result.opened == ("username",)


def _ec_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n", r"holds no RSA private"),
        (_ec_pem(), r"expected an RSA private key"),
        (b"kind: Secret\ndata: {}\n", r"a Secret without data.tls.key"),
        (b"kind: Secret\ndata:\n  tls.key: '***'\n", r"data.tls.key is not base64"),
        (b"{oops", r"neither PEM nor YAML"),
        (b"kind: List\nitems: []\n", r"no RSA private key found"),
        (
            b"kind: Secret\ndata:\n  tls.key: " + base64.b64encode(b"plain") + b"\n",
            r"no RSA private key found",
        ),
    ],
)
def test_load_private_keys_rejects(data: bytes, message: str) -> None:
    with pytest.raises(SealingError, match=rf"^private_keys: .*{message}"):
        load_private_keys(data)


def test_unseal_takes_line_breaks_and_refuses_other_whitespace_as_the_controller_does() -> None:
    manifest = yaml.safe_load(_sealed())
    data = manifest["spec"]["encryptedData"]
    wrapped = data["username"]
    data["username"] = "\r\n".join(wrapped[i : i + 64] for i in range(0, len(wrapped), 64))
    data["password"] = data["password"][:40] + " \t" + data["password"][40:]
    result = unseal(yaml.safe_dump(manifest), [rsa_key()], "path")
    assert result.opened == ("username",)
    assert result.failed == {
        "password": "not base64 (only line breaks may split it; it holds spaces or tabs)"
    }
