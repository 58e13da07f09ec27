"""What one run of the deploy path did to the cluster's Helm releases, read from ``helm list``.

The deploy path lists the releases before a group of releases is deployed and again
when it has to account for them: after the group (the revisions a release bundle
records) or after a failure (what an all-or-nothing group must undo). Comparing the
two listings needs no fact collected release by release.
"""

from __future__ import annotations

import json
from typing import Any

# What Slipway reads of each release helm lists.
_KEYS = ("name", "namespace", "revision", "status")


class HelmListError(ValueError):
    """The output of helm list, or a planned release, is not what it should be."""


def _key(namespace: str, name: str) -> str:
    """Return the key a release is known by: namespace/name."""
    return f"{namespace}/{name}"


def revisions(listing: str | list[Any]) -> dict[str, dict[str, Any]]:
    """Return ``{namespace/name: {revision, status, chart}}`` from ``helm list -o json``."""
    if isinstance(listing, str):
        try:
            listing = json.loads(listing or "[]")
        except ValueError as exc:
            raise HelmListError(f"helm list: not JSON ({exc})") from exc
    if not isinstance(listing, list):
        raise HelmListError("helm list: expected a JSON list of releases")
    found: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(listing):
        if not isinstance(entry, dict) or any(key not in entry for key in _KEYS):
            raise HelmListError(f"helm list[{index}]: needs {', '.join(_KEYS)}")
        try:
            revision = int(entry["revision"])
        except (TypeError, ValueError) as exc:
            raise HelmListError(
                f"helm list[{index}].revision: {entry['revision']!r} is not a number"
            ) from exc
        found[_key(str(entry["namespace"]), str(entry["name"]))] = {
            "revision": revision,
            "status": str(entry["status"]),
            "chart": str(entry.get("chart", "")),
        }
    return found


def _planned_key(release: Any, index: int) -> str:
    """Return the key of one planned release (a component_plan record)."""
    if not isinstance(release, dict) or not all(
        isinstance(release.get(key), str) and release.get(key)
        for key in ("name", "release", "namespace")
    ):
        raise HelmListError(f"selected[{index}]: needs name, release and namespace")
    return _key(release["namespace"], release["release"])


def undo_steps(
    selected: list[Any],
    before: dict[str, dict[str, Any]],
    now: dict[str, dict[str, Any]],
    failed: str,
) -> list[dict[str, Any]]:
    """Return how to undo what this run changed in the releases deployed before ``failed``.

    A release installed by this run is uninstalled; one this run upgraded is rolled
    back to the revision it had before (``revision`` 0 when that one was not a
    deployed revision: helm_rollback then picks the newest that was). The failed
    release itself is left to helm (atomic), and nothing after it was touched.
    """
    steps: list[dict[str, Any]] = []
    for index, release in enumerate(selected):
        key = _planned_key(release, index)
        if release["name"] == failed:
            break
        current = now.get(key)
        previous = before.get(key)
        if current is None or current == previous:
            continue
        step = {key: release[key] for key in ("name", "release", "namespace")}
        if previous is None:
            steps.append({**step, "action": "uninstall", "revision": 0})
        elif current["revision"] != previous["revision"]:
            deployed = previous["status"] == "deployed"
            steps.append(
                {**step, "action": "rollback", "revision": previous["revision"] if deployed else 0}
            )
    return steps


def deployed_records(selected: list[Any], now: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the release-history entry of every selected release as the cluster runs it now."""
    records = []
    for index, release in enumerate(selected):
        key = _planned_key(release, index)
        if key not in now:
            raise HelmListError(f"selected[{index}]: release {key} is not on the cluster")
        records.append(
            {
                "name": release["release"],
                "namespace": release["namespace"],
                "chart": release.get("chart", ""),
                "chart_version": release.get("chart_version", ""),
                "revision": now[key]["revision"],
            }
        )
    return records
