"""Run a Slipway playbook from the repository root in a test, and read its recap."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
STANDINS = ROOT / "tests" / "standins"
_RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


@dataclass(frozen=True)
class PlaybookRun:
    """What one ansible-playbook run returned, its output whitespace-normalised."""

    rc: int
    output: str

    @property
    def recap(self) -> tuple[int, int, int] | None:
        """Return localhost's (ok, changed, failed), or None when it never reached it."""
        match = _RECAP.search(self.output)
        if match is None or match[3] != "0":
            return None
        return int(match[1]), int(match[2]), int(match[4])

    @property
    def unreachable(self) -> int | None:
        """Return localhost's unreachable count, or None without a recap."""
        match = _RECAP.search(self.output)
        return int(match[3]) if match else None


def run_playbook(
    playbook: str,
    *args: str,
    path_first: tuple[Path, ...] = (),
    env: dict[str, str] | None = None,
    timeout: int = 300,
) -> PlaybookRun:
    """Run playbooks/<playbook> (or an absolute path) with the project's config and venv."""
    path = [*map(str, path_first), str(ROOT / ".venv" / "bin"), str(ROOT / ".tools" / "bin")]
    run_env = {
        **os.environ,
        "PATH": os.pathsep.join([*path, os.environ.get("PATH", "")]),
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        **(env or {}),
    }
    book = playbook if Path(playbook).is_absolute() else f"playbooks/{playbook}"
    done = subprocess.run(
        ["ansible-playbook", book, *args],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    # Whitespace-normalised: the YAML callback folds long messages.
    return PlaybookRun(done.returncode, " ".join((done.stdout + done.stderr).split()))


def load_apiserver_standin() -> ModuleType:
    """Import tests/standins/helm_cluster/apiserver.py, the Kubernetes API server stand-in."""
    spec = importlib.util.spec_from_file_location(
        "slipway_apiserver_standin", STANDINS / "helm_cluster" / "apiserver.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
