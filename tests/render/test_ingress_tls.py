"""TLS and the admin allowlist on every Ingress the plan renders, with the real charts.

The catalog charts that render an Ingress (vault, headlamp, kubero, signoz),
cert-manager (whose CRDs the plan checks the ClusterIssuers against) and the
OpenTelemetry collector (whose RBAC is checked at the end) are packaged
from their upstream snapshots by scripts/airgap-charts; every other catalog chart is
the stand-in. The real plan path then runs for each environment, kubero switched on
by an override file (it is off in the catalog), and every rendered Ingress is read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

pytestmark = [pytest.mark.render, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
MIRRORS = Path(os.environ.get("SLIPWAY_UPSTREAM_MIRRORS") or "/work/.mirror")
REAL = ("cert-manager", "vault", "headlamp", "kubero", "signoz", "otel-collector")
ISSUER = {
    "dev": "selfsigned-ca",
    "ci": "selfsigned-ca",
    "test": "selfsigned-ca",
    "staging": "letsencrypt-dns",
    "prod": "letsencrypt-dns",
}
# Every Ingress but these serves an admin surface: OpenPanel's collection API is public.
PUBLIC_INGRESSES = {"openpanel-api"}
ADMIN_NAMESPACES = {"platform", "kubero", "observability"}
ANNOTATION = "traefik.ingress.kubernetes.io/router.middlewares"

Docs = list[dict[str, Any]]


def main_vars(env: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"inventories/{env}/group_vars/all/main.yml").read_text())


@pytest.fixture(scope="module")
def airgap(stand_in_airgap: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in folder with the real archives of the Ingress charts and cert-manager."""
    missing = [
        name
        for name in (
            "cert-manager+cert-manager",
            "hashicorp+vault-helm",
            "SigNoz+charts",
            "open-telemetry+opentelemetry-helm-charts",
        )
        if not (MIRRORS / name / "repo").is_dir()
    ]
    if missing:
        pytest.skip(f"upstream snapshots missing in {MIRRORS}: {', '.join(missing)}")
    folder = tmp_path_factory.mktemp("airgap-real") / "airgap"
    shutil.copytree(stand_in_airgap, folder)
    only = [arg for name in REAL for arg in ("--only", name)]
    script = ROOT / "scripts" / "airgap-charts"
    helm = ROOT / ".tools" / "bin" / "helm"
    result = subprocess.run(
        [str(script), "--dest", str(folder), "--helm", str(helm), "--mirrors", str(MIRRORS), *only],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture(scope="module")
def plans(airgap: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each environment's plan directory, rendered with kubero on."""
    build = tmp_path_factory.mktemp("build")
    override = build / "override.yml"
    override.write_text("kubero:\n  enabled: true\n")
    dirs = {}
    for env in ISSUER:
        run = run_playbook(
            "phase1_platform.yml",
            "-i",
            f"inventories/{env}",
            "--tags",
            "plan",
            "-e",
            f"components_override_file={override}",
            env={"SLIPWAY_AIRGAP_DIR": str(airgap), "SLIPWAY_BUILD_DIR": str(build)},
        )
        assert run.rc == 0, run.raw[-4000:]
        dirs[env] = build / env / "components"
    return dirs


def manifests(plan_dir: Path) -> dict[str, Docs]:
    """Release name -> its rendered documents."""
    return {
        path.stem: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted((plan_dir / "manifests").glob("*.yaml"))
    }


def ingresses(plan_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """(release, Ingress) for every Ingress of the plan."""
    return [
        (release, doc)
        for release, docs in manifests(plan_dir).items()
        for doc in docs
        if doc["kind"] == "Ingress"
    ]


def namespace_of(plan_dir: Path, release: str) -> str:
    plan = yaml.safe_load((plan_dir / "plan.yml").read_text())
    return next(item["namespace"] for item in plan["releases"] if item["release"] == release)


@pytest.mark.parametrize("env", ["dev", "test", "staging", "prod"])
def test_every_ingress_has_tls_from_the_environment_issuer(
    env: str, plans: dict[str, Path]
) -> None:
    found = ingresses(plans[env])
    releases = {release for release, _ in found}
    # Vault and the observability phase are on in staging and prod only.
    expected = {"headlamp", "kubero"}
    if env in ("staging", "prod"):
        expected |= {"vault", "signoz", "openpanel"}
    assert releases == expected
    for release, ingress in found:
        name = f"{release}: Ingress {ingress['metadata']['name']}"
        annotations = ingress["metadata"].get("annotations") or {}
        assert annotations.get("cert-manager.io/cluster-issuer") == ISSUER[env], name
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        tls = ingress["spec"].get("tls") or []
        assert tls, f"{name} has no tls"
        assert all(item.get("secretName") for item in tls), name
        assert hosts <= {host for item in tls for host in item["hosts"]}, name
    # One Certificate per Ingress: cert-manager's ingress-shim cannot share one.
    secrets = [
        (namespace_of(plans[env], release), item["secretName"])
        for release, ingress in found
        for item in ingress["spec"]["tls"]
    ]
    assert len(secrets) == len(set(secrets)), secrets


@pytest.mark.parametrize("env", ["dev", "test", "staging", "prod"])
def test_every_admin_ingress_carries_the_allowlist(env: str, plans: dict[str, Path]) -> None:
    for release, ingress in ingresses(plans[env]):
        name = ingress["metadata"]["name"]
        middlewares = (ingress["metadata"].get("annotations") or {}).get(ANNOTATION, "")
        namespace = namespace_of(plans[env], release)
        allowlist = f"{namespace}-admin-allowlist@kubernetescrd"
        if name in PUBLIC_INGRESSES:
            assert allowlist not in middlewares.split(","), name
        else:
            assert namespace in ADMIN_NAMESPACES, f"{name} in {namespace}"
            assert allowlist in middlewares.split(","), f"{release}: {name}: {middlewares!r}"


@pytest.mark.parametrize("env", ["dev", "test", "staging", "prod"])
def test_allowlist_middleware_admits_exactly_the_admin_cidrs(
    env: str, plans: dict[str, Path]
) -> None:
    docs = manifests(plans[env])["admin-allowlist"]
    middlewares = {doc["metadata"]["namespace"]: doc for doc in docs if doc["kind"] == "Middleware"}
    assert set(middlewares) == ADMIN_NAMESPACES
    for middleware in middlewares.values():
        assert middleware["apiVersion"] == "traefik.io/v1alpha1"
        assert middleware["metadata"]["name"] == "admin-allowlist"
        assert middleware["spec"] == {
            "ipAllowList": {"sourceRange": main_vars(env)["slipway_admin_cidrs"]}
        }


def test_no_ingress_no_allowlist_in_ci(plans: dict[str, Path]) -> None:
    assert ingresses(plans["ci"]) == []
    assert "admin-allowlist" not in manifests(plans["ci"])


def crd_schema(plan_dir: Path, plural: str) -> dict[str, Any]:
    """The v1 schema of a cert-manager CRD, as the real chart renders it in the plan."""
    for doc in manifests(plan_dir)["cert-manager"]:
        if doc["kind"] == "CustomResourceDefinition" and doc["spec"]["names"]["plural"] == plural:
            [version] = [v for v in doc["spec"]["versions"] if v["name"] == "v1"]
            return version["schema"]["openAPIV3Schema"]
    raise AssertionError(f"cert-manager renders no CRD {plural}")


def assert_fields_known(value: Any, schema: dict[str, Any], where: str) -> None:
    """Every key of value is a property the schema declares, recursively."""
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            assert key in schema["properties"], f"{where}.{key} is not a field of the CRD"
            assert_fields_known(item, schema["properties"][key], f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            assert_fields_known(item, schema["items"], f"{where}[{index}]")


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_acme_cluster_issuer_uses_dns01_through_cloudflare(
    env: str, plans: dict[str, Path]
) -> None:
    docs = manifests(plans[env])["cluster-issuers"]
    [issuer] = [doc for doc in docs if doc["metadata"]["name"] == "letsencrypt-dns"]
    assert (issuer["apiVersion"], issuer["kind"]) == ("cert-manager.io/v1", "ClusterIssuer")
    acme = issuer["spec"]["acme"]
    assert acme["privateKeySecretRef"] == {"name": "letsencrypt-dns-account"}
    assert acme["email"] == "platform@example.com"
    expected = "acme-staging-v02" if env == "staging" else "acme-v02"
    assert acme["server"] == f"https://{expected}.api.letsencrypt.org/directory"
    assert acme["solvers"] == [
        {
            "dns01": {
                "cloudflare": {
                    "apiTokenSecretRef": {"name": "cloudflare-api-token", "key": "api-token"}
                }
            }
        }
    ]
    schema = crd_schema(plans[env], "clusterissuers")
    assert_fields_known(issuer, schema, "ClusterIssuer")


@pytest.mark.parametrize("env", sorted(ISSUER))
def test_self_signed_ca_issuer_chain(env: str, plans: dict[str, Path]) -> None:
    """The internal CA exists everywhere (Vault's listener); dev, ci and test's Ingresses use it."""
    docs = manifests(plans[env])["cluster-issuers"]
    by_name = {
        (doc["kind"], doc["metadata"]["name"]): doc
        for doc in docs
        if doc["metadata"]["name"] != ISSUER[env] or ISSUER[env] == "selfsigned-ca"
    }
    assert set(by_name) == {
        ("ClusterIssuer", "selfsigned-root"),
        ("Certificate", "selfsigned-ca"),
        ("ClusterIssuer", "selfsigned-ca"),
    }
    assert by_name["ClusterIssuer", "selfsigned-root"]["spec"] == {"selfSigned": {}}
    certificate = by_name["Certificate", "selfsigned-ca"]
    assert certificate["metadata"]["namespace"] == "cert-manager"
    assert certificate["spec"]["isCA"] is True
    assert certificate["spec"]["issuerRef"] == {
        "group": "cert-manager.io",
        "kind": "ClusterIssuer",
        "name": "selfsigned-root",
    }
    ca = by_name["ClusterIssuer", "selfsigned-ca"]["spec"]
    assert ca == {"ca": {"secretName": certificate["spec"]["secretName"]}}
    for (kind, name), doc in by_name.items():
        plural = "certificates" if kind == "Certificate" else "clusterissuers"
        assert_fields_known(doc, crd_schema(plans[env], plural), f"{kind}/{name}")


def staging_plan(extra: str, tmp_path: Path) -> PlaybookRun:
    """Staging's plan, offline and without an air-gap folder, with extra variables."""
    return run_playbook(
        "phase1_platform.yml",
        "-i",
        "inventories/staging",
        "--tags",
        "plan",
        "-e",
        extra,
        env={"SLIPWAY_AIRGAP_DIR": "", "SLIPWAY_BUILD_DIR": str(tmp_path)},
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('{"slipway_admin_cidrs": []}', "slipway_admin_cidrs: must be a non-empty list of CIDRs"),
        (
            '{"slipway_admin_cidrs": ["10.0.0.1"]}',
            "slipway_admin_cidrs[0]: '10.0.0.1' is not a CIDR",
        ),
        (
            '{"slipway_admin_cidrs": ["198.51.100.0/24", "0.0.0.0/0"]}',
            "slipway_admin_cidrs[1]: 0.0.0.0/0 admits every address to the admin surfaces",
        ),
        (
            '{"slipway_tls_issuer": "letsencrypt"}',
            "slipway_tls_issuer: 'letsencrypt' must be one of",
        ),
    ],
)
def test_bad_setting_fails_the_plan_naming_it(extra: str, message: str, tmp_path: Path) -> None:
    run = staging_plan(extra, tmp_path)
    assert run.rc != 0
    assert message in run.output, run.raw[-3000:]


def test_open_to_all_needs_a_reason(tmp_path: Path) -> None:
    run = staging_plan(
        '{"slipway_admin_cidrs": ["0.0.0.0/0"], '
        '"slipway_admin_open_to_all_reason": "a lab behind its own firewall"}',
        tmp_path,
    )
    assert run.rc == 0, run.raw[-3000:]
    assert (
        "host secrets.internal-staging.example.com/: admin-only (0.0.0.0/0) [vault]" in run.output
    )


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_vault_listens_with_tls_from_the_internal_ca(env: str, plans: dict[str, Path]) -> None:
    """No tls_disable: Vault's listener has a certificate, Traefik checks it, the CLI trusts it."""
    docs = manifests(plans[env])
    [config_map] = [doc for doc in docs["vault"] if doc["kind"] == "ConfigMap"]
    config = next(iter(config_map["data"].values()))
    assert "tls_disable" not in config
    assert 'tls_cert_file   = "/vault/userconfig/vault-server-tls/tls.crt"' in config
    [server] = [doc for doc in docs["vault"] if doc["kind"] == "StatefulSet"]
    pod = server["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["userconfig-vault-server-tls"]["secret"]["secretName"] == "vault-server-tls"
    env_vars = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert env_vars["VAULT_ADDR"] == "https://127.0.0.1:8200"
    assert env_vars["VAULT_CACERT"] == "/vault/userconfig/vault-server-tls/ca.crt"
    probe = pod["containers"][0]["readinessProbe"]["httpGet"]
    assert probe["scheme"] == "HTTPS"
    # The Service the Ingress points at (vault, or vault-active in HA) is reached by HTTPS
    # through the ServersTransport that trusts the internal CA.
    [ingress] = [doc for doc in docs["vault"] if doc["kind"] == "Ingress"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    [service] = [
        doc
        for doc in docs["vault"]
        if doc["kind"] == "Service" and doc["metadata"]["name"] == backend
    ]
    annotations = service["metadata"]["annotations"]
    assert annotations["traefik.ingress.kubernetes.io/service.serversscheme"] == "https"
    assert (
        annotations["traefik.ingress.kubernetes.io/service.serverstransport"]
        == "platform-vault@kubernetescrd"
    )
    by_kind = {doc["kind"]: doc for doc in docs["vault-tls"]}
    certificate = by_kind["Certificate"]
    assert certificate["metadata"]["namespace"] == "platform"
    assert certificate["spec"]["secretName"] == "vault-server-tls"
    assert certificate["spec"]["issuerRef"]["name"] == "selfsigned-ca"
    assert {"vault.platform.svc", "vault-active.platform.svc", "*.vault-internal"} <= set(
        certificate["spec"]["dnsNames"]
    )
    assert certificate["spec"]["ipAddresses"] == ["127.0.0.1"]
    assert_fields_known(certificate, crd_schema(plans[env], "certificates"), "Certificate")
    transport = by_kind["ServersTransport"]
    assert transport["metadata"]["name"] == "vault"
    assert transport["spec"]["rootCAs"] == [{"secret": "vault-server-tls"}]
    assert transport["spec"]["serverName"] == "vault.platform.svc"


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_collectors_read_only_what_they_need(env: str, plans: dict[str, Path]) -> None:
    """The node agent and the gateway: read-only RBAC, never Secrets, and their pipelines."""
    docs = manifests(plans[env])
    wanted = {
        "otel-agent": {"hostmetrics", "kubeletstats", "file_log"},
        "otel-collector": {"k8s_cluster", "k8sobjects", "prometheus"},
    }
    configs: dict[str, Any] = {}
    for release, receivers in wanted.items():
        [role] = [doc for doc in docs[release] if doc["kind"] == "ClusterRole"]
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= {"get", "list", "watch"}, (release, rule)
            assert "secrets" not in rule["resources"], (release, rule)
        [config_map] = [doc for doc in docs[release] if doc["kind"] == "ConfigMap"]
        config = configs[release] = yaml.safe_load(config_map["data"]["relay"])
        pipelines = config["service"]["pipelines"]
        used = {name for pipeline in pipelines.values() for name in pipeline["receivers"]}
        assert receivers <= used, (release, used)
        for pipeline in pipelines.values():
            assert pipeline["exporters"] == ["otlp"]
        assert (
            config["exporters"]["otlp"]["endpoint"]
            == "signoz-otel-collector.observability.svc:4317"
        )
    [agent] = [doc for doc in docs["otel-agent"] if doc["kind"] == "DaemonSet"]
    assert agent["metadata"]["namespace"] == "telemetry"
    assert "k8s_attributes" in configs["otel-agent"]["service"]["pipelines"]["logs"]["processors"]
    [gateway] = [doc for doc in docs["otel-collector"] if doc["kind"] == "Deployment"]
    # One replica: more would need leader election and a Lease the gateway may write.
    assert gateway["spec"]["replicas"] == 1
