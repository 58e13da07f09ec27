"""The k3s stand-in's token and secrets encryption rules (tests/standins/k3s/k3s)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

STANDIN = Path(__file__).parents[2] / "standins" / "k3s" / "k3s"


@pytest.fixture(scope="module")
def k3s() -> ModuleType:
    """Load the stand-in script (no .py suffix) as a module."""
    loader = importlib.machinery.SourceFileLoader("k3s_standin", str(STANDIN))
    spec = importlib.util.spec_from_loader("k3s_standin", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("token", "default_user", "expected"),
    [
        ("K10abc::server:pw", "node", ("abc", "server", "pw")),
        ("K10abc::node:pw", "server", ("abc", "node", "pw")),
        ("K10abc::bearer", "node", ("abc", "node", "bearer")),
        ("short", "server", ("", "server", "short")),
        ("short", "node", ("", "node", "short")),
    ],
)
def test_split_token(k3s: ModuleType, token: str, default_user: str, expected: tuple) -> None:
    assert k3s.split_token(token, default_user) == expected


def test_agent_token_is_written_secure_or_linked_to_the_server_token(
    k3s: ModuleType, tmp_path: Path
) -> None:
    tls = tmp_path / "server" / "tls"
    tls.mkdir(parents=True)
    (tls / "server-ca.crt").write_text("CA\n")
    k3s.write_tokens(tmp_path, tls, "serverpw", "")
    agent = tmp_path / "server" / "agent-token"
    assert agent.is_symlink() and agent.read_text() == (tmp_path / "server" / "token").read_text()
    k3s.write_tokens(tmp_path, tls, "serverpw", "agentpw")
    assert not agent.is_symlink()
    assert agent.read_text().endswith("::node:agentpw\n")
    assert agent.stat().st_mode & 0o777 == 0o600


def test_encryption_status_reports_disabled_then_keys_and_hashes(
    k3s: ModuleType, tmp_path: Path
) -> None:
    assert k3s.encryption_status(tmp_path, {}) == (
        "Encryption Status: Disabled, no configuration file found\n"
    )
    k3s.write_encryption_config(tmp_path, [k3s.new_encryption_key("aescbckey")])
    current = k3s.encryption_hash(tmp_path)
    status = k3s.encryption_status(tmp_path, {"server1": current, "server2": current})
    assert status.splitlines()[:3] == [
        "Encryption Status: Enabled",
        "Current Rotation Stage: start",
        "Server Encryption Hashes: All hashes match",
    ]
    assert " *      AES-CBC   aescbckey" in status
    stale = k3s.encryption_status(tmp_path, {"server1": current, "server2": "old"})
    assert "hash does not match between server1 and server2" in stale


def test_critical_settings_default_and_reject_unknown_backends(k3s: ModuleType) -> None:
    assert k3s.critical_args({}) == {"secrets-encryption": False, "flannel-backend": "vxlan"}
    with pytest.raises(k3s.StandinError, match="invalid flannel-backend 'wireguard'"):
        k3s.critical_args({"flannel-backend": "wireguard"})
