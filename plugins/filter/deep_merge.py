"""Jinja filter for Slipway's deep merge rule (logic in module_utils/deep_merge.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError

from ansible_collections.slipway.platform.plugins.module_utils.deep_merge import (
    MergeError,
    deep_merge,
)


def slipway_deep_merge(base: Any, *overrides: Any) -> Any:
    """Filter form of deep_merge: ``defaults | slipway.platform.deep_merge(env, override)``."""
    try:
        return deep_merge(base, *overrides)
    except MergeError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Slipway merge filter."""

    filter_map: ClassVar[dict[str, Any]] = {"deep_merge": slipway_deep_merge}

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
