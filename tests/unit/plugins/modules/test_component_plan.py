from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
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


@pytest.fixture
def helm_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record the module's commands; each answers as helm template would, with one ConfigMap."""
    calls: list[list[str]] = []

    def run_command(
        self: basic.AnsibleModule, argv: list[str], **kwargs: Any
    ) -> tuple[int, str, str]:
        calls.append(argv)
        return 0, "---\nkind: ConfigMap\n", ""

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    return calls


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
    tmp_path: Path, helm_calls: list[list[str]], set_module_args: SetArgs, exit_result: Runner
) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "app-2.0.0.tgz").write_bytes(b"stand-in: run_command is replaced below")
    set_module_args(args(tmp_path / "plan", chart_dir=str(charts), binary_path="/opt/helm"))
    result = exit_result(component_plan.main)
    assert result["rendered"] == ["app"]
    assert result["not_rendered"] == ["op"]
    assert helm_calls[0][:4] == ["/opt/helm", "template", "app", str(charts / "app-2.0.0.tgz")]
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


SEALED = """---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: app-creds
  namespace: {namespace}
spec:
  encryptedData:
    password: AgB...
  template:
    metadata:
      name: app-creds
      namespace: {namespace}
"""
NEEDS_SECRET = [CATALOG, {"app": {"secrets": ["app-creds"]}}]


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collect what the module warns, for this test only."""
    found: list[str] = []
    monkeypatch.setattr(
        basic.AnsibleModule, "warn", lambda self, warning, **kwargs: found.append(warning)
    )
    return found


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"data.app-creds.yml": SEALED.format(namespace="data")}, id="present"),
        pytest.param({}, id="missing"),
        pytest.param({"apps.app-creds.yml": SEALED.format(namespace="apps")}, id="wrong-namespace"),
    ],
)
def test_missing_sealed_secret_warns_and_is_in_the_plan(
    tmp_path: Path,
    set_module_args: SetArgs,
    exit_result: Runner,
    warnings: list[str],
    files: dict[str, str],
) -> None:
    secrets = tmp_path / "secrets" / "dev"
    secrets.mkdir(parents=True)
    for name, text in files.items():
        (secrets / name).write_text(text)
    hints = {"seal_command": "ansible-playbook playbooks/seal.yml -i inventories/dev"}
    set_module_args(
        args(
            tmp_path / "plan",
            layers=NEEDS_SECRET,
            sealed_secrets_dir=str(secrets),
            sealing_hints=hints,
        )
    )
    result = exit_result(component_plan.main)
    plan = yaml.safe_load((tmp_path / "plan" / "plan.yml").read_text())
    assert plan["sealed_secrets"] == result["sealed_secrets"]
    if "data.app-creds.yml" in files:
        assert warnings == []
        assert result["sealed_secrets"]["missing"] == []
        assert result["table"][-1] == f"SealedSecrets: 1 of 1 needed Secrets committed in {secrets}"
        return
    [warning] = warnings
    assert warning.startswith(
        f"app needs Secret data/app-creds, which has no SealedSecret in {secrets} (not declared): "
    )
    [item] = plan["sealed_secrets"]["missing"]
    assert (item["component"], item["secret"], item["declared"]) == ("app", "data/app-creds", False)
    assert "playbooks/seal.yml -i inventories/dev" in item["fix"]
    assert result["table"][-1].endswith(
        "0 of 1 needed Secrets committed in " + str(secrets) + "; missing: data/app-creds"
    )


def test_required_sealed_secret_fails_after_writing_the_plan(
    tmp_path: Path, set_module_args: SetArgs, fail_result: Runner
) -> None:
    set_module_args(
        args(
            tmp_path / "plan",
            layers=NEEDS_SECRET,
            sealed_secrets_dir=str(tmp_path / "absent"),
            sealing_declarations=[{"name": "app-creds", "namespace": "data", "from_source": ["x"]}],
            require_sealed_secrets=True,
            sealing_hints={
                "seal_command": "ansible-playbook playbooks/seal.yml -i inventories/dev"
            },
        )
    )
    result = fail_result(component_plan.main)
    assert result["msg"].startswith(
        "1 Secret(s) needed by enabled components have no committed SealedSecret and "
        "require_sealed_secrets is on (components_require_sealed_secrets): app needs Secret "
        "data/app-creds, which has no SealedSecret in "
    )
    assert "(declared but not sealed): run ansible-playbook playbooks/seal.yml" in result["msg"]
    plan = yaml.safe_load((tmp_path / "plan" / "plan.yml").read_text())
    assert [item["secret"] for item in plan["sealed_secrets"]["missing"]] == ["data/app-creds"]


def test_bad_sealed_secret_file_fails_naming_it(
    tmp_path: Path, set_module_args: SetArgs, fail_result: Runner
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "data.app-creds.yml").write_text("apiVersion: v1\nkind: Secret\n")
    set_module_args(args(tmp_path / "plan", layers=NEEDS_SECRET, sealed_secrets_dir=str(secrets)))
    result = fail_result(component_plan.main)
    assert result["msg"] == (
        f"{secrets / 'data.app-creds.yml'}: not a bitnami.com/v1alpha1 SealedSecret "
        "(found apiVersion 'v1', kind 'Secret')"
    )
    assert not (tmp_path / "plan").exists()


def test_without_a_secrets_dir_nothing_is_checked(
    tmp_path: Path, set_module_args: SetArgs, exit_result: Runner, warnings: list[str]
) -> None:
    set_module_args(args(tmp_path / "plan", layers=NEEDS_SECRET))
    result = exit_result(component_plan.main)
    assert "sealed_secrets" not in result
    assert warnings == []
    assert "sealed_secrets" not in yaml.safe_load((tmp_path / "plan" / "plan.yml").read_text())


def collection_with_chart(root: Path, version: str = "0.1.0") -> Path:
    """Create a collection root holding the chart directory charts/panel; return the root."""
    chart = root / "collection" / "charts" / "panel"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: panel\nversion: {version}\n")
    return root / "collection"


PANEL = {
    "panel": {
        "phase": 1,
        "namespace": "data",
        "chart": "panel",
        "version": "0.1.0",
        "path": "charts/panel",
    }
}


@pytest.mark.parametrize("render", [True, False])
def test_path_chart_renders_without_chart_dir(
    tmp_path: Path,
    helm_calls: list[list[str]],
    set_module_args: SetArgs,
    exit_result: Runner,
    render: bool,
) -> None:
    collection = collection_with_chart(tmp_path)
    set_module_args(
        args(
            tmp_path / "plan",
            layers=[CATALOG, PANEL],
            collection_dir=str(collection),
            render=render,
        )
    )
    result = exit_result(component_plan.main)
    panel = result["releases"][-1]
    assert (panel["name"], panel["chart_ref"], panel["path"]) == (
        "panel",
        str(collection / "charts" / "panel"),
        "charts/panel",
    )
    if not render:
        assert (result["rendered"], helm_calls) == ([], [])
        return
    assert result["rendered"] == ["panel"]
    assert result["not_rendered"] == ["op", "app"]
    assert helm_calls[0][:4] == ["helm", "template", "panel", str(collection / "charts" / "panel")]
    assert (tmp_path / "plan" / "manifests" / "panel.yaml").is_file()
    assert result["table"][-1] == "rendered with helm: panel"


def test_path_chart_version_must_match_its_chart_yaml(
    tmp_path: Path, set_module_args: SetArgs, fail_result: Runner
) -> None:
    collection = collection_with_chart(tmp_path, version="0.2.0")
    set_module_args(args(tmp_path / "plan", layers=[PANEL], collection_dir=str(collection)))
    result = fail_result(component_plan.main)
    assert result["msg"] == (
        "components.panel.version: 0.1.0 differs from charts/panel/Chart.yaml version 0.2.0"
    )
    assert not (tmp_path / "plan").exists()


ROOT = Path(__file__).parents[4]
BUNDLE = {
    "release": "r1",
    "units": [
        {"name": "web", "tag": "r1", "reference": "registry.example.com/web:r1"},
        {"name": "api", "tag": "r1", "reference": "registry.example.com/api:r1"},
    ],
    "bundle": {"release": "r1", "units": [{"name": "web"}, {"name": "api"}]},
}
APPS = {"resource_profile": "small", "service_classes": {"web": {"small": {"replicaCount": 1}}}}


def test_a_bundle_is_planned_and_rendered_as_app_chart_releases(
    tmp_path: Path,
    set_module_args: SetArgs,
    exit_result: Runner,
    helm_calls: list[list[str]],
    warnings: list[str],
) -> None:
    dest = tmp_path / "apps"
    set_module_args(
        {
            "env": "ci",
            "bundle": BUNDLE,
            "apps": {**APPS, "unit_values": {"gone": {}}},
            "dest": str(dest),
            "collection_dir": str(ROOT),
        }
    )
    result = exit_result(component_plan.main)
    assert [release["name"] for release in result["selected"]] == ["web", "api"]
    assert {release["chart_ref"] for release in result["selected"]} == {str(ROOT / "charts/app")}
    assert sorted(call[2] for call in helm_calls) == ["api", "web"]
    assert result["rendered"] == ["web", "api"]
    assert yaml.safe_load((dest / "bundle.yaml").read_text()) == BUNDLE["bundle"]
    assert yaml.safe_load((dest / "values" / "web.yaml").read_text())["image"] == {
        "reference": "registry.example.com/web:r1",
        "pullPolicy": "IfNotPresent",
    }
    assert (dest / "manifests" / "api.yaml").is_file()
    assert warnings == [
        "apps: gone is not a unit of release r1; its unit values, class and host are not used"
    ]


def test_without_dest_one_component_resolves_and_nothing_is_written(
    tmp_path: Path,
    set_module_args: SetArgs,
    exit_result: Runner,
    helm_calls: list[list[str]],
) -> None:
    set_module_args({"layers": [CATALOG], "env": "dev", "component": "app"})
    result = exit_result(component_plan.main)
    assert [(r["release"], r["namespace"]) for r in result["selected"]] == [("app", "data")]
    assert result["changed"] is False
    assert result["written"] == []
    assert helm_calls == []
    assert list(tmp_path.iterdir()) == []
