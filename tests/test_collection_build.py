"""The collection artifact: built with ansible-galaxy, clean of local state."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Never in the artifact: the deployment project (environments, committed
# SealedSecrets, release bundles), the venv, tools, caches, build output, test-host
# files, controller state, and the symlink that points the checkout at itself.
FORBIDDEN_PARTS = {
    "inventories",
    "secrets",
    "releases",
    ".venv",
    ".tools",
    ".testhosts",
    ".state",
    ".collections",
    ".git",
    "build",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "node_modules",
    ".benchmarks",
    ".ansible",
}


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("galaxy")
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--output-path", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (tarball,) = out.glob("slipway-platform-*.tar.gz")
    with tarfile.open(tarball) as tar:
        return tar.getnames()


def test_artifact_has_the_collection(artifact: list[str]) -> None:
    for needed in (
        "MANIFEST.json",
        "meta/runtime.yml",
        "playbooks/site.yml",
        "plugins/module_utils/domains.py",
        "roles/cluster_check/tasks/main.yml",
    ):
        assert needed in artifact


def test_artifact_is_clean(artifact: list[str]) -> None:
    dirty = [n for n in artifact if FORBIDDEN_PARTS & set(Path(n).parts)]
    assert dirty == []


@pytest.mark.slow
def test_installed_artifact_documents_every_module() -> None:
    """scripts/check-artifact: build, no project files, install fresh, ansible-doc each module."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "check-artifact")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    modules = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py"))
    assert f"ansible-doc shows {', '.join(modules)}" in done.stdout
