"""Seal Kubernetes Secrets the way kubeseal does, for the sealed-secrets controller.

Format (sealed-secrets ``pkg/crypto`` and ``pkg/apis/sealedsecrets/v1alpha1``):
each value is encrypted on its own with a fresh 32-byte AES-256-GCM session key,
an all-zero 12-byte nonce and no additional data; the session key is wrapped
with RSA-OAEP (SHA-256 for hash and MGF1) under a label that pins the scope:
``"<namespace>/<name>"`` (strict), ``"<namespace>"`` (namespace-wide) or ``""``
(cluster-wide). The payload is ``uint16 BE len(wrapped key) || wrapped key ||
ciphertext+tag``, base64 (standard alphabet) in ``spec.encryptedData``. The
controller derives the label from the SealedSecret's own top-level annotations,
so the scope annotations go there as well as on ``spec.template``.

Idempotence is designed, not accidental: sealing is randomised, so a re-run
keeps the committed ciphertext of every value whose keyed fingerprint
(HMAC-SHA256 under a key kept outside the repository, bound to the cert, the
label, the data key and the value) is unchanged. Without that key the
fingerprints in the committed file tell nothing about the values.

Names starting with ``_`` are private to this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import string
import struct
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    load,
)
from ansible_collections.slipway.platform.plugins.module_utils.files import (
    block_dumper,
    dump_block_yaml,
)

try:
    import yaml
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    # Modules report it with missing_required_lib; nothing here runs without them.
    DEPS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    DEPS_IMPORT_ERROR = None

API_VERSION = "bitnami.com/v1alpha1"
KIND = "SealedSecret"
SCOPES = ("strict", "namespace-wide", "cluster-wide")
ANNOTATION_NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide"
ANNOTATION_CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide"
ANNOTATION_CERT = "sealing.slipway.io/cert-sha256"
ANNOTATION_FINGERPRINTS = "sealing.slipway.io/fingerprints"
GENERATED_MARK = "generated"
MAX_NAME_LENGTH = 253
MIN_ALPHABET = 2
LENGTH_PREFIX = 2
DEFAULT_TYPE = "Opaque"
MIN_KEY_BITS = 2048
MIN_FINGERPRINT_KEY_BYTES = 32
MIN_GENERATED_BITS = 64
MAX_GENERATED_LENGTH = 4096
SESSION_KEY_BYTES = 32
NONCE = bytes(12)
ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
    "urlsafe": string.ascii_letters + string.digits + "-_",
}
HEADER = (
    "# SealedSecret: safe to commit. Only the environment's sealed-secrets controller opens it.\n"
    "# Re-seal with playbooks/seal.yml; never edit encryptedData by hand.\n"
)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


class SealingError(ValueError):
    """A sealing input is not valid; the message starts with the field name."""


@dataclass(frozen=True)
class SealingCert:
    """The RSA public key a SealedSecret is sealed for, with its SHA-256 fingerprint."""

    public_key: rsa.RSAPublicKey
    fingerprint: str
    key_bits: int
    not_after: datetime | None


@dataclass(frozen=True)
class GeneratedValue:
    """A credential made at sealing time: its length and alphabet (preset or characters)."""

    length: int = 32
    alphabet: str = "alnum"


@dataclass(frozen=True)
class SealRequest:
    """Everything one SealedSecret is made from; values are bytes, never logged."""

    name: str
    namespace: str
    scope: str = "strict"
    secret_type: str = DEFAULT_TYPE
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, bytes] = field(default_factory=dict)
    generate: Mapping[str, GeneratedValue] = field(default_factory=dict)
    regenerate: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SealPlan:
    """The manifest to write and what changed, by data key name only."""

    text: str
    changed: bool
    added: tuple[str, ...]
    resealed: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...]
    generated: tuple[str, ...]
    warnings: tuple[str, ...]
    before_summary: str
    after_summary: str


def check_namespace(namespace: str, field_name: str = "namespace") -> None:
    """Raise SealingError unless namespace is a DNS label (RFC 1123)."""
    if not isinstance(namespace, str) or not _DNS_LABEL.match(namespace):
        raise SealingError(
            f"{field_name}: {namespace!r} is not a DNS label (lowercase letters, digits and '-', "
            "1-63 characters, no leading or trailing '-')"
        )


def check_name(name: str, field_name: str = "name") -> None:
    """Raise SealingError unless name is a DNS subdomain, as Secret names must be."""
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not _DNS_SUBDOMAIN.match(name):
        raise SealingError(
            f"{field_name}: {name!r} is not a valid Secret name (lowercase letters, digits, '-' "
            "and '.', 1-253 characters)"
        )


def check_data_key(key: str, field_name: str) -> None:
    """Raise SealingError unless key is a valid Secret data key."""
    if not isinstance(key, str) or len(key) > MAX_NAME_LENGTH or not _DATA_KEY.match(key):
        raise SealingError(
            f"{field_name}: {key!r} is not a valid Secret data key (letters, digits, '-', '_' "
            "and '.', 1-253 characters)"
        )


def string_value(value: object, field_name: str) -> bytes:
    """Return a variable's value as UTF-8 bytes; only strings are accepted."""
    if not isinstance(value, str):
        raise SealingError(
            f"{field_name}: must be a string, got {type(value).__name__} (quote it in YAML)"
        )
    return value.encode()


def decode_file_value(data: bytes, field_name: str) -> bytes:
    """Return a file's content as a value, refusing binary content with a clear message."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SealingError(
            f"{field_name}: file is not UTF-8 text (binary values are not supported; "
            "base64-encode it first)"
        ) from exc
    if b"\x00" in data:
        raise SealingError(f"{field_name}: file holds NUL bytes (binary values are not supported)")
    return data


def encryption_label(scope: str, namespace: str, name: str) -> bytes:
    """Return the RSA-OAEP label that pins a value to its scope."""
    if scope not in SCOPES:
        raise SealingError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
    if scope == "cluster-wide":
        return b""
    if not namespace:
        raise SealingError(f"namespace: {scope} scope needs a namespace")
    check_namespace(namespace)
    if scope == "namespace-wide":
        return namespace.encode()
    if not name:
        raise SealingError("name: strict scope seals for <namespace>/<name> and needs a name")
    check_name(name)
    return f"{namespace}/{name}".encode()


def scope_annotations(scope: str) -> dict[str, str]:
    """Return the annotations the controller reads the scope from (none for strict)."""
    if scope == "namespace-wide":
        return {ANNOTATION_NAMESPACE_WIDE: "true"}
    if scope == "cluster-wide":
        return {ANNOTATION_CLUSTER_WIDE: "true"}
    return {}


def scope_from_annotations(annotations: Mapping[str, Any] | None) -> str:
    """Return the scope the controller derives from a SealedSecret's annotations."""
    annotations = annotations or {}
    if annotations.get(ANNOTATION_CLUSTER_WIDE) == "true":
        return "cluster-wide"
    if annotations.get(ANNOTATION_NAMESPACE_WIDE) == "true":
        return "namespace-wide"
    return "strict"


def public_key_fingerprint(public_key: rsa.RSAPublicKey) -> str:
    """Return ``sha256:<hex>`` of the DER SubjectPublicKeyInfo of a key."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _check_rsa(key: object, field_name: str) -> rsa.RSAPublicKey:
    """Return key as an RSA public key of at least MIN_KEY_BITS bits, or raise."""
    if not isinstance(key, rsa.RSAPublicKey):
        kind = type(key).__name__.removeprefix("_").replace("PublicKey", "") or "unknown"
        raise SealingError(
            f"{field_name}: expected an RSA public key, found {kind} "
            "(the sealed-secrets controller only uses RSA)"
        )
    if key.key_size < MIN_KEY_BITS:
        raise SealingError(
            f"{field_name}: RSA key of {key.key_size} bits is too small (at least {MIN_KEY_BITS})"
        )
    return key


def load_cert(
    pem: bytes,
    *,
    now: datetime | None = None,
    allow_expired: bool = False,
    field_name: str = "cert",
) -> SealingCert:
    """Load a PEM certificate (or bare PEM public key) to seal for, refusing unsafe ones."""
    now = now or datetime.now(UTC)
    if b"-----BEGIN CERTIFICATE-----" in pem:
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise SealingError(f"{field_name}: not a readable PEM certificate ({exc})") from exc
        key = _check_rsa(cert.public_key(), field_name)
        if now < cert.not_valid_before_utc:
            raise SealingError(
                f"{field_name}: certificate is not valid before "
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check the clock)"
            )
        if now > cert.not_valid_after_utc and not allow_expired:
            raise SealingError(
                f"{field_name}: certificate expired on {cert.not_valid_after_utc:%Y-%m-%d} "
                "(fetch the current one with playbooks/sealing_cert_fetch.yml, or set "
                "allow_expired_cert as kubeseal's --allow-expired-cert does)"
            )
        return SealingCert(key, public_key_fingerprint(key), key.key_size, cert.not_valid_after_utc)
    if b"-----BEGIN PUBLIC KEY-----" in pem or b"-----BEGIN RSA PUBLIC KEY-----" in pem:
        try:
            loaded = serialization.load_pem_public_key(pem)
        except ValueError as exc:
            raise SealingError(f"{field_name}: not a readable PEM public key ({exc})") from exc
        key = _check_rsa(loaded, field_name)
        return SealingCert(key, public_key_fingerprint(key), key.key_size, None)
    raise SealingError(
        f"{field_name}: not PEM (expected '-----BEGIN CERTIFICATE-----' or "
        "'-----BEGIN PUBLIC KEY-----')"
    )


def _oaep(label: bytes) -> padding.OAEP:
    """Return RSA-OAEP padding with SHA-256 for hash and MGF1, under a label."""
    return padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label or None
    )


def hybrid_encrypt(public_key: rsa.RSAPublicKey, plaintext: bytes, label: bytes) -> bytes:
    """Encrypt one value: RSA-OAEP-wrapped session key, then AES-256-GCM ciphertext."""
    session_key = os.urandom(SESSION_KEY_BYTES)
    wrapped = public_key.encrypt(
        session_key,
        _oaep(label),
    )
    sealed = AESGCM(session_key).encrypt(NONCE, plaintext, None)
    return struct.pack(">H", len(wrapped)) + wrapped + sealed


def hybrid_decrypt(private_key: rsa.RSAPrivateKey, payload: bytes, label: bytes) -> bytes:
    """Open one value sealed by hybrid_encrypt (raises ValueError when it does not open)."""
    if len(payload) < LENGTH_PREFIX:
        raise ValueError("payload is too short")
    (wrapped_len,) = struct.unpack(">H", payload[:LENGTH_PREFIX])
    end = LENGTH_PREFIX + wrapped_len
    if len(payload) < end:
        raise ValueError("payload is too short")
    session_key = private_key.decrypt(
        payload[LENGTH_PREFIX:end],
        _oaep(label),
    )
    return AESGCM(session_key).decrypt(NONCE, payload[end:], None)


def seal_value(cert: SealingCert, value: bytes, label: bytes) -> str:
    """Return one sealed value as it appears in ``spec.encryptedData``."""
    return base64.b64encode(hybrid_encrypt(cert.public_key, value, label)).decode()


def alphabet_chars(alphabet: str, field_name: str) -> str:
    """Return the characters of a preset alphabet name or of a literal character set."""
    chars = ALPHABETS.get(alphabet, alphabet)
    unique = "".join(sorted(set(chars)))
    if len(unique) < MIN_ALPHABET:
        raise SealingError(
            f"{field_name}: {alphabet!r} is neither a preset ({', '.join(ALPHABETS)}) "
            "nor a set of at least 2 characters"
        )
    return unique


def random_value(spec: GeneratedValue, field_name: str) -> str:
    """Return a fresh random credential; refuse specs with under MIN_GENERATED_BITS of entropy."""
    chars = alphabet_chars(spec.alphabet, f"{field_name}.alphabet")
    if not 1 <= spec.length <= MAX_GENERATED_LENGTH:
        raise SealingError(
            f"{field_name}.length: {spec.length} is not in 1..{MAX_GENERATED_LENGTH}"
        )
    bits = spec.length * (len(chars).bit_length() - 1)
    if bits < MIN_GENERATED_BITS:
        raise SealingError(
            f"{field_name}.length: {spec.length} characters from {len(chars)} give about "
            f"{bits} bits; at least {MIN_GENERATED_BITS} are needed"
        )
    return "".join(secrets.choice(chars) for _position in range(spec.length))


def value_fingerprint(
    key: bytes, cert: SealingCert, label: bytes, data_key: str, value: bytes
) -> str:
    """Return the keyed fingerprint (truncated HMAC-SHA256) of a value, cert and label."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in (b"slipway-sealing-v1", cert.fingerprint.encode(), label, data_key.encode(), value):
        mac.update(struct.pack(">I", len(part)) + part)
    return "hmac-sha256:" + mac.hexdigest()[:32]


def check_fingerprint_key(key: bytes, field_name: str = "fingerprint_key") -> bytes:
    """Return the fingerprint key stripped of whitespace, refusing short ones."""
    stripped = key.strip()
    if len(stripped) < MIN_FINGERPRINT_KEY_BYTES:
        raise SealingError(
            f"{field_name}: at least {MIN_FINGERPRINT_KEY_BYTES} characters are needed "
            "(e.g. 64 hex characters from 'openssl rand -hex 32')"
        )
    return stripped


def _check_request(request: SealRequest) -> bytes:
    """Validate a request and return its label; raise SealingError naming the field."""
    label = encryption_label(request.scope, request.namespace, request.name)
    check_namespace(request.namespace)
    check_name(request.name)
    if not request.secret_type:
        raise SealingError("type: must not be empty (e.g. Opaque)")
    if not request.values and not request.generate:
        raise SealingError(
            "values: nothing to seal (values, value_files and generate are all empty)"
        )
    for data_key in request.values:
        check_data_key(data_key, f"values.{data_key}")
        if data_key in request.generate:
            raise SealingError(f"generate.{data_key}: the key is also given a value")
    for data_key in request.generate:
        check_data_key(data_key, f"generate.{data_key}")
    for data_key in sorted(request.regenerate - set(request.generate)):
        raise SealingError(f"regenerate: {data_key!r} is not a generated key")
    for mapping_name, mapping in (("labels", request.labels), ("annotations", request.annotations)):
        for meta_key, meta_value in mapping.items():
            if not isinstance(meta_value, str):
                raise SealingError(f"{mapping_name}.{meta_key}: must be a string")
    return label


def parse_sealed_secret(text: str, field_name: str) -> dict[str, Any]:
    """Parse and check one SealedSecret manifest; raise SealingError naming the field."""
    try:
        manifest = load(text, field_name)
    except InputError as exc:
        raise SealingError(str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise SealingError(f"{field_name}: not a SealedSecret manifest")
    if manifest.get("apiVersion") != API_VERSION:
        raise SealingError(f"{field_name}: apiVersion is not {API_VERSION}")
    metadata = manifest.get("metadata")
    spec = manifest.get("spec")
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise SealingError(f"{field_name}: metadata and spec must be mappings")
    encrypted = spec.get("encryptedData")
    if not isinstance(encrypted, dict) or not all(isinstance(v, str) for v in encrypted.values()):
        raise SealingError(f"{field_name}: spec.encryptedData must map keys to strings")
    return manifest


def generated_mark(cert_fingerprint: str | None) -> str:
    """Return the fingerprints-annotation entry of a generated key: the cert it is sealed under."""
    return f"{GENERATED_MARK}:{cert_fingerprint}" if cert_fingerprint else GENERATED_MARK


def generated_cert(mark: str, file_cert: str | None) -> str | None:
    """Return the cert a generated key is sealed under, from its mark (bare: the file's cert)."""
    if mark == GENERATED_MARK:
        return file_cert
    return mark.removeprefix(f"{GENERATED_MARK}:") or None


def _parse_fingerprints(annotations: Mapping[str, Any]) -> dict[str, str]:
    """Return the per-key fingerprints recorded in a SealedSecret's annotations."""
    recorded: dict[str, str] = {}
    for line in str(annotations.get(ANNOTATION_FINGERPRINTS, "")).splitlines():
        data_key, sep, mark = line.partition("=")
        if sep:
            recorded[data_key] = mark
    return recorded


class _Literal(str):
    """A string emitted as a YAML literal block, so long base64 stays unbroken on one line."""

    __slots__ = ()


@cache
def _dumper() -> Any:
    """Return the dumper of SealedSecret manifests: _Literal strings as literal blocks."""
    return block_dumper(lambda value: isinstance(value, _Literal))


@cache
def _resolver() -> yaml.resolver.Resolver:
    """Return the YAML resolver that decides how a plain scalar reads back."""
    return yaml.resolver.Resolver()


_PLAIN_KEY = re.compile(r"^[A-Za-z_][-._A-Za-z0-9]*$")


def _yaml_key(key: str) -> str:
    """Return a data key as a YAML mapping key: plain when it reads back as that string."""
    tag = _resolver().resolve(yaml.ScalarNode, key, (True, False))
    if _PLAIN_KEY.match(key) and tag == "tag:yaml.org,2002:str":
        return key
    return json.dumps(key)


def _dump(data: Any) -> str:
    """Return data as block YAML in insertion order."""
    return dump_block_yaml(data, _dumper(), width=1_000_000, allow_unicode=False)


def render_manifest(manifest: Mapping[str, Any]) -> str:
    """Return the manifest as stable YAML, with the SealedSecret header comment.

    encryptedData (base64 only, keys from a safe character set) is written
    directly: a generic YAML emitter spends most of a large re-seal on it.
    """
    spec = manifest["spec"]
    head = {k: v for k, v in manifest.items() if k != "spec"}
    lines = ["spec:", "  encryptedData:"]
    for key, sealed in spec["encryptedData"].items():
        lines += [f"    {_yaml_key(key)}: |-", f"      {sealed}"]
    rest = _dump({k: v for k, v in spec.items() if k != "encryptedData"})
    lines += ["  " + line for line in rest.splitlines()]
    return "---\n" + HEADER + _dump(head) + "\n".join(lines) + "\n"


def _build_manifest(
    request: SealRequest,
    cert: SealingCert,
    encrypted: Mapping[str, str],
    fingerprints: Mapping[str, str],
) -> dict[str, Any]:
    """Return the SealedSecret manifest as nested dicts in a stable order."""
    scope_anno = scope_annotations(request.scope)
    top_annotations = dict(scope_anno)
    top_annotations[ANNOTATION_CERT] = cert.fingerprint
    top_annotations[ANNOTATION_FINGERPRINTS] = _Literal(
        "".join(f"{k}={fingerprints[k]}\n" for k in sorted(fingerprints))
    )
    template_meta: dict[str, Any] = {"name": request.name, "namespace": request.namespace}
    if request.labels:
        template_meta["labels"] = dict(sorted(request.labels.items()))
    template_annotations = {**dict(sorted(request.annotations.items())), **scope_anno}
    if template_annotations:
        template_meta["annotations"] = template_annotations
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": request.name,
            "namespace": request.namespace,
            "annotations": top_annotations,
        },
        "spec": {
            "encryptedData": {k: encrypted[k] for k in sorted(encrypted)},
            "template": {"metadata": template_meta, "type": request.secret_type},
        },
    }


def _summary(header: str, marks: Mapping[str, str]) -> str:
    """Return a diff-friendly listing of data keys with a word each, never values."""
    return header + "".join(f"{k}: {marks[k]}\n" for k in sorted(marks))


@dataclass(frozen=True)
class _Existing:
    """What a re-run needs from the file already at dest."""

    encrypted: Mapping[str, str]
    marks: Mapping[str, str]
    label: bytes | None
    cert: str | None
    header: str


def _read_existing(existing_text: str | None, field_name: str) -> _Existing:
    """Return the ciphertexts, fingerprints, label and cert of the file at dest.

    Errors name the file (field_name, e.g. ``dest: <path>``) and the field inside it.
    """
    if existing_text is None:
        return _Existing({}, {}, None, None, "(no file)\n")
    old = parse_sealed_secret(existing_text, field_name)
    meta = old["metadata"]
    check_namespace(meta.get("namespace"), f"{field_name}: metadata.namespace")
    check_name(meta.get("name"), f"{field_name}: metadata.name")
    annotations = meta.get("annotations") or {}
    scope = scope_from_annotations(annotations)
    cert = annotations.get(ANNOTATION_CERT)
    return _Existing(
        encrypted={k: str(v).strip() for k, v in old["spec"]["encryptedData"].items()},
        marks=_parse_fingerprints(annotations),
        label=encryption_label(scope, meta["namespace"], meta["name"]),
        cert=cert,
        header=f"SealedSecret {meta.get('namespace')}/{meta.get('name')} ({scope}) "
        f"for {cert or 'an unknown cert'}\n",
    )


@dataclass
class _Outcome:
    """Ciphertexts and per-key outcomes collected while planning."""

    encrypted: dict[str, str] = field(default_factory=dict)
    marks: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    resealed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)

    def keep(self, data_key: str, ciphertext: str, word: str) -> None:
        """Record a value whose committed ciphertext stays as it is."""
        self.encrypted[data_key] = ciphertext
        self.kept.append(data_key)
        self.words[data_key] = word

    def seal(self, data_key: str, ciphertext: str, existed: bool, word: str) -> None:
        """Record a value sealed afresh."""
        self.encrypted[data_key] = ciphertext
        (self.resealed if existed else self.added).append(data_key)
        self.words[data_key] = "re-sealed" if existed else word


def plan_sealed_secret(
    request: SealRequest,
    cert: SealingCert,
    fingerprint_key: bytes,
    existing_text: str | None,
    existing_name: str = "dest",
) -> SealPlan:
    """Decide what to re-seal against the existing file and return the new manifest text.

    existing_name names the existing file in errors (the module passes ``dest: <path>``).
    """
    label = _check_request(request)
    fingerprint_key = check_fingerprint_key(fingerprint_key)
    old = _read_existing(existing_text, existing_name)
    out = _Outcome()

    for data_key in sorted(request.values):
        value = request.values[data_key]
        mark = value_fingerprint(fingerprint_key, cert, label, data_key, value)
        out.marks[data_key] = mark
        if data_key in old.encrypted and old.marks.get(data_key) == mark:
            out.keep(data_key, old.encrypted[data_key], "sealed")
        else:
            sealed = seal_value(cert, value, label)
            out.seal(data_key, sealed, data_key in old.encrypted, "sealed (new)")

    stale: list[str] = []
    for data_key in sorted(request.generate):
        field_name = f"generate.{data_key}"
        out.marks[data_key] = generated_mark(cert.fingerprint)
        if data_key in old.encrypted and data_key not in request.regenerate:
            if old.label != label:
                raise SealingError(
                    f"{field_name}: the existing generated value is sealed for another "
                    "name, namespace or scope and cannot be re-sealed without its plaintext; "
                    "list it in regenerate to make a new one"
                )
            # The plaintext is unknown, so the value stays under the cert it was sealed
            # for; the record says which, so the warning below lasts until it is regenerated.
            sealed_under = generated_cert(old.marks.get(data_key, GENERATED_MARK), old.cert)
            out.marks[data_key] = generated_mark(sealed_under)
            if sealed_under == cert.fingerprint:
                out.keep(data_key, old.encrypted[data_key], "sealed (generated)")
            else:
                stale.append(data_key)
                out.keep(data_key, old.encrypted[data_key], "sealed (generated, previous cert)")
            continue
        value = random_value(request.generate[data_key], field_name).encode()
        out.generated.append(data_key)
        existed = data_key in old.encrypted
        out.seal(data_key, seal_value(cert, value, label), existed, "generated (new)")
        out.words[data_key] = "generated (new value)" if existed else "generated (new)"

    warnings: list[str] = []
    if stale:
        warnings.append(
            "generate: " + ", ".join(stale) + " stay sealed under a previous cert (their "
            "plaintext is not known here); the controller keeps old keys, so they still open; "
            "list them in regenerate to seal new values under the current cert"
        )
    text = render_manifest(_build_manifest(request, cert, out.encrypted, out.marks))
    after_header = (
        f"SealedSecret {request.namespace}/{request.name} ({request.scope}) "
        f"for {cert.fingerprint}\n"
    )
    return SealPlan(
        text=text,
        changed=text != existing_text,
        added=tuple(out.added),
        resealed=tuple(out.resealed),
        removed=tuple(sorted(set(old.encrypted) - set(out.encrypted))),
        kept=tuple(out.kept),
        generated=tuple(out.generated),
        warnings=tuple(warnings),
        before_summary=_summary(old.header, dict.fromkeys(old.encrypted, "sealed")),
        after_summary=_summary(after_header, out.words),
    )
