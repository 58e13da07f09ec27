from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.release_bundle import (
    BundleError,
    ReleasePolicy,
    validate_bundle,
)

ROOT = Path(__file__).parents[2]
# The one JSON Schema of the bundle format, for editors and CI; release_bundle applies
# the same structure and the environment's rules. These tests keep the two in step.
SCHEMA_FILE = ROOT / "schemas" / "release-bundle.schema.json"


def bundle_schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text()))


# A policy that accepts any well-formed bundle, so only the format is under test.
ANY = ReleasePolicy("dev", "dev", ("registry.example.com",))
VALIDATOR = jsonschema.Draft202012Validator(bundle_schema())


def base() -> dict[str, Any]:
    return {
        "apiVersion": "slipway.platform/v1",
        "kind": "ReleaseBundle",
        "release": "3f9c2ab",
        "units": [{"name": "web", "image": "registry.example.com/shop/web", "tag": "3f9c2ab"}],
    }


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(bundle_schema())


@pytest.mark.parametrize("env", ["dev", "ci", "test", "staging", "prod"])
def test_example_bundles_match_the_schema(env: str) -> None:
    VALIDATOR.validate(yaml.safe_load((ROOT / "releases" / env / "bundle.yml").read_text()))


# Format errors: the schema and the validator must both reject each one.
FORMAT_ERRORS = [
    {"colour": "red"},
    {"kind": "Bundle"},
    {"release": "latest"},
    {"release": 142},
    {"units": []},
    {"units": [{"name": "web", "image": "registry.example.com/shop/web"}]},
    {
        "units": [
            {"name": "web", "image": "registry.example.com/shop/web", "tag": "3f9c2ab", "tga": "x"}
        ]
    },
    {"units": [{"name": "Web", "image": "registry.example.com/shop/web", "tag": "3f9c2ab"}]},
    {
        "units": [
            {"name": "web", "image": "registry.example.com/shop/web:3f9c2ab", "tag": "3f9c2ab"}
        ]
    },
    {
        "units": [
            {
                "name": "web",
                "image": "registry.example.com/shop/web",
                "tag": "3f9c2ab",
                "digest": "sha256:abc",
            }
        ]
    },
    {
        "units": [
            {
                "name": "web",
                "image": "registry.example.com/shop/web",
                "tag": "3f9c2ab",
                "version": "1",
            }
        ]
    },
    {"metadata": {"git_sha": "xyz"}},
    {"metadata": {"built": "now"}},
    {"compatibility": [{"unit": "web", "requires": "api"}]},
]


@pytest.mark.parametrize("change", FORMAT_ERRORS)
def test_schema_and_validator_agree_on_format_errors(change: dict[str, Any]) -> None:
    data = {**base(), **change}
    assert not VALIDATOR.is_valid(data)
    with pytest.raises(BundleError):
        validate_bundle(data, ANY)


def test_schema_and_validator_agree_on_a_valid_bundle() -> None:
    assert VALIDATOR.is_valid(base())
    validate_bundle(base(), ANY)
