"""The HelmChartConfig the k3s_server role writes for k3s' bundled Traefik.

Its values must be keys of the Traefik chart k3s bundles (traefik-helm-chart 37.1.0
in k3s 1.34.3, 38.0.2 in later patch releases), read from the chart's own
values.yaml in the upstream snapshot.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[4]
TEMPLATE = ROOT / "roles" / "k3s_server" / "templates" / "traefik-config.yaml.j2"
MIRROR = (
    Path(os.environ.get("SLIPWAY_UPSTREAM_MIRRORS") or "/work/.mirror")
    / "traefik+traefik-helm-chart"
    / "repo"
)
BUNDLED = ("v37.1.0", "v38.0.2")


def config() -> dict[str, Any]:
    """The HelmChartConfig as the template writes it (it holds no variable but a comment)."""
    text = TEMPLATE.read_text().replace("{{ ansible_managed }}", "managed")
    assert "{{" not in text and "{%" not in text
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def test_redirects_to_https_and_keeps_the_client_address() -> None:
    document = config()
    assert (document["apiVersion"], document["kind"]) == ("helm.cattle.io/v1", "HelmChartConfig")
    # k3s applies a HelmChartConfig to the HelmChart of the same name and namespace.
    assert document["metadata"] == {"name": "traefik", "namespace": "kube-system"}
    values = yaml.safe_load(document["spec"]["valuesContent"])
    assert values["ports"]["web"]["redirections"]["entryPoint"] == {
        "to": "websecure",
        "scheme": "https",
        "permanent": True,
    }
    assert values["service"]["spec"] == {"externalTrafficPolicy": "Local"}


@pytest.mark.parametrize("tag", BUNDLED)
def test_keys_exist_in_the_bundled_chart(tag: str) -> None:
    if not MIRROR.is_dir():
        pytest.skip(f"no snapshot of github:traefik/traefik-helm-chart at {MIRROR}")
    shown = subprocess.run(
        ["git", f"--git-dir={MIRROR}", "show", f"{tag}:traefik/values.yaml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    chart = yaml.safe_load(shown)
    assert "entryPoint" in chart["ports"]["web"]["redirections"]
    assert "websecure" in chart["ports"]
    assert isinstance(chart["service"]["spec"], dict)
