"""The render path of playbooks/apps.yml, offline: the real playbook, module, role and helm.

`ansible-playbook playbooks/apps.yml -i inventories/<env> -e slipway_render_only=true`
validates the environment's bundle and renders every unit into the build
directory; no cluster is involved. Each manifest is validated for Kubernetes 1.34.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.render, pytest.mark.slow]

ROOT = Path(__file__).parents[2]


def playbook(env: str, build_dir: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run the apps playbook render-only; return (rc, json callback output, stderr)."""
    environ = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}",
    }
    proc = subprocess.run(
        [
            "ansible-playbook",
            "playbooks/apps.yml",
            "-i",
            f"inventories/{env}",
            "-e",
            "slipway_render_only=true",
            "-e",
            f"app_deploy_build_dir={build_dir}",
            *extra,
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def bundle_units(env: str) -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / "releases" / env / "bundle.yml").read_text())["units"]


def failures(output: dict[str, Any]) -> list[str]:
    """The msg of every failed task result in the json callback output."""
    return [
        result["msg"]
        for play in output["plays"]
        for task in play["tasks"]
        for result in task["hosts"].values()
        if result.get("failed")
    ]


def check_build(env: str, build: Path, validate_manifest: Callable[..., None]) -> None:
    """Assert the build directory holds exactly the bundle's units, valid and with its images."""
    units = bundle_units(env)
    names = [unit["name"] for unit in units]
    assert sorted(
        str(path.relative_to(build)) for path in build.rglob("*") if path.is_file()
    ) == sorted(
        [
            "bundle.yaml",
            "plan.yml",
            "namespaces.yaml",
            *(f"manifests/{n}.yaml" for n in names),
            *(f"values/{n}.yaml" for n in names),
        ]
    )
    for unit in units:
        docs = [
            doc
            for doc in yaml.safe_load_all(
                (build / "manifests" / f"{unit['name']}.yaml").read_text()
            )
            if doc
        ]
        for doc in docs:
            validate_manifest(doc)
        [deployment] = [doc for doc in docs if doc["kind"] == "Deployment"]
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        pinned = f"{unit['image']}@{unit.get('digest')}"
        assert image == (pinned if "digest" in unit else f"{unit['image']}:{unit['tag']}")
        kinds = {doc["kind"] for doc in docs}
        # ci has no ingress at all; prod exposes web (bare domain) and api.
        assert ("Ingress" in kinds) == (env == "prod" and unit["name"] in {"web", "api"})
    assert [
        unit["name"] for unit in yaml.safe_load((build / "bundle.yaml").read_text())["units"]
    ] == names


def test_ci_render_check_mode_then_apply_then_idempotent(
    tmp_path: Path, validate_manifest: Callable[..., None]
) -> None:
    build = tmp_path / "apps"
    rc, output, stderr = playbook("ci", build, "--check")
    assert rc == 0, (failures(output), stderr)
    assert output["stats"]["localhost"]["changed"] > 0
    assert not build.exists()
    (build / "manifests").mkdir(parents=True)
    # A unit no longer in the bundle, and a file of the layout before the plan's.
    (build / "manifests" / "gone.yaml").write_text("kind: Stale\n")
    (build / "gone.values.yaml").write_text("replicaCount: 1\n")
    rc, output, stderr = playbook("ci", build)
    assert rc == 0, (failures(output), stderr)
    assert output["stats"]["localhost"]["changed"] > 0
    check_build("ci", build, validate_manifest)
    rc, output, stderr = playbook("ci", build)
    assert rc == 0, (failures(output), stderr)
    assert output["stats"]["localhost"]["changed"] == 0


def test_prod_render_pins_digests_and_exposes_hosts(
    tmp_path: Path, validate_manifest: Callable[..., None]
) -> None:
    rc, output, stderr = playbook("prod", tmp_path / "apps")
    assert rc == 0, (failures(output), stderr)
    check_build("prod", tmp_path / "apps", validate_manifest)
    hosts = {
        doc["metadata"]["name"]: doc["spec"]["rules"][0]["host"]
        for name in ("web", "api")
        for doc in yaml.safe_load_all(
            (tmp_path / "apps" / "manifests" / f"{name}.yaml").read_text()
        )
        if doc and doc["kind"] == "Ingress"
    }
    assert hosts == {"web": "example.com", "api": "api.example.com"}


def test_bad_bundle_fails_with_every_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bundle.yml"
    text = (ROOT / "releases" / "ci" / "bundle.yml").read_text()
    bad.write_text(
        text.replace("image: registry.example.com/shop/api", "image: docker.io/shop/api").replace(
            "name: worker", "name: Worker"
        )
    )
    rc, output, stderr = playbook("ci", tmp_path / "apps", "-e", f"bundle={bad}")
    assert rc != 0
    [message] = failures(output)
    assert message.startswith(f"release bundle {bad}: 3 violations\n")
    assert "units[1].image (line 17): registry 'docker.io' is not allowed in ci" in message
    assert "units[2].name (line 20): 'Worker' is not a unit name" in message
    assert "compatibility[1].unit (line 29): 'worker' is not a unit of this bundle" in message
    assert "Traceback" not in message + stderr
    assert not (tmp_path / "apps").exists()


@pytest.mark.parametrize(
    ("unit_values", "message"),
    [
        (
            {"web": {"env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}},
            "apps.unit_values.web.env[0].value (DB_PASSWORD): looks like a credential",
        ),
        (
            {"api": {"image": {"reference": "registry.example.com/other:1"}}},
            "apps.unit_values: api.image set image or release",
        ),
    ],
    ids=["secret-in-env", "image-override"],
)
def test_unit_values_that_break_the_rules_fail_clearly(
    unit_values: dict[str, Any], message: str, tmp_path: Path
) -> None:
    extra = json.dumps({"slipway_release_unit_values": unit_values})
    rc, output, stderr = playbook("ci", tmp_path / "apps", "-e", extra)
    assert rc != 0
    [failure] = failures(output)
    assert " ".join(failure.split()).startswith(message)
    assert "hunter2" not in json.dumps(output) + stderr
    assert not (tmp_path / "apps").exists()
