"""Release-bundle units planned as releases of the collection's app chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.app_plan import (
    APP_PHASE,
    AppPlanError,
    AppSettings,
    policy_lines,
    read_chart,
    unit_components,
    unused_settings,
)
from ansible_collections.slipway.platform.plugins.module_utils.component_plan import (
    ComponentPlanError,
    build_plan,
)

ROOT = Path(__file__).parents[4]
PROFILES = {
    "small": {
        "resources": {"requests": {"cpu": "50m"}},
        "autoscaling": {"enabled": True, "maxReplicas": 2},
    }
}
CLASSES = {
    "web": PROFILES,
    "worker": {
        "small": {
            "resources": {
                "requests": {"cpu": "25m", "memory": "128Mi"},
                "limits": {"memory": "512Mi"},
            },
            "autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 3},
        }
    },
}


def bundle(*names: str, tag: str = "abc123") -> dict[str, Any]:
    """A release_bundle_info result with one unit per name."""
    units = [
        {"name": name, "tag": tag, "reference": f"registry.example.com/{name}:{tag}"}
        for name in names
    ]
    return {"release": "r1", "units": units, "bundle": {"release": "r1", "units": units}}


def settings(**changes: Any) -> AppSettings:
    base: dict[str, Any] = {
        "env": "staging",
        "chart": "app",
        "chart_version": "0.1.0",
        "chart_path": "charts/app",
        "resource_profile": "small",
        "service_classes": CLASSES,
        "unit_classes": {"worker": "worker"},
    }
    base.update(changes)
    return AppSettings(**base)


def test_units_become_app_chart_releases_in_bundle_order() -> None:
    apps = unit_components(bundle("web", "api", "worker"), settings())
    assert [app.name for app in apps] == ["web", "api", "worker"]
    web = apps[0]
    assert (web.phase, web.namespace, web.release, web.path) == (
        APP_PHASE,
        "apps",
        "web",
        "charts/app",
    )
    assert (web.chart, web.version) == ("app", "0.1.0")
    plan = build_plan([], "staging", apps=apps)
    assert [release.component.name for release in plan.releases] == ["web", "api", "worker"]


def test_values_are_class_then_unit_values_then_what_the_bundle_decides() -> None:
    unit_values = {"web": {"autoscaling": {"maxReplicas": 5}, "env": [{"name": "A", "value": "1"}]}}
    [web] = unit_components(
        bundle("web", tag="latest"),
        settings(
            unit_values=unit_values,
            ingress={"web": None},
            ingress_enabled=True,
            base_domain="example.com",
            domain_style="bare",
            tls_secrets={"web": "web-tls"},
        ),
    )
    assert web.values == {
        "resources": {"requests": {"cpu": "50m"}},
        "autoscaling": {"enabled": True, "maxReplicas": 5},
        "env": [{"name": "A", "value": "1"}],
        "image": {"reference": "registry.example.com/web:latest", "pullPolicy": "Always"},
        "release": "r1",
        "ingress": {"enabled": True, "host": "example.com", "tlsSecretName": "web-tls"},
    }
    # The profile given is not changed by the merge.
    assert PROFILES["small"]["autoscaling"]["maxReplicas"] == 2


def test_no_host_without_ingress() -> None:
    [api] = unit_components(bundle("api"), settings(ingress={"api": "api"}, ingress_enabled=False))
    assert api.values["ingress"] == {"enabled": False, "host": "", "tlsSecretName": ""}
    assert api.values["image"]["pullPolicy"] == "IfNotPresent"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"resource_profile": "huge"},
            r"^apps\.service_classes\.web: needs the values of profile 'huge' "
            r"\(apps\.resource_profile\) as a mapping; it has small$",
        ),
        (
            {"unit_classes": {"api": "batch"}},
            r"^apps\.unit_classes\.api: 'batch' is not one of web, worker$",
        ),
        ({"default_class": "cron"}, r"^apps\.default_class: 'cron' is not one of web, worker$"),
        (
            {"service_classes": {"web": {"small": ["not", "values"]}}},
            r"^apps\.service_classes\.web: needs the values of profile 'small'",
        ),
        (
            {"unit_values": {"web": {"image": {"reference": "x"}}, "api": {"release": "2"}}},
            r"^apps\.unit_values: web\.image, api\.release set image or release",
        ),
        ({"unit_values": {"web": ["not", "a", "mapping"]}}, r"^apps\.unit_values\.web: must be"),
        (
            {"unit_values": {"api": {"env": [{"name": "STRIPE_API_KEY", "value": "sk_live"}]}}},
            r"^apps\.unit_values\.api\.env\[0\]\.value \(STRIPE_API_KEY\): looks like a credential",
        ),
        (
            {
                "ingress": {"web": "Bad_Prefix"},
                "ingress_enabled": True,
                "domain_style": "bare",
                "base_domain": "example.com",
            },
            r"^apps\.ingress\.web: prefix: 'Bad_Prefix' is not a DNS label",
        ),
    ],
    ids=[
        "profile",
        "unknown-class",
        "unknown-default-class",
        "class-values-not-a-mapping",
        "pinned-keys",
        "not-a-mapping",
        "secret-env",
        "bad-host",
    ],
)
def test_bad_settings_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(AppPlanError, match=message):
        unit_components(bundle("web", "api"), settings(**changes))


def test_a_bundle_of_the_wrong_shape_names_the_field() -> None:
    with pytest.raises(AppPlanError, match=r"^bundle: must be the result of release_bundle_info"):
        unit_components({"units": []}, settings())
    with pytest.raises(AppPlanError, match=r"^bundle\.units\[0\]\.reference: is required"):
        unit_components({"release": "r1", "units": [{"name": "web"}]}, settings())


def test_unused_settings_are_listed() -> None:
    extra = settings(unit_values={"web": {}, "gone": {}}, ingress={"old": "old"})
    assert unused_settings(bundle("web"), extra) == ["gone", "old", "worker"]


def test_each_unit_runs_with_its_class_policy_shown_in_the_plan() -> None:
    web, worker = unit_components(bundle("web", "worker"), settings())
    assert worker.values["resources"] == CLASSES["worker"]["small"]["resources"]
    assert worker.values["autoscaling"]["maxReplicas"] == 3
    assert web.values["resources"] == PROFILES["small"]["resources"]
    assert (web.note, worker.note) == (
        "unit of release r1, class web",
        "unit of release r1, class worker",
    )
    assert policy_lines(settings(), (web, worker)) == [
        "unit web: class web (small); requests cpu 50m; limits -; HPA 1-2",
        "unit worker: class worker (small); requests cpu 25m memory 128Mi; "
        "limits memory 512Mi; HPA 1-3",
    ]


def test_a_unit_may_not_share_a_name_with_a_catalog_component() -> None:
    catalog = {
        "web": {
            "phase": 1,
            "namespace": "data",
            "chart": "c",
            "version": "1.0.0",
            "repo": "https://charts.example.com",
        }
    }
    with pytest.raises(ComponentPlanError, match=r"^bundle\.units: web also name catalog"):
        build_plan([catalog], "dev", apps=unit_components(bundle("web"), settings()))


def test_read_chart(tmp_path: Path) -> None:
    assert read_chart(str(ROOT), "charts/app")[0] == "app"
    with pytest.raises(AppPlanError, match=r"^apps\.chart_path: cannot read nope/Chart\.yaml"):
        read_chart(str(tmp_path), "nope")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "Chart.yaml").write_text("name: c\n")
    with pytest.raises(AppPlanError, match=r"has no name and version"):
        read_chart(str(tmp_path), "c")


@pytest.mark.parametrize(
    ("tls_secrets", "secret"),
    [({}, "web-tls"), ({"web": "shop-cert"}, "shop-cert")],
)
def test_tls_issuer_gives_every_unit_ingress_a_certificate(
    tls_secrets: dict[str, str], secret: str
) -> None:
    [web] = unit_components(
        bundle("web"),
        settings(
            ingress={"web": "shop"},
            ingress_enabled=True,
            base_domain="example.com",
            domain_style="env_suffixed",
            tls_secrets=tls_secrets,
            tls_issuer="letsencrypt-dns",
        ),
    )
    assert web.values["ingress"] == {
        "enabled": True,
        "host": "shop-staging.example.com",
        "tlsSecretName": secret,
        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-dns"},
    }


def test_tls_issuer_changes_nothing_without_ingress() -> None:
    [api] = unit_components(
        bundle("api"),
        settings(ingress={"api": "api"}, ingress_enabled=False, tls_issuer="selfsigned-ca"),
    )
    assert api.values["ingress"] == {"enabled": False, "host": "", "tlsSecretName": ""}
