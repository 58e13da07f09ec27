"""make test-real without its parts: one line per missing part, then "skipped" and exit 0."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from playbook_run import ROOT


def test_missing_parts_are_named_and_the_tier_skips(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAS_HOME": str(tmp_path / "kas"),
        "SLIPWAY_UPSTREAM_MIRRORS": str(tmp_path / "mirrors"),
        "SLIPWAY_TEST_REAL_DIR": str(tmp_path / "work"),
        "PATH": os.pathsep.join([str(ROOT / ".venv" / "bin"), os.environ["PATH"]]),
    }
    done = subprocess.run(
        [str(ROOT / "scripts" / "test-real")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("make test-real: skipped (")
    assert any("kube-apiserver: not built in" in line and "build" in line for line in lines)
    catalog = yaml.safe_load((ROOT / "roles/components/defaults/main.yml").read_text())
    for entry in catalog["components_catalog"].values():
        if entry.get("upstream"):
            repository = entry["upstream"]["repository"]
            assert any(f"upstream snapshot {repository} " in line for line in lines), repository
    # Nothing ran: no work directory, no API server started.
    assert not (tmp_path / "work").exists()
