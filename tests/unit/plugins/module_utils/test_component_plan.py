from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.catalog import parse_catalog
from ansible_collections.slipway.platform.plugins.module_utils.component_plan import (
    REDACTED,
    ComponentPlanError,
    Selection,
    build_plan,
    chart_source,
    check_chart_directories,
    file_diffs,
    helm_template_argv,
    inline_secrets,
    local_chart,
    merge_layers,
    order_components,
    plan_files,
    plan_table,
    redact_secrets,
    release_record,
    select_releases,
    sync_files,
)


def comp(phase: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid catalog entry in the given phase."""
    base: dict[str, Any] = {
        "phase": phase,
        "namespace": "data",
        "chart": "chart",
        "version": "1.0.0",
        "repo": "https://charts.example.com",
    }
    base.update(changes)
    return base


def names(catalog: dict[str, Any]) -> list[str]:
    return [component.name for component, _needs in order_components(parse_catalog(catalog))]


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        # phase first, then name when nothing else decides
        ({"b": comp(1), "a": comp(2), "c": comp(0)}, ["c", "b", "a"]),
        # dependencies inside a phase
        (
            {"a": comp(1, depends_on=["b"]), "b": comp(1, depends_on=["c"]), "c": comp(1)},
            ["c", "b", "a"],
        ),
        # a CRD need makes the provider come first
        (
            {
                "app": comp(1, crds=["x.example.com"]),
                "op": comp(1, provides_crds=["x.example.com"]),
            },
            ["op", "app"],
        ),
        # disabled entries are left out
        ({"a": comp(1), "b": comp(1, enabled=False)}, ["a"]),
        # an earlier phase satisfies a later one
        ({"db": comp(1, depends_on=["op"]), "op": comp(0)}, ["op", "db"]),
    ],
)
def test_order(catalog: dict[str, Any], expected: list[str]) -> None:
    assert names(catalog) == expected


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        (
            {"a": comp(depends_on=["ghost"])},
            r"components\.a\.depends_on: unknown component 'ghost'",
        ),
        (
            {"a": comp(depends_on=["b"]), "b": comp(enabled=False)},
            r"components\.a\.depends_on: 'b' is disabled",
        ),
        (
            {"a": comp(1, depends_on=["b"]), "b": comp(2)},
            r"components\.a\.depends_on: 'b' is in phase 2",
        ),
        (
            {"a": comp(crds=["x.example.com"])},
            r"components\.a\.crds: no enabled component provides",
        ),
        (
            {"a": comp(1, crds=["x.example.com"]), "b": comp(3, provides_crds=["x.example.com"])},
            r"components\.a\.crds: 'x\.example\.com' comes from 'b' in the later phase 3",
        ),
        (
            {"a": comp(depends_on=["b"]), "b": comp(depends_on=["c"]), "c": comp(depends_on=["a"])},
            r"components\.a\.depends_on: dependency cycle a -> b -> c -> a",
        ),
        ({"a": comp(depends_on=["a"])}, r"dependency cycle a -> a"),
    ],
)
def test_order_rejects(catalog: dict[str, Any], message: str) -> None:
    with pytest.raises(ComponentPlanError, match=message):
        order_components(parse_catalog(catalog))


def test_a_crd_the_cluster_brings_needs_no_provider() -> None:
    # k3s installs Traefik's CRDs itself: a need for one is met by the cluster, and a
    # provider in the catalog, where there is one, still orders the deploy.
    catalog = {
        "a": comp(crds=["middlewares.traefik.io", "x.example.com"]),
        "b": comp(provides_crds=["x.example.com"]),
    }
    ordered = order_components(parse_catalog(catalog), frozenset({"middlewares.traefik.io"}))
    assert [(c.name, after) for c, after in ordered] == [("b", ()), ("a", ("b",))]
    with pytest.raises(ComponentPlanError, match=r"not among the CRDs the cluster brings"):
        order_components(parse_catalog(catalog))


def test_merge_layers_applies_the_three_layers() -> None:
    defaults = {"a": comp(values={"x": 1, "l": [1]})}
    environment = {"a": {"values": {"x": 2}}}
    override = {"a": {"values": {"l": {"+append": [2]}}, "enabled": False}}
    merged = merge_layers([defaults, environment, None, override])
    assert merged["a"]["values"] == {"x": 2, "l": [1, 2]}
    assert merged["a"]["enabled"] is False
    with pytest.raises(ComponentPlanError, match=r"^layers\[1\]: must be a mapping"):
        merge_layers([defaults, ["not", "a", "mapping"]])


@pytest.mark.parametrize(
    ("values", "found"),
    [
        ({"auth": {"password": "hunter2"}}, ["auth.password"]),
        ({"secrets": {"cookieSecret": "abc"}}, ["secrets.cookieSecret"]),
        ({"env": {"KUBERO_SESSION_KEY": "abc"}}, ["env.KUBERO_SESSION_KEY"]),
        ({"list": [{"apiKey": "sk-1"}]}, ["list[0].apiKey"]),
        ({"auth": {"password": ""}}, []),
        ({"auth": {"existingSecret": "db"}, "secretName": "x", "secretKey": "url"}, []),
        ({"auth": {"passwordKey": "admin"}, "tokenRef": "t"}, []),
        ({"replicas": 2, "token": None}, []),
        # Environment variables the Kubernetes way: the name says what the value is.
        ({"env": [{"name": "DB_PASSWORD", "value": "x"}]}, ["env[0].value (DB_PASSWORD)"]),
        ({"env": [{"name": "SECRET_KEY_BASE", "value": "x"}]}, ["env[0].value (SECRET_KEY_BASE)"]),
        ({"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db"}}}]}, []),
        ({"env": [{"name": "LOG_LEVEL", "value": "debug"}]}, []),
    ],
)
def test_inline_secrets(values: dict[str, Any], found: list[str]) -> None:
    assert inline_secrets(values) == found


def test_build_plan_refuses_inline_credentials() -> None:
    with pytest.raises(
        ComponentPlanError, match=r"components\.a\.values\.auth\.password: looks like a credential"
    ):
        build_plan([{"a": comp(values={"auth": {"password": "hunter2"}})}], "dev")


def test_build_plan_records_needs_and_namespaces() -> None:
    plan = build_plan(
        [
            {
                "op": comp(0, namespace="platform", provides_crds=["x.example.com"]),
                "db": comp(1, crds=["x.example.com"], secrets=["db-app"]),
                "off": comp(2, enabled=False, note="why"),
                "ks": comp(0, namespace="kube-system"),
            }
        ],
        "staging",
        {"apps": {"pod_security": "restricted"}},
    )
    assert [release.component.name for release in plan.releases] == ["ks", "op", "db"]
    db = plan.releases[2]
    assert db.order == 3
    assert db.after == ("op",)
    assert db.secrets == ("data/db-app",)
    assert [component.name for component in plan.disabled] == ["off"]
    assert [(spec.name, spec.pod_security) for spec in plan.namespaces] == [
        ("apps", "restricted"),
        ("data", "baseline"),
        ("platform", "baseline"),
    ]
    table = plan_table(plan, ["db"])
    assert table[-2:] == ["disabled: off", "rendered with helm: db"]


def test_build_plan_rejects_bad_pod_security() -> None:
    with pytest.raises(
        ComponentPlanError, match=r"namespaces\.apps\.pod_security: 'open' is not one of"
    ):
        build_plan([{}], "dev", {"apps": {"pod_security": "open"}})


@pytest.mark.parametrize(
    ("changes", "chart_dir", "ref", "repo_url"),
    [
        ({}, "", "chart", "https://charts.example.com"),
        ({}, "/srv/charts", "/srv/charts/chart-1.0.0.tgz", ""),
        (
            {"repo": "oci://registry.example.com/charts/"},
            "",
            "oci://registry.example.com/charts/chart",
            "",
        ),
        ({"repo": None, "url": "https://e.com/c-1.0.0.tgz"}, "", "https://e.com/c-1.0.0.tgz", ""),
    ],
)
def test_chart_source(changes: dict[str, Any], chart_dir: str, ref: str, repo_url: str) -> None:
    entry = {key: value for key, value in comp(**changes).items() if value is not None}
    plan = build_plan([{"a": entry}], "dev")
    assert chart_source(plan.releases[0].component, chart_dir) == ref
    assert release_record(plan.releases[0], chart_dir)["chart_repo_url"] == repo_url


PATH_CHART = {"repo": None, "path": "charts/panel", "chart": "panel", "version": "0.1.0"}


@pytest.mark.parametrize("chart_dir", ["", "/srv/airgap/charts"])
def test_path_chart_is_its_directory_even_in_air_gap(chart_dir: str) -> None:
    plan = build_plan([{"panel": comp(**PATH_CHART)}], "dev")
    [release] = plan.releases
    assert chart_source(release.component, chart_dir, collection_dir="/c") == "/c/charts/panel"
    record = release_record(release, chart_dir, collection_dir="/c")
    assert (record["path"], record["chart_ref"], record["chart_repo_url"]) == (
        "charts/panel",
        "/c/charts/panel",
        "",
    )
    assert (record["repo"], record["url"], record["archive"], record["sha256"]) == ("", "", "", "")
    assert local_chart(release.component, chart_dir, collection_dir="/c") == "/c/charts/panel"
    summary = yaml.safe_load(plan_files(plan, chart_dir, collection_dir="/c")["plan.yml"])
    assert summary["releases"][0]["chart_ref"] == "/c/charts/panel"


def test_local_chart_is_an_archive_only_when_it_is_there(tmp_path: Path) -> None:
    plan = build_plan([{"a": comp()}], "dev")
    component = plan.releases[0].component
    assert local_chart(component, "") == ""
    assert local_chart(component, str(tmp_path)) == ""
    (tmp_path / "chart-1.0.0.tgz").write_bytes(b"archive")
    assert local_chart(component, str(tmp_path)) == str(tmp_path / "chart-1.0.0.tgz")


def write_chart(root: Path, chart_yaml: str | None) -> None:
    """Create root/charts/panel, with the given Chart.yaml text unless None."""
    directory = root / "charts" / "panel"
    directory.mkdir(parents=True)
    if chart_yaml is not None:
        (directory / "Chart.yaml").write_text(chart_yaml)


@pytest.mark.parametrize(
    ("chart_yaml", "message"),
    [
        ("apiVersion: v2\nname: panel\nversion: 0.1.0\n", ""),
        (
            "apiVersion: v2\nname: panel\nversion: 0.2.0\n",
            "components.panel.version: 0.1.0 differs from charts/panel/Chart.yaml version 0.2.0",
        ),
        (
            "apiVersion: v2\nname: other\nversion: 0.1.0\n",
            "components.panel.chart: panel differs from charts/panel/Chart.yaml name other",
        ),
        (
            "apiVersion: v2\nname: panel\n",
            "components.panel.version: 0.1.0 differs from charts/panel/Chart.yaml "
            "version (missing)",
        ),
        ("- a list\n", "components.panel.path: charts/panel/Chart.yaml is not a mapping"),
        ("name: [unclosed\n", "components.panel.path: cannot read charts/panel/Chart.yaml ("),
        (None, "components.panel.path: {root}/charts/panel has no Chart.yaml"),
    ],
)
def test_chart_directory_must_hold_the_pinned_chart(
    tmp_path: Path, chart_yaml: str | None, message: str
) -> None:
    write_chart(tmp_path, chart_yaml)
    plan = build_plan([{"panel": comp(**PATH_CHART)}], "dev")
    if not message:
        check_chart_directories(plan, str(tmp_path))
        return
    with pytest.raises(ComponentPlanError) as info:
        check_chart_directories(plan, str(tmp_path))
    assert str(info.value).startswith(message.format(root=tmp_path))


def test_chart_directory_must_exist(tmp_path: Path) -> None:
    plan = build_plan([{"panel": comp(**PATH_CHART)}], "dev")
    with pytest.raises(ComponentPlanError) as info:
        check_chart_directories(plan, str(tmp_path))
    assert str(info.value) == f"components.panel.path: {tmp_path}/charts/panel is not a directory"
    with pytest.raises(ComponentPlanError) as info:
        check_chart_directories(plan, "")
    assert str(info.value) == (
        "components.panel.path: charts/panel needs collection_dir (the collection root)"
    )


def test_disabled_path_charts_are_not_checked(tmp_path: Path) -> None:
    plan = build_plan([{"panel": comp(**PATH_CHART, enabled=False)}], "dev")
    check_chart_directories(plan, str(tmp_path))


def test_plan_files_and_helm_argv() -> None:
    plan = build_plan([{"a": comp(values={"replicas": 2, "config": "line1\nline2\n"})}], "test")
    files = plan_files(plan)
    assert sorted(files) == ["namespaces.yaml", "plan.yml", "values/a.yaml"]
    assert yaml.safe_load(files["values/a.yaml"]) == {"replicas": 2, "config": "line1\nline2\n"}
    assert "config: |" in files["values/a.yaml"]
    summary = yaml.safe_load(files["plan.yml"])
    assert summary["env"] == "test"
    assert summary["releases"][0]["name"] == "a"
    assert "values" not in summary["releases"][0]
    namespaces = list(yaml.safe_load_all(files["namespaces.yaml"]))
    assert namespaces[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "slipway"
    assert namespaces[0]["metadata"]["labels"]["slipway.dev/env"] == "test"
    assert helm_template_argv("helm", plan.releases[0], "/c/a.tgz", "values.yaml", "1.34.0") == [
        "helm", "template", "a", "/c/a.tgz", "--namespace", "data", "--values", "values.yaml",
        "--kube-version", "1.34.0", "--include-crds",
    ]  # fmt: skip


def test_sync_files_is_idempotent_and_prunes(tmp_path: Path) -> None:
    files = {"plan.yml": "a\n", "values/x.yaml": "x\n", "values/y.yaml": "y\n"}
    assert sync_files(str(tmp_path), files, check_mode=False) == (sorted(files), [])
    assert sync_files(str(tmp_path), files, check_mode=False) == ([], [])
    (tmp_path / "notes.txt").write_text("kept: outside the managed folders\n")
    smaller = {"plan.yml": "b\n", "values/x.yaml": "x\n"}
    assert sync_files(str(tmp_path), smaller, check_mode=True) == (["plan.yml"], ["values/y.yaml"])
    assert (tmp_path / "values/y.yaml").exists()
    assert sync_files(str(tmp_path), smaller, check_mode=False) == (["plan.yml"], ["values/y.yaml"])
    assert not (tmp_path / "values/y.yaml").exists()
    assert (tmp_path / "notes.txt").exists()
    assert (tmp_path / "plan.yml").read_text() == "b\n"


CONFIGMAP = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: '1'\n"
SENSITIVE = (
    "---\n# Source: c/templates/secret.yaml\napiVersion: v1\nkind: Secret\n"
    "metadata:\n  name: s\ndata:\n  password: c2VjcmV0\nstringData:\n  token: hunter2\n"
)


@pytest.mark.parametrize(
    ("manifest", "kept", "gone"),
    [
        (CONFIGMAP, [CONFIGMAP], []),
        ("", [""], []),
        (
            SENSITIVE,
            ["# Source: c/templates/secret.yaml", "password:", "token:", REDACTED],
            ["c2VjcmV0", "hunter2"],
        ),
        (
            CONFIGMAP + SENSITIVE + CONFIGMAP,
            [CONFIGMAP, "name: s", REDACTED],
            ["c2VjcmV0", "hunter2"],
        ),
        ("---\napiVersion: v1\nkind: Secret\nmetadata: {name: e}\n", ["name: e"], []),
    ],
)
def test_redact_secrets(manifest: str, kept: list[str], gone: list[str]) -> None:
    redacted = redact_secrets(manifest)
    for text in kept:
        assert text in redacted
    for text in gone:
        assert text not in redacted
    secrets = [doc for doc in yaml.safe_load_all(redacted) if doc and doc["kind"] == "Secret"]
    for secret in secrets:
        for field in ("data", "stringData"):
            assert set(secret.get(field, {}).values()) <= {REDACTED}
    assert redact_secrets(redacted) == redacted


def test_redact_secrets_refuses_what_is_not_yaml() -> None:
    with pytest.raises(ComponentPlanError, match=r"^manifest document 1 is not YAML"):
        redact_secrets("---\nkind: [unclosed\n")


def _diff_file(root: Path, diff: dict[str, str]) -> str:
    """Return the plan file a diff is about, relative to root."""
    header = diff["before_header"] if diff["after_header"] == "(removed)" else diff["after_header"]
    return Path(header).relative_to(root).as_posix()


def test_file_diffs_one_per_changed_file(tmp_path: Path) -> None:
    old = {
        "plan.yml": "a\n",
        "namespaces.yaml": "ns\n",
        "values/x.yaml": "x: 1\n",
        "values/gone.yaml": "g\n",
        "manifests/x.yaml": SENSITIVE,
    }
    sync_files(str(tmp_path), old, check_mode=False)
    new = {
        "plan.yml": "b\n",
        "namespaces.yaml": "ns\n",
        "values/x.yaml": "x: 2\n",
        "values/new.yaml": "n\n",
        "manifests/x.yaml": redact_secrets(SENSITIVE),
    }
    diffs = file_diffs(str(tmp_path), new)
    by_file = {_diff_file(tmp_path, diff): diff for diff in diffs}
    # The summary first; the unchanged namespaces.yaml has no diff.
    assert list(by_file) == [
        "plan.yml",
        "manifests/x.yaml",
        "values/gone.yaml",
        "values/new.yaml",
        "values/x.yaml",
    ]
    assert (by_file["plan.yml"]["before"], by_file["plan.yml"]["after"]) == ("a\n", "b\n")
    assert by_file["values/x.yaml"]["before"] == "x: 1\n"
    assert by_file["values/x.yaml"]["after"] == "x: 2\n"
    assert by_file["values/new.yaml"]["before_header"] == "(absent)"
    assert by_file["values/gone.yaml"]["after_header"] == "(removed)"
    assert by_file["values/gone.yaml"]["after"] == ""
    # A manifest written by an older plan with Secret data in clear is shown redacted.
    assert by_file["manifests/x.yaml"]["before"] == by_file["manifests/x.yaml"]["after"]
    for diff in diffs:
        assert "c2VjcmV0" not in diff["before"] + diff["after"]
        assert "hunter2" not in diff["before"] + diff["after"]
    # file_diffs only reads.
    assert (tmp_path / "plan.yml").read_text() == "a\n"


SELECTABLE = {
    "op": comp(0),
    "db": comp(2),
    "cache": comp(2),
    "off": comp(1, enabled=False),
}


@pytest.mark.parametrize(
    ("selection", "chosen"),
    [
        (Selection(), ["op", "cache", "db"]),
        (Selection(phases=(2,)), ["cache", "db"]),
        (Selection(phases=(0, 2), exclude=("db",)), ["op", "cache"]),
        (Selection(only=("db", "op")), ["op", "db"]),
        (Selection(only=("off",)), []),
        (Selection(component="db"), ["db"]),
        # A disabled component named alone is resolved (a rollback may need it).
        (Selection(component="off"), ["off"]),
    ],
)
def test_select_releases(selection: Selection, chosen: list[str]) -> None:
    plan = build_plan([SELECTABLE], "dev")
    assert [release.component.name for release in select_releases(plan, selection)] == chosen


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            Selection(only=("db", "nope")),
            r"^only: unknown component\(s\) nope; known: op, cache, db, off$",
        ),
        (Selection(exclude=("x", "y")), r"^exclude: unknown component\(s\) x, y; known: "),
        (
            Selection(component="nope"),
            r'^component: "nope" is not in the catalog of dev; '
            r"known components: cache, db, off, op$",
        ),
    ],
)
def test_select_releases_refuses_unknown_names(selection: Selection, message: str) -> None:
    with pytest.raises(ComponentPlanError, match=message):
        select_releases(build_plan([SELECTABLE], "dev"), selection)
