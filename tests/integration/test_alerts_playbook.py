"""playbooks/alerts.yml with staging's and prod's real settings against the SigNoz stand-in.

The stand-in (tests/standins/signoz_api) answers SigNoz's channel, rule and TTL routes;
the playbook, the observability role, its filters and the signoz_config module's HTTP
client are the production ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ansible_collections.slipway.platform.tests.playbook_run import run_playbook
from ansible_collections.slipway.platform.tests.standins.signoz_api.server import Store, serve, url

KEY = "standin-key-4f1d9c"
HOOK = "https://hooks.example.invalid/services/T000/B000/very-secret-token"
SLACK = "https://hooks.slack.invalid/services/T111/B111/another-secret"


@pytest.fixture
def signoz() -> Iterator[tuple[str, Store]]:
    server, store = serve(Store(api_key=KEY))
    yield url(server), store
    server.shutdown()


def extra(base: str, **more: str) -> list[str]:
    values = {
        "observability_signoz_url": base,
        "vault_signoz_api_key": KEY,
        "vault_alert_webhook_url": HOOK,
        "vault_alert_slack_webhook_url": SLACK,
        **more,
    }
    return ["-e", json.dumps(values)]


def test_prod_applies_once_then_changes_nothing_and_logs_no_secret(
    signoz: tuple[str, Store],
) -> None:
    base, store = signoz
    first = run_playbook("alerts.yml", "-i", "inventories/prod", "-vvv", *extra(base))
    assert first.changed == 1, first.output[-3000:]
    for secret in (KEY, HOOK, SLACK, "very-secret-token", "another-secret"):
        assert secret not in first.raw
    assert "rule Vault sealed: create" in first.output
    assert "retention logs: 336h (was 360h)" in first.output
    # prod sends its backups to an object store, so their age is alerted on.
    assert "rule Backup too old: create" in first.output
    assert sorted(channel["name"] for channel in store.channels.values()) == [
        "ops-slack",
        "ops-webhook",
    ]
    rules = {rule["alert"]: rule for rule in store.rules.values()}
    assert len(rules) == 7
    # The age the Barman Cloud plugin reports (CloudNativePG's own metric stays unset).
    backup_rule = json.dumps(rules["Backup too old"])
    assert "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp" in backup_rule
    assert rules["Node not ready"]["preferredChannels"] == ["ops-webhook", "ops-slack"]
    assert rules["Disk almost full"]["preferredChannels"] == ["ops-webhook"]
    stored = json.loads(next(c for c in store.channels.values() if c["type"] == "slack")["data"])
    assert stored["slack_configs"][0]["api_url"] == SLACK

    writes = len(store.writes())
    second = run_playbook("alerts.yml", "-i", "inventories/prod", *extra(base))
    assert second.changed == 0, second.output[-3000:]
    assert len(store.writes()) == writes


def test_check_mode_changes_nothing(signoz: tuple[str, Store]) -> None:
    base, store = signoz
    run = run_playbook("alerts.yml", "-i", "inventories/staging", "--check", *extra(base))
    assert run.changed == 1, run.output[-3000:]
    assert "channel ops-webhook: create (webhook)" in run.output
    assert store.writes() == []


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (
            {"vault_signoz_api_key": ""},
            "observability_signoz_api_key is empty: set vault_signoz_api_key",
        ),
        (
            {"vault_alert_webhook_url": ""},
            "channels[0].url_var: vault_alert_webhook_url (channel ops-webhook) is empty",
        ),
        ({"vault_signoz_api_key": "wrong-key"}, "api_key: SigNoz refused it"),
    ],
)
def test_missing_or_wrong_secrets_name_the_variable(
    signoz: tuple[str, Store], more: dict[str, str], message: str
) -> None:
    base, store = signoz
    run = run_playbook("alerts.yml", "-i", "inventories/staging", *extra(base, **more))
    assert run.rc != 0
    assert message in run.output
    assert HOOK not in run.raw
    assert store.writes() == []


def test_plan_is_offline_and_names_a_bad_route(signoz: tuple[str, Store]) -> None:
    base, store = signoz
    routes = json.dumps({"slipway_alert_routes": {"critical": ["pager"]}})
    run = run_playbook(
        "alerts.yml", "-i", "inventories/staging", "--tags", "plan", "-e", routes, *extra(base)
    )
    assert run.rc != 0
    assert "pager is not a channel of this environment (known: ops-webhook)" in run.output
    assert store.requests == []
