from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.catalog import (
    CatalogError,
    ExecCheck,
    Upstream,
    WaitCondition,
    parse_catalog,
    parse_component,
)


def entry(**changes: Any) -> dict[str, Any]:
    """A valid catalog entry with changes applied (None removes a key)."""
    base: dict[str, Any] = {
        "phase": 1,
        "namespace": "data",
        "chart": "valkey",
        "version": "1.0.0",
        "repo": "https://valkey.io/valkey-helm/",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def test_defaults_are_filled_in() -> None:
    component = parse_component("valkey", entry())
    assert component.release == "valkey"
    assert component.archive == "valkey-1.0.0.tgz"
    assert component.enabled is True
    assert component.values == {}
    assert component.smoke.rollout == ()


@pytest.mark.parametrize(
    ("flag", "expected"),
    [(True, True), (False, False), ("true", True), ("False", False), (" true ", True)],
)
def test_enabled_flag(flag: Any, expected: bool) -> None:
    assert parse_component("valkey", entry(enabled=flag)).enabled is expected


def test_smoke_checks_are_parsed() -> None:
    component = parse_component(
        "db",
        entry(
            smoke={
                "rollout": ["deployment/db", "statefulset/db-replica"],
                "wait": [{"resource": "pod", "selector": "app=db", "condition": "Ready"}],
                "exec": {"target": "pod/db-1", "container": "postgres", "command": ["pg_isready"]},
                "get_raw": "/healthz",
            }
        ),
    )
    assert component.smoke.rollout == ("deployment/db", "statefulset/db-replica")
    assert component.smoke.wait == (WaitCondition("pod", "Ready", "app=db"),)
    assert component.smoke.exec == ExecCheck("pod/db-1", ("pg_isready",), "postgres")
    assert component.smoke.get_raw == "/healthz"


def test_url_source_with_checksum() -> None:
    component = parse_component(
        "arango",
        entry(repo=None, url="https://example.com/c-1.0.0.tgz", sha256="A" * 64),
    )
    assert component.url == "https://example.com/c-1.0.0.tgz"
    assert component.sha256 == "a" * 64


@pytest.mark.parametrize(
    "path", ["charts/openpanel", "charts/app", "tests/standins/charts/generic"]
)
def test_path_source_has_no_archive(path: str) -> None:
    component = parse_component("panel", entry(repo=None, path=path))
    assert (component.path, component.repo, component.url) == (path, "", "")
    assert component.archive == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"path": "/srv/charts/panel"},
            r"^components\.x\.path: '/srv/charts/panel' must be relative to the collection root$",
        ),
        ({"path": "../outside"}, r"^components\.x\.path: '\.\./outside' must stay inside"),
        ({"path": "charts/../../etc"}, r"^components\.x\.path: .* must stay inside"),
        ({"path": "charts//panel"}, r"^components\.x\.path: .* must be a relative folder path"),
        ({"path": "charts/pan el"}, r"^components\.x\.path: .* must be a relative folder path"),
        ({"path": "./charts/panel"}, r"^components\.x\.path: .* must be a relative folder path"),
        ({"path": "charts/panel/"}, r"^components\.x\.path: .* must be a relative folder path"),
        ({"path": ["charts"]}, r"^components\.x\.path: must be a string, got list"),
        (
            {"path": "charts/panel", "sha256": "a" * 64},
            r"^components\.x\.sha256: makes no sense with path .*never checksummed",
        ),
        (
            {"path": "charts/panel", "archive": "panel-1.0.0.tgz"},
            r"^components\.x\.archive: makes no sense with path",
        ),
    ],
)
def test_path_source_rejects(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CatalogError, match=field):
        parse_component("x", entry(repo=None, **changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"path": "charts/panel"},
        {"repo": None, "url": "https://e.com/a.tgz", "path": "charts/panel"},
        {"repo": None},
    ],
)
def test_exactly_one_chart_source(changes: dict[str, Any]) -> None:
    with pytest.raises(CatalogError) as info:
        parse_component("x", entry(**changes))
    assert str(info.value) == (
        "components.x.repo: give exactly one of repo (a chart repository), "
        "url (an archive) or path (a chart directory in the collection), or only "
        "upstream for a chart published as source alone"
    )


UPSTREAM = {
    "repository": "github:valkey-io/valkey-helm",
    "path": "valkey",
    "ref": "dbcf6a6093cab69ef174ed0c1bb679ba92d0bf2d",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        (
            {"upstream": UPSTREAM},
            Upstream("github:valkey-io/valkey-helm", "valkey", UPSTREAM["ref"]),
        ),
        (
            {"upstream": UPSTREAM | {"path": "."}},
            Upstream("github:valkey-io/valkey-helm", ".", UPSTREAM["ref"]),
        ),
        (
            {
                "upstream": UPSTREAM | {"path": "deploy/helm/x"},
                "repo": None,
                "url": "https://e/a.tgz",
            },
            Upstream("github:valkey-io/valkey-helm", "deploy/helm/x", UPSTREAM["ref"]),
        ),
        # A chart published only as source: upstream is its one source.
        ({"upstream": UPSTREAM, "repo": None}, Upstream(**UPSTREAM)),
        # A chart whose Chart.yaml holds a placeholder version (cert-manager's v0.0.0).
        (
            {"upstream": UPSTREAM | {"set_version": True}},
            Upstream(**UPSTREAM, set_version=True),
        ),
    ],
)
def test_upstream_is_parsed(changes: dict[str, Any], expected: Upstream | None) -> None:
    assert parse_component("valkey", entry(**changes)).upstream == expected


@pytest.mark.parametrize(
    ("upstream", "message"),
    [
        (
            "github:a/b",
            r"^components\.x\.upstream: must be a mapping with repository, path, ref, got str",
        ),
        (
            UPSTREAM | {"tag": "v1"},
            r"^components\.x\.upstream: unknown key\(s\) tag; known: repository",
        ),
        (
            UPSTREAM | {"set_version": "yes"},
            r"^components\.x\.upstream\.set_version: must be true or false, got str",
        ),
        ({**UPSTREAM, "repository": None}, r"^components\.x\.upstream\.repository: is required"),
        ({**UPSTREAM, "path": ""}, r"^components\.x\.upstream\.path: is required"),
        (
            {"repository": UPSTREAM["repository"], "path": "v"},
            r"^components\.x\.upstream\.ref: is required",
        ),
        (UPSTREAM | {"ref": 12}, r"^components\.x\.upstream\.ref: must be a string, got int"),
        (
            UPSTREAM | {"repository": "https://github.com/a/b"},
            r"^components\.x\.upstream\.repository: 'https://github\.com/a/b' must be github:<",
        ),
        (
            UPSTREAM | {"repository": "github:a"},
            r"^components\.x\.upstream\.repository: 'github:a' must be",
        ),
        (UPSTREAM | {"path": "../x"}, r"^components\.x\.upstream\.path: '\.\./x' must be '\.' or"),
        (UPSTREAM | {"path": "/abs"}, r"^components\.x\.upstream\.path: '/abs' must be"),
        (
            UPSTREAM | {"ref": "v0.11.0"},
            r"^components\.x\.upstream\.ref: 'v0\.11\.0' must be a full commit id",
        ),
        (
            UPSTREAM | {"ref": "DBCF6A6093CAB69EF174ED0C1BB679BA92D0BF2D"},
            r"^components\.x\.upstream\.ref: .*40 lowercase",
        ),
        (
            UPSTREAM | {"ref": "dbcf6a6"},
            r"^components\.x\.upstream\.ref: 'dbcf6a6' must be a full commit id",
        ),
    ],
)
def test_upstream_rejects(upstream: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_component("x", entry(upstream=upstream))


def test_path_entry_takes_no_upstream() -> None:
    with pytest.raises(CatalogError, match=r"^components\.x\.upstream: makes no sense with path"):
        parse_component("x", entry(repo=None, path="charts/panel", upstream=UPSTREAM))


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("Bad_Name", entry(), r"components\.Bad_Name: the name must be a DNS label"),
        ("x", "not a mapping", r"components\.x: must be a mapping, got str"),
        ("x", entry(colour="blue"), r"components\.x: unknown key\(s\) colour"),
        ("x", entry(phase=7), r"components\.x\.phase: must be one of \(0, 1, 2, 3\)"),
        ("x", entry(phase=True), r"components\.x\.phase: must be one of"),
        ("x", entry(namespace=None), r"components\.x\.namespace: is required"),
        ("x", entry(namespace="Data"), r"components\.x\.namespace: 'Data' is not a DNS label"),
        ("x", entry(chart=3), r"components\.x\.chart: must be a string, got int"),
        ("x", entry(version="latest"), r"components\.x\.version: 'latest' is not a pinned SemVer"),
        ("x", entry(version="1.0"), r"components\.x\.version: '1\.0' is not a pinned SemVer"),
        ("x", entry(repo=None), r"components\.x\.repo: give exactly one of repo"),
        ("x", entry(url="https://e.com/a.tgz"), r"components\.x\.repo: give exactly one of repo"),
        (
            "x",
            entry(repo="http://insecure.example"),
            r"components\.x\.repo: .* must start with https:// or oci://",
        ),
        ("x", entry(repo=None, url="https://e.com/a.zip"), r"components\.x\.url: .* \.tgz archive"),
        ("x", entry(sha256="xyz"), r"components\.x\.sha256: must be 64 hexadecimal"),
        ("x", entry(archive="../evil.tgz"), r"components\.x\.archive: .* plain file name"),
        ("x", entry(enabled="maybe"), r"components\.x\.enabled: must be true or false"),
        ("x", entry(values=["a"]), r"components\.x\.values: must be a mapping, got list"),
        ("x", entry(depends_on="db"), r"components\.x\.depends_on: must be a list, got str"),
        ("x", entry(depends_on=["Db"]), r"components\.x\.depends_on: 'Db' is not a valid name"),
        ("x", entry(smoke=["x"]), r"components\.x\.smoke: must be a mapping"),
        ("x", entry(smoke={"ping": 1}), r"components\.x\.smoke: unknown key\(s\) ping"),
        (
            "x",
            entry(smoke={"rollout": ["pod/x"]}),
            r"components\.x\.smoke\.rollout: 'pod/x' is not <kind>/<name>",
        ),
        (
            "x",
            entry(smoke={"wait": [{"resource": "pod"}]}),
            r"components\.x\.smoke\.wait: each item needs",
        ),
        (
            "x",
            entry(smoke={"exec": {"target": "pod/x", "command": "ls"}}),
            r"smoke\.exec\.command: must be a non-empty",
        ),
        (
            "x",
            entry(smoke={"get_raw": "healthz"}),
            r"components\.x\.smoke\.get_raw: must be an API path",
        ),
    ],
)
def test_parse_component_rejects(name: str, value: Any, field: str) -> None:
    with pytest.raises(CatalogError, match=field):
        parse_component(name, value)


def test_parse_catalog_sorts_and_checks_shape() -> None:
    catalog = parse_catalog({"b": entry(), "a": entry()})
    assert [component.name for component in catalog] == ["a", "b"]
    with pytest.raises(CatalogError, match=r"^components: must be a mapping"):
        parse_catalog([entry()])
