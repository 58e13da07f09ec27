"""signoz_config over real HTTP against the SigNoz stand-in (tests/standins/signoz_api)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.modules import signoz_config
from ansible_collections.slipway.platform.tests.standins.signoz_api.server import Store, serve, url

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]
HOOK = "https://hooks.example.invalid/T000/secret-path-1234"

RULES = [
    {
        "name": "Node not ready",
        "query": "min by (k8s_node_name) (k8s_node_condition_ready)",
        "op": "below",
        "target": 1,
        "match": "all_the_time",
        "severity": "critical",
        "channels": ["ops"],
    },
    {
        "name": "No cluster metrics",
        "query": "count(k8s_node_condition_ready)",
        "absent_for": "10m",
        "channels": ["ops"],
    },
]


@pytest.fixture
def signoz() -> Iterator[tuple[str, Store]]:
    server, store = serve()
    yield url(server), store
    server.shutdown()


def args(base: str, **extra: Any) -> dict[str, Any]:
    return {
        "url": base,
        "api_key": "standin-key",
        "channels": [{"name": "ops", "type": "webhook", "url": HOOK}],
        "rules": RULES,
        "retention": {"logs": "7d", "traces": "7d", "metrics": "30d"},
        **extra,
    }


def test_first_run_creates_then_second_changes_nothing(
    set_module_args: SetArgs, exit_result: Runner, signoz: tuple[str, Store]
) -> None:
    base, store = signoz
    set_module_args({**args(base), "_ansible_diff": True})
    first = exit_result(signoz_config.main)
    assert first["changed"] is True
    assert first["actions"] == [
        "channel ops: create (webhook)",
        "rule Node not ready: create",
        "rule No cluster metrics: create",
        "retention logs: 168h (was 360h)",
        "retention traces: 168h (was 360h)",
    ]
    assert HOOK not in json.dumps(first)
    stored = json.loads(next(iter(store.channels.values()))["data"])
    assert stored["webhook_configs"][0]["url"] == HOOK
    rule = next(r for r in store.rules.values() if r["alert"] == "No cluster metrics")
    assert rule["condition"]["alertOnAbsent"] is True
    assert rule["condition"]["absentFor"] == 10
    assert rule["labels"] == {"severity": "warning", "managed_by": "slipway"}

    # Pending TTLs asking for the same value are no change; settled ones neither.
    set_module_args(args(base))
    assert exit_result(signoz_config.main)["changed"] is False
    store.settle()
    writes = len(store.writes())
    set_module_args(args(base))
    second = exit_result(signoz_config.main)
    assert (second["changed"], second["actions"]) == (False, [])
    assert len(store.writes()) == writes


def test_metrics_already_at_target_is_not_set(
    set_module_args: SetArgs, exit_result: Runner, signoz: tuple[str, Store]
) -> None:
    base, store = signoz
    set_module_args(args(base))
    result = exit_result(signoz_config.main)
    assert "retention metrics" not in " ".join(result["actions"])
    assert ("POST", "/api/v1/settings/ttl") in store.writes()


def test_changed_rule_and_url_are_replaced_and_removed_rule_pruned(
    set_module_args: SetArgs, exit_result: Runner, signoz: tuple[str, Store]
) -> None:
    base, store = signoz
    set_module_args(args(base))
    exit_result(signoz_config.main)
    store.settle()
    handmade = {"alert": "Made by hand", "version": "v5", "condition": {}, "labels": {}}
    store.rules["by-hand"] = {**handmade, "id": "by-hand"}
    changed_rules = [{**RULES[0], "target": 2}]
    new_hook = HOOK + "-rotated"
    set_module_args(
        {
            **args(base, rules=changed_rules),
            "channels": [{"name": "ops", "type": "webhook", "url": new_hook}],
        }
    )
    result = exit_result(signoz_config.main)
    assert result["actions"] == [
        "channel ops: update (webhook)",
        "rule Node not ready: update",
        "rule No cluster metrics: delete (not in the repository)",
    ]
    assert new_hook not in json.dumps(result)
    assert sorted(rule["alert"] for rule in store.rules.values()) == [
        "Made by hand",
        "Node not ready",
    ]


def test_check_mode_writes_nothing(
    set_module_args: SetArgs, exit_result: Runner, signoz: tuple[str, Store]
) -> None:
    base, store = signoz
    set_module_args({**args(base), "_ansible_check_mode": True})
    result = exit_result(signoz_config.main)
    assert result["changed"] is True
    assert result["msg"].startswith("would make 5 changes: channel ops: create")
    assert store.writes() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api_key": "wrong"}, "api_key: SigNoz refused it for GET /api/v1/channels (HTTP 401)"),
        ({"url": "signoz.example.com"}, "url: 'signoz.example.com' is not an http(s) URL"),
        (
            {"rules": [{**RULES[0], "channels": ["pager"]}]},
            "rules[0] (Node not ready).channels: pager is not a channel of this environment"
            " (known: ops)",
        ),
        ({"retention": {"logs": "7 days"}}, "retention.logs: '7 days' is not a retention"),
        ({"retention": {"events": "7d"}}, "retention: events is not one of logs, traces, metrics"),
        (
            {"rules": [{**RULES[0], "labels": {"bad-label": "x"}}]},
            "rules[0] (Node not ready).labels: 'bad-label' is not a label name",
        ),
        ({"rules": [RULES[0], RULES[0]]}, "rules: Node not ready named more than once"),
        (
            {"channels": [{"name": "ops", "type": "webhook", "url": "hooks.example.invalid/x"}]},
            "channels[0].url (channel ops): not an http(s) URL",
        ),
    ],
)
def test_bad_input_names_the_field(
    set_module_args: SetArgs,
    fail_result: Runner,
    signoz: tuple[str, Store],
    change: dict[str, Any],
    message: str,
) -> None:
    base, store = signoz
    set_module_args({**args(base), **change})
    result = fail_result(signoz_config.main)
    assert result["msg"].startswith(message)
    assert "secret-path" not in json.dumps(result)
    assert store.writes() == []


def test_unreachable_signoz_names_the_url(set_module_args: SetArgs, fail_result: Runner) -> None:
    set_module_args(args("http://127.0.0.1:9"))
    result = fail_result(signoz_config.main)
    assert result["msg"].startswith("url: cannot reach SigNoz at http://127.0.0.1:9")


def test_signoz_refusing_a_rule_says_which_call(
    set_module_args: SetArgs,
    fail_result: Runner,
    signoz: tuple[str, Store],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, _store = signoz
    from ansible_collections.slipway.platform.plugins.module_utils import signoz as logic

    original = logic.parse_rules

    def old_version(items: list[dict[str, Any]], channels: list[str]) -> list[logic.Rule]:
        rules = original(items, channels)
        for rule in rules:
            rule.body["version"] = "v4"
        return rules

    monkeypatch.setattr(signoz_config, "parse_rules", old_version)
    set_module_args(args(base))
    result = fail_result(signoz_config.main)
    assert result["msg"] == 'POST /api/v1/rules: HTTP 400: only version v5 is supported, got "v4"'
