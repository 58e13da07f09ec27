from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.modules import release_bundle_info

ROOT = Path(__file__).parents[4]
SetArgs = Callable[[dict[str, Any]], None]
DEV_POLICY = {
    "env": "dev",
    "tag_policy": "dev",
    "allowed_registries": ["registry.example.com"],
    "required_units": ["web", "api"],
}
PROD_POLICY = {
    "env": "prod",
    "tag_policy": "prod",
    "allowed_registries": ["registry.example.com"],
    "required_units": ["web", "api", "worker"],
    "allow_prerelease": False,
}


def run_module() -> tuple[str, dict[str, Any]]:
    """Run main(); return which exit was taken and its result."""
    with pytest.raises(Exception) as info:
        release_bundle_info.main()
    assert type(info.value).__name__ in {"AnsibleExitJson", "AnsibleFailJson"}, info.value
    return type(info.value).__name__, info.value.args[0]


def example(env: str) -> Path:
    return ROOT / "releases" / env / "bundle.yml"


@pytest.mark.parametrize(
    ("source", "policy", "release"),
    [
        ({"path": str(example("dev"))}, DEV_POLICY, "3f9c2ab41d7e"),
        ({"path": str(example("prod"))}, PROD_POLICY, "1.4.2"),
        ({"data": yaml.safe_load(example("prod").read_text())}, PROD_POLICY, "1.4.2"),
        ({"data": example("dev").read_text()}, DEV_POLICY, "3f9c2ab41d7e"),
    ],
    ids=["dev-path", "prod-path", "prod-data", "dev-yaml-text"],
)
def test_valid_bundle(
    set_module_args: SetArgs, source: dict[str, Any], policy: dict[str, Any], release: str
) -> None:
    set_module_args({**source, "policy": policy})
    exit_kind, result = run_module()
    assert exit_kind == "AnsibleExitJson", result
    assert result["changed"] is False
    assert result["release"] == release
    assert [unit["name"] for unit in result["units"]] == ["web", "api", "worker"]
    assert result["references"] == {unit["name"]: unit["reference"] for unit in result["units"]}
    assert result["bundle"]["release"] == release
    if policy is PROD_POLICY:
        assert all("@sha256:" in ref for ref in result["references"].values())


def test_every_violation_with_location(set_module_args: SetArgs) -> None:
    # The dev example breaks prod's policy in several places at once.
    set_module_args({"path": str(example("dev")), "policy": PROD_POLICY})
    exit_kind, result = run_module()
    assert exit_kind == "AnsibleFailJson"
    locations = [item["location"] for item in result["violations"]]
    assert locations == ["release", "units[0].digest", "units[1].digest", "units[2].digest"]
    assert all(item["line"] and item["fix"] for item in result["violations"])
    assert result["msg"].startswith(
        f"release bundle {example('dev')}: 4 violations\n- release (line 6): "
    )
    assert "Traceback" not in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"policy": DEV_POLICY}, "one of the following is required: path, data"),
        ({"path": "x", "data": {}, "policy": DEV_POLICY}, "mutually exclusive: path|data"),
        ({"data": {}, "policy": {**DEV_POLICY, "tag_policy": "qa"}}, "tag_policy must be one of"),
        ({"data": {}, "policy": {"env": "dev", "tag_policy": "dev"}}, "allowed_registries"),
        ({"data": "units: [", "policy": DEV_POLICY}, r"\(yaml\) \(line 2\): YAML syntax error"),
        (
            {"data": {}, "policy": {**DEV_POLICY, "allowed_registries": []}},
            "policy.allowed_registries",
        ),
    ],
)
def test_bad_arguments_fail_clearly(
    set_module_args: SetArgs, args: dict[str, Any], message: str
) -> None:
    set_module_args(args)
    exit_kind, result = run_module()
    assert exit_kind == "AnsibleFailJson"
    assert re.search(message, result["msg"]), result["msg"]
