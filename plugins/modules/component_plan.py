#!/usr/bin/python
# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: component_plan
short_description: Plan the platform components of one environment offline
description:
  - Deep-merges the catalog layers (collection defaults < environment < operator override),
    validates every entry, orders the enabled releases (phase, then dependencies on other
    components and on CRDs from operators) and writes the plan to O(dest).
  - Files written are C(plan.yml) (the ordered summary), C(namespaces.yaml) (the labelled
    namespaces), C(values/<release>.yaml) and, for each release whose chart is at hand (its
    archive in O(chart_dir), or a chart directory in the collection given by catalog C(path)),
    C(manifests/<release>.yaml) rendered with C(helm template). The data of any Secret a
    chart generates is redacted in the manifests (keys kept, values replaced).
  - A catalog C(path) names a chart directory relative to O(collection_dir). It is installed
    from that directory, in air-gap mode too (it has no archive). The directory must hold a
    C(Chart.yaml) whose C(name) and C(version) are the entry's C(chart) and C(version).
  - Runs without a cluster. Unchanged input leaves every file untouched and reports no change;
    files of releases no longer planned are removed.
  - Values that look like credentials in plain text (a C(password), C(token), C(cookieSecret) ...
    key with a literal value) are refused; reference an existing Secret by name instead.
  - With O(sealed_secrets_dir), every Secret an enabled component needs (catalog C(secrets)) is
    looked up among the SealedSecrets committed there (C(*.yml) and C(*.yaml), as phase 0 applies
    them). Each one missing is a warning naming the component, the Secret and the fix, and is listed
    in C(plan.yml); with O(require_sealed_secrets) the module fails instead, after writing the plan.
    A file there that is not YAML or not a SealedSecret fails the module, naming the file.
  - After rendering, every custom resource of every rendered release is validated against the
    CustomResourceDefinitions rendered in the same plan, as the API server's strict field
    validation would (types, null where not C(nullable), required fields, enum, pattern, simple
    bounds, unknown fields; C(x-kubernetes-*) extensions honoured; CEL rules and C(format) not
    checked). A custom resource whose CRD the plan does not render is listed in RV(not_checked).
  - Every values key a rendered release sets must be declared by its chart (C(values.yaml), under
    a map it defaults to C({}) or null, C(values.schema.json), a subchart's own files, or
    C(global)), unless the catalog entry lists it, or a dotted prefix of it, in C(free_form_values).
  - Findings of both checks are listed in C(plan.yml) and fail the module, all at once and after
    the plan is written, unless O(strict_checks) is false (then each one is a warning).
version_added: 0.1.0
author: Slipway maintainers (@slipway)
extends_documentation_fragment:
  - slipway.platform.helm
  - slipway.platform.attributes
options:
  layers:
    description:
      - Catalog layers, lowest precedence first. Each maps component name to entry.
      - "Mappings merge deeply, lists replace, C({\"+append\": [...]}) appends to a list."
      - Empty when only a release bundle is planned (O(bundle)).
    type: list
    elements: raw
    default: []
  env:
    description: Environment name, written into labels and the summary.
    type: str
    required: true
  namespaces:
    description: "Namespaces to create, name to C({pod_security: baseline|restricted|privileged})."
    type: dict
    default: {}
  exposure:
    description:
      - Every host and path the catalog (and the apps) serve, and who may reach it.
      - The plan lists those of enabled components (an entry without a component is always
        listed, such as an app's front end) with C(public) or C(admin-only) next to each.
      - Empty when the environment has no ingress.
    type: list
    elements: dict
    default: []
  public_hosts:
    description: Hosts of the apps' front ends (release bundles), listed as C(public).
    type: list
    elements: str
    default: []
  admin_cidrs:
    description: The networks the admin-only hosts admit, shown next to each of them.
    type: list
    elements: str
    default: []
  cluster_crds:
    description:
      - CRDs the cluster itself brings (k3s installs Traefik's with its bundled Traefik).
      - A component may list one in C(crds) without a catalog entry providing it; the
        deploy still checks that the cluster has it before helm runs.
    type: list
    elements: str
    default: []
  dest:
    description:
      - Directory that receives the plan (C(build/<env>/components), C(build/<env>/apps)).
      - Empty plans without writing or rendering anything, to resolve names (a rollback).
    type: path
    default: ""
  chart_dir:
    description:
      - Directory of chart archives (the air-gap C(charts/) folder). Empty means charts come
        from their repositories and only C(path) charts (in the collection) are rendered.
    type: path
    default: ""
  collection_dir:
    description:
      - The collection root, against which the C(path) of a catalog entry is resolved.
        Needed only when an enabled component names a chart directory with C(path).
    type: path
    default: ""
  render:
    description:
      - Render manifests with C(helm template) where the chart is at hand, its archive in
        O(chart_dir) or its directory in O(collection_dir).
    type: bool
    default: true
  kube_version:
    description: Kubernetes version C(helm template) renders for.
    type: str
    default: 1.34.0
  sealed_secrets_dir:
    description:
      - The environment's committed SealedSecrets (C(secrets/<env>),
        C(slipway_sealing_secrets_dir)). A directory that does not exist holds none.
        Empty skips the cross-check.
    type: path
    default: ""
  sealing_declarations:
    description:
      - The environment's sealing declarations (C(slipway_sealing_secrets)). Only C(name),
        C(namespace) and C(state) are read, to tell "declare it" from "seal it" in the fix.
    type: list
    elements: raw
    default: []
  sealing_hints:
    description:
      - How the project declares and seals a Secret, for the fix a missing SealedSecret
        names. Without it the fix is generic.
    type: dict
    suboptions:
      seal_command:
        description:
          - "The command that seals the environment's declarations; the fix appends
            C(-e '{\"sealing_secrets_only\": [...]}') to seal only the missing Secret."
        type: str
        default: ""
      declarations:
        description: Where the environment's sealing declarations are kept (a file path).
        type: str
        default: ""
  require_sealed_secrets:
    description:
      - Fail when a needed Secret has no committed SealedSecret, instead of warning.
    type: bool
    default: false
  strict_checks:
    description:
      - Fail on custom resources their CRD refuses and on values keys their chart does not
        declare (RV(crd_findings), RV(values_findings)). False turns each one into a warning.
    type: bool
    default: true
  phases:
    description: Select the releases of these phases (RV(selected)). Empty selects every phase.
    type: list
    elements: int
    default: []
  only:
    description:
      - Select only these components. Each must be in the catalog (enabled or not), or the
        module fails naming the unknown ones and the known ones.
    type: list
    elements: str
    default: []
  exclude:
    description: Leave these components out of the selection; each must be in the catalog.
    type: list
    elements: str
    default: []
  component:
    description:
      - Select exactly this one component, even when disabled in this environment (a rollback
        names it). Not with O(phases), O(only) or O(exclude).
    type: str
    default: ""
  bundle:
    description:
      - A validated release bundle, the result of M(slipway.platform.release_bundle_info)
        (C(release), C(units) with their image C(reference), the normalized C(bundle)).
      - Each unit becomes a release of the collection's app chart (O(apps.chart_path)) named
        after the unit, in O(apps.namespace), after every catalog phase and in bundle order.
        Its values are the resource profile, then the unit's values, then what only the bundle
        decides (C(image), C(release)) and the host the domain rule gives it.
      - The normalized bundle is written to C(bundle.yaml) in O(dest).
    type: dict
  apps:
    description: How this environment deploys the units of O(bundle). Required with it.
    type: dict
    suboptions:
      namespace:
        description: Namespace of every unit.
        type: str
        default: apps
      chart_path:
        description: The app chart's directory, relative to O(collection_dir).
        type: str
        default: charts/app
      resource_profile:
        description: The environment's resource profile, a key of every O(apps.service_classes).
        type: str
        required: true
      service_classes:
        description:
          - The resource policy - service class (such as web, api, worker) to resource profile to
            chart values (requests, limits, autoscaling bounds).
          - Every unit's class needs the values of O(apps.resource_profile).
        type: dict
        required: true
      unit_classes:
        description: Unit name to its service class, a key of O(apps.service_classes).
        type: dict
        default: {}
      default_class:
        description: The service class of a unit O(apps.unit_classes) does not list.
        type: str
        default: web
      unit_values:
        description:
          - Chart values per unit name, over its class. C(image) and C(release) are refused
            (the bundle sets them); credentials in plain text are refused as in catalog values.
        type: dict
        default: {}
      ingress:
        description: Unit name to public host prefix; the domain rule turns it into a host.
        type: dict
        default: {}
      ingress_enabled:
        description: Give the units of O(apps.ingress) an Ingress.
        type: bool
        default: false
      base_domain:
        description: The environment's base domain, for the domain rule.
        type: str
        default: ""
      domain_style:
        description:
          - The environment's domain style (C(env_suffixed), C(bare), C(localhost), C(none)).
        type: str
        default: none
      tls_secrets:
        description: Unit name to the certificate Secret of its Ingress.
        type: dict
        default: {}
      tls_issuer:
        description:
          - The ClusterIssuer each unit's Ingress names (C(cert-manager.io/cluster-issuer));
            its certificate goes to the unit's O(apps.tls_secrets) entry, else to C(<unit>-tls).
          - Empty leaves the Ingresses without that annotation.
        type: str
        default: ""
attributes:
  check_mode:
    support: full
    details: Computes and renders everything, writes nothing.
  diff_mode:
    support: full
    details:
      - One before/after diff per file written or removed (plan summary, namespaces, values,
        manifests). No file holds a credential, so neither does the diff.
requirements:
  - PyYAML
  - helm (only to render manifests)
"""

EXAMPLES = r"""
- name: Plan the components of staging
  slipway.platform.component_plan:
    layers:
      - "{{ components_catalog }}"
      - "{{ slipway_components }}"
    env: staging
    namespaces: {platform: {pod_security: baseline}}
    dest: build/staging/components
    chart_dir: /srv/airgap/charts
    collection_dir: "{{ role_path }}/../.."
    sealed_secrets_dir: secrets/staging
    sealing_declarations: "{{ slipway_sealing_secrets }}"
  register: plan
"""

RETURN = r"""
releases:
  description: Enabled releases in deploy order, with merged values and smoke checks.
  returned: always
  type: list
  elements: dict
selected:
  description:
    - The releases O(phases), O(only), O(exclude) or O(component) select, in deploy order,
      each as in RV(releases). Every release when nothing is selected.
  returned: always
  type: list
  elements: dict
disabled:
  description: Names of the catalog entries disabled in this environment.
  returned: always
  type: list
  elements: str
namespaces:
  description: Namespace objects to create, with Slipway's labels.
  returned: always
  type: list
  elements: dict
written:
  description: Files (relative to O(dest)) written or, in check mode, that would be.
  returned: always
  type: list
  elements: str
removed:
  description: Stale files removed (or that would be) from C(values/) and C(manifests/).
  returned: always
  type: list
  elements: str
rendered:
  description: Releases whose manifests were rendered with helm.
  returned: always
  type: list
  elements: str
not_rendered:
  description:
    - Releases without a chart at hand (no archive in O(chart_dir), not a C(path) chart),
      so without rendered manifests, and every release when O(render) is false.
  returned: always
  type: list
  elements: str
hosts:
  description:
    - The hosts (and paths) enabled components serve, sorted, each C(public) or C(admin-only).
  returned: always
  type: list
  elements: dict
  contains:
    component:
      description: The catalog component, or empty for the apps.
      type: str
    host:
      description: The host name.
      type: str
    path:
      description: The path on that host.
      type: str
    exposure:
      description: C(public) or C(admin-only).
      type: str
table:
  description:
    - The plan as aligned text lines (order, phase, namespace, release, chart, after).
    - One line per exposed host (O(exposure)) with C(public) or C(admin-only).
    - With O(bundle), one more line per unit - its service class, requests, limits and
      autoscaling bounds.
  returned: always
  type: list
  elements: str
crd_findings:
  description:
    - Custom resources the API server would refuse, one line each, naming the release, the
      kind and name, and the field path.
    - "For example C(platform-db: Cluster platform-db-cluster: spec.postgresql: null is not of
      type object)."
  returned: always
  type: list
  elements: str
values_findings:
  description:
    - "Values keys a rendered release sets that its chart does not declare, one line each
      (C(components.<name>.values.<dotted path>: ...))."
  returned: always
  type: list
  elements: str
not_checked:
  description:
    - Custom resources whose CRD is not rendered in the plan (shipped by k3s, say), and releases
      whose chart could not be read for the values check; neither fails the module.
  returned: always
  type: list
  elements: str
sealed_secrets:
  description: The cross-check of needed Secrets against the committed SealedSecrets.
  returned: when O(sealed_secrets_dir) is set
  type: dict
  contains:
    dir:
      description: The directory read.
      type: str
      returned: always
    committed:
      description: Secrets (C(<namespace>/<name>)) the committed SealedSecrets become.
      type: list
      elements: str
      returned: always
    missing:
      description:
        - One item per needed Secret without a SealedSecret, in deploy order, with C(component),
          C(secret) (C(<namespace>/<name>)), C(declared) (in O(sealing_declarations)) and C(fix).
      type: list
      elements: dict
      returned: always
"""

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.slipway.platform.plugins.module_utils.app_plan import (
    AppPlanError,
    AppSettings,
    policy_lines,
    read_chart,
    unit_components,
    unused_settings,
)
from ansible_collections.slipway.platform.plugins.module_utils.catalog import Component
from ansible_collections.slipway.platform.plugins.module_utils.chart_checks import (
    ChartChecksError,
    ChartChecksFailed,
    PlanChecks,
    ReleaseChart,
    check_plan,
    manifest_documents,
)
from ansible_collections.slipway.platform.plugins.module_utils.component_plan import (
    BUNDLE_FILE,
    YAML_IMPORT_ERROR,
    ComponentPlanError,
    Plan,
    PlannedRelease,
    Selection,
    add_checks_to_summary,
    build_plan,
    check_chart_directories,
    dump_yaml,
    file_diffs,
    helm_template_argv,
    local_chart,
    namespace_manifest,
    plan_files,
    plan_table,
    redact_secrets,
    release_record,
    secret_needs,
    select_releases,
    sync_files,
    write_values_file,
)
from ansible_collections.slipway.platform.plugins.module_utils.component_secrets import (
    SealedSecretsError,
    SealingHints,
    SecretsCheck,
    check_record,
    check_sealed_secrets,
    declared_secrets,
    missing_message,
)
from ansible_collections.slipway.platform.plugins.module_utils.ingress_policy import (
    PolicyError,
    exposed_hosts,
    host_lines,
)


def _helm_template(
    module: AnsibleModule, release: PlannedRelease, chart: str
) -> tuple[int, str, str]:
    """Render one release with helm template; return (rc, stdout, stderr)."""
    params = module.params
    values_file = write_values_file(module.tmpdir, release)
    argv = helm_template_argv(
        params["binary_path"], release, chart, values_file, params["kube_version"]
    )
    rc, out, err = module.run_command(argv)
    return int(rc), str(out), str(err)


def _render(
    module: AnsibleModule, plan: Plan, files: dict[str, str]
) -> tuple[list[str], list[str], PlanChecks]:
    """Add helm-rendered manifests to files; return (rendered, not rendered, checks).

    helm runs for several releases at once (one process per core): a bundle of a
    thousand units renders in a fraction of the time one after the other would take.
    """
    params = module.params
    missing: list[str] = []
    at_hand: list[tuple[PlannedRelease, str]] = []
    for release in plan.releases:
        chart = local_chart(
            release.component, params["chart_dir"], collection_dir=params["collection_dir"]
        )
        if not params["render"] or not chart:
            missing.append(release.component.release)
        else:
            at_hand.append((release, chart))
    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        outputs = list(pool.map(lambda job: _helm_template(module, *job), at_hand))
    rendered: list[str] = []
    documents: list[tuple[str, Any]] = []
    charts: list[ReleaseChart] = []
    for (release, chart), (rc, out, err) in zip(at_hand, outputs, strict=True):
        if rc != 0:
            raise ComponentPlanError(
                f"components.{release.component.name}: helm template failed: "
                f"{err.strip() or out.strip()}"
            )
        try:
            files[f"manifests/{release.component.release}.yaml"] = redact_secrets(out)
            documents.extend(
                (release.component.release, document) for document in manifest_documents(out)
            )
        except (ComponentPlanError, ChartChecksError) as exc:
            raise ComponentPlanError(f"components.{release.component.name}: {exc}") from exc
        charts.append(
            ReleaseChart(
                release.component.name,
                chart,
                release.component.values,
                release.component.free_form_values,
            )
        )
        rendered.append(release.component.release)
    # After every release: a custom resource is checked against CRDs from any release.
    try:
        checks = check_plan(documents, charts)
    except ChartChecksError as exc:
        raise ComponentPlanError(str(exc)) from exc
    return rendered, missing, checks


def _check_secrets(module: AnsibleModule, plan: Plan) -> SecretsCheck | None:
    """Cross-check the needed Secrets with the committed SealedSecrets, when asked to."""
    params = module.params
    if not params["sealed_secrets_dir"]:
        return None
    hints = params["sealing_hints"] or {}
    return check_sealed_secrets(
        secret_needs(plan),
        params["sealed_secrets_dir"],
        plan.env,
        declared_secrets(params["sealing_declarations"]),
        SealingHints(hints.get("seal_command") or "", hints.get("declarations") or ""),
    )


def _apps(module: AnsibleModule) -> tuple[tuple[Component, ...], list[str]]:
    """Return the units of the bundle as components of the app chart, and their policy lines."""
    params = module.params
    if params["bundle"] is None:
        return (), []
    name, version = read_chart(params["collection_dir"], params["apps"]["chart_path"])
    # The apps suboptions are AppSettings' own fields.
    settings = AppSettings(env=params["env"], chart=name, chart_version=version, **params["apps"])
    components = unit_components(params["bundle"], settings)
    for unused in unused_settings(params["bundle"], settings):
        module.warn(
            f"apps: {unused} is not a unit of release {params['bundle']['release']}; "
            "its unit values, class and host are not used"
        )
    return components, policy_lines(settings, components)


def _selection(params: dict[str, Any]) -> Selection:
    """Return the selection the options ask for."""
    return Selection(
        phases=tuple(params["phases"]),
        only=tuple(params["only"]),
        exclude=tuple(params["exclude"]),
        component=params["component"],
    )


def run_module(module: AnsibleModule) -> dict[str, Any]:
    """Plan, render and write; return the module result."""
    params = module.params
    apps, policy = _apps(module)
    plan = build_plan(
        params["layers"],
        params["env"],
        params["namespaces"],
        tuple(params["cluster_crds"]),
        apps,
    )
    selected = select_releases(plan, _selection(params))
    check_chart_directories(plan, params["collection_dir"])
    secrets_check = _check_secrets(module, plan)
    files = plan_files(
        plan, params["chart_dir"], secrets_check, collection_dir=params["collection_dir"]
    )
    if params["bundle"] is not None:
        files[BUNDLE_FILE] = dump_yaml(params["bundle"].get("bundle") or {})
    if params["dest"]:
        rendered, missing, checks = _render(module, plan, files)
    else:
        rendered, missing, checks = [], [r.component.release for r in plan.releases], PlanChecks()
    add_checks_to_summary(files, checks.record())
    # Read what is on disk before it is replaced.
    diffs = file_diffs(params["dest"], files) if module._diff and params["dest"] else []
    written, removed = (
        sync_files(params["dest"], files, check_mode=module.check_mode)
        if params["dest"]
        else ([], [])
    )

    enabled = frozenset(release.component.name for release in plan.releases)
    hosts = exposed_hosts(params["exposure"], enabled, params["public_hosts"])

    def record(release: PlannedRelease) -> dict[str, Any]:
        return release_record(release, params["chart_dir"], collection_dir=params["collection_dir"])

    result: dict[str, Any] = {
        "changed": bool(written or removed),
        "releases": [record(release) for release in plan.releases],
        "selected": [record(release) for release in selected],
        "disabled": [component.name for component in plan.disabled],
        "namespaces": [namespace_manifest(spec, plan.env) for spec in plan.namespaces],
        "written": written,
        "removed": removed,
        "rendered": rendered,
        "not_rendered": missing,
        "hosts": hosts,
        "table": plan_table(plan, rendered, secrets_check)
        + host_lines(hosts, params["admin_cidrs"])
        + policy,
        **checks.record(),
    }
    if module._diff:
        result["diff"] = diffs
    # After the write, so plan.yml lists the findings even when the run stops here.
    _report_checks(module, checks, result)
    if secrets_check is not None:
        result["sealed_secrets"] = check_record(secrets_check)
        # After the write, so plan.yml lists what is missing even when the run stops here.
        _report_missing(module, secrets_check)
    return result


def _report_checks(module: AnsibleModule, checks: PlanChecks, result: dict[str, Any]) -> None:
    """Fail on every finding of the chart checks at once, or warn when they are not strict."""
    errors = checks.errors
    if errors and module.params["strict_checks"]:
        raise ChartChecksFailed(
            f"{len(errors)} finding(s) in the rendered plan (strict_checks is on, "
            "components_strict_checks): " + " | ".join(errors),
            result,
        )
    for error in errors:
        module.warn(error)


def _report_missing(module: AnsibleModule, check: SecretsCheck) -> None:
    """Warn about each needed Secret without a SealedSecret; raise when they are required."""
    messages = [missing_message(check, missing) for missing in check.missing]
    if messages and module.params["require_sealed_secrets"]:
        raise ComponentPlanError(
            f"{len(messages)} Secret(s) needed by enabled components have no committed "
            "SealedSecret and require_sealed_secrets is on (components_require_sealed_secrets): "
            + " | ".join(messages)
        )
    for message in messages:
        module.warn(message)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "layers": {"type": "list", "elements": "raw", "default": []},
            "env": {"type": "str", "required": True},
            "namespaces": {"type": "dict", "default": {}},
            "cluster_crds": {"type": "list", "elements": "str", "default": []},
            "exposure": {"type": "list", "elements": "dict", "default": []},
            "public_hosts": {"type": "list", "elements": "str", "default": []},
            "admin_cidrs": {"type": "list", "elements": "str", "default": []},
            "dest": {"type": "path", "default": ""},
            "chart_dir": {"type": "path", "default": ""},
            "collection_dir": {"type": "path", "default": ""},
            "render": {"type": "bool", "default": True},
            "binary_path": {"type": "str", "default": "helm", "aliases": ["helm_binary"]},
            "kube_version": {"type": "str", "default": "1.34.0"},
            "sealed_secrets_dir": {"type": "path", "default": ""},
            "sealing_declarations": {"type": "list", "elements": "raw", "default": []},
            "require_sealed_secrets": {"type": "bool", "default": False},
            "sealing_hints": {
                "type": "dict",
                "options": {
                    "seal_command": {"type": "str", "default": ""},
                    "declarations": {"type": "str", "default": ""},
                },
            },
            "strict_checks": {"type": "bool", "default": True},
            "phases": {"type": "list", "elements": "int", "default": []},
            "only": {"type": "list", "elements": "str", "default": []},
            "exclude": {"type": "list", "elements": "str", "default": []},
            "component": {"type": "str", "default": ""},
            "bundle": {"type": "dict"},
            "apps": {
                "type": "dict",
                "options": {
                    "namespace": {"type": "str", "default": "apps"},
                    "chart_path": {"type": "str", "default": "charts/app"},
                    "resource_profile": {"type": "str", "required": True},
                    "service_classes": {"type": "dict", "required": True},
                    "unit_classes": {"type": "dict", "default": {}},
                    "default_class": {"type": "str", "default": "web"},
                    "unit_values": {"type": "dict", "default": {}},
                    "ingress": {"type": "dict", "default": {}},
                    "ingress_enabled": {"type": "bool", "default": False},
                    "base_domain": {"type": "str", "default": ""},
                    "domain_style": {"type": "str", "default": "none"},
                    # Names of certificate Secrets, not secret values.
                    "tls_secrets": {"type": "dict", "default": {}, "no_log": False},
                    "tls_issuer": {"type": "str", "default": ""},
                },
            },
        },
        mutually_exclusive=[
            ("component", "only"),
            ("component", "exclude"),
            ("component", "phases"),
        ],
        required_by={"bundle": "apps"},
        supports_check_mode=True,
    )
    if YAML_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    try:
        module.exit_json(**run_module(module))
    except ChartChecksFailed as exc:
        module.fail_json(msg=str(exc), **exc.result)
    except (AppPlanError, ComponentPlanError, PolicyError, SealedSecretsError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
