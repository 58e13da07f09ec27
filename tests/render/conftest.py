"""Shared fixtures for render tests: the real helm and strict Kubernetes schema validation."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from chart_render import kube_minor

ROOT = Path(__file__).parents[2]


# Manifests are validated against the schemas of the version k3s runs.
KUBE_VERSION = kube_minor()


@pytest.fixture(scope="session")
def helm_binary() -> Path:
    """Return the real helm that make setup installs in .tools/bin."""
    helm = ROOT / ".tools" / "bin" / "helm"
    if not helm.is_file():
        pytest.fail(f"{helm} is missing: run `make setup` (render tests need the real helm)")
    return helm


def _validate(manifest: dict[str, Any], version: str = KUBE_VERSION) -> None:
    """Validate one manifest strictly (no unknown fields) against the Kubernetes schemas."""
    name = f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"
    try:
        kubernetes_validate.validate(manifest, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(part) for part in exc.path)
        pytest.fail(f"{name} is not valid Kubernetes {version}: {path}: {exc.message}")
    except kubernetes_validate.SchemaNotFoundError as exc:
        pytest.fail(f"{name}: no schema in Kubernetes {version}: {exc.message}")


@pytest.fixture(scope="session")
def validate_manifest() -> Callable[..., None]:
    """Return a validator that fails the test on an invalid manifest, naming it and the field."""
    return _validate


@pytest.fixture(scope="session")
def stand_in_airgap(tmp_path_factory: pytest.TempPathFactory, helm_binary: Path) -> Path:
    """Return an air-gap folder with tests/standins/charts/generic packaged as every catalog chart.

    Each archive is built with the real `helm package` under the catalog entry's chart
    name and version, and recorded in a real charts/SHA256SUMS, the way
    playbooks/artifacts.yml leaves the folder on a connected machine.
    """
    root = tmp_path_factory.mktemp("airgap")
    charts = root / "charts"
    charts.mkdir()
    defaults = yaml.safe_load((ROOT / "roles/components/defaults/main.yml").read_text())
    sums = []
    for entry in defaults["components_catalog"].values():
        archive = charts / f"{entry['chart']}-{entry['version']}.tgz"
        # A path chart ships with the collection: it has no archive.
        if entry.get("path") or archive.exists():
            continue
        source = root / "src" / archive.stem / entry["chart"]
        shutil.copytree(ROOT / "tests" / "standins" / "charts" / "generic", source)
        chart_yaml = yaml.safe_load((source / "Chart.yaml").read_text())
        chart_yaml.update(name=entry["chart"], version=str(entry["version"]))
        (source / "Chart.yaml").write_text(yaml.safe_dump(chart_yaml))
        subprocess.run(
            [str(helm_binary), "package", str(source), "--destination", str(charts)],
            check=True,
            capture_output=True,
        )
        sums.append(f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n")
    (charts / "SHA256SUMS").write_text("".join(sorted(sums, key=lambda line: line.split()[1])))
    return root
