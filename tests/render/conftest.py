"""Shared fixtures for render tests: the real helm and strict Kubernetes schema validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

ROOT = Path(__file__).parents[2]
# k3s in every environment runs Kubernetes 1.34.
KUBE_VERSION = "1.34"


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
