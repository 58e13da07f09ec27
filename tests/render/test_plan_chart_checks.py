"""The plan's offline chart checks, with the real helm on a tiny chart made here.

The chart ships a CRD in crds/ and a template that renders a custom resource the API
server would refuse (spec.postgresql: null); it is packaged with the real `helm package`
into an air-gap charts/ folder and planned by the real module with the real
`helm template --include-crds`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.slipway.platform.plugins.modules import component_plan

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "clusters.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Cluster", "plural": "clusters", "singular": "cluster"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["instances"],
                                "properties": {
                                    "instances": {"type": "integer"},
                                    "postgresql": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}
# Renders postgresql: null unless parameters are given, as the CloudNativePG cluster chart did.
TEMPLATE = """\
apiVersion: example.com/v1
kind: Cluster
metadata:
  name: {{ .Release.Name }}-cluster
spec:
  instances: {{ .Values.instances }}
  postgresql:
    {{- with .Values.parameters }}
    parameters: {{ toYaml . | nindent 6 }}
    {{- end }}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {{ .Release.Name }}-strip
spec: {}
"""
CATALOG = {
    "db": {
        "phase": 0,
        "namespace": "platform",
        "chart": "tiny",
        "version": "1.0.0",
        "repo": "https://charts.example.com",
        "values": {"instances": 1, "instancez": 2, "parameters": None},
    }
}


class _Exit(Exception):
    """Raised in place of exit_json or fail_json; carries the result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


@pytest.fixture
def chart_dir(tmp_path: Path, helm_binary: Path) -> Path:
    """Return an air-gap charts/ folder holding the tiny chart packaged by the real helm."""
    source = tmp_path / "src" / "tiny"
    (source / "crds").mkdir(parents=True)
    (source / "templates").mkdir()
    (source / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 1.0.0\n")
    (source / "values.yaml").write_text("instances: 1\nparameters: {}\n")
    (source / "crds" / "cluster.yaml").write_text(yaml.safe_dump(CRD))
    (source / "templates" / "cluster.yaml").write_text(TEMPLATE)
    charts = tmp_path / "airgap" / "charts"
    subprocess.run(
        [str(helm_binary), "package", str(source), "--destination", str(charts)],
        check=True,
        capture_output=True,
    )
    return charts


def _run(monkeypatch: pytest.MonkeyPatch, args: dict[str, Any]) -> dict[str, Any]:
    """Run the module's main() with args; return the result of exit_json or fail_json."""

    def leave(self: basic.AnsibleModule, **kwargs: Any) -> None:
        raise _Exit(kwargs)

    def fail(self: basic.AnsibleModule, **kwargs: Any) -> None:
        raise _Exit({**kwargs, "failed": True})

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", leave)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail)
    with patch_module_args(args), pytest.raises(_Exit) as info:
        component_plan.main()
    return info.value.result


def _args(tmp_path: Path, chart_dir: Path, helm_binary: Path, **more: Any) -> dict[str, Any]:
    """Return the module arguments planning the tiny chart from chart_dir."""
    return {
        "layers": [CATALOG],
        "env": "dev",
        "dest": str(tmp_path / "plan"),
        "chart_dir": str(chart_dir),
        "helm_binary": str(helm_binary),
        **more,
    }


def test_the_plan_fails_naming_every_field(
    tmp_path: Path, chart_dir: Path, helm_binary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(monkeypatch, _args(tmp_path, chart_dir, helm_binary))
    assert result.get("failed"), result
    assert result["crd_findings"] == [
        "db: Cluster db-cluster: spec.postgresql: null is not of type object"
    ]
    assert result["values_findings"] == [
        "components.db.values.instancez: not a key of the chart (values.yaml, values.schema.json); "
        "helm would ignore it (list it in free_form_values if the chart takes it free-form)"
    ]
    assert result["not_checked"] == [
        "db: Middleware db-strip: not checked: CRD Middleware.traefik.io not in the plan"
    ]
    assert result["msg"].startswith("2 finding(s) in the rendered plan")
    assert "spec.postgresql: null is not of type object" in result["msg"]
    assert "components.db.values.instancez" in result["msg"]
    # The plan is written first, with the findings in its summary.
    summary = yaml.safe_load((tmp_path / "plan" / "plan.yml").read_text())
    assert summary["checks"]["crd_findings"] == result["crd_findings"]


def test_not_strict_warns_and_a_fixed_catalog_passes(
    tmp_path: Path, chart_dir: Path, helm_binary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    result = _run(monkeypatch, _args(tmp_path, chart_dir, helm_binary, strict_checks=False))
    assert not result.get("failed"), result
    assert warnings == [*result["crd_findings"], *result["values_findings"]]
    fixed = {"db": {**CATALOG["db"], "values": {"instances": 1, "parameters": {"a": "1"}}}}
    result = _run(monkeypatch, _args(tmp_path, chart_dir, helm_binary, layers=[fixed]))
    assert not result.get("failed"), result
    assert (result["crd_findings"], result["values_findings"]) == ([], [])
