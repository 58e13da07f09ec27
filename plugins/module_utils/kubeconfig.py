"""Name a k3s admin kubeconfig after its environment and point it at the API endpoint.

k3s writes /etc/rancher/k3s/k3s.yaml with one cluster, one user and one context,
all named ``default``, and the server ``https://127.0.0.1:6443``. Kept like that
on the controller, every environment's kubeconfig would clash with the others'
(and with any other ``default``) when merged into ``~/.kube/config``. Renaming
all three to one name per environment and pointing the cluster at the API
endpoint makes the files mergeable; the result depends only on its inputs, so
writing it again changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any


class KubeconfigError(ValueError):
    """The kubeconfig is not what k3s writes; the message names the field."""


def _single(config: dict[str, Any], field: str) -> dict[str, Any]:
    """Return the one entry of the list field, or raise naming the field."""
    entries = config.get(field)
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        count = len(entries) if isinstance(entries, list) else "no"
        raise KubeconfigError(f"{field}: expected exactly one entry, got {count}")
    return entries[0]


def named_kubeconfig(config: Any, name: str, server: str) -> dict[str, Any]:
    """Return config with its cluster, user and context named name and the cluster at server."""
    if not isinstance(config, dict):
        raise KubeconfigError(f"kubeconfig: expected a mapping, got {type(config).__name__}")
    if not name:
        raise KubeconfigError("name: must not be empty")
    result = copy.deepcopy(config)
    cluster = _single(result, "clusters")
    user = _single(result, "users")
    context = _single(result, "contexts")
    if not isinstance(cluster.get("cluster"), dict):
        raise KubeconfigError("clusters[0].cluster: expected a mapping")
    if not isinstance(context.get("context"), dict):
        raise KubeconfigError("contexts[0].context: expected a mapping")
    cluster["name"] = name
    cluster["cluster"]["server"] = server
    user["name"] = name
    context["name"] = name
    context["context"]["cluster"] = name
    context["context"]["user"] = name
    result["current-context"] = name
    return result
