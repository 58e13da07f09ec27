"""Run a Slipway playbook from the repository root in a test, and read its recap."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STANDINS = ROOT / "tests" / "standins"
_RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


@dataclass(frozen=True)
class PlaybookRun:
    """What one ansible-playbook run returned."""

    rc: int
    raw: str

    @property
    def output(self) -> str:
        """Return stdout and stderr whitespace-normalised: the YAML callback folds long lines."""
        return " ".join(self.raw.split())

    @property
    def recap(self) -> tuple[int, int, int] | None:
        """Return localhost's (ok, changed, failed), or None when it never reached it."""
        match = _RECAP.search(self.raw)
        if match is None or match[3] != "0":
            return None
        return int(match[1]), int(match[2]), int(match[4])

    @property
    def changed(self) -> int:
        """Return localhost's changed count; fail the test when the run has no recap."""
        recap = self.recap
        assert recap is not None, self.raw[-3000:]
        return recap[1]

    @property
    def unreachable(self) -> int | None:
        """Return localhost's unreachable count, or None without a recap."""
        match = _RECAP.search(self.raw)
        return int(match[3]) if match else None


def run_playbook(
    playbook: str,
    *args: str,
    path_first: tuple[Path, ...] = (),
    env: dict[str, str] | None = None,
    timeout: int = 300,
    cwd: Path = ROOT,
) -> PlaybookRun:
    """Run playbooks/<playbook> (or an absolute path) with the project's config and venv.

    The run starts in cwd (the repository root unless a test needs another directory).
    """
    path = [*map(str, path_first), str(ROOT / ".venv" / "bin"), str(ROOT / ".tools" / "bin")]
    run_env = {
        **os.environ,
        "PATH": os.pathsep.join([*path, os.environ.get("PATH", "")]),
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        **(env or {}),
    }
    book = playbook if Path(playbook).is_absolute() else str(ROOT / "playbooks" / playbook)
    done = subprocess.run(
        ["ansible-playbook", book, *args],
        cwd=cwd,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PlaybookRun(done.returncode, done.stdout + done.stderr)


def _load_apiserver_standin() -> ModuleType:
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


@contextmanager
def standin_api(state_dir: Path, environment: str = "ci") -> Iterator[Any]:
    """Serve the API server stand-in and write its kubeconfig where Slipway reads it.

    The kubeconfig lands at <state_dir>/<environment>/kubeconfig, the per-environment
    place the cluster_check role looks; yields the stand-in's object store.
    """
    apiserver = _load_apiserver_standin()
    server, store = apiserver.serve()
    (state_dir / environment).mkdir(parents=True, exist_ok=True)
    (state_dir / environment / "kubeconfig").write_text(apiserver.kubeconfig(server))
    try:
        yield store
    finally:
        server.shutdown()
