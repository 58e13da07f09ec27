#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_history_info
short_description: Read Slipway's release history and pick the bundle to roll back to
description:
  - Reads history records from ConfigMaps (the C(resources) of M(kubernetes.core.k8s_info)) when
    O(configmaps) is given, else from the controller mirror in O(mirror_dir).
  - Returns the records newest first, a text table, and the bundle record a whole-apps
    rollback would go back to (O(apps)).
  - Read-only.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  configmaps:
    description: History ConfigMaps read from the cluster. Omit to read the mirror in O(mirror_dir).
    type: list
    elements: dict
  kind:
    description: Only records of this kind.
    type: str
    choices: [bundle, component]
  name:
    description: Only records of this bundle id or component name.
    type: str
  apps:
    description:
      - Bundle to roll the apps back to, C(previous) for the newest bundle recorded before the
        current one. Picks RV(target_bundle).
    type: str
    default: previous
  limit:
    description: At most this many records in RV(records) and RV(table); 0 means all.
    type: int
    default: 20
extends_documentation_fragment:
  - slipway.platform.release_history
  - slipway.platform.attributes
  - slipway.platform.attributes.info_module
"""

EXAMPLES = r"""
- name: Read the history from the controller mirror
  slipway.platform.release_history_info:
    mirror_dir: "{{ slipway_backup_dir }}/history"
  register: history
"""

RETURN = r"""
source:
  description: Where the records came from, C(cluster) or C(mirror).
  returned: always
  type: str
  sample: cluster
records:
  description: The records, newest first.
  returned: always
  type: list
  elements: dict
table:
  description: The records as aligned text lines, with a header line.
  returned: always
  type: list
  elements: str
current_bundle:
  description: The newest bundle record, or null.
  returned: always
  type: dict
target_bundle:
  description: The bundle record selected by O(apps), or null when there is nothing to roll back to.
  returned: always
  type: dict
target_reason:
  description: Why RV(target_bundle) was selected, or why none was.
  returned: always
  type: str
  sample: roll the apps back from bundle shop-2026.11.23 to shop-2026.11.20
left_alone:
  description:
    - Releases of the current bundle that RV(target_bundle) does not have (C(namespace/name)).
    - A rollback to the target leaves them as they are.
  returned: always
  type: list
  elements: str
  sample: [apps/newsletter]
problems:
  description: Records that could not be read, one message each.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.slipway.platform.plugins.module_utils.release_history import (
    ReleaseHistoryError,
    history_view,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "configmaps": {"type": "list", "elements": "dict"},
            "mirror_dir": {"type": "path"},
            "kind": {"type": "str", "choices": ["bundle", "component"]},
            "name": {"type": "str"},
            "apps": {"type": "str", "default": "previous"},
            "limit": {"type": "int", "default": 20},
        },
        required_one_of=[("configmaps", "mirror_dir")],
        supports_check_mode=True,
    )
    try:
        view = history_view(module.params)
    except ReleaseHistoryError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **view)


if __name__ == "__main__":
    main()
