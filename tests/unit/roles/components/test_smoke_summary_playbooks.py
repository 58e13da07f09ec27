"""One smoke summary per run: every components play but the last of a run defers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

PLAYBOOKS = Path(__file__).resolve().parents[4] / "playbooks"


def imports(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((PLAYBOOKS / name).read_text()))


@pytest.mark.parametrize(
    ("playbook", "printing"),
    [
        # The apps are the last play of site.yml, and their units are smoke-checked too.
        ("site.yml", {"apps.yml"}),
        # Step 50 is the last components step of phase 0.
        (
            "phase0_bootstrap.yml",
            {
                "phase0/10_hosts.yml",
                "phase0/20_k3s.yml",
                "phase0/25_sealing_keys_restore.yml",
                "phase0/40_secrets.yml",
                "phase0/50_platform_services.yml",
            },
        ),
    ],
)
def test_only_the_last_components_play_prints_the_summary(
    playbook: str, printing: set[str]
) -> None:
    entries = imports(playbook)
    for entry in entries:
        mode = (entry.get("vars") or {}).get("components_smoke_summary", "print")
        imported = entry["ansible.builtin.import_playbook"]
        assert mode == ("print" if imported in printing else "deferred"), imported
