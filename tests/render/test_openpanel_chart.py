"""Slipway's OpenPanel chart rendered with the real helm, as the catalog deploys it.

Every built-in manifest is validated strictly against the Kubernetes schemas of
the version k3s runs; the two custom resources (CloudNativePG Cluster, Traefik
Middleware) are checked field by field. The policy checks are the reason the
chart exists: no credential in values or manifests, every credential by Secret
reference, and the Secret keys the pods read are the keys the staging and prod
inventories seal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_render import Docs, RenderError, helm_lint, helm_template
from defusedxml import ElementTree

pytestmark = pytest.mark.render

ROOT = Path(__file__).parents[2]
CHART = ROOT / "charts" / "openpanel"
CATALOG = yaml.safe_load((ROOT / "roles" / "components" / "defaults" / "main.yml").read_text())[
    "components_catalog"
]
HOST = "openpanel.internal.example.net"
SECRET_KEYS = {"cookie-secret", "clickhouse-password", "redis-password"}
CUSTOM = {("postgresql.cnpg.io/v1", "Cluster"), ("traefik.io/v1alpha1", "Middleware")}
WORKLOADS = ("api", "dashboard", "worker")


def render(helm: Path, values: dict[str, Any]) -> Docs:
    """Render the chart with the real helm into observability, values on stdin."""
    return helm_template(helm, CHART, "openpanel", "observability", values)


def catalog_values() -> dict[str, Any]:
    """The catalog's values for openpanel with prod's settings in place of the Jinja."""
    return {
        "ingress": {"enabled": True, "className": "traefik", "host": HOST},
        "api": {"replicas": 2},
        "dashboard": {"replicas": 2},
        "database": {"instances": 3, "storage": {"size": "20Gi"}},
        "clickhouse": {"storage": {"size": "20Gi"}},
    }


def find(docs: Docs, kind: str, name: str) -> dict[str, Any]:
    """Return the one manifest of kind and name."""
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: found {len(found)}"
    return found[0]


def pods(docs: Docs) -> dict[str, dict[str, Any]]:
    """Pod templates of the Deployments and the StatefulSet, by workload name."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]
        for doc in docs
        if doc["kind"] in ("Deployment", "StatefulSet")
    }


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return pod["spec"].get("initContainers", []) + pod["spec"]["containers"]


@pytest.fixture(scope="module")
def docs(helm_binary: Path) -> Docs:
    return render(helm_binary, catalog_values())


def test_every_manifest_is_valid(docs: Docs, validate_manifest: Callable[..., None]) -> None:
    kinds = sorted({doc["kind"] for doc in docs})
    assert kinds == [
        "Cluster",
        "ConfigMap",
        "Deployment",
        "Ingress",
        "Middleware",
        "NetworkPolicy",
        "Service",
        "ServiceAccount",
        "StatefulSet",
    ]
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) not in CUSTOM:
            validate_manifest(doc)
    cluster = find(docs, "Cluster", "openpanel-db")
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["bootstrap"] == {
        "initdb": {"database": "openpanel", "owner": "openpanel"}
    }
    assert cluster["spec"]["storage"] == {"size": "20Gi"}
    middleware = find(docs, "Middleware", "openpanel-strip-api")
    assert middleware["spec"] == {"stripPrefix": {"prefixes": ["/api"]}}


def test_no_credential_is_a_value(docs: Docs) -> None:
    assert "Secret" not in {doc["kind"] for doc in docs}, "the chart must not render a Secret"
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    flat = json.dumps(defaults).lower()
    for word in ('password":', 'secret":', 'token":'):
        assert word not in flat.replace("existingsecret", ""), f"a credential-like value: {word}"
    for name, pod in pods(docs).items():
        for container in containers(pod):
            for env in container.get("env", []):
                sensitive = any(
                    word in env["name"] for word in ("PASSWORD", "SECRET", "DATABASE_URL")
                )
                if sensitive:
                    assert "secretKeyRef" in env.get("valueFrom", {}), (
                        f"{name}/{container['name']}: {env['name']} is not a Secret reference"
                    )


def test_urls_with_passwords_are_assembled_in_the_pod(docs: Docs) -> None:
    """$(VAR) expands only variables defined earlier in the same container."""
    for name, pod in pods(docs).items():
        for container in containers(pod):
            defined: list[str] = []
            for env in container.get("env", []):
                for ref in ("OPENPANEL_CLICKHOUSE_PASSWORD", "OPENPANEL_REDIS_PASSWORD"):
                    if f"$({ref})" in env.get("value", ""):
                        where = f"{name}/{container['name']}"
                        assert ref in defined, f"{where}: {env['name']} comes before {ref}"
                defined.append(env["name"])
    api = {env["name"]: env for env in pods(docs)["openpanel-api"]["spec"]["containers"][0]["env"]}
    assert api["CLICKHOUSE_URL"]["value"] == (
        "http://openpanel:$(OPENPANEL_CLICKHOUSE_PASSWORD)@openpanel-clickhouse:8123/openpanel"
    )
    assert api["REDIS_URL"]["value"] == (
        "redis://:$(OPENPANEL_REDIS_PASSWORD)@valkey.data.svc.cluster.local:6379/0"
    )
    assert api["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "openpanel-db-app",
        "key": "uri",
    }
    assert api["API_URL"]["value"] == f"https://{HOST}/api"
    assert api["DASHBOARD_URL"]["value"] == f"https://{HOST}"


def test_secret_keys_are_the_sealed_keys(docs: Docs) -> None:
    """The pods read exactly the keys that staging's and prod's sealing declarations seal."""
    read = {
        env["valueFrom"]["secretKeyRef"]["key"]
        for pod in pods(docs).values()
        for container in containers(pod)
        for env in container.get("env", [])
        if env.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "openpanel"
    }
    assert read == SECRET_KEYS
    # The object store's credentials join them when backups are on (test_backups.py).
    assert CATALOG["openpanel"]["secrets"] == "{{ ['openpanel'] + components_db_backup_secrets }}"
    for env in ("staging", "prod"):
        path = ROOT / "inventories" / env / "group_vars" / "all" / "sealing.yml"
        entries = yaml.safe_load(path.read_text())["slipway_sealing_secrets"]
        entry = next(item for item in entries if item["name"] == "openpanel")
        assert entry["namespace"] == CATALOG["openpanel"]["namespace"]
        sealed = {item["key"] for item in entry.get("generate", [])} | set(
            entry.get("from_source", [])
        )
        assert sealed == SECRET_KEYS, f"{path}: seals {sorted(sealed)}"


def test_hardening(docs: Docs) -> None:
    for name, pod in pods(docs).items():
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in containers(pod):
            where = f"{name}/{container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            assert context.get("privileged") is False, where
            resources = container["resources"]
            assert resources["requests"]["cpu"] and resources["requests"]["memory"], where
            assert resources["limits"]["memory"], where
            image = container["image"]
            assert ":latest" not in image and (":" in image or "@sha256:" in image), where
        for container in spec["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert container.get(probe), f"{name}/{container['name']}: no {probe}"
    clickhouse = pods(docs)["openpanel-clickhouse"]["spec"]["securityContext"]
    assert clickhouse["runAsNonRoot"] is True
    assert clickhouse["runAsUser"] == 101
    assert find(docs, "ServiceAccount", "openpanel-app")["automountServiceAccountToken"] is False


def test_clickhouse_users_keep_the_password_out_of_the_config(docs: Docs) -> None:
    config = find(docs, "ConfigMap", "openpanel-clickhouse")["data"]
    ElementTree.fromstring(config["slipway-server.xml"])
    users = ElementTree.fromstring(config["slipway-users.xml"]).find("users")
    assert users is not None
    default = users.find("default")
    assert default is not None
    assert [ip.text for ip in default.iter("ip")] == ["::1", "127.0.0.1"]
    openpanel = users.find("openpanel")
    assert openpanel is not None
    password = openpanel.find("password")
    assert password is not None
    assert password.attrib == {"from_env": "OPENPANEL_CLICKHOUSE_PASSWORD"}
    assert not (password.text or "").strip()
    statefulset = pods(docs)["openpanel-clickhouse"]["spec"]["containers"][0]
    env = {item["name"]: item for item in statefulset["env"]}
    assert env["OPENPANEL_CLICKHOUSE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "openpanel",
        "key": "clickhouse-password",
    }
    assert env["CLICKHOUSE_SKIP_USER_SETUP"]["value"] == "1"


def test_services_and_the_network_policy_select_the_pods(docs: Docs) -> None:
    labels = {name: pod["metadata"]["labels"] for name, pod in pods(docs).items()}
    for name, pod_labels in labels.items():
        selector = find(docs, "Service", name)["spec"]["selector"]
        assert selector.items() <= pod_labels.items(), name
    policy = find(docs, "NetworkPolicy", "openpanel-clickhouse")["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= labels["openpanel-clickhouse"].items()
    allowed = [rule["podSelector"]["matchLabels"] for rule in policy["ingress"][0]["from"]]
    assert len(allowed) == len(WORKLOADS)
    for workload in WORKLOADS:
        assert any(match.items() <= labels[f"openpanel-{workload}"].items() for match in allowed)
    assert not any(match.items() <= labels["openpanel-clickhouse"].items() for match in allowed)


def test_ingress_routes_api_and_dashboard(docs: Docs) -> None:
    api = find(docs, "Ingress", "openpanel-api")
    middlewares = api["metadata"]["annotations"]["traefik.ingress.kubernetes.io/router.middlewares"]
    assert middlewares == "observability-openpanel-strip-api@kubernetescrd"
    assert len(api["metadata"]["annotations"]) == 1
    rule = api["spec"]["rules"][0]
    assert rule["host"] == HOST
    assert rule["http"]["paths"][0]["path"] == "/api"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "openpanel-api"
    dashboard = find(docs, "Ingress", "openpanel-dashboard")["spec"]["rules"][0]
    assert dashboard["http"]["paths"][0]["backend"]["service"]["name"] == "openpanel-dashboard"


def test_tls_on_both_and_the_allowlist_on_the_dashboard_only(helm_binary: Path) -> None:
    values = catalog_values()
    allowlist = "observability-admin-allowlist@kubernetescrd"
    values["ingress"] |= {
        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-dns"},
        "dashboardAnnotations": {"traefik.ingress.kubernetes.io/router.middlewares": allowlist},
        "tls": True,
    }
    docs = render(helm_binary, values)
    api = find(docs, "Ingress", "openpanel-api")
    dashboard = find(docs, "Ingress", "openpanel-dashboard")
    assert api["metadata"]["annotations"] == {
        "traefik.ingress.kubernetes.io/router.middlewares": (
            "observability-openpanel-strip-api@kubernetescrd"
        ),
        "cert-manager.io/cluster-issuer": "letsencrypt-dns",
    }
    assert dashboard["metadata"]["annotations"] == {
        "traefik.ingress.kubernetes.io/router.middlewares": allowlist,
        "cert-manager.io/cluster-issuer": "letsencrypt-dns",
    }
    # One certificate Secret per Ingress: cert-manager's ingress-shim owns a
    # Certificate by the Ingress that asks for it.
    assert api["spec"]["tls"] == [{"hosts": [HOST], "secretName": "openpanel-api-tls"}]
    assert dashboard["spec"]["tls"] == [{"hosts": [HOST], "secretName": "openpanel-dashboard-tls"}]


def test_other_ingress_classes_get_no_traefik_middleware(helm_binary: Path) -> None:
    values = catalog_values()
    values["ingress"] = {"enabled": True, "className": "nginx", "host": HOST}
    docs = render(helm_binary, values)
    assert "Middleware" not in {doc["kind"] for doc in docs}
    assert "annotations" not in find(docs, "Ingress", "openpanel-api")["metadata"]


def test_without_ingress_the_url_comes_from_external_url(helm_binary: Path) -> None:
    values = catalog_values()
    values["ingress"] = {"enabled": False}
    values["externalUrl"] = "https://analytics.example.com/"
    docs = render(helm_binary, values)
    assert not {"Ingress", "Middleware"} & {doc["kind"] for doc in docs}
    env = {
        item["name"]: item
        for item in pods(docs)["openpanel-worker"]["spec"]["containers"][0]["env"]
    }
    assert env["API_URL"]["value"] == "https://analytics.example.com/api"


def test_digest_pins_win_over_tags(helm_binary: Path) -> None:
    digest = "sha256:" + "b" * 64
    values = catalog_values()
    values["images"] = {"api": {"repository": "lindesvard/openpanel-api", "digest": digest}}
    api = pods(render(helm_binary, values))["openpanel-api"]["spec"]
    assert api["containers"][0]["image"] == f"lindesvard/openpanel-api@{digest}"
    assert api["initContainers"][0]["image"] == f"lindesvard/openpanel-api@{digest}"


def test_smoke_checks_name_rendered_objects(docs: Docs) -> None:
    smoke = CATALOG["openpanel"]["smoke"]
    for target in smoke["rollout"] + [smoke["exec"]["target"]]:
        kind, name = target.split("/")
        find(docs, {"deployment": "Deployment", "statefulset": "StatefulSet"}[kind], name)
    for wait in smoke["wait"]:
        find(docs, "Cluster", wait["resource"].split("/")[1])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ingress": {"enabled": True, "host": ""}}, "ingress.host is required"),
        ({"api": {"replicas": 0}}, "/api/replicas"),
        ({"redis": {"port": "6379"}}, "/redis/port"),
        ({"images": {"worker": {"repository": "x", "digest": "latest"}}}, "/images/worker/digest"),
        ({"existingSecret": "Not_A_Name"}, "/existingSecret"),
        ({"clickhouse": {"user": "bad-user"}}, "/clickhouse/user"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_values_name_the_field(helm_binary: Path, values: dict[str, Any], message: str) -> None:
    merged = catalog_values()
    for key, value in values.items():
        merged[key] = {**merged[key], **value} if isinstance(merged.get(key), dict) else value
    with pytest.raises(RenderError, match=message.replace("/", "/")):
        render(helm_binary, merged)


def test_helm_lint_is_clean(helm_binary: Path) -> None:
    proc = helm_lint(helm_binary, CHART, f"ingress.host={HOST}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout
    assert "[ERROR]" not in proc.stdout and "[WARNING]" not in proc.stdout
