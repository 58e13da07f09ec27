#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: helm_rollback
short_description: Roll a Helm release back to an earlier revision
description:
  - Reads the release history with C(helm history -o json), decides whether a rollback is
    needed, runs C(helm rollback) through an argument list and reports the revision after it.
  - A revision's origin is the revision whose chart and values it carries. C(helm rollback)
    writes C(Rollback to N) as the description of the revision it creates, so that revision's
    origin is the origin of N.
  - With O(revision), the release is already at the target, and nothing changes, when its newest
    revision is deployed and has the same origin as O(revision), even when helm has pruned
    O(revision) from the history since.
  - Without O(revision), the target is the newest earlier revision that was ever deployed
    successfully (status deployed or superseded). A newest revision that is itself a deployed
    rollback means the rollback was done, so running the task twice changes nothing.
  - A newest revision that is an unfinished (failed) rollback is an error asking for
    O(revision), because helm does not keep the target of a failed rollback.
  - Check mode reads the history and says what would happen, without rolling back.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
extends_documentation_fragment:
  - slipway.platform.helm
  - slipway.platform.attributes
options:
  release:
    description: Name of the Helm release.
    type: str
    required: true
    aliases: [name]
  namespace:
    description:
      - Namespace of the release.
      - When omitted, C(helm list --all-namespaces) finds it; a release name found in several
        namespaces is an error.
    type: str
  revision:
    description:
      - Revision to roll back to. It must still be in the history (see O(history_max)), unless
        the newest revision already carries it (nothing to do then).
      - Omit it to undo the newest revision.
    type: int
  kubeconfig:
    description: Path to the kubeconfig; helm's default when omitted.
    type: path
  wait:
    description: Wait until the rolled-back resources are ready (C(--wait)), up to O(timeout).
    type: bool
    default: true
  timeout:
    description: Time to wait for each Kubernetes operation, as a Go duration.
    type: str
    default: 5m0s
  history_max:
    description:
      - Revisions helm keeps for the release after the rollback (C(--history-max)).
      - 0 keeps all.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    details: Reads the history and says what would happen, without rolling back.
  diff_mode:
    support: full
    details: Returns the revision, chart and app version before and after, never values.
notes:
  - Uses helm 3 or 4. With helm 4, C(--wait) means the watcher strategy.
seealso:
  - name: Slipway rollback guide
    description: docs/rollback.md in this collection.
    link: https://example.invalid/slipway/platform/docs/rollback.md
"""

EXAMPLES = r"""
- name: Undo the last deploy of the shop release
  slipway.platform.helm_rollback:
    release: shop
    namespace: apps
    kubeconfig: "{{ slipway_kubeconfig }}"

- name: Roll the shop release back to revision 7
  slipway.platform.helm_rollback:
    release: shop
    namespace: apps
    revision: 7
    timeout: 2m0s
    kubeconfig: "{{ slipway_kubeconfig }}"
"""

RETURN = r"""
release:
  description: The release name.
  returned: success
  type: str
  sample: shop
namespace:
  description: The namespace of the release.
  returned: success
  type: str
  sample: apps
revision_before:
  description: The newest revision before the task ran.
  returned: success
  type: int
  sample: 5
revision:
  description: The newest revision after the task (the new rollback revision when changed).
  returned: success
  type: int
  sample: 6
target_revision:
  description:
    - The revision rolled back to, or whose content is already deployed.
    - Null when none applies.
  returned: success
  type: int
  sample: 4
status:
  description: Helm status of the newest revision after the task.
  returned: success
  type: str
  sample: deployed
chart:
  description: Chart name and version of the newest revision after the task.
  returned: success
  type: str
  sample: slipway-app-1.4.2
app_version:
  description: App version of the newest revision after the task.
  returned: success
  type: str
  sample: 1.4.2
msg:
  description: What was decided or done, in one sentence.
  returned: always
  type: str
  sample: rolled back from revision 5 to 4 (now revision 6, deployed)
release_ref:
  description:
    - The release as Slipway's release history records it (C(name), C(namespace), C(chart),
      C(chart_version), C(revision)), after the task.
    - In check mode, the chart is the target's and the revision is still the current one.
  returned: success
  type: dict
  sample: {"name": "shop", "namespace": "apps", "chart": "slipway-app", "chart_version": "1.4.1",
           "revision": 6}
history:
  description: The release history as read before the task (helm's JSON fields, oldest first).
  returned: success
  type: list
  elements: dict
  sample: [{"revision": 4, "status": "superseded", "chart": "slipway-app-1.4.2",
            "app_version": "1.4.2",
            "description": "Upgrade complete", "updated": "2026-11-20T10:00:00Z"}]
diff:
  description: Revision, chart and app version before and after, when diff mode is on.
  returned: changed and diff mode
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.slipway.platform.plugins.module_utils.helm_rollback import (
    HelmRollbackError,
    RollbackParams,
    run_rollback,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "release": {"type": "str", "required": True, "aliases": ["name"]},
            "namespace": {"type": "str"},
            "revision": {"type": "int"},
            "kubeconfig": {"type": "path"},
            "binary_path": {"type": "str", "default": "helm", "aliases": ["helm_binary"]},
            "wait": {"type": "bool", "default": True},
            "timeout": {"type": "str", "default": "5m0s"},
            "history_max": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    params = RollbackParams(
        **{key: module.params[key] for key in RollbackParams.__dataclass_fields__}
    )
    try:
        result = run_rollback(
            lambda args: module.run_command(args, environ_update={"LC_ALL": "C"}),
            params,
            module.check_mode,
        )
    except HelmRollbackError as exc:
        module.fail_json(msg=str(exc), release=params.release)
    extra = {"diff": result.diff()} if result.changed and module._diff else {}
    module.exit_json(**result.as_dict(), **extra)


if __name__ == "__main__":
    main()
