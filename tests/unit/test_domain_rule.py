"""The domain rule across the five inventories: no two environments produce the same host.

Runs the real check, playbooks/inventory_check.yml, with `--tags plan` (the offline plan
imports it first), on the committed inventories and on copies changed to break the rule.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from playbook_run import ROOT, PlaybookRun, run_playbook

ENVIRONMENTS = ("dev", "ci", "test", "staging", "prod")
STYLE = re.compile(r"^slipway_domain_style: .*$", re.MULTILINE)
CATALOG_HOST = re.compile(
    r"^\{\{ '[a-z0-9-]+' \| slipway\.platform\.internal_host\(slipway_internal_domain\) \}\}$"
)


def check(inventory: Path) -> PlaybookRun:
    """Run the inventory check the way the offline plan does."""
    return run_playbook("inventory_check.yml", "-i", str(inventory), "--tags", "plan")


def copy_inventories(tmp_path: Path) -> Path:
    """Copy inventories/ (with the common layer's relative links) into tmp_path."""
    copy = tmp_path / "inventories"
    shutil.copytree(ROOT / "inventories", copy, symlinks=True)
    return copy


def set_style(inventories: Path, env: str, style: str) -> None:
    """Set an environment's slipway_domain_style in its main.yml."""
    main = inventories / env / "group_vars" / "all" / "main.yml"
    main.write_text(STYLE.sub(f"slipway_domain_style: {style}", main.read_text(), count=1))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_committed_inventories_produce_no_host_twice(env: str) -> None:
    run = check(ROOT / "inventories" / env)
    assert run.rc == 0, run.output[-2000:]
    assert "Stop when another environment produces one of this environment's hosts" in run.output


@pytest.mark.parametrize(("env", "other"), [("staging", "prod"), ("prod", "staging")])
def test_a_collision_fails_the_plan_naming_both(tmp_path: Path, env: str, other: str) -> None:
    """Staging with prod's style (what the removed prefixed style gave) serves prod's api."""
    inventories = copy_inventories(tmp_path)
    set_style(inventories, "staging", "bare")
    run = check(inventories / env)
    assert run.rc != 0
    assert (
        f"host api.example.com is produced by {env} (slipway_release_ingress.api) "
        f"and by {other} (slipway_release_ingress.api)"
    ) in run.output, run.output[-2000:]


def test_a_shared_internal_domain_fails_the_plan(tmp_path: Path) -> None:
    inventories = copy_inventories(tmp_path)
    main = inventories / "test" / "group_vars" / "all" / "main.yml"
    main.write_text(main.read_text().replace("internal-test.example.com", "internal.example.com"))
    run = check(inventories / "test")
    assert run.rc != 0
    assert (
        "host *.internal.example.com is produced by test (slipway_internal_domain) "
        "and by prod (slipway_internal_domain)"
    ) in run.output, run.output[-2000:]


def test_another_environments_vault_is_never_decrypted(tmp_path: Path) -> None:
    """staging's run needs no vault password of prod's, and reads none of prod's secrets."""
    inventories = copy_inventories(tmp_path)
    password = tmp_path / "prod-vault-password"
    password.write_text("only prod knows this\n")
    vault = inventories / "prod" / "group_vars" / "all" / "vault.yml"
    vault.write_text("vault_k3s_token: prod-secret\n")
    subprocess.run(
        ["ansible-vault", "encrypt", "--vault-password-file", str(password), str(vault)],
        check=True,
        capture_output=True,
        env={"PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin"},
    )
    run = check(inventories / "staging")
    assert run.rc == 0, run.output[-2000:]
    assert "prod-secret" not in run.raw


def test_test_and_staging_hosts_carry_their_environment() -> None:
    styles = {
        env: yaml.safe_load(
            (ROOT / "inventories" / env / "group_vars" / "all" / "main.yml").read_text()
        )["slipway_domain_style"]
        for env in ENVIRONMENTS
    }
    assert styles == {
        "dev": "localhost",
        "ci": "none",
        "test": "env_suffixed",
        "staging": "env_suffixed",
        "prod": "bare",
    }


def _hosts(values: Any, path: str) -> list[tuple[str, Any]]:
    """Return (path, value) of every key named host in nested values."""
    if isinstance(values, dict):
        return [
            found
            for key, value in values.items()
            for found in (
                [(f"{path}.{key}", value)] if key == "host" else _hosts(value, f"{path}.{key}")
            )
        ]
    if isinstance(values, list):
        return [
            found for index, item in enumerate(values) for found in _hosts(item, f"{path}[{index}]")
        ]
    return []


def test_every_catalog_ingress_host_is_under_the_internal_domain() -> None:
    """slipway_hosts claims *.<internal domain> for the catalog: each host must live there."""
    defaults = yaml.safe_load((ROOT / "roles" / "components" / "defaults" / "main.yml").read_text())
    catalog = defaults["components_catalog"]
    # The catalog names its hosts from components_hosts: resolve those references.
    named = {
        f"{{{{ components_hosts.{name} }}}}": host
        for name, host in defaults["components_hosts"].items()
    }
    hosts = [
        (path, named.get(str(host), host))
        for name, entry in catalog.items()
        for path, host in _hosts(entry.get("values", {}), f"{name}.values")
        if "ingress" in path
    ]
    assert len(hosts) >= 5
    assert [(path, host) for path, host in hosts if not CATALOG_HOST.match(str(host))] == []
