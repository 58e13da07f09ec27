"""The units of a validated release bundle as planned releases of the collection's app chart.

Each unit becomes one component: a release named after the unit, in the apps
namespace, of the chart directory the collection ships (``charts/app``), with the
values of its service class at the environment's resource profile (requests,
limits, HPA bounds), then the unit's own values from the inventory, then what only
the bundle decides (image, release id) and the host the domain rule gives it. The
component planner then treats it as any catalog entry: the same secret check,
merge, render, checks, build files and cleanup.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; the module reports its absence with missing_required_lib.
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.slipway.platform.plugins.module_utils.catalog import Component, Smoke
from ansible_collections.slipway.platform.plugins.module_utils.component_plan import (
    inline_secrets,
)
from ansible_collections.slipway.platform.plugins.module_utils.deep_merge import (
    MergeError,
    deep_merge,
)
from ansible_collections.slipway.platform.plugins.module_utils.domains import (
    DomainError,
    public_host,
)

# Apps deploy after every platform phase (playbooks/apps.yml is phase 999).
APP_PHASE = 999
# Keys of a unit's values that only the validated bundle sets.
_PINNED_KEYS = ("image", "release")


class AppPlanError(ValueError):
    """The bundle's units cannot be planned; the message names the input field."""


@dataclass(frozen=True)
class AppSettings:
    """How the environment deploys a bundle's units (the app_deploy role's settings)."""

    env: str
    chart: str
    chart_version: str
    chart_path: str
    namespace: str = "apps"
    resource_profile: str = ""
    # Service class -> resource profile -> chart values (resources, autoscaling).
    service_classes: dict[str, Any] = field(default_factory=dict)
    # Unit name -> service class; a unit not listed is of default_class.
    unit_classes: dict[str, Any] = field(default_factory=dict)
    default_class: str = "web"
    unit_values: dict[str, Any] = field(default_factory=dict)
    ingress: dict[str, Any] = field(default_factory=dict)
    ingress_enabled: bool = False
    base_domain: str = ""
    domain_style: str = "none"
    tls_secrets: dict[str, Any] = field(default_factory=dict)
    # The ClusterIssuer every unit's Ingress names (cert-manager.io/cluster-issuer);
    # its certificate goes to the unit's tls_secrets entry, else to <unit>-tls.
    tls_issuer: str = ""


def read_chart(collection_dir: str, chart_path: str) -> tuple[str, str]:
    """Return the name and version of the app chart in the collection."""
    shown = f"{chart_path}/Chart.yaml"
    if not collection_dir:
        raise AppPlanError(f"apps.chart_path: {chart_path} needs collection_dir")
    try:
        metadata = yaml.safe_load(
            (Path(collection_dir) / chart_path / "Chart.yaml").read_text(encoding="utf-8")
        )
    except (OSError, UnicodeError, yaml.YAMLError) as exc:
        raise AppPlanError(f"apps.chart_path: cannot read {shown} ({exc})") from exc
    if not isinstance(metadata, dict) or not metadata.get("name") or not metadata.get("version"):
        raise AppPlanError(f"apps.chart_path: {shown} has no name and version")
    return str(metadata["name"]), str(metadata["version"])


def _unit_names(bundle: dict[str, Any]) -> list[str]:
    """Return the unit names of a release_bundle_info result, checking its shape."""
    units = bundle.get("units")
    if not isinstance(bundle.get("release"), str) or not isinstance(units, list):
        raise AppPlanError("bundle: must be the result of release_bundle_info (release and units)")
    names = []
    for index, unit in enumerate(units):
        if not isinstance(unit, dict) or not isinstance(unit.get("name"), str):
            raise AppPlanError(f"bundle.units[{index}]: must be a mapping with a name")
        if not isinstance(unit.get("reference"), str) or not unit["reference"]:
            raise AppPlanError(f"bundle.units[{index}].reference: is required")
        names.append(unit["name"])
    return names


def unit_class(settings: AppSettings, name: str) -> str:
    """Return the service class of a unit, checked against the classes and the profile."""
    field_name = (
        f"apps.unit_classes.{name}" if name in settings.unit_classes else "apps.default_class"
    )
    chosen = settings.unit_classes.get(name, settings.default_class)
    if not isinstance(chosen, str) or chosen not in settings.service_classes:
        raise AppPlanError(
            f"{field_name}: {chosen!r} is not one of "
            f"{', '.join(sorted(settings.service_classes)) or 'the service classes (none given)'}"
        )
    profiles = settings.service_classes[chosen]
    if not isinstance(profiles, dict) or not isinstance(
        profiles.get(settings.resource_profile), dict
    ):
        known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) else "none"
        raise AppPlanError(
            f"apps.service_classes.{chosen}: needs the values of profile "
            f"{settings.resource_profile!r} (apps.resource_profile) as a mapping; it has {known}"
        )
    return chosen


def _check_settings(settings: AppSettings, names: list[str]) -> None:
    """Refuse an unknown class or profile, and unit values that set what the bundle sets."""
    for name in names:
        unit_class(settings, name)
    pinned: list[str] = []
    for name in names:
        values = settings.unit_values.get(name) or {}
        if not isinstance(values, dict):
            raise AppPlanError(f"apps.unit_values.{name}: must be a mapping of chart values")
        pinned.extend(f"{name}.{key}" for key in _PINNED_KEYS if key in values)
        leaked = inline_secrets(values)
        if leaked:
            raise AppPlanError(
                f"apps.unit_values.{name}.{leaked[0]}: looks like a credential in plain text; "
                "chart values end up in build files and in helm's history, so put it in a "
                "Secret (a SealedSecret) and list that Secret's name in envFromSecrets"
            )
    if pinned:
        raise AppPlanError(
            f"apps.unit_values: {', '.join(pinned)} set image or release; only the validated "
            "bundle sets them, remove those keys"
        )


def _host(settings: AppSettings, name: str) -> str:
    """Return the public host of a unit, or '' when it has no Ingress."""
    if not settings.ingress_enabled or name not in settings.ingress:
        return ""
    prefix = settings.ingress[name]
    try:
        return public_host(
            "" if prefix is None else str(prefix),
            settings.env,
            settings.base_domain,
            settings.domain_style,
        )
    except DomainError as exc:
        raise AppPlanError(f"apps.ingress.{name}: {exc}") from exc


def _ingress(settings: AppSettings, name: str, host: str) -> dict[str, Any]:
    """Return a unit's ingress values: its host and, with an issuer, its certificate."""
    secret = str(settings.tls_secrets.get(name) or "")
    if not (host and settings.tls_issuer):
        return {"enabled": bool(host), "host": host, "tlsSecretName": secret}
    return {
        "enabled": True,
        "host": host,
        "tlsSecretName": secret or f"{name}-tls",
        "annotations": {"cert-manager.io/cluster-issuer": settings.tls_issuer},
    }


def unit_values(settings: AppSettings, unit: dict[str, Any], release: str) -> dict[str, Any]:
    """Return a unit's chart values: class at profile < unit values < what the bundle decides."""
    host = _host(settings, unit["name"])
    decided = {
        "image": {
            "reference": unit["reference"],
            "pullPolicy": "Always" if unit.get("tag") == "latest" else "IfNotPresent",
        },
        "release": release,
        "ingress": _ingress(settings, unit["name"], host),
    }
    policy = settings.service_classes[unit_class(settings, unit["name"])]
    try:
        merged: dict[str, Any] = deep_merge(
            policy[settings.resource_profile],
            settings.unit_values.get(unit["name"]) or {},
            decided,
        )
    except MergeError as exc:
        raise AppPlanError(f"apps.unit_values.{unit['name']}: {exc}") from exc
    return merged


def unit_components(bundle: dict[str, Any], settings: AppSettings) -> tuple[Component, ...]:
    """Return every unit of the bundle as a component of the app chart, in bundle order."""
    names = _unit_names(bundle)
    _check_settings(settings, names)
    return tuple(
        Component(
            name=unit["name"],
            phase=APP_PHASE,
            namespace=settings.namespace,
            release=unit["name"],
            chart=settings.chart,
            version=settings.chart_version,
            repo="",
            url="",
            sha256="",
            archive="",
            enabled=True,
            values=unit_values(settings, unit, bundle["release"]),
            path=settings.chart_path,
            note=f"unit of release {bundle['release']}, class {unit_class(settings, unit['name'])}",
            # The app chart names its Deployment after the release.
            smoke=Smoke(rollout=(f"deployment/{unit['name']}",)),
        )
        for unit in bundle["units"]
    )


def unused_settings(bundle: dict[str, Any], settings: AppSettings) -> list[str]:
    """Return units the inventory has values, a class or a host for but the bundle lacks."""
    names = set(_unit_names(bundle))
    listed = set(settings.unit_values) | set(settings.ingress) | set(settings.unit_classes)
    return sorted(listed - names)


def _quantities(values: Any) -> str:
    """Return cpu and memory of a requests or limits mapping as one short text."""
    if not isinstance(values, dict) or not values:
        return "-"
    return " ".join(f"{key} {values[key]}" for key in ("cpu", "memory") if key in values) or "-"


def policy_lines(settings: AppSettings, components: tuple[Component, ...]) -> list[str]:
    """Return the resource policy each unit runs with, one line per unit, for the plan."""
    lines = []
    for component in components:
        values = component.values
        resources = values.get("resources") or {}
        scaling = values.get("autoscaling") or {}
        hpa = (
            f"HPA {scaling.get('minReplicas', 1)}-{scaling.get('maxReplicas', '?')}"
            if isinstance(scaling, dict) and scaling.get("enabled")
            else f"replicas {values.get('replicaCount', 1)}"
        )
        lines.append(
            f"unit {component.name}: class {unit_class(settings, component.name)} "
            f"({settings.resource_profile}); "
            f"requests {_quantities(resources.get('requests'))}; "
            f"limits {_quantities(resources.get('limits'))}; {hpa}"
        )
    return lines
