"""Jinja filter: Vault's seal state per server pod, from `vault status -format=json` runs."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from ansible.errors import AnsibleFilterError


def slipway_vault_status(results: list[Any]) -> list[dict[str, Any]]:
    """Return one {pod, initialized, sealed, progress, threshold} per looped status result."""
    pods = []
    for result in results:
        pod = str(result.get("item", "?"))
        try:
            status = json.loads(result.get("stdout") or "")
        except ValueError as exc:
            stderr = str(result.get("stderr") or "").strip()[:300]
            raise AnsibleFilterError(
                f"vault status in pod {pod} printed no JSON (exit {result.get('rc')}): {stderr}"
            ) from exc
        if not isinstance(status, dict) or "sealed" not in status:
            raise AnsibleFilterError(f"vault status in pod {pod}: no seal state in its answer")
        pods.append(
            {
                "pod": pod,
                "initialized": bool(status.get("initialized")),
                "sealed": bool(status.get("sealed")),
                "progress": int(status.get("progress") or 0),
                "threshold": int(status.get("t") or 0),
            }
        )
    return pods


class FilterModule:
    """Slipway filters over Vault's status."""

    filter_map: ClassVar[dict[str, Any]] = {"vault_status": slipway_vault_status}

    def filters(self) -> dict[str, Any]:
        """Return the filters this plugin provides."""
        return self.filter_map
