"""Phase 0 deploys every enabled phase-0 catalog entry: step 30 the sealed-secrets
controller, step 50 all the others, including entries added to the catalog later.

Runs the real plan path offline (`--tags plan`) and reads which releases each step
would apply.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playbook_run import run_playbook

pytestmark = [pytest.mark.render, pytest.mark.slow]

# A phase-0 entry no playbook names.
NEW_ENTRY = (
    "extra-operator:\n  phase: 0\n  namespace: platform\n  chart: extra\n"
    "  version: 1.0.0\n  repo: https://charts.example.com\n"
)
# Phase 0's entries before the platform database, in plan order (those without
# dependencies first, by name; cluster-issuers after cert-manager).
PLATFORM = ["admin-allowlist", "cert-manager", "cloudnative-pg", "db-endpoints", "cluster-issuers"]
APPLIED = re.compile(r"applied by this run: ([^'\"]*)['\"]")


def applied(playbook: str, inventory: str, tmp_path: Path, *extra: str) -> list[str]:
    run = run_playbook(
        playbook,
        "-i",
        f"inventories/{inventory}",
        "--tags",
        "plan",
        *extra,
        env={"SLIPWAY_BUILD_DIR": str(tmp_path / "build")},
    )
    assert run.rc == 0, run.raw[-3000:]
    found = APPLIED.findall(run.output)
    assert len(found) == 1, run.raw[-3000:]
    return found[0].strip().split(", ")


@pytest.mark.parametrize(
    ("inventory", "override", "step30", "step50"),
    [
        ("dev", "", ["sealed-secrets"], [*PLATFORM, "platform-db"]),
        # With an object store (staging), the Barman Cloud plugin comes after the operator.
        (
            "staging",
            "",
            ["sealed-secrets"],
            [*PLATFORM[:3], "barman-cloud", *PLATFORM[3:], "platform-db", "vault-tls", "vault"],
        ),
        (
            "dev",
            NEW_ENTRY,
            ["sealed-secrets"],
            [*PLATFORM[:4], "extra-operator", "cluster-issuers", "platform-db"],
        ),
    ],
)
def test_phase0_steps_split_the_phase0_catalog(
    tmp_path: Path, inventory: str, override: str, step30: list[str], step50: list[str]
) -> None:
    extra: tuple[str, ...] = ()
    if override:
        path = tmp_path / "override.yml"
        path.write_text(override)
        extra = ("-e", f"components_override_file={path}")
    assert applied("phase0/30_sealed_secrets_controller.yml", inventory, tmp_path, *extra) == step30
    assert applied("phase0/50_platform_services.yml", inventory, tmp_path, *extra) == step50


def test_unknown_excluded_component_names_the_field(tmp_path: Path) -> None:
    run = run_playbook(
        "phase0/50_platform_services.yml",
        "-i",
        "inventories/dev",
        "--tags",
        "plan",
        "-e",
        '{"components_exclude": ["sealed-secret"]}',
        env={"SLIPWAY_BUILD_DIR": str(tmp_path / "build")},
    )
    assert run.rc != 0
    # The task that fails names the role's selection variables; the module names its option.
    assert "Select by components_phases, components_only and components_exclude" in run.output
    assert "exclude: unknown component(s) sealed-secret; known:" in run.output
