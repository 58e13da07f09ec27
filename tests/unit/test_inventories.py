"""The five inventories keep their environments apart, and share one common layer."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "ci", "test", "staging", "prod")
COMMON = ROOT / "inventories" / "common.yml"


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


def test_every_environment_loads_the_common_layer_first() -> None:
    for env in ENVIRONMENTS:
        group_vars = ROOT / "inventories" / env / "group_vars" / "all"
        link = group_vars / "00-common.yml"
        assert link.is_symlink(), env
        assert link.resolve() == COMMON.resolve(), env
        assert sorted(path.name for path in group_vars.glob("*.yml"))[0] == link.name, env


def test_environments_keep_only_what_differs() -> None:
    """A name of the common layer set again to the same value in an environment is a copy."""
    common = yaml.safe_load(COMMON.read_text())
    copies = [
        f"{path.relative_to(ROOT)}: {name}"
        for env in ENVIRONMENTS
        for path in sorted((ROOT / "inventories" / env / "group_vars" / "all").glob("*.yml"))
        if not path.is_symlink()
        for name, value in (yaml.safe_load(path.read_text()) or {}).items()
        if name in common and value == common[name]
    ]
    assert copies == []
    # What is the same in all five environments belongs in the common layer.
    own = [environment_vars(env) for env in ENVIRONMENTS]
    shared = [
        name
        for name in set.intersection(*(set(found) for found in own))
        if name not in common
        and all(found[name] == own[0][name] for found in own)
        and str(own[0][name]).startswith("{{")
    ]
    assert shared == []


def environment_vars(env: str) -> dict[str, object]:
    """The variables an environment's own files set (the common layer left out)."""
    found: dict[str, object] = {}
    for path in sorted((ROOT / "inventories" / env / "group_vars" / "all").glob("*.yml")):
        if not path.is_symlink():
            found.update(yaml.safe_load(path.read_text()) or {})
    return found
