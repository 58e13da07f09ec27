#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: signoz_config
short_description: Keep SigNoz's notification channels, alert rules and retention as code
description:
  - Makes a running SigNoz hold the given notification channels, alert rules and data
    retention, through SigNoz's HTTP API with an admin API key.
  - Creates what is missing and replaces what differs; what SigNoz stores beyond what is sent
    (defaults, ids, states) is not a difference, so a second run changes nothing.
  - Rules it creates carry the label C(managed_by=slipway); with O(prune), such a rule no
    longer given is deleted. Rules made by hand are never touched. Channels are never deleted.
  - Channel URLs are secrets; they reach SigNoz only and never appear in the result or diff.
version_added: 0.1.0
author: Slipway maintainers (@slipway)
options:
  url:
    description: SigNoz's base URL, such as C(https://signoz.internal.example.com).
    type: str
    required: true
  api_key:
    description: An admin API key of SigNoz (Settings, API Keys), sent as C(SIGNOZ-API-KEY).
    type: str
    required: true
  validate_certs:
    description: Check SigNoz's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: CA bundle for SigNoz's certificate (a private CA, such as a self-signed issuer's).
    type: path
  timeout:
    description: Seconds each request may take.
    type: int
    default: 30
  channels:
    description: Notification channels (Alertmanager receivers).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Channel name; rules route to it by this name.
        type: str
        required: true
      type:
        description: C(webhook) (any receiver of Alertmanager's webhook JSON) or C(slack).
        type: str
        required: true
        choices: [webhook, slack]
      url:
        description: The webhook URL (Slack's incoming webhook for C(slack)). A secret.
        type: str
        required: true
      slack_channel:
        description: Slack channel, such as C(#ops), when the webhook allows another.
        type: str
      send_resolved:
        description: Also notify when the alert resolves.
        type: bool
        default: true
  rules:
    description: Alert rules, each a PromQL query over SigNoz's metrics.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The alert's name (unique).
        type: str
        required: true
      query:
        description: PromQL query.
        type: str
        required: true
      op:
        description: How the value compares with O(rules[].target).
        type: str
        choices: [above, below, equal, not_equal]
        default: above
      target:
        description: The threshold.
        type: float
        default: 0
      match:
        description: When in the window the comparison must hold.
        type: str
        choices: [at_least_once, all_the_time, on_average, in_total, last]
        default: at_least_once
      absent_for:
        description: Also fire when the query has no data for this long (C(5m), C(1h)).
        type: str
      eval_window:
        description: Window evaluated each time (C(5m)).
        type: str
        default: 5m
      frequency:
        description: How often the rule is evaluated (C(1m)).
        type: str
        default: 1m
      severity:
        description: Severity label.
        type: str
        choices: [critical, error, warning, info]
        default: warning
      summary:
        description: One line shown in the notification.
        type: str
      description:
        description: What it means and what to do.
        type: str
      labels:
        description: More labels.
        type: dict
      channels:
        description: Names of O(channels) the alert goes to.
        type: list
        elements: str
        default: []
  retention:
    description:
      - How long SigNoz keeps each signal, keys C(logs), C(traces), C(metrics), values such as
        C(7d) or C(720h). A signal not given keeps its retention.
      - SigNoz applies a change in the background; while it does, a run asking for the same
        value changes nothing.
    type: dict
    default: {}
  prune:
    description: Delete rules labelled C(managed_by=slipway) that are no longer in O(rules).
    type: bool
    default: true
extends_documentation_fragment:
  - slipway.platform.attributes
attributes:
  check_mode:
    support: full
    details: Reads SigNoz and says what would change, without changing it.
  diff_mode:
    support: full
    details: Channel and rule names and retention hours before and after; never a URL or key.
notes:
  - Request shapes are those of SigNoz's query service at the catalog's pinned version
    (C(/api/v1/channels), C(/api/v1/rules), C(/api/v1/settings/ttl)).
seealso:
  - name: Slipway observability guide
    description: docs/observability.md in this collection.
    link: https://example.invalid/slipway/platform/docs/observability.md
"""

EXAMPLES = r"""
- name: Alerts and retention of the environment
  slipway.platform.signoz_config:
    url: "https://signoz.internal.example.com"
    api_key: "{{ vault_signoz_api_key }}"
    channels:
      - {name: ops, type: webhook, url: "{{ vault_alert_webhook_url }}"}
    rules:
      - name: Node not ready
        query: min by (k8s_node_name) (k8s_node_condition_ready)
        op: below
        target: 1
        match: all_the_time
        severity: critical
        channels: [ops]
    retention: {logs: 7d, traces: 7d, metrics: 30d}
"""

RETURN = r"""
msg:
  description: What was done or would be done, in one sentence.
  returned: always
  type: str
  sample: "2 changes: rule Disk almost full: create; retention logs: 168h (was 360h)"
actions:
  description: One line per change made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
  sample: ["channel ops: create (webhook)", "rule Node not ready: create"]
diff:
  description: Channel and rule names and retention hours before and after.
  returned: diff mode
  type: dict
"""

import json
import urllib.error
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import Request as HttpRequest

from ansible_collections.slipway.platform.plugins.module_utils.signoz import (
    Client,
    SignozError,
    converge,
    parse_channels,
    parse_retention,
    parse_rules,
)

# An answer larger than this is not one of SigNoz's: stop reading.
MAX_ANSWER_BYTES = 8 * 1024 * 1024


def _requester(module: AnsibleModule) -> Any:
    base = module.params["url"].rstrip("/")
    http = HttpRequest(
        headers={"SIGNOZ-API-KEY": module.params["api_key"], "Accept": "application/json"},
        validate_certs=module.params["validate_certs"],
        ca_path=module.params["ca_path"],
        timeout=module.params["timeout"],
    )

    def request(method: str, path: str, body: Any) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            answer = http.open(method, base + path, data=data, headers=headers)
            return answer.status, answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as err:
            return err.code, err.read(MAX_ANSWER_BYTES) if err.fp else b""
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise SignozError(f"url: cannot reach SigNoz at {base} ({reason})") from err

    return request


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "api_key": {"type": "str", "required": True, "no_log": True},
            "validate_certs": {"type": "bool", "default": True},
            "ca_path": {"type": "path"},
            "timeout": {"type": "int", "default": 30},
            "channels": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "name": {"type": "str", "required": True},
                    "type": {"type": "str", "required": True, "choices": ["webhook", "slack"]},
                    "url": {"type": "str", "required": True, "no_log": True},
                    "slack_channel": {"type": "str"},
                    "send_resolved": {"type": "bool", "default": True},
                },
            },
            "rules": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "name": {"type": "str", "required": True},
                    "query": {"type": "str", "required": True},
                    "op": {
                        "type": "str",
                        "default": "above",
                        "choices": ["above", "below", "equal", "not_equal"],
                    },
                    "target": {"type": "float", "default": 0},
                    "match": {
                        "type": "str",
                        "default": "at_least_once",
                        "choices": [
                            "at_least_once",
                            "all_the_time",
                            "on_average",
                            "in_total",
                            "last",
                        ],
                    },
                    "absent_for": {"type": "str"},
                    "eval_window": {"type": "str", "default": "5m"},
                    "frequency": {"type": "str", "default": "1m"},
                    "severity": {
                        "type": "str",
                        "default": "warning",
                        "choices": ["critical", "error", "warning", "info"],
                    },
                    "summary": {"type": "str"},
                    "description": {"type": "str"},
                    "labels": {"type": "dict"},
                    "channels": {"type": "list", "elements": "str", "default": []},
                },
            },
            "retention": {"type": "dict", "default": {}},
            "prune": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    if not module.params["url"].startswith(("https://", "http://")):
        module.fail_json(msg=f"url: {module.params['url']!r} is not an http(s) URL")
    try:
        channels = parse_channels(module.params["channels"])
        rules = parse_rules(module.params["rules"], [channel.name for channel in channels])
        retention = parse_retention(module.params["retention"])
        outcome = converge(
            Client(_requester(module)),
            channels,
            rules,
            retention,
            prune=module.params["prune"],
            check_mode=module.check_mode,
        )
    except SignozError as err:
        module.fail_json(msg=str(err))
    count = len(outcome.actions)
    if not count:
        msg = "SigNoz already holds these channels, rules and retention"
    else:
        verb = "would make" if module.check_mode else "made"
        msg = f"{verb} {count} change{'s' if count != 1 else ''}: " + "; ".join(outcome.actions)
    result: dict[str, Any] = {"changed": outcome.changed, "msg": msg, "actions": outcome.actions}
    if module._diff:
        result["diff"] = {"before": outcome.before, "after": outcome.after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
