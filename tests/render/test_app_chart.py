"""The first-party app chart rendered with the real helm, for every environment.

Every manifest is validated strictly against the Kubernetes 1.34 schemas and
against Slipway's security policy (non-root uid 10001, read-only root
filesystem, no capabilities, seccomp RuntimeDefault, requests and limits,
probes, part-of labels, image only from values).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from chart_render import Docs, RenderError, helm_lint, helm_template

from ansible_collections.slipway.platform.plugins.module_utils.domains import public_host

pytestmark = pytest.mark.render

ROOT = Path(__file__).parents[2]
CHART = ROOT / "charts" / "app"
ENVS = ("dev", "ci", "test", "staging", "prod")
CLASSES = yaml.safe_load((ROOT / "roles" / "app_deploy" / "defaults" / "main.yml").read_text())[
    "app_deploy_service_classes"
]
REFERENCE = "registry.example.com/shop/web@sha256:" + "a" * 64
ALWAYS = {
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "ServiceAccount",
}
UID = 10001


def render(helm: Path, values: dict[str, Any], chart: Path = CHART, name: str = "web") -> Docs:
    """Render the chart with the real helm the way the apps playbook does (values on stdin)."""
    return helm_template(helm, chart, name, "apps", values)


def env_values(env: str, prefix: str = "app", service_class: str = "web") -> dict[str, Any]:
    """Chart values for env as the app_deploy role builds them (class, image, release, host)."""
    main = yaml.safe_load(
        (ROOT / "inventories" / env / "group_vars" / "all" / "main.yml").read_text()
    )
    host = ""
    if main["slipway_enable_ingress"]:
        host = public_host(prefix, env, main["slipway_base_domain"], main["slipway_domain_style"])
    return {
        **CLASSES[service_class][main["slipway_resource_profile"]],
        "image": {"reference": REFERENCE, "pullPolicy": "IfNotPresent"},
        "release": "1.4.2",
        "ingress": {"enabled": bool(host), "host": host, "tlsSecretName": ""},
    }


def security_problems(docs: Docs, reference: str = REFERENCE) -> list[str]:
    """Every way the rendered manifests break Slipway's security policy."""
    problems = [
        f"{doc['kind']}: no app.kubernetes.io/part-of label"
        for doc in docs
        if not doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of")
    ]
    kinds = {doc["kind"] for doc in docs}
    problems += [f"{kind} missing" for kind in sorted(ALWAYS - kinds)]
    for doc in docs:
        if doc["kind"] == "ServiceAccount" and doc.get("automountServiceAccountToken") is not False:
            problems.append("ServiceAccount mounts an API token")
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        context = pod.get("securityContext", {})
        if pod.get("automountServiceAccountToken") is not False:
            problems.append("pod mounts an API token")
        if context.get("runAsNonRoot") is not True:
            problems.append("pod: runAsNonRoot is not true")
        if context.get("runAsUser") != UID or context.get("runAsGroup") != UID:
            problems.append(f"pod: runAsUser/runAsGroup is not {UID}")
        if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append("pod: seccompProfile is not RuntimeDefault")
        for container in pod["containers"]:
            problems += container_problems(container, reference)
    return problems


def container_problems(container: dict[str, Any], reference: str) -> list[str]:
    """Every way one container breaks the security policy."""
    name = f"container {container['name']}"
    context = container.get("securityContext", {})
    checks = {
        "runAsNonRoot is not true": context.get("runAsNonRoot") is True,
        "allowPrivilegeEscalation is not false": context.get("allowPrivilegeEscalation") is False,
        "readOnlyRootFilesystem is not true": context.get("readOnlyRootFilesystem") is True,
        "privileged": context.get("privileged") is not True,
        "capabilities do not drop ALL": "ALL" in context.get("capabilities", {}).get("drop", []),
        "capabilities added": not context.get("capabilities", {}).get("add"),
        "no livenessProbe": bool(container.get("livenessProbe")),
        "no readinessProbe": bool(container.get("readinessProbe")),
        f"image is not {reference}": container.get("image") == reference,
    }
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            checks[f"no {resource} {kind}"] = bool(resources.get(kind, {}).get(resource))
    return [f"{name}: {problem}" for problem, ok in checks.items() if not ok]


@pytest.mark.parametrize("env", ENVS)
def test_every_environment_renders_valid_and_hardened(
    env: str, helm_binary: Path, validate_manifest: Callable[..., None]
) -> None:
    values = env_values(env)
    docs = render(helm_binary, values)
    for doc in docs:
        validate_manifest(doc)
        assert doc["metadata"]["labels"]["app.kubernetes.io/version"] == "1.4.2"
    assert security_problems(docs) == []
    kinds = sorted(doc["kind"] for doc in docs)
    expected = sorted(ALWAYS | ({"Ingress"} if values["ingress"]["enabled"] else set()))
    assert kinds == expected
    for doc in docs:
        if doc["kind"] == "Ingress":
            assert doc["spec"]["rules"][0]["host"] == values["ingress"]["host"]


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ("dev", "app.localhost"),
        ("test", "app-test.example.com"),
        ("staging", "app-staging.example.com"),
        ("prod", "example.com"),
    ],
)
def test_ingress_host_follows_the_domain_rule(env: str, host: str, helm_binary: Path) -> None:
    prefix = "" if env == "prod" else "app"
    [ingress] = [
        doc for doc in render(helm_binary, env_values(env, prefix)) if doc["kind"] == "Ingress"
    ]
    assert ingress["spec"]["rules"][0]["host"] == host


def test_options_render_valid(helm_binary: Path, validate_manifest: Callable[..., None]) -> None:
    values = {
        **env_values("staging"),
        "autoscaling": {
            "enabled": False,
            "minReplicas": 1,
            "maxReplicas": 1,
            "targetCPUUtilizationPercentage": 80,
        },
        "replicaCount": 2,
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "envFromSecrets": ["web-secrets"],
        "podDisruptionBudget": {"enabled": False, "maxUnavailable": 1},
        "networkPolicy": {"enabled": False},
        "ingress": {
            "enabled": True,
            "host": "app.example.com",
            "tlsSecretName": "app-tls",
            "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-dns"},
        },
    }
    docs = render(helm_binary, values)
    for doc in docs:
        validate_manifest(doc)
    by_kind = {doc["kind"]: doc for doc in docs}
    assert "HorizontalPodAutoscaler" not in by_kind and "PodDisruptionBudget" not in by_kind
    assert by_kind["Deployment"]["spec"]["replicas"] == 2
    assert by_kind["Ingress"]["spec"]["tls"] == [
        {"hosts": ["app.example.com"], "secretName": "app-tls"}
    ]
    assert by_kind["Ingress"]["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt-dns"
    }
    container = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "web-secrets"}}]


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(container: dict[str, Any]) -> None:
        del container["securityContext"][key]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (_drop("runAsNonRoot"), "runAsNonRoot is not true"),
        (_drop("readOnlyRootFilesystem"), "readOnlyRootFilesystem is not true"),
        (_drop("allowPrivilegeEscalation"), "allowPrivilegeEscalation is not false"),
        (_drop("capabilities"), "capabilities do not drop ALL"),
        (lambda c: c["securityContext"].update(privileged=True), "privileged"),
        (lambda c: c.pop("livenessProbe"), "no livenessProbe"),
        (lambda c: c.pop("readinessProbe"), "no readinessProbe"),
        (lambda c: c["resources"].pop("limits"), "no memory limits"),
        (lambda c: c.update(image="registry.example.com/shop/web:latest"), "image is not"),
    ],
)
def test_security_check_catches_each_breach(
    mutate: Callable[[dict[str, Any]], None], problem: str, helm_binary: Path
) -> None:
    docs = render(helm_binary, env_values("prod"))
    [deployment] = [doc for doc in docs if doc["kind"] == "Deployment"]
    mutate(deployment["spec"]["template"]["spec"]["containers"][0])
    found = security_problems(docs)
    assert any(problem in item for item in found), found


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("runAsNonRoot: true", "runAsNonRoot is not true"),
        ("readOnlyRootFilesystem: true", "readOnlyRootFilesystem is not true"),
        ("type: RuntimeDefault", "seccompProfile is not RuntimeDefault"),
    ],
)
def test_removing_a_guard_from_the_chart_is_caught(
    line: str, problem: str, helm_binary: Path, tmp_path: Path
) -> None:
    chart = tmp_path / "app"
    shutil.copytree(CHART, chart)
    template = chart / "templates" / "deployment.yaml"
    text = template.read_text()
    assert line in text
    template.write_text("\n".join(row for row in text.splitlines() if row.strip() != line) + "\n")
    found = security_problems(render(helm_binary, env_values("prod"), chart=chart))
    assert any(item.endswith(problem) for item in found), found


def test_rendering_fails_without_an_image(helm_binary: Path) -> None:
    values = env_values("dev")
    values["image"] = {"reference": ""}
    with pytest.raises(RenderError, match=r"image\.reference is required"):
        render(helm_binary, values)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"image": {"reference": "registry.example.com/shop/web"}}, "/image/reference"),
        ({"image": {"reference": "registry.example.com/shop/web@sha256:abc"}}, "/image/reference"),
        ({"imagee": {}}, "additional properties 'imagee' not allowed"),
        ({"ingress": {"enabled": True, "host": "App.example.com"}}, "/ingress/host"),
        ({"containerPort": 0}, "/containerPort"),
    ],
)
def test_values_schema_rejects_bad_values(
    change: dict[str, Any], message: str, helm_binary: Path
) -> None:
    with pytest.raises(RenderError, match=re.escape(message)):
        render(helm_binary, {**env_values("dev"), **change})


def test_templates_never_name_an_image() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["image"]["reference"] == ""
    image_lines = [
        line.strip()
        for template in sorted((CHART / "templates").glob("*.yaml"))
        for line in template.read_text().splitlines()
        if re.match(r"\s*-?\s*image:", line)
    ]
    assert image_lines == ['image: {{ include "app.image" . | quote }}']


def test_values_schema_is_valid_and_accepts_the_resource_policy() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    for profile in (profile for profiles in CLASSES.values() for profile in profiles.values()):
        jsonschema.validate(
            {**defaults, **profile, "image": {"reference": REFERENCE}, "release": "1.4.2"}, schema
        )


def test_helm_lint_is_clean(helm_binary: Path) -> None:
    proc = helm_lint(helm_binary, CHART, f"image.reference={REFERENCE}", "release=1.4.2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout
    assert "[ERROR]" not in proc.stdout and "[WARNING]" not in proc.stdout
