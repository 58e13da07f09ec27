"""Offline plan of the platform components for one environment.

From the merged catalog: the enabled releases in a safe order (phase first, then
dependencies: components, CRDs from operators), what each needs to exist first
(namespaces, Secrets made by SealedSecrets, CRDs), which of those Secrets have no
committed SealedSecret yet (component_secrets), and the files written to
``build/<env>/components/``: a summary, one values file per release, the labelled
namespaces and, where the chart is at hand (an archive in the air-gap chart folder or
a chart directory shipped in the collection), the manifests ``helm template`` renders
(with the data of any Secret a chart generates redacted, so no file of the plan and
no diff of it holds a credential).
"""

from __future__ import annotations

import heapq
import json
import os
import re
import tempfile
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; the module reports its absence with missing_required_lib.
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.slipway.platform.plugins.module_utils.catalog import (
    CatalogError,
    Component,
    parse_catalog,
)
from ansible_collections.slipway.platform.plugins.module_utils.component_secrets import (
    SecretNeed,
    SecretsCheck,
    check_record,
)
from ansible_collections.slipway.platform.plugins.module_utils.deep_merge import (
    MergeError,
    deep_merge,
)
from ansible_collections.slipway.platform.plugins.module_utils.files import (
    block_dumper,
    dump_block_yaml,
    load_yaml,
    write_atomic,
)

MANAGED_BY = "slipway"
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")
# Keys (and environment variable names) whose non-empty literal value would be a
# credential in plain text: one rule for catalog values and release-bundle units.
_SECRET_KEY = re.compile(
    r"(passw|passphrase|secret|token|api_?key|private_?key|session_?key)", re.IGNORECASE
)
# Keys that name a Secret instead of holding one.
_SECRET_REF_KEY = re.compile(
    r"(existingsecret|secretname|secretref|secretkey|passwordkey|name|ref)$", re.IGNORECASE
)
_SUMMARY_FILE = "plan.yml"
_NAMESPACES_FILE = "namespaces.yaml"
# The normalized release bundle, next to the plan of its units.
BUNDLE_FILE = "bundle.yaml"
MANAGED_DIRS = ("values", "manifests")
# Secret fields whose values never reach a plan file or a diff.
_SECRET_DATA_FIELDS = ("data", "stringData")
REDACTED = "<redacted by slipway>"
_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


class ComponentPlanError(ValueError):
    """The plan cannot be made; the message names the component and field."""


@dataclass(frozen=True)
class NamespaceSpec:
    """A namespace Slipway creates and labels."""

    name: str
    pod_security: str


@dataclass(frozen=True)
class PlannedRelease:
    """One enabled component in deploy order, with what must exist before it."""

    order: int
    component: Component
    after: tuple[str, ...]
    secrets: tuple[str, ...]
    crds: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The ordered releases of one environment and the namespaces they live in."""

    env: str
    releases: tuple[PlannedRelease, ...]
    disabled: tuple[Component, ...]
    namespaces: tuple[NamespaceSpec, ...]


def merge_layers(layers: list[Any]) -> dict[str, Any]:
    """Merge catalog layers, lowest first (defaults < environment < override)."""
    merged: dict[str, Any] = {}
    for index, layer in enumerate(layers):
        if layer is None:
            continue
        if not isinstance(layer, dict):
            raise ComponentPlanError(
                f"layers[{index}]: must be a mapping of component name to entry"
            )
        merged = deep_merge(merged, layer)
    return merged


def _looks_secret(name: Any, value: Any) -> bool:
    """Return whether a literal value under this key or variable name is a credential."""
    return (
        isinstance(value, str)
        and bool(value)
        and bool(_SECRET_KEY.search(str(name)))
        and not _SECRET_REF_KEY.search(str(name))
    )


def inline_secrets(values: Any, path: str = "") -> list[str]:
    """Return the paths of values that look like credentials written in plain text.

    A mapping key counts, and so does an environment variable written the Kubernetes
    way (``{name: DB_PASSWORD, value: ...}``), shown as ``env[0].value (DB_PASSWORD)``.
    """
    found: list[str] = []
    if isinstance(values, dict):
        for key, value in values.items():
            child = f"{path}.{key}" if path else str(key)
            if _looks_secret(key, value):
                found.append(child)
            else:
                found.extend(inline_secrets(value, child))
    elif isinstance(values, list):
        for index, item in enumerate(values):
            child = f"{path}[{index}]"
            if isinstance(item, dict) and _looks_secret(item.get("name"), item.get("value")):
                found.append(f"{child}.value ({item['name']})")
            else:
                found.extend(inline_secrets(item, child))
    return found


def _check_references(
    enabled: dict[str, Component],
    every: dict[str, Component],
    cluster_crds: frozenset[str] = frozenset(),
) -> dict[str, set[str]]:
    """Validate dependencies and CRD needs; return each component's predecessors.

    A CRD in cluster_crds comes with the cluster itself (k3s installs Traefik's), so a
    component may need it without a catalog entry providing it.
    """
    providers: dict[str, Component] = {}
    for component in enabled.values():
        for crd in component.provides_crds:
            providers.setdefault(crd, component)
    before: dict[str, set[str]] = {name: set() for name in enabled}
    for name, component in enabled.items():
        for dep in component.depends_on:
            if dep not in every:
                raise ComponentPlanError(f"components.{name}.depends_on: unknown component {dep!r}")
            if dep not in enabled:
                raise ComponentPlanError(
                    f"components.{name}.depends_on: {dep!r} is disabled in this environment; "
                    f"enable it or disable {name!r}"
                )
            if enabled[dep].phase > component.phase:
                raise ComponentPlanError(
                    f"components.{name}.depends_on: {dep!r} is in phase {enabled[dep].phase}, "
                    f"after this component's phase {component.phase}"
                )
            before[name].add(dep)
        for crd in component.crds:
            provider = providers.get(crd)
            if provider is None and crd in cluster_crds:
                continue
            if provider is None:
                raise ComponentPlanError(
                    f"components.{name}.crds: no enabled component provides {crd!r}, "
                    "and it is not among the CRDs the cluster brings (cluster_crds)"
                )
            if provider.phase > component.phase:
                raise ComponentPlanError(
                    f"components.{name}.crds: {crd!r} comes from {provider.name!r} "
                    f"in the later phase {provider.phase}"
                )
            if provider.name != name:
                before[name].add(provider.name)
    return before


def _find_cycle(before: dict[str, set[str]], stuck: set[str]) -> list[str]:
    """Return one dependency cycle among the stuck components, as a closed path."""
    start = min(stuck)
    path = [start]
    seen = {start: 0}
    current = start
    while True:
        current = min(dep for dep in before[current] if dep in stuck)
        if current in seen:
            return [*path[seen[current] :], current]
        seen[current] = len(path)
        path.append(current)


def order_components(
    components: tuple[Component, ...],
    cluster_crds: frozenset[str] = frozenset(),
    rank: dict[str, int] | None = None,
) -> list[tuple[Component, tuple[str, ...]]]:
    """Return enabled components in deploy order with their direct predecessors.

    Phase first, then dependencies; ties break by rank (a bundle's units keep the
    bundle's order), then by name, so the order is stable.
    """
    ranks = rank or {}
    every = {component.name: component for component in components}
    enabled = {name: component for name, component in every.items() if component.enabled}
    before = _check_references(enabled, every, cluster_crds)
    remaining = {name: set(deps) for name, deps in before.items()}
    ready = [
        (enabled[name].phase, ranks.get(name, 0), name)
        for name, deps in remaining.items()
        if not deps
    ]
    heapq.heapify(ready)
    ordered: list[tuple[Component, tuple[str, ...]]] = []
    while ready:
        _phase, _rank, name = heapq.heappop(ready)
        ordered.append((enabled[name], tuple(sorted(before[name]))))
        for other, deps in remaining.items():
            if name in deps:
                deps.discard(name)
                if not deps:
                    heapq.heappush(ready, (enabled[other].phase, ranks.get(other, 0), other))
    if len(ordered) != len(enabled):
        stuck = {name for name, deps in remaining.items() if deps}
        cycle = _find_cycle(before, stuck)
        raise ComponentPlanError(
            f"components.{cycle[0]}.depends_on: dependency cycle {' -> '.join(cycle)}"
        )
    return ordered


def _namespaces(releases: list[PlannedRelease], specs: dict[str, Any]) -> tuple[NamespaceSpec, ...]:
    """Return the namespaces to create: the standard set plus any a release uses."""
    names = set(specs) | {release.component.namespace for release in releases}
    names.discard("kube-system")
    result = []
    for name in sorted(names):
        spec = specs.get(name) or {}
        if not isinstance(spec, dict):
            raise ComponentPlanError(f"namespaces.{name}: must be a mapping")
        level = spec.get("pod_security", "baseline")
        if level not in POD_SECURITY_LEVELS:
            raise ComponentPlanError(
                f"namespaces.{name}.pod_security: {level!r} is not one of "
                f"{', '.join(POD_SECURITY_LEVELS)}"
            )
        result.append(NamespaceSpec(name, level))
    return tuple(result)


def build_plan(
    layers: list[Any],
    env: str,
    namespaces: dict[str, Any] | None = None,
    cluster_crds: tuple[str, ...] = (),
    apps: tuple[Component, ...] = (),
) -> Plan:
    """Merge the layers, validate the catalog and return the environment's plan.

    apps are release-bundle units already made components (app_plan); they keep
    their bundle order after the catalog's phases.
    """
    try:
        components = parse_catalog(merge_layers(layers))
    except (CatalogError, MergeError) as exc:
        raise ComponentPlanError(str(exc)) from exc
    clashes = sorted({app.name for app in apps} & {component.name for component in components})
    if clashes:
        raise ComponentPlanError(
            f"bundle.units: {', '.join(clashes)} also name catalog components; "
            "plan a bundle and the catalog separately"
        )
    components = (*components, *apps)
    for component in components:
        leaked = inline_secrets(component.values)
        if leaked:
            raise ComponentPlanError(
                f"components.{component.name}.values.{leaked[0]}: "
                "looks like a credential in plain text; "
                "reference an existing Secret (made from a SealedSecret) by name instead"
            )
    releases = [
        PlannedRelease(
            order=index + 1,
            component=component,
            after=after,
            secrets=tuple(f"{component.namespace}/{secret}" for secret in component.secrets),
            crds=component.crds,
        )
        for index, (component, after) in enumerate(
            order_components(
                components,
                frozenset(cluster_crds),
                {app.name: position for position, app in enumerate(apps)},
            )
        )
    ]
    disabled = tuple(component for component in components if not component.enabled)
    return Plan(env, tuple(releases), disabled, _namespaces(releases, namespaces or {}))


@dataclass(frozen=True)
class Selection:
    """Which planned releases a run applies: by phase, by name, or exactly one component."""

    phases: tuple[int, ...] = ()
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    component: str = ""


def select_releases(plan: Plan, selection: Selection) -> list[PlannedRelease]:
    """Return the releases the selection chooses, in deploy order.

    Every name given must be in the catalog (enabled or disabled): a typo fails,
    naming the option and the known names. A component named alone is chosen even
    when disabled here (it may still be deployed, and rolling it back is allowed).
    """
    known = [release.component.name for release in plan.releases] + [
        component.name for component in plan.disabled
    ]
    if selection.component:
        if selection.component not in known:
            raise ComponentPlanError(
                f"component: {json.dumps(selection.component)} is not in the catalog of "
                f"{plan.env}; known components: {', '.join(sorted(known))}"
            )
        chosen = [r for r in plan.releases if r.component.name == selection.component]
        return chosen or [
            PlannedRelease(0, component, (), (), component.crds)
            for component in plan.disabled
            if component.name == selection.component
        ]
    for option, names in (("only", selection.only), ("exclude", selection.exclude)):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ComponentPlanError(
                f"{option}: unknown component(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
    return [
        release
        for release in plan.releases
        if (not selection.phases or release.component.phase in selection.phases)
        and (not selection.only or release.component.name in selection.only)
        and release.component.name not in selection.exclude
    ]


def secret_needs(plan: Plan) -> list[SecretNeed]:
    """Return the Secrets the enabled releases need, in deploy order."""
    return [
        SecretNeed(release.component.name, release.component.namespace, secret)
        for release in plan.releases
        for secret in release.component.secrets
    ]


def chart_source(component: Component, chart_dir: str, *, collection_dir: str = "") -> str:
    """Return the chart reference helm installs: directory, local archive, URL, OCI or name.

    A path chart is part of the collection, so it is installed from its directory even
    in air-gap mode (chart_dir set): it has no archive.
    """
    if component.path:
        return str(Path(collection_dir) / component.path)
    if chart_dir:
        return str(Path(chart_dir) / component.archive)
    if component.url:
        return component.url
    if component.repo.startswith("oci://"):
        return f"{component.repo.rstrip('/')}/{component.chart}"
    return component.chart


def local_chart(component: Component, chart_dir: str, *, collection_dir: str = "") -> str:
    """Return the chart on this machine that helm template can render, or '' when none is."""
    if component.path:
        return chart_source(component, chart_dir, collection_dir=collection_dir)
    archive = Path(chart_dir) / component.archive if chart_dir else None
    return str(archive) if archive is not None and archive.is_file() else ""


def check_chart_directory(component: Component, collection_dir: str) -> None:
    """Check that a path chart's directory holds the chart name and version the catalog pins."""
    where = f"components.{component.name}"
    if not collection_dir:
        raise ComponentPlanError(
            f"{where}.path: {component.path} needs collection_dir (the collection root)"
        )
    directory = Path(collection_dir) / component.path
    shown = f"{component.path}/Chart.yaml"
    if not directory.is_dir():
        raise ComponentPlanError(f"{where}.path: {directory} is not a directory")
    try:
        metadata = yaml.safe_load((directory / "Chart.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ComponentPlanError(f"{where}.path: {directory} has no Chart.yaml") from exc
    except (OSError, UnicodeError, yaml.YAMLError) as exc:
        raise ComponentPlanError(f"{where}.path: cannot read {shown} ({exc})") from exc
    if not isinstance(metadata, dict):
        raise ComponentPlanError(f"{where}.path: {shown} is not a mapping")
    for key, field, pinned in (
        ("name", "chart", component.chart),
        ("version", "version", component.version),
    ):
        found = metadata.get(key)
        if found is None or str(found) != pinned:
            raise ComponentPlanError(
                f"{where}.{field}: {pinned} differs from {shown} {key} "
                f"{'(missing)' if found is None else found}"
            )


def check_chart_directories(plan: Plan, collection_dir: str) -> None:
    """Check the directory of every enabled path chart against its catalog entry."""
    checked: set[tuple[str, str, str]] = set()
    for release in plan.releases:
        component = release.component
        # Once per chart: every unit of a release bundle is the same app chart.
        pinned = (component.path, component.chart, component.version)
        if component.path and pinned not in checked:
            check_chart_directory(component, collection_dir)
            checked.add(pinned)


def release_record(
    release: PlannedRelease, chart_dir: str = "", *, collection_dir: str = ""
) -> dict[str, Any]:
    """Return one release as plain data for the summary, the role and the diff."""
    component = release.component
    smoke = component.smoke
    return {
        "order": release.order,
        "name": component.name,
        "release": component.release,
        "phase": component.phase,
        "namespace": component.namespace,
        "chart": component.chart,
        "chart_version": component.version,
        "repo": component.repo,
        "url": component.url,
        "path": component.path,
        "sha256": component.sha256,
        "archive": component.archive,
        "chart_ref": chart_source(component, chart_dir, collection_dir=collection_dir),
        # Only a chart name from an https repository needs the repository URL next to it.
        "chart_repo_url": ""
        if chart_dir or component.path or component.url or component.repo.startswith("oci://")
        else component.repo,
        "after": list(release.after),
        "secrets": list(release.secrets),
        "crds": list(release.crds),
        "provides_crds": list(component.provides_crds),
        "values": component.values,
        "smoke": {
            "rollout": list(smoke.rollout),
            "wait": [
                {"resource": item.resource, "condition": item.condition, "selector": item.selector}
                for item in smoke.wait
            ],
            "exec": (
                {
                    "target": smoke.exec.target,
                    "container": smoke.exec.container,
                    "command": list(smoke.exec.command),
                }
                if smoke.exec
                else {}
            ),
            "get_raw": smoke.get_raw,
        },
    }


def namespace_manifest(spec: NamespaceSpec, env: str) -> dict[str, Any]:
    """Return the labelled Namespace object for one namespace."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": spec.name,
            "labels": {
                "app.kubernetes.io/managed-by": MANAGED_BY,
                "slipway.dev/env": env,
                "pod-security.kubernetes.io/enforce": spec.pod_security,
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    }


def summary(
    plan: Plan,
    chart_dir: str = "",
    secrets_check: SecretsCheck | None = None,
    *,
    collection_dir: str = "",
) -> dict[str, Any]:
    """Return the plan summary written to plan.yml (values live in their own files)."""
    result: dict[str, Any] = {
        "env": plan.env,
        "namespaces": [
            {"name": spec.name, "pod_security": spec.pod_security} for spec in plan.namespaces
        ],
        "releases": [
            {
                key: value
                for key, value in release_record(
                    release, chart_dir, collection_dir=collection_dir
                ).items()
                if key not in ("values", "smoke")
            }
            for release in plan.releases
        ],
        "disabled": [
            {"name": component.name, "phase": component.phase, "note": component.note}
            for component in plan.disabled
        ],
    }
    if secrets_check is not None:
        result["sealed_secrets"] = check_record(secrets_check)
    return result


def plan_table(
    plan: Plan, rendered: list[str], secrets_check: SecretsCheck | None = None
) -> list[str]:
    """Return the plan as aligned text lines for the run's output."""
    lines = [f"{'#':>2} {'ph':<2} {'namespace':<13} {'release':<19} {'chart@version':<36} after"]
    for release in plan.releases:
        component = release.component
        chart = f"{component.chart}@{component.version}"
        lines.append(
            f"{release.order:>2} {component.phase:<2} {component.namespace:<13} "
            f"{component.release:<19} {chart:<36} {','.join(release.after) or '-'}"
        )
    lines.extend(f"disabled: {component.name}" for component in plan.disabled)
    lines.append(f"rendered with helm: {', '.join(rendered) or 'none (no local charts)'}")
    if secrets_check is not None:
        needed = len(secret_needs(plan))
        missing = [item.need.secret for item in secrets_check.missing]
        lines.append(
            f"SealedSecrets: {needed - len(missing)} of {needed} needed Secrets committed "
            f"in {secrets_check.directory}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    return lines


def dump_yaml(data: Any) -> str:
    """Return data as block-style YAML, stable from run to run (multi-line strings as blocks)."""
    return dump_block_yaml(data, _plan_dumper())


@cache
def _plan_dumper() -> Any:
    """Return the dumper of plan files: a string that spans lines is a literal block."""
    return block_dumper(lambda value: "\n" in value)


def plan_files(
    plan: Plan,
    chart_dir: str = "",
    secrets_check: SecretsCheck | None = None,
    *,
    collection_dir: str = "",
) -> dict[str, str]:
    """Return the plan's files, relative path to content (manifests come from helm)."""
    header = (
        f"# Slipway component plan for {plan.env}. Generated: edit the catalog, not this file.\n"
    )
    files = {
        _SUMMARY_FILE: header
        + dump_yaml(summary(plan, chart_dir, secrets_check, collection_dir=collection_dir)),
        _NAMESPACES_FILE: header
        + "".join(
            "---\n" + dump_yaml(namespace_manifest(spec, plan.env)) for spec in plan.namespaces
        ),
    }
    for release in plan.releases:
        files[f"values/{release.component.release}.yaml"] = header + dump_yaml(
            release.component.values
        )
    return files


def add_checks_to_summary(files: dict[str, str], checks: dict[str, list[str]]) -> None:
    """Append the chart checks' findings to the plan summary, when there are any."""
    if any(checks.values()):
        files[_SUMMARY_FILE] += dump_yaml({"checks": checks})


def helm_template_argv(
    helm: str, release: PlannedRelease, chart: str, values_file: str, kube_version: str
) -> list[str]:
    """Return the ``helm template`` argument list that renders one release offline."""
    return [
        helm,
        "template",
        release.component.release,
        chart,
        "--namespace",
        release.component.namespace,
        "--values",
        values_file,
        "--kube-version",
        kube_version,
        "--include-crds",
    ]


def write_values_file(directory: str, release: PlannedRelease) -> str:
    """Write one release's values to a private temporary file for helm; return its path."""
    try:
        handle, path = tempfile.mkstemp(
            prefix=f"{release.component.release}-", suffix=".yaml", dir=directory
        )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(dump_yaml(release.component.values))
    except OSError as exc:
        raise ComponentPlanError(
            f"components.{release.component.name}: cannot write values for helm ({exc})"
        ) from exc
    return path


def redact_secrets(manifest: str) -> str:
    """Return a multi-document manifest with the values of every Secret's data redacted.

    Charts may generate credentials (random passwords) into Secrets at render time;
    the plan is for review, so it keeps the keys and drops the values. Documents
    other than Secrets are returned byte for byte.
    """
    parts = _DOCUMENT_SEPARATOR.split(manifest)
    for index, part in enumerate(parts):
        try:
            document = load_yaml(part)
        except yaml.YAMLError as exc:
            raise ComponentPlanError(f"manifest document {index} is not YAML ({exc})") from exc
        if not isinstance(document, dict) or document.get("kind") != "Secret":
            continue
        for field in _SECRET_DATA_FIELDS:
            if isinstance(document.get(field), dict):
                document[field] = dict.fromkeys(document[field], REDACTED)
        comments = "".join(
            line + "\n" for line in part.strip("\n").splitlines() if line.startswith("#")
        )
        parts[index] = "\n" + comments + dump_yaml(document)
    return "---".join(parts)


def _diff_order(rel: str) -> tuple[int, str]:
    """Sort key of diffs: the summary, the namespaces, then values and manifests by name."""
    return ({_SUMMARY_FILE: 0, _NAMESPACES_FILE: 1}.get(rel, 2), rel)


def _shown_before(rel: str, text: str) -> str:
    """Return a file's current content as a diff may show it (Secret data redacted)."""
    if not rel.startswith("manifests/"):
        return text
    try:
        return redact_secrets(text)
    except ComponentPlanError:
        # A hand-edited or truncated file: say so rather than risk showing a credential.
        return "# (previous content is not YAML; not shown)\n"


def file_diffs(dest: str, files: dict[str, str]) -> list[dict[str, str]]:
    """Return one before/after diff per file that syncing files into dest writes or removes.

    Call it before sync_files, which changes what is on disk. The files' content
    holds no credential (values reference Secrets, manifests are redacted); what is
    on disk from an older plan is redacted the same way before it is shown.
    """
    root = Path(dest)
    try:
        written, removed = _changes(root, files)
        diffs = []
        for rel in sorted([*written, *removed], key=_diff_order):
            path = root / rel
            exists = path.is_file()
            before = path.read_text(encoding="utf-8") if exists else ""
            diffs.append(
                {
                    "before": _shown_before(rel, before),
                    "after": files.get(rel, ""),
                    "before_header": str(path) if exists else "(absent)",
                    "after_header": str(path) if rel in files else "(removed)",
                }
            )
    except OSError as exc:
        raise ComponentPlanError(f"dest: cannot read the plan in {dest} ({exc})") from exc
    return diffs


def sync_files(
    dest: str, files: dict[str, str], *, check_mode: bool
) -> tuple[list[str], list[str]]:
    """Make dest hold exactly files (within its managed folders); return (written, removed).

    Unchanged files are not touched, so an unchanged plan reports no change.
    """
    try:
        return _sync_files(Path(dest), files, check_mode=check_mode)
    except OSError as exc:
        raise ComponentPlanError(f"dest: cannot write the plan to {dest} ({exc})") from exc


def _changes(root: Path, files: dict[str, str]) -> tuple[list[str], list[str]]:
    """Return (files to write, stale files to remove) to make root hold exactly files."""
    written = [
        rel
        for rel, content in sorted(files.items())
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != content
    ]
    managed = [
        path
        for folder in MANAGED_DIRS
        if (root / folder).is_dir()
        for path in (root / folder).rglob("*")
    ]
    # YAML files beside the summary are the plan's too (an older layout's, say).
    if root.is_dir():
        managed.extend(path for path in root.iterdir() if path.suffix in (".yaml", ".yml"))
    removed = sorted(
        str(path.relative_to(root))
        for path in managed
        if path.is_file() and str(path.relative_to(root)) not in files
    )
    return written, removed


def _sync_files(
    root: Path, files: dict[str, str], *, check_mode: bool
) -> tuple[list[str], list[str]]:
    """Do the work of sync_files; may raise OSError."""
    written, removed = _changes(root, files)
    if check_mode:
        return written, removed
    for rel in written:
        write_atomic(root / rel, files[rel])
    for rel in removed:
        (root / rel).unlink()
    return written, removed
