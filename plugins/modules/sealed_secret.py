#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sealed_secret
short_description: Seal values into a SealedSecret manifest with an environment's public cert
description:
  - Writes one C(bitnami.com/v1alpha1) SealedSecret to O(dest), sealed exactly as
    C(kubeseal) does, so the environment's sealed-secrets controller opens it.
    Nothing is contacted; only the public cert is needed.
  - Values come from variables (O(values)), from files (O(value_files)) or are made
    here (O(generate)) so that a generated credential is never written anywhere in
    plaintext.
  - B(Idempotence is designed.) Sealing is randomised, so every re-run would change
    every value. Instead the manifest records, per value, a keyed fingerprint
    (HMAC-SHA256 truncated to 128 bits) over the value, the data key, the scope
    label and the cert's public key. The HMAC key (O(fingerprint_key) or
    O(fingerprint_key_file)) lives outside the repository, in the operator's
    ansible-vault or the controller state directory. A re-run re-seals only the
    values whose fingerprint differs, so unchanged inputs leave the file
    byte-identical, and a new cert re-seals every value it can.
  - B(What this costs.) Anyone who holds both the repository and the fingerprint key
    can test guesses of a value offline. Without the key the fingerprints reveal
    nothing. Keep the key as secret as the values. A different key (another
    operator's) only means one full re-seal.
  - Generated values are kept on re-runs; their plaintext is never known again, so
    after a cert rotation they stay sealed under the previous cert (the controller
    keeps its old keys) until listed in O(regenerate). Each generated key's entry in
    the fingerprints annotation records the cert it is sealed under, and every run
    warns while one is under a previous cert.
  - In check mode nothing is written; the plan (added, re-sealed, kept keys, and the
    diff) is the one a real run would carry out.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  name:
    description: Name of the SealedSecret and of the Secret it becomes.
    type: str
    required: true
  namespace:
    description: Namespace of the SealedSecret and of the Secret (a DNS label).
    type: str
    required: true
  scope:
    description:
      - C(strict) opens only as O(namespace)/O(name); C(namespace-wide) under any name in
        O(namespace); C(cluster-wide) anywhere.
      - The scope annotations are written on the SealedSecret and on its template.
    type: str
    choices: [strict, namespace-wide, cluster-wide]
    default: strict
  type:
    description: Type of the Secret the controller creates.
    type: str
    default: Opaque
  labels:
    description: Labels of the Secret the controller creates.
    type: dict
    default: {}
  annotations:
    description: Annotations of the Secret the controller creates.
    type: dict
    default: {}
  values:
    description: Data key to plaintext value. Never logged.
    type: dict
    default: {}
  value_files:
    description: Data key to a file on the controller whose UTF-8 text is the value.
    type: dict
    default: {}
  generate:
    description: Credentials made at sealing time and never written in plaintext.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: Data key.
        type: str
        required: true
      length:
        description: Number of characters.
        type: int
        default: 32
      alphabet:
        description: C(alnum), C(hex), C(urlsafe), or a literal set of characters.
        type: str
        default: alnum
  regenerate:
    description: Generated keys to replace with a new random value on this run.
    type: list
    elements: str
    default: []
  cert:
    description: The environment's public sealing certificate (PEM), or a bare PEM RSA public key.
    type: path
    required: true
  allow_expired_cert:
    description: Seal with an expired certificate, as C(kubeseal --allow-expired-cert) does.
    type: bool
    default: false
  fingerprint_key:
    description: Key of the per-value fingerprints (at least 32 characters). Never logged.
    type: str
  fingerprint_key_file:
    description: File holding the fingerprint key, outside the repository.
    type: path
  dest:
    description: Manifest file to write.
    type: path
    required: true
  state:
    description: C(absent) removes O(dest).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.files
  - slipway.platform.attributes
attributes:
  check_mode:
    support: full
    details: Predicts the change (added, re-sealed and kept keys) without writing anything.
  diff_mode:
    support: full
    details: The diff lists data keys and what happens to each, never values.
requirements:
  - cryptography
  - PyYAML
notes:
  - Exactly one of O(fingerprint_key) and O(fingerprint_key_file) is required when O(state=present).
  - Every non-empty value, however short, is hidden from the task result as Ansible hides
    C(no_log) options (a one-character value hides that character wherever it appears in the
    result). Empty values are not, since hiding the empty string would mask between every character.
"""

EXAMPLES = r"""
- name: Seal the platform database credentials
  slipway.platform.sealed_secret:
    name: platform-db
    namespace: platform
    values:
      username: platform
    generate:
      - key: password
        length: 40
    cert: secrets/certs/sealed-secrets-public-staging.pem
    fingerprint_key: "{{ vault_sealing_fingerprint_key }}"
    dest: secrets/staging/platform-db.yml
    mode: "0644"

- name: Seal a registry token for every name in the apps namespace
  slipway.platform.sealed_secret:
    name: registry-token
    namespace: apps
    scope: namespace-wide
    value_files:
      token: /run/secrets/registry-token
    cert: secrets/certs/sealed-secrets-public-staging.pem
    fingerprint_key_file: .state/staging/sealing-fingerprint.key
    dest: secrets/staging/registry-token.yml
"""

RETURN = r"""
dest:
  description: The manifest file.
  returned: always
  type: str
label:
  description: The RSA-OAEP label the values are sealed under (empty for cluster-wide).
  returned: when state is present
  type: str
cert_fingerprint:
  description: SHA-256 of the sealing public key (DER SubjectPublicKeyInfo).
  returned: when state is present
  type: str
added:
  description: Data keys sealed for the first time.
  returned: when state is present
  type: list
  elements: str
resealed:
  description: Data keys whose value or cert changed, sealed again.
  returned: when state is present
  type: list
  elements: str
removed:
  description: Data keys dropped from the manifest.
  returned: when state is present
  type: list
  elements: str
kept:
  description: Data keys whose committed ciphertext was kept.
  returned: when state is present
  type: list
  elements: str
generated:
  description: Data keys given a new random value on this run.
  returned: when state is present
  type: list
  elements: str
"""

import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.slipway.platform.plugins.module_utils.files import write_atomic

try:
    from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
        DEPS_IMPORT_ERROR,
        GeneratedValue,
        SealingError,
        SealRequest,
        decode_file_value,
        encryption_label,
        load_cert,
        plan_sealed_secret,
        string_value,
    )
except ImportError:
    IMPORT_ERROR: str | None = traceback.format_exc()
else:
    IMPORT_ERROR = DEPS_IMPORT_ERROR


def _read_bytes(path: str, field_name: str) -> bytes:
    """Return a file's bytes or raise SealingError naming the field."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SealingError(f"{field_name}: cannot read {path} ({exc.strerror})") from exc


def _mask(module: AnsibleModule, *values: str) -> None:
    """Hide values from the module's result; the empty string would mask between every character."""
    module.no_log_values.update(value for value in values if value)


def _request(module: AnsibleModule) -> SealRequest:
    """Build the seal request from the module's parameters and value files."""
    params = module.params
    values = {k: string_value(v, f"values.{k}") for k, v in params["values"].items()}
    for data_key, path in params["value_files"].items():
        field_name = f"value_files.{data_key}"
        if data_key in values:
            raise SealingError(f"{field_name}: the key is also given in values")
        values[data_key] = decode_file_value(_read_bytes(str(path), field_name), field_name)
    _mask(module, *(value.decode() for value in values.values()))
    return SealRequest(
        name=params["name"],
        namespace=params["namespace"],
        scope=params["scope"],
        secret_type=params["type"],
        labels=params["labels"],
        annotations=params["annotations"],
        values=values,
        generate={
            g["key"]: GeneratedValue(length=g["length"], alphabet=g["alphabet"])
            for g in params["generate"]
        },
        regenerate=frozenset(params["regenerate"]),
    )


def _write(module: AnsibleModule, dest: str, text: str) -> None:
    """Write text to dest atomically, creating its directory."""
    directory = Path(dest).parent
    try:
        write_atomic(dest, text)
    except OSError as exc:
        raise SealingError(f"dest: cannot write in {directory} ({exc.strerror})") from exc


def _absent(module: AnsibleModule, dest: str) -> dict[str, Any]:
    """Remove dest when present."""
    exists = Path(dest).exists()
    if exists and not module.check_mode:
        try:
            Path(dest).unlink()
        except OSError as exc:
            raise SealingError(f"dest: cannot remove {dest} ({exc.strerror})") from exc
    result: dict[str, Any] = {"changed": exists, "dest": dest}
    if module._diff:
        result["diff"] = {"before": f"{dest} present\n" if exists else "", "after": ""}
    return result


def run_module(module: AnsibleModule) -> dict[str, Any]:
    """Plan the manifest, write it unless in check mode, and return the result."""
    params = module.params
    dest = str(params["dest"])
    if params["state"] == "absent":
        return _absent(module, dest)
    if params["fingerprint_key_file"]:
        fingerprint_key = _read_bytes(str(params["fingerprint_key_file"]), "fingerprint_key_file")
        _mask(module, fingerprint_key.decode(errors="replace").strip())
    else:
        fingerprint_key = params["fingerprint_key"].encode()
    request = _request(module)
    cert = load_cert(
        _read_bytes(str(params["cert"]), "cert"),
        now=datetime.now(UTC),
        allow_expired=params["allow_expired_cert"],
    )
    existing = None
    if Path(dest).exists():
        existing = _read_bytes(dest, "dest").decode("utf-8", errors="replace")
    plan = plan_sealed_secret(request, cert, fingerprint_key, existing, f"dest: {dest}")
    for warning in plan.warnings:
        module.warn(warning)
    if plan.changed and not module.check_mode:
        _write(module, dest, plan.text)
    changed = plan.changed
    if Path(dest).exists():
        file_args = module.load_file_common_arguments(params, path=dest)
        changed = module.set_fs_attributes_if_different(file_args, changed)
    result: dict[str, Any] = {
        "changed": changed,
        "dest": dest,
        "label": encryption_label(request.scope, request.namespace, request.name).decode(),
        "cert_fingerprint": cert.fingerprint,
        "added": list(plan.added),
        "resealed": list(plan.resealed),
        "removed": list(plan.removed),
        "kept": list(plan.kept),
        "generated": list(plan.generated),
    }
    if module._diff:
        result["diff"] = {
            "before_header": dest,
            "after_header": dest,
            "before": plan.before_summary,
            "after": plan.after_summary,
        }
    return result


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "namespace": {"type": "str", "required": True},
            "scope": {
                "type": "str",
                "choices": ["strict", "namespace-wide", "cluster-wide"],
                "default": "strict",
            },
            "type": {"type": "str", "default": "Opaque"},
            "labels": {"type": "dict", "default": {}},
            "annotations": {"type": "dict", "default": {}},
            "values": {"type": "dict", "default": {}, "no_log": True},
            "value_files": {"type": "dict", "default": {}},
            "generate": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "key": {"type": "str", "required": True, "no_log": False},
                    "length": {"type": "int", "default": 32},
                    "alphabet": {"type": "str", "default": "alnum"},
                },
            },
            "regenerate": {"type": "list", "elements": "str", "default": []},
            "cert": {"type": "path", "required": True},
            "allow_expired_cert": {"type": "bool", "default": False},
            "fingerprint_key": {"type": "str", "no_log": True},
            "fingerprint_key_file": {"type": "path", "no_log": False},
            "dest": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        mutually_exclusive=[("fingerprint_key", "fingerprint_key_file")],
        required_if=[
            ("state", "present", ("fingerprint_key", "fingerprint_key_file"), True),
        ],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    if IMPORT_ERROR:
        module.fail_json(
            msg=missing_required_lib("cryptography and PyYAML"), exception=IMPORT_ERROR
        )
    try:
        module.exit_json(**run_module(module))
    except SealingError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
