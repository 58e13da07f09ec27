"""The catalog against facts of the real upstream charts it pins.

Each test stands for a defect the real charts exposed (the chart sources are not
needed here: the facts are written down, with where they come from, in
docs/components.md). Only the committed YAML is read, so these run anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[4]
DEFAULTS_FILE = ROOT / "roles" / "components" / "defaults" / "main.yml"
CATALOG: dict[str, dict[str, Any]] = yaml.safe_load(DEFAULTS_FILE.read_text())["components_catalog"]
# Published default passwords of charts the catalog pins: SigNoz's clickhouse.password
# (charts/signoz/values.yaml of SigNoz/charts at tag signoz-0.113.0).
KNOWN_CHART_DEFAULT_PASSWORDS = ("27ff0399-0d3a-4bd8-919d-17c2181e6fb9",)
# Labels every pod of a release carries: a selector of only these waits on all of them
# (finished Job pods included, which never become Ready).
RELEASE_WIDE_LABELS = {"app.kubernetes.io/instance", "app.kubernetes.io/name"}
PRODUCTION_LIKE = ("staging", "prod")


def _sealing_declarations(env: str) -> dict[str, dict[str, Any]]:
    """Return env's slipway_sealing_secrets by ``<namespace>/<name>``."""
    path = ROOT / "inventories" / env / "group_vars" / "all" / "sealing.yml"
    entries = yaml.safe_load(path.read_text())["slipway_sealing_secrets"]
    return {f"{entry['namespace']}/{entry['name']}": entry for entry in entries}


def test_ha_vault_registers_with_kubernetes() -> None:
    """The chart's ingress targets Service vault-active in HA; only registration labels the pod."""
    server = CATALOG["vault"]["values"]["server"]
    assert 'service_registration "kubernetes" {}' in server["ha"]["config"]
    # Standalone has no discovery Role in the chart: registration would be refused.
    assert "service_registration" not in server["standalone"]["config"]


def test_vault_smoke_does_not_roll_out_an_on_delete_statefulset() -> None:
    """vault-helm's StatefulSet uses updateStrategy OnDelete: rollout status refuses it."""
    smoke = CATALOG["vault"]["smoke"]
    assert not [item for item in smoke.get("rollout", []) if item.startswith("statefulset/")]
    [wait] = smoke["wait"]
    assert "component=server" in wait["selector"].split(",")


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_no_smoke_check_waits_on_release_wide_pods(name: str) -> None:
    for item in CATALOG[name].get("smoke", {}).get("wait", []):
        if item["resource"] not in ("pod", "pods"):
            continue
        keys = {part.split("=")[0].split("!")[0] for part in item.get("selector", "").split(",")}
        assert keys - RELEASE_WIDE_LABELS, f"{name}: {item} selects every pod of the release"


@pytest.mark.parametrize(
    "name", sorted(name for name, entry in CATALOG.items() if entry["chart"] == "cluster")
)
def test_cloudnative_pg_clusters_render_a_postgresql_object(name: str) -> None:
    """The cluster chart renders spec.postgresql: null, refused by the CRD, when this is empty."""
    cluster = CATALOG[name]["values"]["cluster"]
    assert any(cluster.get("postgresql", {}).values()), name
    # The chart defaults to true; nothing of Slipway logs in as postgres.
    assert cluster["enableSuperuserAccess"] is False


def test_clickhouse_operator_runs_no_crd_hook_job() -> None:
    """The chart ships crds/; its hook Job (bitnami/kubectl:latest) hangs air-gapped installs."""
    assert CATALOG["clickhouse-operator"]["values"]["crdHook"]["enabled"] is False


def test_signoz_uses_the_phase_two_operator_and_a_sealed_password() -> None:
    signoz = CATALOG["signoz"]
    # The bundled ClickHouse brings a second operator and the published password.
    assert signoz["values"]["clickhouse"] == {"enabled": False}
    external = signoz["values"]["externalClickhouse"]
    assert external["existingSecret"] in signoz["secrets"]
    assert "password" not in external
    store = CATALOG["signoz-clickhouse"]
    assert "signoz-clickhouse" in signoz["depends_on"]
    assert "clickhouse-operator" in store["depends_on"]
    assert external["existingSecret"] in store["secrets"]
    assert store["values"]["allowedNetworks"] == ["{{ slipway_k3s_cluster_cidr }}"]


@pytest.mark.parametrize(
    "path",
    [DEFAULTS_FILE, *sorted((ROOT / "inventories").glob("*/group_vars/all/*.yml"))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_known_chart_default_password(path: Path) -> None:
    text = path.read_text()
    for password in KNOWN_CHART_DEFAULT_PASSWORDS:
        assert password not in text


@pytest.mark.parametrize("env", PRODUCTION_LIKE)
def test_production_like_inventories_declare_every_catalog_secret(env: str) -> None:
    """Every Secret a catalog entry needs is declared, in the entry's namespace."""
    declared = _sealing_declarations(env)
    needed = {
        f"{entry['namespace']}/{secret}"
        for entry in CATALOG.values()
        if entry.get("enabled", True) is not False
        # A templated list (cluster-issuers: the Cloudflare token with letsencrypt-dns
        # only) is checked by the plan itself (tests/render/test_plan_inventories.py).
        if not isinstance(entry.get("secrets", []), str)
        for secret in entry.get("secrets", [])
    }
    assert needed - set(declared) == set()


@pytest.mark.parametrize("env", PRODUCTION_LIKE)
def test_new_declarations_follow_the_consumers(env: str) -> None:
    declared = _sealing_declarations(env)
    business = declared["data/business-db-app"]
    assert business["type"] == "kubernetes.io/basic-auth"
    assert business["literal"] == {"username": "app"}
    # Valkey's default password is also openpanel's redis-password: one source for both.
    assert declared["data/valkey-users"]["from_source"] == ["default"]
    assert "redis-password" in declared["observability/openpanel"]["from_source"]
