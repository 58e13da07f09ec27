#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a release bundle against an environment's release policy."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_bundle_info
short_description: Validate a release bundle against an environment's release policy
description:
  - Reads a release bundle (one set of images built together) from a file, from YAML text or
    from data, checks it against the bundle format and the environment's release policy, and
    returns the normalized bundle and the image references to deploy.
  - Reports every violation in one run, each with its location (for example C(units[2].tag)),
    its line when the bundle is YAML, and how to fix it. A YAML syntax error names its line.
  - Tag policy C(dev) accepts a SemVer or git SHA release and units all tagged C(latest);
    C(test) a SemVer or git SHA release; C(staging) SemVer only; C(prod) SemVer only with every
    image pinned by digest. Every unit's tag is the release (C(1.4.2) or C(v1.4.2)).
  - Read-only; never changes anything.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  path:
    description: Path of the bundle file on the controller. Mutually exclusive with O(data).
    type: path
  data:
    description:
      - The bundle as a dictionary, or as YAML text. Mutually exclusive with O(path).
    type: raw
  limits:
    description:
      - Overrides of the input limits, usually the environment's C(slipway_input_limits). A bundle
        beyond one is refused, naming the limit, before it is walked.
      - C(max_bytes) (default 2 MiB) for the file or text, C(max_nodes) (200000) for its values
        once YAML aliases are expanded, C(max_depth) (64) for its nesting, C(max_units) (1000) for
        its units.
    type: dict
    default: {}
  policy:
    description: The environment's release policy (inventory C(release.yml)).
    type: dict
    required: true
    suboptions:
      env:
        description: Environment name, for messages.
        type: str
        required: true
      tag_policy:
        description: Tag policy of the environment (C(slipway_image_tag_policy)).
        type: str
        required: true
        choices: [dev, test, staging, prod]
      allowed_registries:
        description: Registries (host or host:port) images may come from.
        type: list
        elements: str
        required: true
      required_units:
        description: Units every bundle for this environment must carry.
        type: list
        elements: str
        default: []
      require_digests:
        description: Every image pinned by digest. Always on for tag policy C(prod).
        type: bool
        default: false
      allow_prerelease:
        description: Whether a SemVer pre-release (C(1.5.0-rc.1)) may be deployed.
        type: bool
        default: true
extends_documentation_fragment:
  - slipway.platform.attributes
  - slipway.platform.attributes.info_module
notes:
  - The bundle format is described by C(schemas/release-bundle.schema.json)
    and C(docs/release-bundles.md).
seealso:
  - name: Slipway release bundles
    description: docs/release-bundles.md in this collection.
    link: https://example.invalid/slipway/platform/docs/release-bundles.md
"""

EXAMPLES = r"""
- name: Validate the bundle for this environment
  slipway.platform.release_bundle_info:
    path: releases/prod/bundle.yml
    policy:
      env: prod
      tag_policy: prod
      allowed_registries: [registry.example.com]
      required_units: [web, api]
  register: bundle

- name: Validate a bundle given as data
  slipway.platform.release_bundle_info:
    data:
      apiVersion: slipway.platform/v1
      kind: ReleaseBundle
      release: 3f9c2ab
      units:
        - {name: web, image: registry.example.com/shop/web, tag: latest}
    policy: "{{ slipway_release_policy }}"
"""

RETURN = r"""
release:
  description: The release id.
  returned: success
  type: str
  sample: 1.4.2
release_kind:
  description: C(semver) or C(git_sha).
  returned: success
  type: str
  sample: semver
env:
  description: The environment whose policy was applied.
  returned: always
  type: str
  sample: prod
references:
  description:
    - Image reference to deploy per unit name.
    - C(repo@digest) when pinned, else C(repo:tag).
  returned: success
  type: dict
  sample: {"web": "registry.example.com/shop/web@sha256:4f5a..."}
units:
  description: The units in bundle order, each with its image reference.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "web", "image": "registry.example.com/shop/web", "tag": "1.4.2",
            "digest": "sha256:4f5a...",
            "reference": "registry.example.com/shop/web@sha256:4f5a..."}]
bundle:
  description: The normalized bundle, in bundle format (validating it again gives the same result).
  returned: success
  type: dict
violations:
  description: Every violation found, in line order.
  returned: failure
  type: list
  elements: dict
  sample: [{"location": "units[2].tag", "line": 14,
            "problem": "'latest' is not allowed in prod (tag policy prod)",
            "fix": "use the image tagged for the release ('1.4.2')"}]
msg:
  description: One line when valid; every violation, one per line, when not.
  returned: always
  type: str
  sample: "release 1.4.2: 2 units valid for prod"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    input_limits,
)
from ansible_collections.slipway.platform.plugins.module_utils.release_bundle import (
    TAG_POLICIES,
    BundleError,
    BundleParams,
    ReleasePolicy,
    check_release_bundle,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path"},
            "data": {"type": "raw"},
            "limits": {"type": "dict", "default": {}},
            "policy": {
                "type": "dict",
                "required": True,
                "options": {
                    "env": {"type": "str", "required": True},
                    "tag_policy": {"type": "str", "required": True, "choices": list(TAG_POLICIES)},
                    "allowed_registries": {"type": "list", "elements": "str", "required": True},
                    "required_units": {"type": "list", "elements": "str", "default": []},
                    "require_digests": {"type": "bool", "default": False},
                    "allow_prerelease": {"type": "bool", "default": True},
                },
            },
        },
        mutually_exclusive=[("path", "data")],
        required_one_of=[("path", "data")],
        supports_check_mode=True,
    )
    raw = module.params["policy"]
    policy = ReleasePolicy(
        env=raw["env"],
        tag_policy=raw["tag_policy"],
        allowed_registries=tuple(raw["allowed_registries"]),
        required_units=tuple(raw["required_units"]),
        require_digests=raw["require_digests"],
        allow_prerelease=raw["allow_prerelease"],
    )
    try:
        limits = input_limits(module.params["limits"], "limits")
    except InputError as exc:
        module.fail_json(msg=str(exc), env=policy.env)
    try:
        bundle = check_release_bundle(
            BundleParams(module.params["path"], module.params["data"], policy, limits)
        )
    except BundleError as exc:
        module.fail_json(
            msg=str(exc), env=policy.env, violations=[item.as_dict() for item in exc.violations]
        )
    module.exit_json(
        changed=False,
        msg=f"release {bundle.release}: {len(bundle.units)} units valid for {policy.env}",
        env=policy.env,
        release=bundle.release,
        release_kind=bundle.release_kind,
        references=bundle.references,
        units=[{**unit.as_dict(), "reference": unit.reference} for unit in bundle.units],
        bundle=bundle.as_dict(),
    )


if __name__ == "__main__":
    main()
