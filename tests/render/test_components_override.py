"""The operator's override file, given relative to the directory ansible-playbook runs in.

docs/components.md shows `-e components_override_file=my.yml`: the path is the
operator's, so it is taken from the current directory, not from playbooks/ where
modules and lookups would look. Runs the real plan path offline (`--tags plan`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playbook_run import ROOT, run_playbook

pytestmark = [pytest.mark.render, pytest.mark.slow]

OVERRIDE = "headlamp:\n  values:\n    replicaCount: 3\n"


def plan(tmp_path: Path, override: str) -> tuple[int, str]:
    run = run_playbook(
        "phase1_platform.yml",
        "-i",
        str(ROOT / "inventories" / "dev"),
        "--tags",
        "plan",
        "-e",
        f"components_override_file={override}",
        env={"SLIPWAY_BUILD_DIR": str(tmp_path / "build")},
        cwd=tmp_path / "work",
    )
    return run.rc, run.output


@pytest.mark.parametrize("override", ["my.yml", "./conf/../my.yml"])
def test_relative_override_is_read_from_the_current_directory(
    tmp_path: Path, override: str
) -> None:
    (tmp_path / "work" / "conf").mkdir(parents=True)
    (tmp_path / "work" / "my.yml").write_text(OVERRIDE)
    # A file of the same name beside the playbooks must not be the one read.
    assert not (ROOT / "playbooks" / "my.yml").exists()
    rc, out = plan(tmp_path, override)
    assert rc == 0, out[-3000:]
    values = yaml.safe_load((tmp_path / "build/dev/components/values/headlamp.yaml").read_text())
    assert values["replicaCount"] == 3


def test_missing_relative_override_names_the_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    rc, out = plan(tmp_path, "missing.yml")
    assert rc != 0
    assert f"components_override_file: {tmp_path / 'work' / 'missing.yml'} does not exist" in out
