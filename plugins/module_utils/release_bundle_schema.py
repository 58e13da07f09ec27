"""JSON Schema of the release bundle format, for editors and CI.

``schemas/release-bundle.schema.json`` is this dictionary written out as JSON; a
unit test keeps the two identical. The schema checks structure only: which keys
exist, their types and formats. Environment rules (tag policy, registries,
required units, digests, compatibility ranges met) need the inventory and are
applied by :func:`release_bundle.validate_bundle`.
"""

from __future__ import annotations

from typing import Any

SCHEMA_ID = "https://example.invalid/slipway/platform/schemas/release-bundle.schema.json"

_SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_GIT_SHA = r"^[0-9a-f]{7,40}$"

BUNDLE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Slipway release bundle",
    "description": (
        "One release: the set of images built together, deployed as one. "
        "See docs/release-bundles.md."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "release", "units"],
    "properties": {
        "apiVersion": {"const": "slipway.platform/v1"},
        "kind": {"const": "ReleaseBundle"},
        "release": {
            "description": (
                "The release id: a SemVer version (1.4.2) or a git SHA (7-40 lowercase hex digits)."
            ),
            "type": "string",
            "anyOf": [{"pattern": _SEMVER}, {"pattern": _GIT_SHA}],
        },
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "git_sha": {"type": "string", "pattern": _GIT_SHA},
                "built_at": {"type": "string", "description": "RFC 3339 time of the build."},
                "source": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Where the source lives.",
                },
            },
        },
        "units": {
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/unit"},
        },
        "compatibility": {
            "type": "array",
            "items": {"$ref": "#/$defs/constraint"},
        },
    },
    "$defs": {
        "unit": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "image", "tag"],
            "properties": {
                "name": {
                    "description": "Unit name; also the Helm release name.",
                    "type": "string",
                    "maxLength": 53,
                    "pattern": r"^[a-z]([-a-z0-9]*[a-z0-9])?$",
                },
                "image": {
                    "description": "Image repository with its registry, without tag or digest.",
                    "type": "string",
                    "pattern": r"^[^@:/]+(:[0-9]{1,5})?/[^@:]+$|^[^@:]+$",
                },
                "tag": {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"},
                "digest": {
                    "type": "string",
                    "pattern": r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$",
                },
                "version": {
                    "description": "The unit's own SemVer version, for compatibility ranges.",
                    "type": "string",
                    "pattern": _SEMVER,
                },
            },
        },
        "constraint": {
            "type": "object",
            "additionalProperties": False,
            "required": ["unit", "requires", "range"],
            "properties": {
                "unit": {"type": "string", "description": "The unit that depends on another."},
                "requires": {"type": "string", "description": "The unit it depends on."},
                "range": {
                    "type": "string",
                    "minLength": 1,
                    "description": (
                        "SemVer range the required unit's version must meet, e.g. '>=3.0.0 <4.0.0'."
                    ),
                },
            },
        },
    },
}


def bundle_schema() -> dict[str, Any]:
    """Return the JSON Schema of the release bundle format."""
    return BUNDLE_SCHEMA
