"""Test support for sealing: throwaway keys and certs, and an independent decryptor.

The decryptor is written from the published format (sealed-secrets pkg/crypto),
not from Slipway's sealer, so a round trip checks the sealer against the format
rather than against itself.
"""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def rsa_key(bits: int = 2048, seed: int = 0) -> rsa.RSAPrivateKey:
    """Return a throwaway RSA key, one per (bits, seed) for the whole run."""
    return _cached_key(bits, seed)


@functools.cache
def _cached_key(bits: int, seed: int) -> rsa.RSAPrivateKey:
    """Generate the key behind rsa_key; seed only tells keys of one size apart."""
    del seed
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def cert_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=3650),
) -> bytes:
    """Return a self-signed PEM cert like the controller's (CN sealed-secret)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    """Return a key as PKCS#1 PEM, the way the controller stores tls.key."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    """Return the SubjectPublicKeyInfo PEM of a key."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_secret_yaml(keys: list[rsa.RSAPrivateKey]) -> str:
    """Return a v1 List of controller key Secrets, as the backup playbook stores them."""
    items = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {
                "name": f"sealed-secrets-key{i}",
                "namespace": "kube-system",
                "labels": {"sealedsecrets.bitnami.com/sealed-secrets-key": "active"},
            },
            "data": {
                "tls.key": base64.b64encode(private_pem(k)).decode(),
                "tls.crt": base64.b64encode(cert_pem(k)).decode(),
            },
        }
        for i, k in enumerate(keys)
    ]
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})


def label_for(manifest: dict[str, Any]) -> bytes:
    """Derive the OAEP label from the SealedSecret's top-level metadata, as the controller does."""
    meta = manifest["metadata"]
    annotations = meta.get("annotations") or {}
    if annotations.get("sealedsecrets.bitnami.com/cluster-wide") == "true":
        return b""
    if annotations.get("sealedsecrets.bitnami.com/namespace-wide") == "true":
        return meta["namespace"].encode()
    return f"{meta['namespace']}/{meta['name']}".encode()


def open_value(key: rsa.RSAPrivateKey, sealed_b64: str, label: bytes) -> bytes:
    """Open one encryptedData value: uint16 BE length, RSA-OAEP(SHA-256) key, AES-256-GCM."""
    raw = base64.standard_b64decode(sealed_b64)
    wrapped_len = int.from_bytes(raw[:2], "big")
    wrapped, body = raw[2 : 2 + wrapped_len], raw[2 + wrapped_len :]
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label)
    session_key = key.decrypt(wrapped, oaep)
    assert len(session_key) == 32
    return AESGCM(session_key).decrypt(b"\x00" * 12, body, None)


def open_manifest(key: rsa.RSAPrivateKey, text: str) -> dict[str, bytes]:
    """Open every value of a SealedSecret manifest."""
    manifest = yaml.safe_load(text)
    label = label_for(manifest)
    return {k: open_value(key, v, label) for k, v in manifest["spec"]["encryptedData"].items()}


def write(path: Path, data: bytes | str) -> Path:
    """Write data to path and return it."""
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path
