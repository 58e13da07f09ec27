"""Render a chart with the real helm as Slipway deploys it, for the version k3s runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

Docs = list[dict[str, Any]]


def kube_minor() -> str:
    """Return the Kubernetes minor version every inventory's k3s release runs."""
    versions = {
        yaml.safe_load(path.read_text())["slipway_k3s_version"]
        for path in ROOT.glob("inventories/*/group_vars/all/k3s.yml")
    }
    minors = {".".join(version[1:].split(".")[:2]) for version in versions}
    assert len(minors) == 1, f"the inventories run different Kubernetes versions: {versions}"
    return minors.pop()


class RenderError(Exception):
    """helm template failed; the message is helm's stderr."""


def helm_template(
    helm: Path, chart: Path, release: str, namespace: str, values: dict[str, Any]
) -> Docs:
    """Render chart as release in namespace, values on stdin; raise RenderError on failure."""
    proc = subprocess.run(
        [
            str(helm),
            "template",
            release,
            str(chart),
            "--namespace",
            namespace,
            "--kube-version",
            f"{kube_minor()}.0",
            "--values",
            "-",
        ],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode:
        raise RenderError(proc.stderr)
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def helm_lint(helm: Path, chart: Path, *sets: str) -> subprocess.CompletedProcess[str]:
    """Run helm lint --strict on chart with each of sets as a --set key=value."""
    flags = [arg for item in sets for arg in ("--set", item)]
    return subprocess.run(
        [str(helm), "lint", "--strict", str(chart), *flags],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
