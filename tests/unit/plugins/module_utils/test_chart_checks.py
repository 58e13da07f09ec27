from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.chart_checks import (
    ChartChecksError,
    ChartDefaults,
    crd_schemas,
    manifest_documents,
    read_chart_defaults,
    unknown_values_keys,
    validate_custom_resources,
    values_check,
)

# A small Cluster-like CRD: the shapes CloudNativePG's Cluster uses, in a few lines.
CLUSTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["instances"],
            "properties": {
                "instances": {"type": "integer", "minimum": 1, "maximum": 9},
                "imageName": {"type": "string", "pattern": "^[a-z0-9./:-]+$"},
                "primaryUpdateStrategy": {"type": "string", "enum": ["unsupervised", "supervised"]},
                "postgresql": {
                    "type": "object",
                    "properties": {
                        "parameters": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                    },
                },
                "maxUnavailable": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "description": {"type": "string", "nullable": True},
                "logLevel": {"type": "string", "default": "info"},
                "plugins": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}},
                    },
                },
                "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object", "properties": {}}},
                },
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "clusters.postgresql.cnpg.io"},
    "spec": {
        "group": "postgresql.cnpg.io",
        "names": {"kind": "Cluster", "plural": "clusters"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": CLUSTER_SCHEMA},
            },
            {
                "name": "v1alpha1",
                "served": False,
                "storage": False,
                "schema": {"openAPIV3Schema": {}},
            },
        ],
    },
}


def cluster(**spec: Any) -> dict[str, Any]:
    """Return a Cluster named db with instances: 1 plus the given spec fields."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "db", "labels": {"a": "b"}},
        "spec": {"instances": 1, **spec},
    }


def test_crd_schemas_keeps_served_versions() -> None:
    schemas = crd_schemas([("operator", CRD), ("operator", {"kind": "ConfigMap"}), ("x", None)])
    assert schemas == {("postgresql.cnpg.io", "v1", "Cluster"): CLUSTER_SCHEMA}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(cluster(), [], id="minimal"),
        pytest.param(
            cluster(
                imageName="ghcr.io/cloudnative-pg/postgresql:17",
                primaryUpdateStrategy="supervised",
                postgresql={"parameters": {"max_connections": "100"}},
                maxUnavailable="25%",
                description=None,
                logLevel=None,
                plugins=[{"name": "a"}, {"name": "b"}],
                raw={"anything": {"goes": [1, 2]}},
                template={"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
            ),
            [],
            id="every-field-valid",
        ),
        pytest.param(cluster(maxUnavailable=1), [], id="int-or-string-int"),
        pytest.param(
            cluster(postgresql=None),
            ["db: Cluster db: spec.postgresql: null is not of type object"],
            id="null-object",
        ),
        pytest.param(
            cluster(imageName=None),
            ["db: Cluster db: spec.imageName: null is not of type string"],
            id="null-string",
        ),
        pytest.param(
            {**cluster(), "spec": {}},
            ["db: Cluster db: spec.instances: Required value"],
            id="required",
        ),
        pytest.param(
            cluster(instances="3"),
            ["db: Cluster db: spec.instances: string is not of type integer"],
            id="type",
        ),
        pytest.param(
            cluster(instances=0),
            ["db: Cluster db: spec.instances: 0 is below the minimum 1"],
            id="minimum",
        ),
        pytest.param(
            cluster(primaryUpdateStrategy="sometimes"),
            [
                "db: Cluster db: spec.primaryUpdateStrategy: string value is not one of "
                '["unsupervised", "supervised"]'
            ],
            id="enum",
        ),
        pytest.param(
            cluster(imageName="Bad Image"),
            ["db: Cluster db: spec.imageName: does not match the pattern '^[a-z0-9./:-]+$'"],
            id="pattern",
        ),
        pytest.param(
            cluster(maxUnavailable=True),
            ["db: Cluster db: spec.maxUnavailable: boolean is not of type integer or string"],
            id="int-or-string-bool",
        ),
        pytest.param(
            cluster(postgresql={"parameters": {"max_connections": 100}}),
            [
                "db: Cluster db: spec.postgresql.parameters.max_connections: "
                "integer is not of type string"
            ],
            id="additional-properties-schema",
        ),
        pytest.param(
            cluster(postgresql={"paramaters": {}}),
            ['db: Cluster db: spec.postgresql.paramaters: unknown field "paramaters"'],
            id="unknown-field",
        ),
        pytest.param(
            {**cluster(), "extra": 1},
            ['db: Cluster db: extra: unknown field "extra"'],
            id="unknown-top-level-field",
        ),
        pytest.param(
            cluster(plugins=[{"name": "a"}, {"name": "a"}, {}]),
            [
                "db: Cluster db: spec.plugins: has a duplicate key (name)",
                "db: Cluster db: spec.plugins[2].name: Required value",
            ],
            id="list-map",
        ),
        pytest.param(
            cluster(template={"kind": "Pod", "spec": {"nope": 1}}),
            ['db: Cluster db: spec.template.spec.nope: unknown field "nope"'],
            id="embedded-resource",
        ),
        pytest.param(
            {**cluster(postgresql=None), "spec": {"postgresql": None, "bogus": 1}},
            [
                "db: Cluster db: spec.instances: Required value",
                'db: Cluster db: spec.bogus: unknown field "bogus"',
                "db: Cluster db: spec.postgresql: null is not of type object",
            ],
            id="every-finding-at-once",
        ),
    ],
)
def test_validate_custom_resources(document: dict[str, Any], expected: list[str]) -> None:
    schemas = crd_schemas([CRD])
    findings = validate_custom_resources([("db", document)], schemas)
    assert [str(finding) for finding in findings] == expected
    assert all(finding.checked for finding in findings)


def test_resources_without_a_crd_in_the_plan_are_not_checked() -> None:
    middleware = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": "strip"},
        "spec": {"whatever": None},
    }
    builtin = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    old = {**cluster(), "apiVersion": "postgresql.cnpg.io/v1alpha1"}
    findings = validate_custom_resources(
        [("web", middleware), ("web", builtin), ("db", old)], crd_schemas([CRD])
    )
    assert [(str(finding), finding.checked) for finding in findings] == [
        ("web: Middleware strip: not checked: CRD Middleware.traefik.io not in the plan", False),
        (
            "db: Cluster db: version v1alpha1 of Cluster.postgresql.cnpg.io "
            "is not served by its CRD",
            True,
        ),
    ]


def test_deep_schemas_are_bounded() -> None:
    schema: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    document: dict[str, Any] = {}
    for _level in range(5000):
        schema = {"type": "object", "properties": {"a": schema}}
        document = {"a": document}
    findings = validate_custom_resources(
        [("r", {"apiVersion": "x.io/v1", "kind": "K", "metadata": {"name": "n"}, **document})],
        {("x.io", "v1", "K"): schema},
    )
    assert len(findings) == 1
    assert "nested deeper than 64 levels" in str(findings[0])


def test_findings_per_resource_are_capped() -> None:
    document = {**cluster(), **{f"f{index}": index for index in range(500)}}
    findings = validate_custom_resources([("db", document)], crd_schemas([CRD]))
    assert len(findings) == 50


CHART_VALUES = {
    "replicaCount": 1,
    "resources": {},
    "podAnnotations": None,
    "image": {"repository": "x", "tag": ""},
    "server": {"ha": {"enabled": False, "config": ""}},
    "hosts": [{"host": "a"}],
    "postgresql": {"auth": {"database": "x"}},
}
CHART_SCHEMA = {
    "type": "object",
    "properties": {
        "mode": {"type": "string"},
        "labels": {"type": "object"},
        "extraEnv": {"type": "object", "additionalProperties": {"type": "string"}},
        "limits": {"type": "object", "properties": {"cpu": {"type": "string"}}},
        "ports": {"$ref": "#/definitions/ports"},
        "opts": {"allOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]},
    },
    "patternProperties": {"^x-": {"type": "string"}},
    "definitions": {
        "ports": {"type": "object", "properties": {"http": {"type": "integer"}}},
    },
}
SUBCHARTS = {
    "postgresql": ChartDefaults(
        "postgresql", {"auth": {"username": ""}, "primary": {"resources": {}}}, None
    ),
    "db": ChartDefaults(
        "clickhouse", None, {"type": "object", "properties": {"shards": {"type": "integer"}}}
    ),
}


@pytest.mark.parametrize(
    ("values", "free_form", "expected"),
    [
        pytest.param({"replicaCount": 2, "image": {"tag": "1"}}, (), [], id="known"),
        pytest.param(
            {"replicas": 2, "image": {"tagg": "1"}}, (), ["image.tagg", "replicas"], id="unknown"
        ),
        pytest.param(
            {"resources": {"limits": {"cpu": 1}}, "podAnnotations": {"a": "b"}},
            (),
            [],
            id="empty-or-null-map-is-free-form",
        ),
        pytest.param({"hosts": [{"anything": 1}]}, (), [], id="lists-not-looked-into"),
        pytest.param(
            {"mode": "x", "labels": {"a": "b"}, "extraEnv": {"A": "1"}, "x-team": "t"},
            (),
            [],
            id="schema-only-keys",
        ),
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi"}, "ports": {"http": 1, "https": 2}},
            (),
            ["limits.memory", "ports.https"],
            id="schema-properties-closed",
        ),
        pytest.param({"opts": {"a": 1, "b": 2, "c": 3}}, (), ["opts.c"], id="schema-allof"),
        pytest.param(
            {"postgresql": {"auth": {"database": "d", "username": "u", "bogus": 1}}},
            (),
            ["postgresql.auth.bogus"],
            id="subchart-and-parent-values",
        ),
        pytest.param(
            {"postgresql": {"enabled": True, "primary": {"resources": {"a": 1}}}},
            (),
            [],
            id="subchart-condition",
        ),
        pytest.param(
            {"db": {"shards": 2, "replicas": 2}}, (), ["db.replicas"], id="subchart-schema-alias"
        ),
        pytest.param({"global": {"storageClass": "x"}, "tags": {"a": True}}, (), [], id="global"),
        pytest.param(
            {"server": {"ha": {"config": {"listener": {}}, "raft": {}}}, "config": {"a": 1}},
            ("config", "server.ha.raft"),
            [],
            id="free-form-prefixes",
        ),
        pytest.param({"configs": 1}, ("config",), ["configs"], id="free-form-is-a-path-prefix"),
    ],
)
def test_unknown_values_keys(
    values: dict[str, Any], free_form: tuple[str, ...], expected: list[str]
) -> None:
    assert (
        unknown_values_keys(
            values,
            CHART_VALUES,
            CHART_SCHEMA,
            free_form,
            subcharts=SUBCHARTS,
            conditions=("postgresql.enabled",),
        )
        == expected
    )


# What the templates of a chart read, as read_chart_defaults collects it.
_REFERENCES = frozenset({"server.readinessProbe.path", "server.resources", "server.ha.enabled"})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # values.yaml leaves it out (commented out upstream) but a template reads it.
        pytest.param({"server": {"readinessProbe": {"path": "/h"}}}, [], id="read-leaf"),
        # A leaf read whole (toYaml .Values.server.resources) takes any key below it.
        pytest.param(
            {"server": {"resources": {"limits": {"cpu": 1}}}}, [], id="subtree-read-whole"
        ),
        # server is read only on the way to other keys: keys below it stay checked.
        pytest.param(
            {"server": {"readinessProbe": {"port": 1}}},
            ["server.readinessProbe.port"],
            id="sibling-of-a-read-key",
        ),
        pytest.param({"server": {"typo": 1}}, ["server.typo"], id="not-read"),
        pytest.param({"serverx": 1}, ["serverx"], id="prefix-is-not-a-path"),
    ],
)
def test_keys_a_template_reads_are_keys_of_the_chart(
    values: dict[str, Any], expected: list[str]
) -> None:
    chart_values = {"server": {"image": "vault"}}
    assert unknown_values_keys(values, chart_values, None, references=_REFERENCES) == expected


def test_template_references_are_read_from_an_archive(tmp_path: Path) -> None:
    archive = _tar(
        {
            "c/Chart.yaml": b"name: c\nversion: 1.0.0\n",
            "c/values.yaml": b"server: {}\n",
            "c/templates/sts.yaml": b"{{ if .Values.server.readinessProbe.path }}x{{ end }}",
        }
    )
    (tmp_path / "c-1.0.0.tgz").write_bytes(archive)
    chart = read_chart_defaults(str(tmp_path / "c-1.0.0.tgz"))
    assert "server.readinessProbe.path" in chart.references


def test_no_values_file_and_no_schema_knows_nothing() -> None:
    assert unknown_values_keys({"a": {"b": 1}}, None, None) == ["a"]


def _tar(files: dict[str, bytes]) -> bytes:
    """Return a gzipped tar archive holding files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _yaml(data: Any) -> bytes:
    return yaml.safe_dump(data).encode()


def test_read_chart_defaults_from_an_archive_with_subcharts(tmp_path: Path) -> None:
    sub = _tar(
        {
            "redis/Chart.yaml": _yaml({"name": "redis", "version": "1.0.0"}),
            "redis/values.yaml": _yaml({"auth": {"enabled": True}}),
        }
    )
    archive = tmp_path / "app-1.0.0.tgz"
    archive.write_bytes(
        _tar(
            {
                "app/Chart.yaml": _yaml(
                    {
                        "name": "app",
                        "version": "1.0.0",
                        "dependencies": [
                            {"name": "redis", "alias": "cache", "condition": "cache.enabled"},
                            {"name": "pg"},
                        ],
                    }
                ),
                "app/values.yaml": _yaml({"replicaCount": 1}),
                "app/values.schema.json": json.dumps({"properties": {"mode": {}}}).encode(),
                "app/templates/x.yaml": b"{{ bad",
                "app/charts/redis-1.0.0.tgz": sub,
                "app/charts/pg/Chart.yaml": _yaml({"name": "pg"}),
                "app/charts/pg/values.yaml": _yaml({"port": 5432}),
            }
        )
    )
    chart = read_chart_defaults(str(archive))
    assert (chart.name, chart.values, chart.conditions) == (
        "app",
        {"replicaCount": 1},
        ("cache.enabled",),
    )
    assert sorted(chart.subcharts) == ["cache", "pg"]
    values = {
        "replicaCount": 2,
        "mode": "a",
        "cache": {"enabled": True, "auth": {"enabled": False, "x": 1}},
        "redis": {"auth": {}},
        "pg": {"port": 1},
    }
    assert values_check(values, chart, ("pg.port",)) == ["cache.auth.x", "redis"]


def test_read_chart_defaults_from_a_directory(tmp_path: Path) -> None:
    chart_dir = tmp_path / "panel"
    (chart_dir / "charts" / "sub").mkdir(parents=True)
    (chart_dir / "Chart.yaml").write_text("name: panel\nversion: 1.0.0\n")
    (chart_dir / "values.yaml").write_text("a: {b: 1}\n")
    (chart_dir / "charts" / "sub" / "values.yaml").write_text("c: 1\n")
    chart = read_chart_defaults(str(chart_dir))
    assert values_check({"a": {"b": 2, "z": 1}, "sub": {"c": 2}}, chart) == ["a.z"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param({"../evil/values.yaml": b"a: 1"}, "leaves the chart folder", id="traversal"),
        pytest.param({"/abs/values.yaml": b"a: 1"}, "leaves the chart folder", id="absolute"),
        pytest.param(
            {"app/values.yaml": b"#" * (4 * 1024 * 1024 + 1)}, "larger than", id="oversized"
        ),
        pytest.param({"app/values.yaml": b"a: [1"}, "values.yaml is not valid", id="bad-yaml"),
        pytest.param(
            {"app/values.schema.json": b"{"}, "values.schema.json is not valid", id="bad-json"
        ),
    ],
)
def test_read_chart_defaults_refuses_unsafe_archives(
    tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    archive = tmp_path / "app.tgz"
    archive.write_bytes(_tar(files))
    with pytest.raises(ChartChecksError, match=message):
        read_chart_defaults(str(archive))


def test_read_chart_defaults_refuses_a_non_archive(tmp_path: Path) -> None:
    archive = tmp_path / "app.tgz"
    archive.write_bytes(b"not a tar")
    with pytest.raises(ChartChecksError, match="not a chart archive"):
        read_chart_defaults(str(archive))


def test_manifest_documents() -> None:
    assert manifest_documents("---\n# c\n---\nkind: A\n---\nkind: B\n") == [
        {"kind": "A"},
        {"kind": "B"},
    ]
    with pytest.raises(ChartChecksError, match="not YAML"):
        manifest_documents("a: [")
