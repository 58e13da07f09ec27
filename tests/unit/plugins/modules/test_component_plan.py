from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.slipway.platform.plugins.modules import component_plan

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]

CATALOG = {
    "op": {
        "phase": 0,
        "namespace": "platform",
        "chart": "op",
        "version": "1.0.0",
        "repo": "https://charts.example.com",
        "provides_crds": ["things.example.com"],
    },
    "app": {
        "phase": 1,
        "namespace": "data",
        "chart": "app",
        "version": "2.0.0",
        "repo": "https://charts.example.com",
        "crds": ["things.example.com"],
        "values": {"replicas": 1},
    },
}


def args(dest: Path, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"layers": [CATALOG], "env": "dev", "dest": str(dest)}
    base.update(changes)
    return base


def test_writes_then_reports_no_change(
    tmp_path: Path, set_module_args: SetArgs, exit_result: Runner
) -> None:
    set_module_args(args(tmp_path / "plan"))
    first = exit_result(component_plan.main)
    assert first["changed"] is True
    assert [release["name"] for release in first["releases"]] == ["op", "app"]
    assert first["not_rendered"] == ["op", "app"]
    assert (tmp_path / "plan" / "values" / "app.yaml").is_file()
    set_module_args(args(tmp_path / "plan"))
    second = exit_result(component_plan.main)
    assert second["changed"] is False
    assert second["written"] == []


def test_check_mode_writes_nothing_and_shows_the_diff(
    tmp_path: Path, set_module_args: SetArgs, exit_result: Runner
) -> None:
    set_module_args(args(tmp_path / "plan", _ansible_check_mode=True, _ansible_diff=True))
    result = exit_result(component_plan.main)
    assert result["changed"] is True
    assert "plan.yml" in result["written"]
    assert not (tmp_path / "plan").exists()
    headers = [diff["after_header"] for diff in result["diff"]]
    assert headers == [
        str(tmp_path / "plan" / name)
        for name in ("plan.yml", "namespaces.yaml", "values/app.yaml", "values/op.yaml")
    ]
    assert {diff["before"] for diff in result["diff"]} == {""}
    assert "name: app" in result["diff"][0]["after"]
    assert result["diff"][2]["after"].endswith("replicas: 1\n")


def test_diff_shows_each_changed_file_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_module_args: SetArgs, exit_result: Runner
) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "app-2.0.0.tgz").write_bytes(b"stand-in: run_command is replaced below")
    # A chart that generates a password into a Secret at render time.
    rendered = (
        "---\n# Source: app/templates/secret.yaml\napiVersion: v1\nkind: Secret\n"
        "metadata:\n  name: app\ndata:\n  password: {}\n---\nkind: ConfigMap\n"
    )
    passwords = iter(["Zmlyc3Q=", "c2Vjb25k"])
    monkeypatch.setattr(
        basic.AnsibleModule,
        "run_command",
        lambda self, argv, **kwargs: (0, rendered.format(next(passwords)), ""),
    )
    dest = tmp_path / "plan"
    set_module_args(args(dest, chart_dir=str(charts)))
    exit_result(component_plan.main)
    manifest = (dest / "manifests" / "app.yaml").read_text()
    assert "Zmlyc3Q=" not in manifest
    assert "password: <redacted by slipway>" in manifest

    bigger = [CATALOG, {"app": {"values": {"replicas": 2}}}]
    set_module_args(args(dest, layers=bigger, chart_dir=str(charts), _ansible_diff=True))
    result = exit_result(component_plan.main)
    # A new random password is not a change; the new replica count is.
    assert result["written"] == ["values/app.yaml"]
    [diff] = result["diff"]
    assert diff["before_header"] == diff["after_header"] == str(dest / "values" / "app.yaml")
    assert diff["before"].endswith("replicas: 1\n")
    assert diff["after"].endswith("replicas: 2\n")
    assert "c2Vjb25k" not in str(result)


def test_environment_layer_disables_a_component(
    tmp_path: Path, set_module_args: SetArgs, exit_result: Runner
) -> None:
    set_module_args(args(tmp_path, layers=[CATALOG, {"app": {"enabled": False}}]))
    result = exit_result(component_plan.main)
    assert [release["name"] for release in result["releases"]] == ["op"]
    assert result["disabled"] == ["app"]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            [CATALOG, {"app": {"version": "latest"}}],
            r"^components\.app\.version: 'latest' is not a pinned",
        ),
        (
            [CATALOG, {"op": {"enabled": False}}],
            r"^components\.app\.crds: no enabled component provides",
        ),
        ([CATALOG, "oops"], r"^layers\[1\]: must be a mapping"),
        (
            [CATALOG, {"app": {"values": {"db": {"password": "x"}}}}],
            r"^components\.app\.values\.db\.password",
        ),
        (
            [CATALOG, {"app": {"values": {"replicas": {"+append": [1]}}}}],
            r"^app\.values\.replicas: '\+append' needs a list",
        ),
    ],
)
def test_bad_input_fails_with_the_field(
    tmp_path: Path, set_module_args: SetArgs, fail_result: Runner, layers: list[Any], message: str
) -> None:
    set_module_args(args(tmp_path, layers=layers))
    result = fail_result(component_plan.main)
    assert result["msg"].startswith(("components.", "layers[", "app."))
    assert re.search(message, result["msg"])


def test_renders_with_helm_where_the_archive_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_module_args: SetArgs, exit_result: Runner
) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "app-2.0.0.tgz").write_bytes(b"stand-in: run_command is replaced below")
    calls: list[list[str]] = []

    def run_command(
        self: basic.AnsibleModule, argv: list[str], **kwargs: Any
    ) -> tuple[int, str, str]:
        calls.append(argv)
        return 0, "---\nkind: ConfigMap\n", ""

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    set_module_args(args(tmp_path / "plan", chart_dir=str(charts), helm_binary="/opt/helm"))
    result = exit_result(component_plan.main)
    assert result["rendered"] == ["app"]
    assert result["not_rendered"] == ["op"]
    assert calls[0][:4] == ["/opt/helm", "template", "app", str(charts / "app-2.0.0.tgz")]
    assert (tmp_path / "plan" / "manifests" / "app.yaml").read_text() == "---\nkind: ConfigMap\n"
    assert result["releases"][1]["chart_ref"] == str(charts / "app-2.0.0.tgz")


def test_helm_failure_names_the_component(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_module_args: SetArgs, fail_result: Runner
) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "op-1.0.0.tgz").write_bytes(b"stand-in")
    monkeypatch.setattr(
        basic.AnsibleModule,
        "run_command",
        lambda self, argv, **kwargs: (1, "", "Error: bad chart\n"),
    )
    set_module_args(args(tmp_path / "plan", chart_dir=str(charts)))
    result = fail_result(component_plan.main)
    assert result["msg"] == "components.op: helm template failed: Error: bad chart"
    assert not (tmp_path / "plan").exists()
