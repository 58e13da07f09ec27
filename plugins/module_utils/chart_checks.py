"""Offline checks of what a plan renders: custom resources against CRDs, values against charts.

``helm template`` renders whatever a chart's templates produce and ignores values keys
the chart does not know; the API server is stricter. Two checks close that gap without
a cluster:

- Every custom resource rendered in a plan is validated against the
  CustomResourceDefinitions rendered in the same plan, the way the API server's strict
  field validation does: types (null included), required fields, enum, pattern, simple
  bounds, list-type uniqueness, and unknown fields, with the Kubernetes extensions
  (``nullable``, ``x-kubernetes-preserve-unknown-fields``, ``x-kubernetes-int-or-string``,
  ``x-kubernetes-embedded-resource``). CEL rules (``x-kubernetes-validations``) and
  ``format`` are not checked. A custom resource whose CRD the plan does not render
  (k3s ships Traefik's) is listed as not checked.
- Every values key path a release sets must exist in the chart's ``values.yaml`` or
  ``values.schema.json`` (subcharts included), unless the catalog lists it as free-form.

Chart archives are read with tarfile in memory, never extracted: only the few files
needed, each under a size limit, and no member name leaving the chart folder.
Names starting with ``_`` are private to this file.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; component_plan reports its absence (missing_required_lib).
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.slipway.platform.plugins.module_utils.files import SAFE_LOADER

try:
    import jsonschema
except ImportError:
    # Only the allOf/anyOf/oneOf/not value validations of a CRD need it; they are skipped.
    JSONSCHEMA_MISSING = True
else:
    JSONSCHEMA_MISSING = False

CRD_API_VERSION = "apiextensions.k8s.io/v1"
# API groups the API server serves itself: their objects are not custom resources.
BUILTIN_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)
# Fields of every object the API server validates itself (ObjectMeta, type meta).
_TOP_LEVEL_FIELDS = ("apiVersion", "kind", "metadata")
# Deeper than any real CRD or values file; beyond it nothing is checked (and it is said).
MAX_DEPTH = 64
# Findings kept per custom resource; a broken template can produce thousands.
MAX_FINDINGS_PER_RESOURCE = 50
# Chart files read from an archive or a chart directory, at most this large.
MAX_MEMBER_BYTES = 4 * 1024 * 1024
# Subcharts nested deeper than this are not read.
MAX_SUBCHART_DEPTH = 4
# Local $refs followed in a row, and schema branches (allOf/anyOf/oneOf) looked at, per key.
_MAX_REFS = 16
_MAX_BRANCHES = 64
# Longest scalar shown in a message.
_MAX_SHOWN = 40
_CHART_FILES = ("Chart.yaml", "values.yaml", "values.schema.json")
# A values path a template reads: .Values.a.b.c (helm's own objects never start so).
_VALUES_REFERENCE = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_JSON_TYPES = {
    "object": "object",
    "array": "array",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
}


class ChartChecksError(ValueError):
    """A chart cannot be read safely; the message names the chart and the file."""


class ChartUnreadable(ChartChecksError):
    """A chart file is not an archive at all, so nothing in it can be checked."""


class ChartChecksFailed(Exception):
    """The checks found errors; carries the message and the module result to report."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        """Keep the module result next to the message."""
        super().__init__(message)
        self.result = result


GVK = tuple[str, str, str]


@dataclass(frozen=True)
class Finding:
    """One result of the custom resource check: an error, or a resource not checked."""

    release: str
    resource: str
    path: str
    message: str
    checked: bool = True

    def __str__(self) -> str:
        """Return the finding as one line: release, kind/name, field path, problem."""
        where = f"{self.path}: " if self.path else ""
        return f"{self.release}: {self.resource}: {where}{self.message}"


@dataclass(frozen=True)
class ChartDefaults:
    """What a chart declares about its values: values.yaml, values.schema.json, subcharts."""

    name: str
    values: Any = None
    schema: Any = None
    # Subchart values key (its alias or name) to what it declares.
    subcharts: Mapping[str, ChartDefaults] = field(default_factory=dict)
    # Dotted paths named as dependency conditions in Chart.yaml (e.g. postgresql.enabled).
    conditions: tuple[str, ...] = ()
    # Dotted values paths the chart's own templates read (.Values.server.readinessProbe.path):
    # a key a template reads is a key of the chart even where values.yaml leaves it out.
    references: frozenset[str] = frozenset()


# ---------------------------------------------------------------- custom resources


def _group_version(api_version: Any) -> tuple[str, str]:
    """Split an apiVersion into (group, version); the core group is ''."""
    text = str(api_version or "")
    group, _sep, version = text.rpartition("/")
    return group, version


def _pairs(documents: Iterable[Any]) -> Iterable[tuple[str, Any]]:
    """Yield (release, document) from pairs or bare documents (release '')."""
    for item in documents:
        if isinstance(item, tuple):
            release, document = item
            yield str(release), document
        else:
            yield "", item


def crd_schemas(documents: Iterable[Any]) -> dict[GVK, dict[str, Any]]:
    """Return (group, version, kind) -> openAPIV3Schema of every served version of each CRD.

    documents are rendered manifest documents, or (release, document) pairs.
    """
    schemas: dict[GVK, dict[str, Any]] = {}
    for _release, document in _pairs(documents):
        if not isinstance(document, dict):
            continue
        if document.get("apiVersion") != CRD_API_VERSION:
            continue
        if document.get("kind") != "CustomResourceDefinition":
            continue
        spec = document.get("spec")
        if not isinstance(spec, dict) or not isinstance(spec.get("names"), dict):
            continue
        group = str(spec.get("group") or "")
        kind = str(spec["names"].get("kind") or "")
        for version in spec.get("versions") or []:
            if not isinstance(version, dict) or not version.get("served", True):
                continue
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if isinstance(schema, dict):
                schemas[(group, str(version.get("name") or ""), kind)] = schema
    return schemas


def _resource(document: dict[str, Any]) -> str:
    """Return 'Kind name' of a document for a finding."""
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return f"{document.get('kind')} {name or '(no name)'}"


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    # bool before int: True is an int to Python, a boolean to JSON.
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_name(value: Any) -> str:
    """Return the JSON type name of a value, as the API server words it."""
    for python_type, name in _TYPE_NAMES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _has_type(value: Any, wanted: str) -> bool:
    """Tell whether value is of the OpenAPI type wanted."""
    actual = _type_name(value)
    if wanted == "number":
        return actual in ("integer", "number")
    if wanted == "integer" and actual == "number":
        return float(value).is_integer()
    return actual == wanted


def _join(path: str, key: str) -> str:
    """Append an object key to a field path."""
    return f"{path}.{key}" if path else key


def _shown(value: Any) -> str:
    """Return a short, safe rendering of a scalar for a message (strings are not shown)."""
    if isinstance(value, str):
        return "string value"
    text = json.dumps(value) if not isinstance(value, (dict, list)) else _type_name(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _scalar_errors(value: Any, schema: dict[str, Any]) -> list[str]:
    """Return the problems of a value against enum, pattern and bounds (no types)."""
    errors: list[str] = []
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(
        value == item and _type_name(value) == _type_name(item) for item in enum
    ):
        choices = ", ".join(json.dumps(item) for item in enum[:10])
        errors.append(f"{_shown(value)} is not one of [{choices}]")
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                matched = re.search(pattern, value) is not None
            except re.error:
                matched = True
            if not matched:
                errors.append(f"does not match the pattern {pattern!r}")
        if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
            errors.append(f"is longer than {schema['maxLength']} characters")
        if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
            errors.append(f"is shorter than {schema['minLength']} characters")
    if _type_name(value) in ("integer", "number"):
        errors.extend(_bound_errors(value, schema))
    return errors


def _bound_errors(value: float, schema: dict[str, Any]) -> list[str]:
    """Return the problems of a number against minimum, maximum and multipleOf."""
    errors: list[str] = []
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if isinstance(minimum, (int, float)) and not isinstance(minimum, bool):
        below = value <= minimum if schema.get("exclusiveMinimum") is True else value < minimum
        if below:
            errors.append(f"{_shown(value)} is below the minimum {minimum}")
    if isinstance(maximum, (int, float)) and not isinstance(maximum, bool):
        above = value >= maximum if schema.get("exclusiveMaximum") is True else value > maximum
        if above:
            errors.append(f"{_shown(value)} is above the maximum {maximum}")
    step = schema.get("multipleOf")
    if not isinstance(step, (int, float)) or isinstance(step, bool) or step <= 0:
        return errors
    if not float(value / step).is_integer():
        errors.append(f"{_shown(value)} is not a multiple of {step}")
    return errors


def _composition_errors(value: Any, schema: dict[str, Any], path: str) -> list[tuple[str, str]]:
    """Return (path, problem) of a value against allOf/anyOf/oneOf/not (plain JSON Schema)."""
    parts = {key: schema[key] for key in ("allOf", "anyOf", "oneOf", "not") if key in schema}
    if not parts or JSONSCHEMA_MISSING:
        return []
    errors = []
    # Structural schemas allow only value validations (no types, no extensions) in these.
    for error in jsonschema.Draft4Validator(parts).iter_errors(value):
        where = path + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        keyword = str(error.validator)
        if keyword in ("anyOf", "oneOf"):
            errors.append((where, f"matches none of the {keyword} schemas"))
        elif keyword == "not":
            errors.append((where, "matches the schema under not"))
        else:
            errors.append((where, f"fails {keyword} {json.dumps(error.validator_value)[:60]}"))
    return errors


def _list_errors(value: list[Any], schema: dict[str, Any]) -> list[str]:
    """Return the problems of an array against its size bounds and list type."""
    errors: list[str] = []
    if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
        errors.append(f"has more than {schema['maxItems']} items")
    if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
        errors.append(f"has fewer than {schema['minItems']} items")
    list_type = schema.get("x-kubernetes-list-type")
    keys: list[str] = []
    if list_type == "map":
        keys = [str(key) for key in schema.get("x-kubernetes-list-map-keys") or []]
    if schema.get("uniqueItems") is True or list_type in ("set", "map"):
        seen: set[str] = set()
        for item in value:
            if keys and isinstance(item, dict):
                identity = json.dumps([item.get(key) for key in keys], sort_keys=True)
            else:
                identity = json.dumps(item, sort_keys=True, default=str)
            if identity in seen:
                what = f"key ({', '.join(keys)})" if keys else "value"
                errors.append(f"has a duplicate {what}")
                break
            seen.add(identity)
    return errors


def _check_type(value: Any, schema: dict[str, Any]) -> str:
    """Return the type problem of a value ('' when none), nullable and int-or-string included."""
    int_or_string = schema.get("x-kubernetes-int-or-string") is True
    wanted = "integer or string" if int_or_string else schema.get("type")
    if value is None:
        # A null is refused unless the field is nullable; a defaulted field gets its default.
        allowed = schema.get("nullable") is True or "default" in schema or not wanted
        return "" if allowed else f"null is not of type {wanted}"
    if int_or_string:
        fits = _type_name(value) in ("integer", "string")
    else:
        fits = not (isinstance(wanted, str) and wanted in _JSON_TYPES) or _has_type(value, wanted)
    return "" if fits else f"{_type_name(value)} is not of type {wanted}"


def _object_children(
    value: dict[str, Any], schema: dict[str, Any], path: str, top: bool
) -> tuple[list[tuple[str, str]], list[tuple[Any, Any, str]]]:
    """Return ((path, problem), (child value, child schema, child path)) of an object."""
    errors: list[tuple[str, str]] = []
    children: list[tuple[Any, Any, str]] = []
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    for name in schema.get("required") or []:
        if name not in value and not (
            isinstance(properties.get(name), dict) and "default" in properties[name]
        ):
            errors.append((_join(path, str(name)), "Required value"))
    for bound, word in (("maxProperties", "more"), ("minProperties", "fewer")):
        limit = schema.get(bound)
        if isinstance(limit, int) and (
            len(value) > limit if word == "more" else len(value) < limit
        ):
            errors.append((path, f"has {word} than {limit} properties"))
    extra = schema.get("additionalProperties")
    free = schema.get("x-kubernetes-preserve-unknown-fields") is True or extra is True
    embedded = schema.get("x-kubernetes-embedded-resource") is True
    for key, child in value.items():
        child_path = _join(path, str(key))
        if (top or embedded) and key in _TOP_LEVEL_FIELDS:
            # The API server validates type meta and ObjectMeta itself, not by the schema.
            continue
        if key in properties:
            children.append((child, properties[key], child_path))
        elif isinstance(extra, dict):
            children.append((child, extra, child_path))
        elif not free:
            errors.append((child_path, f'unknown field "{key}"'))
    return errors, children


def _validate(document: dict[str, Any], schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (field path, problem) of a document against a structural schema, iteratively."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, Any, str, int]] = [(document, schema, "", 0)]
    while stack and len(problems) < MAX_FINDINGS_PER_RESOURCE:
        value, node, path, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        if depth > MAX_DEPTH:
            problems.append((path, f"nested deeper than {MAX_DEPTH} levels; not checked further"))
            continue
        type_error = _check_type(value, node)
        if type_error:
            problems.append((path, type_error))
            continue
        if value is None:
            continue
        problems.extend((path, error) for error in _scalar_errors(value, node))
        problems.extend(_composition_errors(value, node, path))
        children: list[tuple[Any, Any, str]] = []
        if isinstance(value, dict):
            errors, children = _object_children(value, node, path, top=depth == 0)
            problems.extend(errors)
        elif isinstance(value, list):
            problems.extend((path, error) for error in _list_errors(value, node))
            items = node.get("items")
            children = [(item, items, f"{path}[{index}]") for index, item in enumerate(value)]
        # Reversed, so problems come out in document order.
        stack.extend((child, sub, where, depth + 1) for child, sub, where in reversed(children))
    return problems[:MAX_FINDINGS_PER_RESOURCE]


def validate_custom_resources(
    documents: Iterable[Any], schemas: Mapping[GVK, dict[str, Any]]
) -> list[Finding]:
    """Validate every custom resource against the CRD schemas; return findings in order.

    documents are (release, document) pairs (or bare documents). A resource whose
    group and kind no schema covers gives one finding with checked=False.
    """
    kinds = {(group, kind): version for group, version, kind in schemas}
    findings: list[Finding] = []
    for release, document in _pairs(documents):
        if not isinstance(document, dict) or "kind" not in document:
            continue
        group, version = _group_version(document.get("apiVersion"))
        if group in BUILTIN_GROUPS:
            continue
        kind = str(document.get("kind"))
        resource = _resource(document)
        schema = schemas.get((group, version, kind))
        if schema is None:
            if (group, kind) in kinds:
                message = f"version {version} of {kind}.{group} is not served by its CRD"
                findings.append(Finding(release, resource, "", message))
            else:
                message = f"not checked: CRD {kind}.{group} not in the plan"
                findings.append(Finding(release, resource, "", message, checked=False))
            continue
        findings.extend(
            Finding(release, resource, path, problem)
            for path, problem in _validate(document, schema)
        )
    return findings


# ---------------------------------------------------------------- values keys


def _free(path: str, free_form: Sequence[str]) -> bool:
    """Tell whether a dotted path is a free-form prefix or below one."""
    return any(path == prefix or path.startswith(prefix + ".") for prefix in free_form)


def _resolve(schema: Any, root: Any, depth: int = 0) -> Any:
    """Follow a local $ref (#/definitions/..., #/$defs/...) a bounded number of times."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < _MAX_REFS:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(target, dict)
                else None
            )
        schema = target
        depth += 1
    return schema


def _schema_branches(schema: Any, root: Any) -> list[dict[str, Any]]:
    """Return a schema node and the nodes of its allOf/anyOf/oneOf, $refs followed."""
    found: list[dict[str, Any]] = []
    pending = [schema]
    while pending and len(found) < _MAX_BRANCHES:
        node = _resolve(pending.pop(), root)
        if not isinstance(node, dict):
            continue
        found.append(node)
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                pending.extend(node[key])
    return found


@dataclass(frozen=True)
class _Source:
    """Where one values path may be declared: a values.yaml node and a schema node."""

    values: Any
    schema: Any
    root_schema: Any
    # Set at a chart's top level, where subchart keys and conditions are looked up.
    chart: ChartDefaults | None = None


def _schema_child(source: _Source, key: str) -> tuple[bool, bool, Any]:
    """Return (known, free-form, child schema) of key under a schema node."""
    known, free, children = False, False, []
    for node in _schema_branches(source.schema, source.root_schema):
        properties = node.get("properties")
        if isinstance(properties, dict) and key in properties:
            known = True
            children.append(properties[key])
            continue
        patterns = node.get("patternProperties")
        for pattern, sub in patterns.items() if isinstance(patterns, dict) else []:
            try:
                if re.search(pattern, key):
                    known = True
                    children.append(sub)
            except re.error:
                continue
        extra = node.get("additionalProperties")
        # An object schema that lists no properties at all takes any keys.
        bare = extra is None and not properties and not patterns and node.get("type") == "object"
        if extra is True or bare:
            known, free = True, True
        elif isinstance(extra, dict):
            known = True
            children.append(extra)
    child = {"allOf": children} if len(children) > 1 else (children[0] if children else None)
    return known, free, child


def _children(sources: list[_Source], key: str) -> tuple[bool, bool, list[_Source]]:
    """Return (known, free-form, sources of the child) for one key of a values mapping."""
    known, free = False, False
    below: list[_Source] = []
    for source in sources:
        if isinstance(source.values, dict) and key in source.values:
            known = True
            default = source.values[key]
            if default is None or default == {}:
                # A map the chart leaves empty (or null) takes any keys.
                free = True
            elif isinstance(default, dict):
                below.append(_Source(default, None, None))
        if source.schema is not None:
            schema_known, schema_free, child = _schema_child(source, key)
            known, free = known or schema_known, free or schema_free
            if child is not None:
                below.append(_Source(None, child, source.root_schema))
        chart = source.chart
        if chart is None:
            continue
        if key in ("global", "tags"):
            known, free = True, True
        elif key in chart.subcharts:
            sub = chart.subcharts[key]
            known = True
            below.append(_Source(sub.values, sub.schema, sub.schema, sub))
    return known, free, below


def _read_by_template(path: str, references: frozenset[str]) -> str:
    """Say how the chart's templates read a values path: "whole", "on-the-way" or "".

    A path on the way to a read key ("server" for ``.Values.server.ha``) is known, and
    the keys below it are checked against what the templates read. A read leaf, or a
    key below a read leaf of at least two levels (``toYaml .Values.server.resources``),
    is taken whole; a template passing ``.Values.server`` around does not make every
    key below it known.
    """
    if any(ref.startswith(f"{path}.") for ref in references):
        return "on-the-way"
    if path in references:
        return "whole"
    parts = path.split(".")
    for size in range(len(parts) - 1, 1, -1):
        above = ".".join(parts[:size])
        if above in references and not any(ref.startswith(f"{above}.") for ref in references):
            return "whole"
    return ""


def unknown_values_keys(
    values: Any,
    chart_values: Any,
    chart_schema: Any = None,
    free_form: Sequence[str] = (),
    *,
    subcharts: Mapping[str, ChartDefaults] | None = None,
    conditions: Sequence[str] = (),
    references: frozenset[str] = frozenset(),
) -> list[str]:
    """Return the sorted dotted paths of values keys the chart declares nowhere.

    A key is declared by the chart's values.yaml (a key under a map it defaults to {}
    or null is free-form), by values.schema.json (properties, patternProperties,
    additionalProperties), by a subchart's own files (``<subchart>.key``), or is
    ``global``. Paths in free_form (dotted prefixes) and below them are accepted. Lists
    are not looked into.
    """
    chart = ChartDefaults("", chart_values, chart_schema, dict(subcharts or {}), tuple(conditions))
    # Dependency conditions (e.g. postgresql.enabled) are values helm reads.
    accepted = set(conditions)
    unknown: list[str] = []
    stack: list[tuple[Any, list[_Source], str, int]] = [
        (values, [_Source(chart_values, chart_schema, chart_schema, chart)], "", 0)
    ]
    while stack:
        node, sources, path, depth = stack.pop()
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            continue
        for key, child in node.items():
            child_path = _join(path, str(key))
            if _free(child_path, free_form) or child_path in accepted:
                continue
            known, free, below = _children(sources, str(key))
            read = "" if known else _read_by_template(child_path, references)
            if read == "on-the-way":
                stack.append((child, [], child_path, depth + 1))
            elif not known and not read:
                unknown.append(child_path)
            elif not free and below:
                stack.append((child, below, child_path, depth + 1))
    return sorted(unknown)


def values_check(values: Any, chart: ChartDefaults, free_form: Sequence[str] = ()) -> list[str]:
    """Return the unknown values key paths of a release against what its chart declares."""
    return unknown_values_keys(
        values,
        chart.values,
        chart.schema,
        free_form,
        subcharts=chart.subcharts,
        conditions=chart.conditions,
        references=chart.references,
    )


# ---------------------------------------------------------------- reading charts


def _safe_member(name: str) -> PurePosixPath | None:
    """Return a member name as a relative path, or None when it could leave the chart."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        return None
    return path


def _parse(where: str, name: str, data: bytes) -> Any:
    """Parse a chart file: values.schema.json as JSON, the others as YAML."""
    try:
        text = data.decode("utf-8")
        if name.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (UnicodeError, ValueError, yaml.YAMLError) as exc:
        raise ChartChecksError(f"{where}: {name} is not valid ({exc})") from exc


def _defaults(
    name: str,
    files: dict[str, Any],
    subcharts: dict[str, ChartDefaults],
    references: frozenset[str] = frozenset(),
) -> ChartDefaults:
    """Return a chart's defaults from its parsed files and its subcharts (aliases mapped)."""
    found = files.get("Chart.yaml")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    by_key = dict(subcharts)
    aliased: set[str] = set()
    direct: set[str] = set()
    conditions: list[str] = []
    for dependency in metadata.get("dependencies") or []:
        if not isinstance(dependency, dict):
            continue
        dep_name = str(dependency.get("name") or "")
        alias = str(dependency.get("alias") or "")
        if alias and dep_name in subcharts:
            by_key[alias] = subcharts[dep_name]
            aliased.add(dep_name)
        elif dep_name:
            direct.add(dep_name)
        for condition in str(dependency.get("condition") or "").split(","):
            if condition.strip():
                conditions.append(condition.strip())
    # An aliased dependency takes its values under the alias only.
    for dep_name in aliased - direct:
        by_key.pop(dep_name, None)
    return ChartDefaults(
        str(metadata.get("name") or name),
        files.get("values.yaml"),
        files.get("values.schema.json"),
        by_key,
        tuple(conditions),
        references,
    )


def _template_references(data: bytes) -> set[str]:
    """Return the dotted values paths a template reads (``.Values.a.b`` -> ``a.b``)."""
    text = data.decode("utf-8", errors="replace")
    return {match[1].lstrip(".") for match in _VALUES_REFERENCE.finditer(text)}


def _read_archive(where: str, data: bytes, depth: int) -> ChartDefaults:
    """Return the defaults of a chart archive held in memory (subchart archives included)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            return _read_tar(where, archive, depth)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ChartUnreadable(f"{where}: not a chart archive ({exc})") from exc


def _read_tar(where: str, archive: tarfile.TarFile, depth: int) -> ChartDefaults:
    """Collect the chart files and subcharts from an open chart archive."""
    charts: dict[str, dict[str, Any]] = {}
    nested: dict[str, ChartDefaults] = {}
    references: set[str] = set()
    root = ""
    for member in archive.getmembers():
        path = _safe_member(member.name)
        if path is None:
            raise ChartChecksError(f"{where}: member {member.name!r} leaves the chart folder")
        if not member.isfile() or len(path.parts) == 1:
            continue
        root = root or path.parts[0]
        inner = path.parts[1:]
        # <chart>/values.yaml, <chart>/charts/<sub>/values.yaml, <chart>/charts/<sub>.tgz
        in_charts = inner[0] == "charts"
        if inner[0] == "templates" and member.size <= MAX_MEMBER_BYTES:
            template = archive.extractfile(member)
            if template is not None:
                references.update(_template_references(template.read(MAX_MEMBER_BYTES)))
            continue
        wanted = inner[-1] in _CHART_FILES and (
            len(inner) == 1 or (in_charts and len(inner) == len(("charts", "sub", "file")))
        )
        subarchive = in_charts and len(inner) == len(("charts", "sub.tgz"))
        subarchive = subarchive and inner[-1].endswith(".tgz")
        if not wanted and not (subarchive and depth < MAX_SUBCHART_DEPTH):
            continue
        if member.size > MAX_MEMBER_BYTES:
            raise ChartChecksError(
                f"{where}: {member.name} is larger than {MAX_MEMBER_BYTES} bytes; refused"
            )
        handle = archive.extractfile(member)
        if handle is None:
            continue
        data = handle.read(MAX_MEMBER_BYTES + 1)
        if subarchive:
            sub = _read_archive(f"{where}:{member.name}", data, depth + 1)
            nested[sub.name] = sub
            continue
        owner = "" if len(inner) == 1 else inner[1]
        charts.setdefault(owner, {})[inner[-1]] = _parse(where, member.name, data)
    for owner, files in charts.items():
        if owner and depth < MAX_SUBCHART_DEPTH:
            sub = _defaults(owner, files, {})
            nested.setdefault(sub.name, sub)
    return _defaults(root, charts.get("", {}), nested, frozenset(references))


def _read_directory(where: str, directory: Path, depth: int) -> ChartDefaults:
    """Return the defaults of a chart directory (subchart folders and archives included)."""
    files: dict[str, Any] = {}
    for name in _CHART_FILES:
        path = directory / name
        if path.is_file() and not path.is_symlink():
            files[name] = _parse(where, name, _read_bounded(where, path))
    nested: dict[str, ChartDefaults] = {}
    charts = directory / "charts"
    if charts.is_dir() and not charts.is_symlink() and depth < MAX_SUBCHART_DEPTH:
        for entry in sorted(charts.iterdir()):
            if entry.is_symlink():
                continue
            if entry.is_dir():
                sub = _read_directory(f"{where}/charts/{entry.name}", entry, depth + 1)
            elif entry.is_file() and entry.name.endswith(".tgz"):
                data = _read_bounded(where, entry, MAX_MEMBER_BYTES * 4)
                sub = _read_archive(f"{where}/charts/{entry.name}", data, depth + 1)
            else:
                continue
            nested[sub.name] = sub
    references: set[str] = set()
    templates = directory / "templates"
    if templates.is_dir() and not templates.is_symlink():
        for template in sorted(templates.rglob("*")):
            if template.is_file() and not template.is_symlink():
                references.update(_template_references(_read_bounded(where, template)))
    return _defaults(directory.name, files, nested, frozenset(references))


def _read_bounded(where: str, path: Path, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Read a file of at most limit bytes."""
    try:
        if path.stat().st_size > limit:
            raise ChartChecksError(f"{where}: {path.name} is larger than {limit} bytes; refused")
        return path.read_bytes()
    except OSError as exc:
        raise ChartChecksError(f"{where}: cannot read {path.name} ({exc})") from exc


def read_chart_defaults(chart: str) -> ChartDefaults:
    """Return what a chart archive (.tgz) or chart directory declares about its values."""
    path = Path(chart)
    if path.is_dir():
        return _read_directory(str(path), path, 0)
    return _read_archive(str(path), _read_bounded(str(path), path, MAX_MEMBER_BYTES * 16), 0)


def manifest_documents(manifest: str) -> list[Any]:
    """Return the documents of a multi-document manifest (empty ones dropped)."""
    try:
        return [
            document
            for document in yaml.load_all(manifest, Loader=SAFE_LOADER)
            if document is not None
        ]
    except yaml.YAMLError as exc:
        raise ChartChecksError(f"rendered manifest is not YAML ({exc})") from exc


# ---------------------------------------------------------------- the plan's checks


@dataclass(frozen=True)
class ReleaseChart:
    """A rendered release: its component name, chart at hand, values and free-form paths."""

    component: str
    chart: str
    values: Any
    free_form: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanChecks:
    """The findings of both checks over every rendered release of a plan."""

    crd_findings: tuple[str, ...] = ()
    values_findings: tuple[str, ...] = ()
    not_checked: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[str, ...]:
        """Return every finding the API server or helm's user would call an error."""
        return (*self.crd_findings, *self.values_findings)

    def record(self) -> dict[str, list[str]]:
        """Return the findings as plain data for the module result and the summary."""
        return {
            "crd_findings": list(self.crd_findings),
            "values_findings": list(self.values_findings),
            "not_checked": list(self.not_checked),
        }


def check_plan(documents: Iterable[tuple[str, Any]], charts: Iterable[ReleaseChart]) -> PlanChecks:
    """Check every custom resource against the plan's CRDs and every release's values keys.

    documents are (release, document) pairs of every rendered release, so a custom
    resource is checked against a CRD another release of the plan renders.
    """
    documents = list(documents)
    findings = validate_custom_resources(documents, crd_schemas(documents))
    not_checked = [str(finding) for finding in findings if not finding.checked]
    values_findings: list[str] = []
    # One read per chart: every unit of a release bundle shares the app chart.
    read: dict[str, ChartDefaults] = {}
    for item in charts:
        where = f"components.{item.component}"
        try:
            if item.chart not in read:
                read[item.chart] = read_chart_defaults(item.chart)
            chart = read[item.chart]
        except ChartUnreadable as exc:
            not_checked.append(f"{where}: values not checked: {exc}")
            continue
        except ChartChecksError as exc:
            raise ChartChecksError(f"{where}: {exc}") from exc
        values_findings.extend(
            f"{where}.values.{path}: not a key of the chart (values.yaml, values.schema.json); "
            "helm would ignore it (list it in free_form_values if the chart takes it free-form)"
            for path in values_check(item.values, chart, item.free_form)
        )
    return PlanChecks(
        tuple(str(finding) for finding in findings if finding.checked),
        tuple(values_findings),
        tuple(not_checked),
    )
