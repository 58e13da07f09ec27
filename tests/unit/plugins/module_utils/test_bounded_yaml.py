from __future__ import annotations

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    InputLimits,
    input_limits,
    load,
    load_all,
)


def nested_aliases(levels: int, width: int = 9) -> str:
    """width**levels values once expanded, in a few hundred bytes."""
    lines = ["l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "limits", "problem", "line"),
    [
        (nested_aliases(9), InputLimits(), "more than 200000 values once its aliases are", 6),
        (nested_aliases(3), InputLimits(max_nodes=500), "more than 500 values", 3),
        ("[" * 100_000 + "]" * 100_000, InputLimits(), "nested more than 64 levels deep", 1),
        (
            "a:\n" + "".join(" " * n + "b:\n" for n in range(1, 12)),
            InputLimits(max_depth=8),
            "nested more than 8 levels deep",
            9,
        ),
        ("a: &a [1, *a]\n", InputLimits(), "alias *a refers to a node that contains it", 1),
        ("a: 1\n" * 301, InputLimits(max_bytes=1000), "1505 bytes, more than the limit", None),
        ('a: 1\nb: "open\nc: 2\n', InputLimits(), "YAML syntax error at column 4", 2),
        ("a: *nowhere\n", InputLimits(), "found undefined alias", 1),
    ],
    ids=[
        "alias-bomb",
        "max-nodes",
        "deep-flow",
        "deep-block",
        "recursive",
        "size",
        "quote",
        "undefined",
    ],
)
def test_input_beyond_a_limit_is_refused_by_name(
    text: str, limits: InputLimits, problem: str, line: int | None
) -> None:
    with pytest.raises(InputError) as info:
        load(text, "override.yml", limits)
    assert problem in info.value.problem
    assert info.value.line == line
    assert str(info.value).startswith("override.yml")


def test_input_within_the_limits_loads_as_plain_yaml() -> None:
    assert load("a: &x {k: 1}\nb: *x\nc: {<<: *x, j: 2}\n", "f") == {
        "a": {"k": 1},
        "b": {"k": 1},
        "c": {"k": 1, "j": 2},
    }
    assert load("", "f") is None
    assert load('{"json": [1, 2.5, null, true]}', "f") == {"json": [1, 2.5, None, True]}
    assert load_all("---\na: 1\n---\n---\nb: 2\n", "f") == [{"a": 1}, {"b": 2}]


def test_every_document_of_a_stream_counts_toward_the_limit() -> None:
    with pytest.raises(InputError, match="more than 10 values"):
        load_all("--- [1, 2, 3, 4, 5, 6]\n--- [1, 2, 3, 4, 5, 6]\n", "f", InputLimits(max_nodes=10))


def test_size_counts_bytes_not_characters() -> None:
    with pytest.raises(InputError, match="1200 bytes"):
        load("a: " + "é" * 598 + "\n", "f", InputLimits(max_bytes=1000))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_nodez": 5}, "slipway_input_limits.max_nodez: is not a limit"),
        ({"max_bytes": 0}, "slipway_input_limits.max_bytes: 0 is not a positive integer"),
        ({"max_depth": "9"}, "slipway_input_limits.max_depth: '9' is not a positive integer"),
        ({"max_units": True}, "slipway_input_limits.max_units: True is not a positive integer"),
        (["max_bytes"], "slipway_input_limits: must be a mapping"),
    ],
)
def test_limits_name_the_wrong_field(overrides: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        input_limits(overrides)
    assert str(info.value).startswith(message)


def test_limits_default_and_override() -> None:
    assert input_limits(None) == InputLimits()
    assert input_limits({"max_units": 5}) == InputLimits(max_units=5)
