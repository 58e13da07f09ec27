from __future__ import annotations

import itertools

import pytest
import semver

from ansible_collections.slipway.platform.plugins.module_utils.release_bundle_semver import (
    SemverError,
    Version,
    is_semver,
    parse_range,
    parse_version,
    satisfies,
)

# The semver.org 2.0 precedence example, in order, plus a few edge cases.
ORDERED = [
    "0.0.1",
    "0.1.0",
    "1.0.0-0",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
]


@pytest.mark.parametrize(("left", "right"), list(itertools.combinations(ORDERED, 2)))
def test_precedence_agrees_with_the_semver_package(left: str, right: str) -> None:
    ours = (parse_version(left).key() > parse_version(right).key()) - (
        parse_version(left).key() < parse_version(right).key()
    )
    assert ours == semver.Version.parse(left).compare(right) == -1


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1.4.2", True),
        ("0.0.0", True),
        ("1.0.0-rc.1+build.5", True),
        ("10.20.30", True),
        ("1.4", False),
        ("01.4.2", False),
        ("1.4.2-", False),
        ("v1.4.2", False),
        ("latest", False),
        ("1.4.2-01", False),
        ("", False),
    ],
)
def test_is_semver_agrees_with_the_semver_package(text: str, valid: bool) -> None:
    assert is_semver(text) is valid
    assert semver.Version.is_valid(text) is valid


def test_version_round_trip() -> None:
    version = parse_version("1.0.0-rc.1+build.5")
    assert version == Version(1, 0, 0, ("rc", "1"), ("build", "5"))
    assert str(version) == "1.0.0-rc.1+build.5"
    # Build metadata does not change precedence.
    assert version.key() == parse_version("1.0.0-rc.1").key()


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        (">=3.0.0 <4.0.0", ["3.0.0", "3.9.9"], ["2.9.9", "4.0.0", "4.0.0-rc.1"]),
        ("^3.1.0", ["3.1.0", "3.99.0"], ["3.0.9", "4.0.0", "4.0.0-0", "3.2.0-beta"]),
        (">=2.0.0-rc.1 <2.0.0", ["2.0.0-rc.1", "2.0.0-rc.2"], ["2.0.0", "2.0.1-rc.1", "1.9.0"]),
        ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "0.2.2"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4", "0.0.2"]),
        ("~1.2.3", ["1.2.3", "1.2.99"], ["1.3.0", "1.2.2"]),
        ("1.2.3", ["1.2.3"], ["1.2.4"]),
        ("=1.2.3", ["1.2.3"], ["1.2.4"]),
        (">1.0.0 <=1.2.0", ["1.0.1", "1.2.0"], ["1.0.0", "1.2.1"]),
        ("<1.0.0 || >=2.0.0", ["0.9.0", "2.0.0", "7.0.0"], ["1.0.0", "1.5.0"]),
    ],
)
def test_ranges(spec: str, inside: list[str], outside: list[str]) -> None:
    bounds = parse_range(spec)
    assert all(satisfies(parse_version(text), bounds) for text in inside)
    assert not any(satisfies(parse_version(text), bounds) for text in outside)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "the range is empty"),
        (">=1.0.0 ||", "empty alternative"),
        (">=1", "'1' is not a SemVer version"),
        ("=>1.0.0", "is not a SemVer version"),
        ("1.x", "'1.x' is not a SemVer version"),
    ],
)
def test_bad_ranges(spec: str, message: str) -> None:
    with pytest.raises(SemverError, match=message):
        parse_range(spec)
