"""The five inventories keep their environments apart."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "ci", "test", "staging", "prod")


def _main_vars(env: str) -> dict[str, object]:
    return yaml.safe_load(
        (ROOT / "inventories" / env / "group_vars" / "all" / "main.yml").read_text()
    )


def test_each_environment_names_itself() -> None:
    assert [_main_vars(env)["slipway_env"] for env in ENVIRONMENTS] == list(ENVIRONMENTS)


def test_internal_domains_never_collide() -> None:
    """secrets.<internal domain> in staging must never be prod's Vault."""
    domains = [_main_vars(env)["slipway_internal_domain"] for env in ENVIRONMENTS]
    assert len(set(domains)) == len(domains), domains


def test_production_like_environments_can_roll_k3s_back() -> None:
    """k3s_rollback.yml restores an etcd snapshot: staging and prod must run etcd."""
    for env in ("staging", "prod"):
        k3s = yaml.safe_load(
            (ROOT / "inventories" / env / "group_vars" / "all" / "k3s.yml").read_text()
        )
        assert k3s.get("slipway_k3s_embedded_etcd") is True, env
