"""Open SealedSecrets offline with backed-up controller keys (kubeseal --recovery-unseal).

For disaster recovery and audits: which keys of a SealedSecret open, and with
which private key. Values leave this module only when a caller asks for them.

Names starting with ``_`` are private to this file.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

try:
    import yaml
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError:
    # sealing.DEPS_IMPORT_ERROR carries the same failure to the modules.
    pass

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    SealingError,
    encryption_label,
    hybrid_decrypt,
    parse_sealed_secret,
    public_key_fingerprint,
    scope_from_annotations,
)

_PEM_BLOCK = re.compile(
    rb"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL
)


@dataclass(frozen=True)
class Unsealed:
    """The outcome of opening one SealedSecret; values only in ``values``."""

    name: str
    namespace: str
    scope: str
    keys: tuple[str, ...]
    opened: tuple[str, ...]
    failed: Mapping[str, str]
    opened_with: Mapping[str, str]
    values: Mapping[str, bytes]


def _rsa_private(key: object, field_name: str) -> rsa.RSAPrivateKey:
    """Return key as an RSA private key or raise SealingError."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SealingError(f"{field_name}: expected an RSA private key, found {type(key).__name__}")
    return key


def _keys_from_pem(data: bytes, field_name: str) -> list[rsa.RSAPrivateKey]:
    """Return every RSA private key in PEM text."""
    keys = []
    for block in _PEM_BLOCK.findall(data):
        try:
            loaded = serialization.load_pem_private_key(block, password=None)
        except (ValueError, TypeError) as exc:
            raise SealingError(f"{field_name}: unreadable PEM private key ({exc})") from exc
        keys.append(_rsa_private(loaded, field_name))
    return keys


def _secret_items(document: Any) -> list[Mapping[str, Any]]:
    """Return the Secret objects of a Secret or a v1 List of Secrets."""
    if not isinstance(document, dict):
        return []
    if document.get("kind") == "List":
        return [i for i in document.get("items") or [] if isinstance(i, dict)]
    return [document]


def load_private_keys(data: bytes, field_name: str = "private_keys") -> list[rsa.RSAPrivateKey]:
    """Load RSA private keys from PEM, or from a Secret / List of Secrets holding ``tls.key``."""
    if b"-----BEGIN" in data:
        keys = _keys_from_pem(data, field_name)
        if keys:
            return keys
        raise SealingError(f"{field_name}: PEM holds no RSA private key")
    try:
        documents = list(yaml.safe_load_all(data))
    except yaml.YAMLError as exc:
        raise SealingError(f"{field_name}: neither PEM nor YAML") from exc
    keys = []
    for document in documents:
        for item in _secret_items(document):
            tls_key = (item.get("data") or {}).get("tls.key")
            if not isinstance(tls_key, str):
                raise SealingError(f"{field_name}: a Secret without data.tls.key")
            try:
                pem = base64.b64decode(tls_key, validate=True)
            except binascii.Error as exc:
                raise SealingError(f"{field_name}: data.tls.key is not base64") from exc
            keys.extend(_keys_from_pem(pem, field_name))
    if not keys:
        raise SealingError(f"{field_name}: no RSA private key found (PEM, Secret or List)")
    return keys


def unseal(text: str, private_keys: Sequence[rsa.RSAPrivateKey], field_name: str) -> Unsealed:
    """Open every value of one SealedSecret with any of the given keys, as the controller does."""
    manifest = parse_sealed_secret(text, field_name)
    meta = manifest["metadata"]
    name = str(meta.get("name", ""))
    namespace = str(meta.get("namespace", ""))
    scope = scope_from_annotations(meta.get("annotations"))
    label = encryption_label(scope, namespace, name)
    encrypted: Mapping[str, str] = manifest["spec"]["encryptedData"]
    prints = [public_key_fingerprint(k.public_key()) for k in private_keys]
    values: dict[str, bytes] = {}
    opened_with: dict[str, str] = {}
    failed: dict[str, str] = {}
    for data_key in sorted(encrypted):
        # The controller decodes with Go's base64.StdEncoding, which skips line
        # breaks (CR, LF) and nothing else: a space or tab fails there too.
        try:
            text = encrypted[data_key].replace("\r", "").replace("\n", "")
            payload = base64.b64decode(text, validate=True)
        except binascii.Error:
            failed[data_key] = "not base64"
            if any(c in text for c in " \t\f\v"):
                failed[data_key] += " (only line breaks may split it; it holds spaces or tabs)"
            continue
        for key, fingerprint in zip(private_keys, prints, strict=True):
            try:
                values[data_key] = hybrid_decrypt(key, payload, label)
            except (ValueError, InvalidTag):
                continue
            opened_with[data_key] = fingerprint
            break
        else:
            failed[data_key] = "no given key opens it for this name, namespace and scope"
    return Unsealed(
        name=name,
        namespace=namespace,
        scope=scope,
        keys=tuple(sorted(encrypted)),
        opened=tuple(sorted(values)),
        failed=failed,
        opened_with=opened_with,
        values=values,
    )
