#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sealed_secret_info
short_description: Inspect a SealedSecret and, with backed-up keys, open it offline
description:
  - Reads one SealedSecret manifest and reports its name, namespace, scope and data keys.
  - With the controller's private keys (O(private_key_files) or O(private_key_content),
    e.g. from C(playbooks/sealing_key_backup.yml)) it opens every value offline, as
    C(kubeseal --recovery-unseal) does, and reports which keys open and with which
    private key. For disaster recovery and audits; no cluster is contacted.
  - Values are returned only with O(reveal=true), and only from a task that itself sets
    C(no_log=true), so they cannot reach a log by accident.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  path:
    description: The SealedSecret manifest.
    type: path
    required: true
  private_key_files:
    description:
      - Files holding the controller's RSA private keys, as PEM, or as a Secret or
        C(v1) List of Secrets with C(data.tls.key) (the backup format).
    type: list
    elements: path
    default: []
  private_key_content:
    description: The same as O(private_key_files), given as text. Never logged.
    type: str
  reveal:
    description:
      - Return the opened values in RV(data). The task must set C(no_log=true).
    type: bool
    default: false
extends_documentation_fragment:
  - slipway.platform.attributes
  - slipway.platform.attributes.info_module
requirements:
  - cryptography
  - PyYAML
"""

EXAMPLES = r"""
- name: Check that the backed-up keys still open the committed platform-db secret
  slipway.platform.sealed_secret_info:
    path: secrets/staging/platform-db.yml
    private_key_content: "{{ sealing_backup_plaintext }}"
  register: platform_db
  failed_when: platform_db.failed_keys | length > 0

- name: Read the values for a disaster-recovery import
  slipway.platform.sealed_secret_info:
    path: secrets/staging/platform-db.yml
    private_key_files: [/secure/sealing-keys.yml]
    reveal: true
  register: platform_db_values
  no_log: true
"""

RETURN = r"""
name:
  description: Name of the SealedSecret.
  returned: always
  type: str
namespace:
  description: Namespace of the SealedSecret.
  returned: always
  type: str
scope:
  description: Scope the controller derives from the annotations.
  returned: always
  type: str
data_keys:
  description: Data keys in C(spec.encryptedData).
  returned: always
  type: list
  elements: str
cert_fingerprint:
  description: Fingerprint of the sealing key recorded when sealed, empty when unknown.
  returned: always
  type: str
opened:
  description: Data keys that opened with one of the given private keys.
  returned: always
  type: list
  elements: str
failed_keys:
  description: Data key to why it did not open (empty without private keys).
  returned: always
  type: dict
opened_with:
  description: Data key to the fingerprint of the private key that opened it.
  returned: always
  type: dict
data:
  description:
    - Data key to opened value, as text when it is UTF-8.
    - A value that is not UTF-8 is given base64-encoded and its key is listed in RV(binary_keys);
      decode it with the C(b64decode) filter.
  returned: when reveal is true
  type: dict
binary_keys:
  description: Data keys whose opened value is not UTF-8, so RV(data) holds it base64-encoded.
  returned: when reveal is true
  type: list
  elements: str
"""

import base64
import traceback
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
        ANNOTATION_CERT,
        DEPS_IMPORT_ERROR,
        SealingError,
        parse_sealed_secret,
    )
    from ansible_collections.slipway.platform.plugins.module_utils.sealing_recovery import (
        load_private_keys,
        unseal,
    )
except ImportError:
    IMPORT_ERROR: str | None = traceback.format_exc()
else:
    IMPORT_ERROR = DEPS_IMPORT_ERROR


def _read_text(path: str, field_name: str) -> str:
    """Return a file's text or raise SealingError naming the field."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SealingError(f"{field_name}: cannot read {path} ({exc})") from exc


def _shown(value: bytes) -> tuple[str, bool]:
    """Return a value as text, or as base64 when it is not UTF-8, and whether it is binary."""
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(value).decode(), True


def run_module(module: AnsibleModule) -> dict[str, Any]:
    """Inspect, and with keys open, one SealedSecret."""
    params = module.params
    if params["reveal"] and not module.no_log:
        raise SealingError("reveal: set 'no_log: true' on this task so the values stay out of logs")
    text = _read_text(str(params["path"]), "path")
    manifest = parse_sealed_secret(text, "path")
    keys = []
    for key_file in params["private_key_files"]:
        raw = _read_text(str(key_file), "private_key_files").encode()
        keys.extend(load_private_keys(raw, "private_key_files"))
    if params["private_key_content"]:
        keys.extend(
            load_private_keys(params["private_key_content"].encode(), "private_key_content")
        )
    opened = unseal(text, keys, "path")
    failed = dict(opened.failed) if keys else {}
    result: dict[str, Any] = {
        "changed": False,
        "name": opened.name,
        "namespace": opened.namespace,
        "scope": opened.scope,
        "data_keys": list(opened.keys),
        "cert_fingerprint": str(
            (manifest["metadata"].get("annotations") or {}).get(ANNOTATION_CERT, "")
        ),
        "opened": list(opened.opened),
        "failed_keys": failed,
        "opened_with": dict(opened.opened_with),
    }
    if params["reveal"]:
        shown = {k: _shown(v) for k, v in opened.values.items()}
        result["data"] = {k: text for k, (text, _binary) in shown.items()}
        result["binary_keys"] = sorted(k for k, (_text, binary) in shown.items() if binary)
    return result


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "private_key_files": {
                "type": "list",
                "elements": "path",
                "default": [],
                "no_log": False,
            },
            "private_key_content": {"type": "str", "no_log": True},
            "reveal": {"type": "bool", "default": False},
        },
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
