"""Jinja filter that names a k3s kubeconfig (logic in module_utils/kubeconfig.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.kubeconfig import (
    KubeconfigError,
    named_kubeconfig,
)


def slipway_named_kubeconfig(config: Any, name: str, server: str) -> dict[str, Any]:
    """Filter form: ``k3s_yaml | from_yaml | slipway.platform.named_kubeconfig(name, url)``."""
    try:
        return named_kubeconfig(config, name, server)
    except KubeconfigError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway kubeconfig filter."""

    filter_map: ClassVar[dict[str, Any]] = {"named_kubeconfig": slipway_named_kubeconfig}

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
