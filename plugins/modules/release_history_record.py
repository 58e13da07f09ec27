#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_history_record
short_description: Build a release history record and mirror it on the controller
description:
  - Validates a deploy or rollback record (bundle or component, Helm releases with their
    chart versions and revisions), gives it a content id and returns the ConfigMap that
    stores it in the cluster, for M(kubernetes.core.k8s) to apply.
  - Writes the same record as JSON into O(mirror_dir) on the machine the module runs on
    (the controller, in Slipway's cluster plays).
  - The id is a digest of kind, name, action and releases. When O(existing) or the mirror
    already holds a record with that id, that record (and its time) is reused, so recording
    the same deploy twice changes nothing.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  kind:
    description: What was deployed.
    type: str
    required: true
    choices: [bundle, component]
  name:
    description: Bundle release id or component name.
    type: str
    required: true
  action:
    description: Whether the record is a deploy or a rollback.
    type: str
    choices: [deploy, rollback]
    default: deploy
  releases:
    description: The Helm releases of the deploy.
    type: list
    elements: dict
    required: true
  bundle:
    description: The normalized release bundle (kind bundle only). Never put secret values here.
    type: dict
  existing:
    description: ConfigMaps already in the cluster (C(resources) of M(kubernetes.core.k8s_info)).
    type: list
    elements: dict
    default: []
  mirror_dir:
    required: true
  namespace:
    description: Namespace of the history ConfigMaps.
    type: str
    default: platform
  now:
    description: Time of the record, RFC 3339 UTC; the current time when omitted.
    type: str
extends_documentation_fragment:
  - slipway.platform.release_history
  - slipway.platform.attributes
attributes:
  check_mode:
    support: full
    details: Computes the record and reports the change without writing the mirror.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Record a bundle deploy
  slipway.platform.release_history_record:
    kind: bundle
    name: shop-2026.11.23
    releases:
      - {name: shop, namespace: apps, chart: slipway-app, chart_version: 1.4.2, revision: 7}
    mirror_dir: "{{ slipway_backup_dir }}/history"
  register: record
"""

RETURN = r"""
record:
  description: The record as stored.
  returned: success
  type: dict
  sample: {"id": "3f2a9c1b7d4e", "kind": "bundle", "name": "shop-2026.11.23", "action": "deploy",
           "time": "2026-11-23T09:30:00Z", "releases": []}
configmap:
  description: The ConfigMap manifest that stores the record.
  returned: success
  type: dict
mirror_path:
  description: The mirror file of the record.
  returned: success
  type: str
  sample: /srv/slipway/.state/prod/backups/history/slipway-history-bundle-shop-3f2a9c1b7d4e.json
new:
  description: Whether the record did not exist before (in the cluster or the mirror).
  returned: success
  type: bool
"""

import datetime
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.slipway.platform.plugins.module_utils.files import write_atomic
from ansible_collections.slipway.platform.plugins.module_utils.release_history import (
    ReleaseHistoryError,
    plan_record,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "kind": {"type": "str", "required": True, "choices": ["bundle", "component"]},
            "name": {"type": "str", "required": True},
            "action": {"type": "str", "default": "deploy", "choices": ["deploy", "rollback"]},
            "releases": {"type": "list", "elements": "dict", "required": True},
            "bundle": {"type": "dict"},
            "existing": {"type": "list", "elements": "dict", "default": []},
            "mirror_dir": {"type": "path", "required": True},
            "namespace": {"type": "str", "default": "platform"},
            "now": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    now = params["now"] or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        plan = plan_record(
            params, params["existing"], params["mirror_dir"], params["namespace"], now
        )
    except ReleaseHistoryError as exc:
        module.fail_json(msg=str(exc))
    if plan.mirror_changed and not module.check_mode:
        Path(params["mirror_dir"]).mkdir(mode=0o750, parents=True, exist_ok=True)
        try:
            # History stays group-readable only.
            write_atomic(plan.mirror_path, plan.mirror_text, 0o640)
        except OSError as exc:
            module.fail_json(msg=f"mirror_dir: cannot write {plan.mirror_path} ({exc.strerror})")
    module.exit_json(
        changed=plan.mirror_changed,
        record=plan.record.as_dict(),
        configmap=plan.configmap,
        mirror_path=plan.mirror_path,
        new=plan.new,
    )


if __name__ == "__main__":
    main()
