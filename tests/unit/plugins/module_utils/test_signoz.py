"""The offline half of signoz_config: specs, routes, the plan's lines, the stored-value rule."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.signoz import (
    SignozError,
    channels_with_urls,
    contains,
    duration_hours,
    plan_lines,
    route_rules,
)

CHANNELS = [{"name": "ops", "type": "webhook", "url_var": "vault_hook"}]
RULES: list[dict[str, Any]] = [
    {"name": "Node not ready", "query": "up", "severity": "critical"},
    {"name": "Disk almost full", "query": "up", "channels": []},
    {"name": "Backup too old", "query": "up", "enabled": False, "note": "no backup target"},
]


def test_plan_says_what_is_kept_and_where_each_alert_goes() -> None:
    lines = plan_lines(
        CHANNELS, RULES, {"critical": ["ops"]}, {"logs": "7d", "metrics": "36h"}, ["agent: logs"]
    )
    assert lines == [
        "collected: agent: logs",
        "kept: logs 7d, metrics 36h",
        "channel ops: webhook",
        "alert Node not ready (critical) -> ops",
        "alert Disk almost full (warning) -> no channel (shown in SigNoz only)",
        "alert Backup too old: off (no backup target)",
    ]


@pytest.mark.parametrize(
    ("value", "hours"), [("7d", 168), ("168h", 168), ("1d", 24), ("720h", 720)]
)
def test_retention_in_hours(value: str, hours: int) -> None:
    assert duration_hours(value, "retention.logs") == hours


@pytest.mark.parametrize("value", ["0d", "7", "7 days", "30m", "-1d", "", "9999999d"])
def test_malformed_retention_names_the_field(value: str) -> None:
    with pytest.raises(SignozError, match=r"^retention\.logs: .* is not a retention"):
        duration_hours(value, "retention.logs")


def test_routes_must_be_severities() -> None:
    with pytest.raises(SignozError, match=r"^routes: page is not one of critical"):
        route_rules(RULES, {"page": ["ops"]})


def test_a_channel_without_its_variable_names_it_and_never_a_url() -> None:
    with pytest.raises(
        SignozError, match=re.escape("channels[0].url_var: vault_hook (channel ops)")
    ):
        channels_with_urls(CHANNELS, [""])
    with pytest.raises(SignozError, match=re.escape("channels[0].url_var: the name")):
        channels_with_urls([{"name": "ops", "type": "webhook"}], ["https://x.invalid/s3cr3t"])
    assert channels_with_urls(CHANNELS, ["https://x.invalid/s3cr3t"]) == [
        {"name": "ops", "type": "webhook", "url": "https://x.invalid/s3cr3t"}
    ]


@pytest.mark.parametrize(
    ("stored", "wanted", "same"),
    [
        ({"a": 1, "extra": 2}, {"a": 1}, True),
        ({"a": 1.0}, {"a": 1}, True),
        ({"a": True}, {"a": 1}, False),
        ({"a": [1, 2]}, {"a": [1]}, False),
        ({"a": [{"x": 1, "d": 0}]}, {"a": [{"x": 1}]}, True),
        ({}, {"a": None}, False),
        ({"a": "5m0s"}, {"a": "5m"}, False),
    ],
)
def test_stored_values_may_add_but_not_differ(stored: Any, wanted: Any, same: bool) -> None:
    assert contains(stored, wanted) is same
