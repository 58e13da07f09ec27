from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.deep_merge import (
    MergeError,
    deep_merge,
)


@pytest.mark.parametrize(
    ("base", "overrides", "expected"),
    [
        # mappings merge key by key, recursively
        ({"a": {"b": 1, "c": 2}}, [{"a": {"c": 3}}], {"a": {"b": 1, "c": 3}}),
        ({"a": 1}, [{"b": 2}], {"a": 1, "b": 2}),
        # lists replace
        ({"l": [1, 2]}, [{"l": [3]}], {"l": [3]}),
        ({"l": [1, 2]}, [{"l": []}], {"l": []}),
        # +append appends to the lower list, or starts one
        ({"l": [1]}, [{"l": {"+append": [2, 3]}}], {"l": [1, 2, 3]}),
        ({}, [{"l": {"+append": [1]}}], {"l": [1]}),
        (
            {"a": {"l": [1]}},
            [{"a": {"l": {"+append": [2]}}}, {"a": {"l": {"+append": [3]}}}],
            {"a": {"l": [1, 2, 3]}},
        ),
        # scalars, None and type changes replace
        ({"a": 1}, [{"a": None}], {"a": None}),
        ({"a": {"b": 1}}, [{"a": "x"}], {"a": "x"}),
        ({"a": [1]}, [{"a": {"b": 1}}], {"a": {"b": 1}}),
        # directives below a new or replaced mapping still resolve
        ({"a": 1}, [{"a": {"l": {"+append": [1]}}}], {"a": {"l": [1]}}),
        # later layers win
        ({"a": 1}, [{"a": 2}, {"a": 3}], {"a": 3}),
        # no overrides: a copy of the base
        ({"a": [1]}, [], {"a": [1]}),
    ],
)
def test_deep_merge(base: Any, overrides: list[Any], expected: Any) -> None:
    assert deep_merge(base, *overrides) == expected


def test_deep_merge_leaves_inputs_alone() -> None:
    base = {"a": {"l": [1]}}
    override = {"a": {"l": {"+append": [2]}}}
    merged = deep_merge(base, override)
    merged["a"]["l"].append(9)
    assert base == {"a": {"l": [1]}}
    assert override == {"a": {"l": {"+append": [2]}}}


@pytest.mark.parametrize(
    ("base", "override", "message"),
    [
        (
            {"a": {"b": "x"}},
            {"a": {"b": {"+append": [1]}}},
            r"^a\.b: '\+append' needs a list below it, found str",
        ),
        ({"a": []}, {"a": {"+append": "x"}}, r"^a: '\+append' takes a list, got str"),
        ([], {"+append": 1}, r"^<root>: '\+append' takes a list"),
    ],
)
def test_deep_merge_rejects(base: Any, override: Any, message: str) -> None:
    with pytest.raises(MergeError, match=message):
        deep_merge(base, override)
