"""The data phase's database charts rendered with the real helm, as the catalog deploys them.

charts/clickhouse serves both SigNoz's telemetry store (with a Keeper) and the
apps' ClickHouse (without); charts/arangodb an ArangoDeployment, single server or
cluster. Built-in manifests are validated strictly against the Kubernetes schemas;
the custom resources field by field. The ClickHouseInstallation is also applied to
the real API server with the operator's real CRD in make test-real. The
ArangoDeployment CRD accepts any field (x-kubernetes-preserve-unknown-fields), so
its fields are held here to the names kube-arangodb 1.4.4 reads
(pkg/apis/deployment/v1: deployment_spec.go, server_group_spec.go, bootstrap.go).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from chart_render import Docs, RenderError, helm_lint, helm_template

pytestmark = pytest.mark.render

ROOT = Path(__file__).parents[2]
CATALOG = yaml.safe_load((ROOT / "roles" / "components" / "defaults" / "main.yml").read_text())[
    "components_catalog"
]
CIDR = "10.42.0.0/16"
# The ArangoDeployment fields the chart may set, by the operator's json names.
ARANGO_SPEC = {
    "mode",
    "environment",
    "image",
    "imagePullPolicy",
    "externalAccess",
    "bootstrap",
    "single",
    "agents",
    "dbservers",
    "coordinators",
}
ARANGO_GROUP = {"count", "resources", "volumeClaimTemplate"}


def kinds(docs: Docs) -> dict[str, dict[str, Any]]:
    """Return the rendered documents by kind (one of each here)."""
    return {doc["kind"]: doc for doc in docs}


def allowed_namespaces(policy: dict[str, Any]) -> list[str]:
    """Return the namespaces a NetworkPolicy admits."""
    [rule] = policy["spec"]["ingress"]
    [source] = rule["from"]
    [expression] = source["namespaceSelector"]["matchExpressions"]
    assert (expression["key"], expression["operator"]) == ("kubernetes.io/metadata.name", "In")
    return list(expression["values"])


def clickhouse(helm: Path, release: str, namespace: str, **values: Any) -> Docs:
    """Render charts/clickhouse with the required values and the given ones."""
    settings = {"allowedNetworks": [CIDR], "allowedNamespaces": ["apps"], **values}
    return helm_template(helm, ROOT / "charts" / "clickhouse", release, namespace, settings)


def test_the_apps_clickhouse_has_no_keeper_and_admits_only_its_users(helm_binary: Path) -> None:
    entry = CATALOG["clickhouse"]
    assert (entry["phase"], entry["namespace"], entry["path"]) == (2, "data", "charts/clickhouse")
    assert entry["values"]["allowedNamespaces"] == ["apps"]
    docs = kinds(clickhouse(helm_binary, "clickhouse", "data", user="app"))
    assert set(docs) == {"ClickHouseInstallation", "NetworkPolicy"}
    installation = docs["ClickHouseInstallation"]["spec"]
    assert "zookeeper" not in installation["configuration"]
    users = installation["configuration"]["users"]
    assert users["app/password"] == {
        "valueFrom": {"secretKeyRef": {"name": "clickhouse-app", "key": "password"}}
    }
    assert users["app/networks/ip"] == [CIDR]
    policy = docs["NetworkPolicy"]
    kubernetes_validate.validate(policy, "1.34", strict=True)
    assert policy["spec"]["podSelector"]["matchExpressions"] == [
        {"key": "clickhouse.altinity.com/chi", "operator": "In", "values": ["clickhouse"]}
    ]
    assert allowed_namespaces(policy) == ["data", "apps"]


def test_signoz_clickhouse_keeps_its_keeper_user_and_secret(helm_binary: Path) -> None:
    values = CATALOG["signoz-clickhouse"]["values"]
    assert values["keeper"] == {"enabled": True}
    docs = kinds(
        clickhouse(
            helm_binary,
            "signoz-clickhouse",
            "observability",
            user=values["user"],
            passwordSecret=values["passwordSecret"],
            allowedNamespaces=values["allowedNamespaces"],
            keeper=values["keeper"],
        )
    )
    assert set(docs) == {"ClickHouseInstallation", "ClickHouseKeeperInstallation", "NetworkPolicy"}
    configuration = docs["ClickHouseInstallation"]["spec"]["configuration"]
    assert configuration["zookeeper"]["nodes"] == [
        {"host": "keeper-signoz-clickhouse", "port": 2181}
    ]
    assert configuration["users"]["signoz/password"]["valueFrom"]["secretKeyRef"] == {
        "name": "signoz-clickhouse",
        "key": "password",
    }
    # SigNoz shares the namespace; the operator queries the server from data.
    assert allowed_namespaces(docs["NetworkPolicy"]) == ["observability", "data"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"allowedNetworks": []}, "allowedNetworks: name the networks the clients connect from"),
        ({"allowedNamespaces": []}, "allowedNamespaces: name the namespaces whose pods use"),
    ],
)
def test_clickhouse_refuses_to_be_open_to_all(
    helm_binary: Path, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(RenderError, match=message):
        clickhouse(helm_binary, "clickhouse", "data", **values)


def arangodb(helm: Path, **values: Any) -> Docs:
    """Render charts/arangodb as the catalog's arangodb release with the given values."""
    settings = {
        "rootPasswordSecretName": "arangodb-root",
        "allowedNamespaces": ["apps"],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        **values,
    }
    return helm_template(helm, ROOT / "charts" / "arangodb", "arangodb", "data", settings)


@pytest.mark.parametrize(
    ("mode", "groups"),
    [("Single", {"single"}), ("Cluster", {"agents", "dbservers", "coordinators"})],
)
def test_arangodb_is_internal_with_its_root_password_from_a_secret(
    helm_binary: Path, mode: str, groups: set[str]
) -> None:
    docs = kinds(arangodb(helm_binary, mode=mode))
    assert set(docs) == {"ArangoDeployment", "NetworkPolicy"}
    deployment = docs["ArangoDeployment"]
    assert deployment["apiVersion"] == "database.arangodb.com/v1"
    spec = deployment["spec"]
    assert set(spec) <= ARANGO_SPEC, sorted(set(spec) - ARANGO_SPEC)
    assert set(spec) & {"single", "agents", "dbservers", "coordinators"} == groups
    for group in groups:
        assert set(spec[group]) <= ARANGO_GROUP, (group, sorted(set(spec[group]) - ARANGO_GROUP))
        assert spec[group]["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert spec["mode"] == mode
    # The operator's default is Auto: a LoadBalancer, or a NodePort, open to the internet.
    assert spec["externalAccess"] == {"type": "None"}
    assert spec["bootstrap"] == {"passwordSecretNames": {"root": "arangodb-root"}}
    assert spec["image"] == "arangodb/arangodb:3.12.2"
    policy = docs["NetworkPolicy"]
    kubernetes_validate.validate(policy, "1.34", strict=True)
    assert policy["spec"]["podSelector"] == {"matchLabels": {"arango_deployment": "arangodb"}}
    assert allowed_namespaces(policy) == ["data", "apps"]


def test_the_catalog_runs_a_cluster_only_on_the_large_profile() -> None:
    entry = CATALOG["arangodb"]
    assert (
        entry["values"]["mode"]
        == "{{ 'Cluster' if components_resource_profile == 'large' else 'Single' }}"
    )
    assert entry["values"]["rootPasswordSecretName"] == "arangodb-root"
    assert entry["secrets"] == ["arangodb-root"]
    assert entry["depends_on"] == ["kube-arangodb", "sealed-secrets"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mode": "ActiveFailover"}, 'mode: "ActiveFailover" is not Single or Cluster'),
        ({"rootPasswordSecretName": ""}, "rootPasswordSecretName: name the Secret"),
        ({"allowedNamespaces": []}, "allowedNamespaces: name the namespaces whose pods use"),
    ],
)
def test_arangodb_refuses_bad_values_naming_them(
    helm_binary: Path, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(RenderError, match=message):
        arangodb(helm_binary, **values)


@pytest.mark.parametrize("chart", ["clickhouse", "arangodb"])
def test_helm_lint_is_clean(helm_binary: Path, chart: str) -> None:
    sets = (
        ("allowedNetworks={10.42.0.0/16}", "allowedNamespaces={apps}")
        if chart == "clickhouse"
        else ("rootPasswordSecretName=arangodb-root", "allowedNamespaces={apps}")
    )
    proc = helm_lint(helm_binary, ROOT / "charts" / chart, *sets)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[ERROR]" not in proc.stdout and "[WARNING]" not in proc.stdout
