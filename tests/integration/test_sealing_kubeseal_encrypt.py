"""Cross-check with a third-party kubeseal-compatible encryptor (@linode/kubeseal-encrypt).

What it seals for a namespace must open with the tests' own decryptor exactly as
what Slipway seals does, and both payloads must have the same layout.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealRequest,
    load_cert,
    plan_sealed_secret,
)
from ansible_collections.slipway.platform.plugins.module_utils.sealing_recovery import unseal
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    NOW,
    cert_pem,
    label_for,
    open_value,
    public_pem,
    rsa_key,
)

NPM_DIR = Path(__file__).resolve().parents[1] / "npm"
VALUES = ["s3cret", "", "unicode: é✓", "x" * 5000]


def _node() -> str:
    """Return the node executable; fail (not skip) without it, since scripts/setup installs it."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: run scripts/setup (it installs node and tests/npm)")
    if not (NPM_DIR / "node_modules" / "@linode" / "kubeseal-encrypt").is_dir():
        pytest.fail(
            "tests/npm/node_modules/@linode/kubeseal-encrypt is missing: run scripts/setup "
            "(or 'npm ci --prefix tests/npm')"
        )
    return node


def _node_seal(pem: bytes, namespace: str, values: list[str]) -> list[str]:
    """Seal values with @linode/kubeseal-encrypt through tests/npm/seal_values.cjs."""
    node = _node()
    payload = json.dumps({"pem": pem.decode(), "namespace": namespace, "values": values})
    done = subprocess.run(
        [node, str(NPM_DIR / "seal_values.cjs")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout)["sealed"])


@pytest.mark.parametrize("bits", [2048, 4096])
def test_third_party_sealing_opens_like_ours(bits: int) -> None:
    key = rsa_key(bits)
    theirs = _node_seal(public_pem(key), "apps", VALUES)
    request = SealRequest(
        name="any-name",
        namespace="apps",
        scope="namespace-wide",
        values={f"v{i}": v.encode() for i, v in enumerate(VALUES)},
    )
    ours_text = plan_sealed_secret(request, load_cert(cert_pem(key), now=NOW), b"f" * 32, None).text
    ours_manifest = yaml.safe_load(ours_text)
    label = label_for(ours_manifest)
    assert label == b"apps"
    ours = ours_manifest["spec"]["encryptedData"]
    for i, value in enumerate(VALUES):
        for sealed in (theirs[i], ours[f"v{i}"]):
            assert open_value(key, sealed, label) == value.encode()
            raw = base64.b64decode(sealed)
            assert int.from_bytes(raw[:2], "big") == bits // 8
            assert len(raw) == 2 + bits // 8 + len(value.encode()) + 16

    # Their ciphertexts dropped into our manifest open with Slipway's recovery path too.
    ours_manifest["spec"]["encryptedData"] = {f"v{i}": s for i, s in enumerate(theirs)}
    opened = unseal(yaml.safe_dump(ours_manifest), [key], "path")
    assert opened.failed == {}
    assert [opened.values[f"v{i}"] for i in range(len(VALUES))] == [v.encode() for v in VALUES]


def test_third_party_sealing_is_pinned_to_its_namespace() -> None:
    key = rsa_key()
    (sealed,) = _node_seal(public_pem(key), "apps", ["pinned"])
    with pytest.raises(ValueError, match="Decryption failed"):
        open_value(key, sealed, b"data")


def test_missing_node_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    # BaseException: a skip (the old behaviour) must fail this test, not skip it.
    with pytest.raises(BaseException) as raised:
        _node_seal(b"", "apps", [])
    assert isinstance(raised.value, pytest.fail.Exception), type(raised.value)
    assert "node is not on PATH: run scripts/setup" in str(raised.value)
