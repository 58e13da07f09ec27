"""playbooks/k3s_rollback.yml: the checks that run before anything is touched.

No k3s binary exists here, so the restore itself is not run; these tests run
the real playbook on the controller up to the point where it would stop k3s,
against the ci inventory (whose hosts are not reachable: any attempt to touch
them would show as unreachable in the recap).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playbook_run import run_playbook

RECAP = re.compile(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
UPGRADE = {
    "previous_version": "v1.33.5+k3s1",
    "new_version": "v1.34.2+k3s1",
    "snapshot_name": "pre-upgrade-ci-1-1763900000",
    "time": "2026-11-23T09:00:00Z",
}

pytestmark = pytest.mark.slow


def play(state: Path, *extra: str) -> tuple[int, str]:
    run = run_playbook(
        "k3s_rollback.yml", "-i", "inventories/ci", "-e", f"slipway_state_dir={state}", *extra
    )
    return run.rc, run.output


def write(state: Path, name: str, data: object) -> None:
    (state / "k3s").mkdir(parents=True, exist_ok=True)
    (state / "k3s" / name).write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("record", "extra", "message"),
    [
        (None, ("-e", "confirm=yes"), "No upgrade record at"),
        (
            {**UPGRADE, "previous_version": "1.33"},
            ("-e", "confirm=yes"),
            "must hold previous_version",
        ),
        (
            {**UPGRADE, "snapshot_name": "../etc/passwd"},
            ("-e", "confirm=yes"),
            "must hold previous_version",
        ),
        ({**UPGRADE, "snapshot_name": None}, ("-e", "confirm=yes"), "took no etcd snapshot"),
        (UPGRADE, (), "Run again with -e confirm=yes"),
        (UPGRADE, ("-e", "confirm=no"), "Every cluster change since the snapshot is lost"),
    ],
)
def test_refuses_before_touching_anything(
    tmp_path: Path, record: dict[str, str] | None, extra: tuple[str, ...], message: str
) -> None:
    if record is not None:
        write(tmp_path, "last_upgrade.json", record)
    rc, out = play(tmp_path, *extra)
    assert rc != 0
    assert message in out, out
    match = RECAP.search(out)
    assert match is not None, out
    assert match[2] == "0"


def test_already_rolled_back_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "last_upgrade.json", UPGRADE)
    write(tmp_path, "last_rollback.json", {**UPGRADE, "rolled_back_at": "2026-11-23T09:30:00Z"})
    rc, out = play(tmp_path, "-e", "confirm=yes")
    assert rc == 0, out
    assert "was already rolled back to v1.33.5+k3s1" in out
    assert "unreachable=1" not in out
    match = RECAP.search(out)
    assert match is not None, out
    assert match[1] == "0"


def snapshot(directory: Path, name: str = "on-demand-ci-1-1764840000") -> Path:
    """Write a snapshot file and its sha256 file (sha256sum format) in directory."""
    path = directory / name
    path.write_bytes(b"etcd snapshot bytes\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (directory / f"{name}.sha256").write_text(f"{digest}  {name}\n")
    return path


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda path: path.unlink(), "is not a non-empty file on the controller"),
        (lambda path: path.write_bytes(b""), "is not a non-empty file on the controller"),
        (lambda path: Path(f"{path}.sha256").unlink(), ".sha256 is missing"),
        (lambda path: path.write_bytes(b"another snapshot\n"), "does not match"),
        (lambda path: Path(f"{path}.sha256").write_text("not-a-sum\n"), "says 'not-a-sum'"),
    ],
)
def test_snapshot_file_refused_before_touching_anything(
    tmp_path: Path, spoil: Callable[[Path], object], message: str
) -> None:
    path = snapshot(tmp_path)
    spoil(path)
    rc, out = play(tmp_path, "-e", f"snapshot_file={path}", "-e", "confirm=yes")
    assert rc != 0
    assert message in out, out
    assert str(path) in out, out
    match = RECAP.search(out)
    assert match is not None, out
    assert match[2] == "0"
    assert not (tmp_path / "k3s" / "last_rollback.json").exists()


def test_snapshot_file_needs_no_upgrade_record_but_a_confirmation(tmp_path: Path) -> None:
    path = snapshot(tmp_path)
    rc, out = play(tmp_path, "-e", f"snapshot_file={path}")
    assert rc != 0
    assert "No upgrade record" not in out
    assert f"replaces the cluster's etcd data with {path}" in out, out
    assert "k3s keeps its version" in out
    match = RECAP.search(out)
    assert match is not None, out
    assert match[2] == "0"


def test_restore_yml_restores_etcd_through_the_rollback(tmp_path: Path) -> None:
    """playbooks/restore.yml -e component=etcd runs this playbook: the same checks first."""
    path = snapshot(tmp_path)
    path.write_bytes(b"another snapshot\n")
    run = run_playbook(
        "restore.yml",
        "-i",
        "inventories/ci",
        "-e",
        f"slipway_state_dir={tmp_path}",
        "-e",
        "component=etcd",
        "-e",
        f"snapshot_file={path}",
        "-e",
        "confirm=yes",
    )
    assert run.rc != 0
    assert "does not match" in run.output, run.output
    match = RECAP.search(run.output)
    assert match is not None, run.output
    assert match[2] == "0"
    # No database was looked at: the database plays' tasks were skipped.
    assert "Read the cluster serving" not in run.output
