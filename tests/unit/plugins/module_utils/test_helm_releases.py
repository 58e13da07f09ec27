from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.helm_releases import (
    HelmListError,
    deployed_records,
    revisions,
    undo_steps,
)


def listed(name: str, revision: int, status: str = "deployed", namespace: str = "apps") -> dict:
    """Return one entry as helm list -o json prints it (revision as a string)."""
    return {
        "name": name,
        "namespace": namespace,
        "revision": str(revision),
        "updated": "2026-12-04 05:00:00 +0000 UTC",
        "status": status,
        "chart": "app-0.1.0",
        "app_version": "0.1.0",
    }


def planned(name: str, namespace: str = "apps") -> dict[str, Any]:
    """Return a planned release as component_plan's selected lists it."""
    return {
        "name": name,
        "release": name,
        "namespace": namespace,
        "chart": "app",
        "chart_version": "0.1.0",
    }


SELECTED = [planned("web"), planned("api"), planned("worker")]


def test_revisions_keys_every_release_by_namespace_and_name() -> None:
    text = json.dumps([listed("web", 3), listed("valkey", 1, "failed", namespace="data")])
    assert revisions(text) == {
        "apps/web": {"revision": 3, "status": "deployed", "chart": "app-0.1.0"},
        "data/valkey": {"revision": 1, "status": "failed", "chart": "app-0.1.0"},
    }
    assert revisions("") == {}
    assert revisions([]) == {}


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        ("{not json", "helm list: not JSON"),
        ('{"name": "web"}', "helm list: expected a JSON list of releases"),
        ([{"name": "web"}], "helm list[0]: needs name, namespace, revision, status"),
        ([listed("web", 1), "web"], "helm list[1]: needs name, namespace, revision, status"),
        ([{**listed("web", 1), "revision": "two"}], "helm list[0].revision: 'two' is not a number"),
    ],
)
def test_revisions_refuses_what_helm_does_not_print(listing: Any, message: str) -> None:
    with pytest.raises(HelmListError, match=f"^{re.escape(message)}"):
        revisions(listing)


def state(*entries: dict) -> dict[str, dict[str, Any]]:
    """Return revisions() of the given listing entries."""
    return revisions(list(entries))


@pytest.mark.parametrize(
    ("before", "now", "failed", "expected"),
    [
        # web upgraded by this run: back to the revision it had.
        (
            state(listed("web", 2), listed("api", 2), listed("worker", 2)),
            state(listed("web", 3), listed("api", 4), listed("worker", 2)),
            "api",
            [
                {
                    "name": "web",
                    "release": "web",
                    "namespace": "apps",
                    "action": "rollback",
                    "revision": 2,
                }
            ],
        ),
        # web installed by this run: removed.
        (
            state(),
            state(listed("web", 1)),
            "api",
            [
                {
                    "name": "web",
                    "release": "web",
                    "namespace": "apps",
                    "action": "uninstall",
                    "revision": 0,
                }
            ],
        ),
        # A revision from before that had failed is no target: the newest deployed is.
        (
            state(listed("web", 2, "failed")),
            state(listed("web", 3)),
            "api",
            [
                {
                    "name": "web",
                    "release": "web",
                    "namespace": "apps",
                    "action": "rollback",
                    "revision": 0,
                }
            ],
        ),
        # Unchanged releases, and everything from the failed one on, are left alone.
        (
            state(listed("web", 2), listed("worker", 1)),
            state(listed("web", 2), listed("api", 1, "failed"), listed("worker", 2)),
            "api",
            [],
        ),
        # The first release failed: nothing before it to undo.
        (state(), state(listed("web", 1, "failed")), "web", []),
    ],
)
def test_undo_steps_undo_only_what_this_run_changed_before_the_failure(
    before: dict, now: dict, failed: str, expected: list
) -> None:
    assert undo_steps(SELECTED, before, now, failed) == expected


def test_undo_steps_name_a_planned_release_without_its_keys() -> None:
    with pytest.raises(HelmListError, match=r"^selected\[1\]: needs name, release and namespace"):
        undo_steps([planned("web"), {"name": "api"}], {}, {}, "worker")


def test_deployed_records_carry_the_revision_helm_lists_now() -> None:
    now = state(listed("web", 3), listed("api", 1), listed("worker", 7))
    assert [(r["name"], r["revision"]) for r in deployed_records(SELECTED, now)] == [
        ("web", 3),
        ("api", 1),
        ("worker", 7),
    ]
    assert deployed_records(SELECTED, now)[0] == {
        "name": "web",
        "namespace": "apps",
        "chart": "app",
        "chart_version": "0.1.0",
        "revision": 3,
    }


def test_deployed_records_refuse_a_release_helm_does_not_list() -> None:
    with pytest.raises(
        HelmListError, match=r"^selected\[2\]: release apps/worker is not on the cluster"
    ):
        deployed_records(SELECTED, state(listed("web", 1), listed("api", 1)))
