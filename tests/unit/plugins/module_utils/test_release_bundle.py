from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import InputLimits
from ansible_collections.slipway.platform.plugins.module_utils.release_bundle import (
    Bundle,
    BundleError,
    BundleParams,
    ReleasePolicy,
    check_release_bundle,
    load_bundle_text,
    split_image,
    validate_bundle,
)

ROOT = Path(__file__).parents[4]
ENVS = ("dev", "ci", "test", "staging", "prod")
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
REGISTRY = "registry.example.com"

PROD = ReleasePolicy("prod", "prod", (REGISTRY,), ("web", "api"), False, False)
STAGING = ReleasePolicy("staging", "staging", (REGISTRY,), ("web",))
TEST = ReleasePolicy("test", "test", (REGISTRY,))
DEV = ReleasePolicy("dev", "dev", (REGISTRY, "localhost:5000"))


def bundle(release: str = "1.4.2", **overrides: Any) -> dict[str, Any]:
    """A valid two-unit bundle (pinned, SemVer) with top-level overrides."""
    data: dict[str, Any] = {
        "apiVersion": "slipway.platform/v1",
        "kind": "ReleaseBundle",
        "release": release,
        "units": [
            {"name": "web", "image": f"{REGISTRY}/shop/web", "tag": release, "digest": DIGEST_A},
            {
                "name": "api",
                "image": f"{REGISTRY}/shop/api",
                "tag": release,
                "digest": DIGEST_B,
                "version": "3.1.0",
            },
        ],
        "compatibility": [{"unit": "web", "requires": "api", "range": ">=3.0.0 <4.0.0"}],
    }
    data.update(overrides)
    return data


def unit(index: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that changes (or, with value None, removes) keys of one unit."""

    def mutate(data: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                data["units"][index].pop(key, None)
            else:
                data["units"][index][key] = value

    return mutate


def top(**changes: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that changes (or, with value None, removes) top-level keys."""

    def mutate(data: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value

    return mutate


def changed(data: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Return data after a mutation."""
    mutate(data)
    return data


def everywhere(release: str) -> Callable[[dict[str, Any]], None]:
    """A mutation that moves the release and every unit's tag to a new release id."""

    def mutate(data: dict[str, Any]) -> None:
        data["release"] = release
        for item in data["units"]:
            item["tag"] = release

    return mutate


def violations(data: Any, policy: ReleasePolicy) -> list[tuple[str, str]]:
    with pytest.raises(BundleError) as info:
        validate_bundle(data, policy)
    return [(item.location, f"{item.problem} (fix: {item.fix})") for item in info.value.violations]


@pytest.mark.parametrize(
    ("policy", "data", "references"),
    [
        (
            PROD,
            bundle(),
            {"web": f"{REGISTRY}/shop/web@{DIGEST_A}", "api": f"{REGISTRY}/shop/api@{DIGEST_B}"},
        ),
        (
            STAGING,
            bundle(),
            {"web": f"{REGISTRY}/shop/web@{DIGEST_A}", "api": f"{REGISTRY}/shop/api@{DIGEST_B}"},
        ),
        # Unpinned where allowed: repo:tag; a v-prefixed tag carries the same release.
        (
            STAGING,
            changed(bundle(), unit(0, digest=None, tag="v1.4.2")),
            {"web": f"{REGISTRY}/shop/web:v1.4.2", "api": f"{REGISTRY}/shop/api@{DIGEST_B}"},
        ),
        # dev: a git SHA release, every unit 'latest', a localhost registry.
        (
            DEV,
            bundle(
                "3f9c2ab",
                units=[
                    {"name": "web", "image": "localhost:5000/web", "tag": "latest"},
                    {
                        "name": "api",
                        "image": f"{REGISTRY}/shop/api",
                        "tag": "latest",
                        "version": "3.2.0",
                    },
                ],
            ),
            {"web": "localhost:5000/web:latest", "api": f"{REGISTRY}/shop/api:latest"},
        ),
        (
            TEST,
            bundle(
                "3f9c2ab",
                units=[
                    {"name": "web", "image": f"{REGISTRY}/shop/web", "tag": "3f9c2ab"},
                    {
                        "name": "api",
                        "image": f"{REGISTRY}/shop/api",
                        "tag": "3f9c2ab",
                        "version": "3.0.0",
                    },
                ],
            ),
            {"web": f"{REGISTRY}/shop/web:3f9c2ab", "api": f"{REGISTRY}/shop/api:3f9c2ab"},
        ),
        # Pre-release allowed outside prod; ranges with ^, ~ and ||.
        (
            STAGING,
            bundle(
                "2.0.0-rc.1",
                compatibility=[
                    {"unit": "web", "requires": "api", "range": "^3.1.0"},
                    {"unit": "api", "requires": "web", "range": "~1.9.0 || >=2.0.0-rc.1 <2.0.0"},
                ],
            ),
            {"web": f"{REGISTRY}/shop/web@{DIGEST_A}", "api": f"{REGISTRY}/shop/api@{DIGEST_B}"},
        ),
    ],
    ids=["prod", "staging", "staging-unpinned", "dev-latest", "test-sha", "ranges"],
)
def test_valid_bundles(
    policy: ReleasePolicy, data: dict[str, Any], references: dict[str, str]
) -> None:
    result = validate_bundle(data, policy)
    assert result.references == references
    # Normalized output is itself a valid bundle that gives the same result.
    assert validate_bundle(result.as_dict(), policy) == result


@pytest.mark.parametrize(
    ("policy", "mutate", "expected"),
    [
        (PROD, top(release="latest"), [("release", "'latest' names no build")]),
        (PROD, top(release="v1.4.2"), [("release", "has a 'v' prefix")]),
        (PROD, top(release="1.4"), [("release", "neither a SemVer version nor a git SHA")]),
        (PROD, top(release=142), [("release", r"got a number \(142\); quote it")]),
        (
            STAGING,
            everywhere("3f9c2ab"),
            [("release", "git SHA; staging deploys SemVer releases only")],
        ),
        (
            PROD,
            everywhere("1.4.2-rc.1"),
            [("release", "pre-release '1.4.2-rc.1' is not allowed in prod")],
        ),
        (STAGING, top(release="1.4.2+build.7"), [("release", "build metadata")]),
        (PROD, unit(1, tag="latest"), [("units[1].tag", "'latest' is not allowed in prod")]),
        (
            PROD,
            unit(1, tag="1.4.1"),
            [("units[1].tag", "'1.4.1' is not release '1.4.2'.*one build")],
        ),
        (
            PROD,
            unit(0, digest=None),
            [("units[0].digest", "missing; prod pins every image by digest")],
        ),
        (PROD, unit(0, digest="sha256:abc"), [("units[0].digest", "is not a digest")]),
        (
            PROD,
            unit(0, image="docker.io/library/web"),
            [("units[0].image", "registry 'docker.io' is not allowed")],
        ),
        (
            PROD,
            unit(0, image="web"),
            [("units[0].image", r"registry 'docker.io' \(implied by 'web'\)")],
        ),
        (
            PROD,
            unit(0, image=f"{REGISTRY}/shop/web:1.4.2"),
            [("units[0].image", "carries a tag.*units\\[0\\].tag")],
        ),
        (
            PROD,
            unit(0, image=f"{REGISTRY}/shop/web@{DIGEST_A}"),
            [("units[0].image", "carries a digest")],
        ),
        (
            PROD,
            unit(0, image=f"{REGISTRY}/Shop/web"),
            [("units[0].image", "is not an image repository")],
        ),
        (
            PROD,
            unit(0, tga="1.4.2", tag=None),
            [
                ("units[0].tag", "missing"),
                ("units[0].tga", "did you mean 'tag'.*rename it to 'tag'"),
            ],
        ),
        (PROD, unit(0, colour="red"), [("units[0].colour", "unknown key.*remove it; known keys")]),
        (PROD, top(unitz=[]), [("unitz", "did you mean 'units'")]),
        (
            PROD,
            unit(0, name="Web_1"),
            [
                ("units[0].name", "is not a unit name"),
                ("units", "required unit 'web' is missing"),
                ("compatibility[0].unit", "'web' is not a unit"),
            ],
        ),
        (
            PROD,
            unit(0, name="w" * 54),
            [
                ("units[0].name", "is not a unit name"),
                ("units", "required unit 'web' is missing"),
                ("compatibility[0].unit", "'web' is not a unit"),
            ],
        ),
        (PROD, unit(1, version="3.1"), [("units[1].version", "is not a SemVer version")]),
        (
            PROD,
            unit(1, name="web"),
            [
                ("units[1].name", "'web' is already units\\[0\\]"),
                ("units", "required unit 'api' is missing"),
                ("compatibility[0].requires", "'api' is not a unit"),
            ],
        ),
        (
            PROD,
            top(units=[]),
            [
                ("units", "empty"),
                ("units", "required unit 'web'"),
                ("units", "required unit 'api'"),
                ("compatibility[0].unit", "not a unit"),
                ("compatibility[0].requires", "not a unit"),
            ],
        ),
        (
            PROD,
            top(units="web"),
            [
                ("units", "expected a list"),
                ("units", "required unit 'web'"),
                ("units", "required unit 'api'"),
                ("compatibility[0].unit", "not a unit"),
                ("compatibility[0].requires", "not a unit"),
            ],
        ),
        (PROD, top(kind="Bundle"), [("kind", "'Bundle' is not 'ReleaseBundle'")]),
        (PROD, top(apiVersion=None), [("apiVersion", "missing")]),
        (
            PROD,
            top(compatibility=[{"unit": "web", "requires": "apx", "range": ">=1.0.0"}]),
            [
                (
                    "compatibility[0].requires",
                    "'apx' is not a unit of this bundle; did you mean 'api'",
                )
            ],
        ),
        (
            PROD,
            top(compatibility=[{"unit": "web", "requires": "api", "range": ">=4.0.0"}]),
            [("compatibility[0]", "'web' needs 'api' '>=4.0.0', but 'api' is 3.1.0")],
        ),
        (
            PROD,
            top(compatibility=[{"unit": "web", "requires": "api", "range": ">=3"}]),
            [("compatibility[0].range", "'3' is not a SemVer version")],
        ),
        (
            PROD,
            top(compatibility=[{"unit": "api", "requires": "api", "range": ">=3.0.0"}]),
            [("compatibility[0]", "requires itself")],
        ),
        (
            PROD,
            top(compatibility=[{"unit": "web", "requires": "api"}]),
            [("compatibility[0].range", "missing")],
        ),
        (
            PROD,
            top(metadata={"git_sha": "xyz", "built": "now"}),
            [
                ("metadata.git_sha", "is not a git SHA"),
                ("metadata.built", "did you mean 'built_at'"),
            ],
        ),
        (
            TEST,
            top(release="3f9c2ab", metadata={"git_sha": "1234567"}),
            [
                ("metadata.git_sha", "'1234567' is not release '3f9c2ab'"),
                ("units[0].tag", "is not release"),
                ("units[1].tag", "is not release"),
            ],
        ),
    ],
)
def test_violations(
    policy: ReleasePolicy, mutate: Callable[[dict[str, Any]], None], expected: list[tuple[str, str]]
) -> None:
    data = copy.deepcopy(bundle())
    mutate(data)
    found = violations(data, policy)
    assert sorted(location for location, _message in found) == sorted(
        location for location, _message in expected
    ), found
    for location, pattern in expected:
        assert any(where == location and re.search(pattern, text) for where, text in found), (
            location,
            found,
        )


@pytest.mark.parametrize(
    ("policy", "tags", "expected"),
    [
        # dev: 'latest' everywhere is one choice; mixed with the release it is a mixed build.
        (DEV, ["latest", "latest"], []),
        (DEV, ["latest", "3f9c2ab"], ["units[0].tag"]),
        (TEST, ["latest", "latest"], ["units[0].tag", "units[1].tag"]),
        (TEST, ["3f9c2ab", "3f9c2ac"], ["units[1].tag"]),
    ],
)
def test_no_mixed_builds(policy: ReleasePolicy, tags: list[str], expected: list[str]) -> None:
    data = bundle("3f9c2ab", compatibility=[])
    for item, tag in zip(data["units"], tags, strict=True):
        item["tag"] = tag
        item.pop("digest")
    if not expected:
        validate_bundle(data, policy)
        return
    assert sorted(location for location, _message in violations(data, policy)) == expected


def test_every_violation_in_one_run() -> None:
    data = bundle("v1.4.2", colour="red")
    data["units"][0].update(tag="latest", image="docker.io/web")
    data["units"][1].pop("digest")
    data["units"].append(dict(data["units"][0]))
    locations = {location for location, _message in violations(data, PROD)}
    assert locations >= {
        "release",
        "colour",
        "units[0].tag",
        "units[0].image",
        "units[1].digest",
        "units[2].name",
        "units[2].tag",
    }


def test_compatibility_needs_a_version_for_a_sha_release() -> None:
    data = bundle("3f9c2ab")
    for item in data["units"]:
        item["tag"] = "3f9c2ab"
    data["compatibility"] = [{"unit": "api", "requires": "web", "range": ">=1.0.0"}]
    found = violations(data, TEST)
    assert [location for location, _message in found] == ["units[0].version"]
    assert "compatibility[0] needs the SemVer version of 'web'" in found[0][1]


@pytest.mark.parametrize(
    ("data", "location", "pattern"),
    [
        (["not", "a", "mapping"], "(bundle)", "expected a mapping, got a list"),
        (None, "(bundle)", r"got nothing \(null\)"),
    ],
)
def test_not_a_mapping(data: Any, location: str, pattern: str) -> None:
    [(where, text)] = violations(data, PROD)
    assert where == location and re.search(pattern, text)


@pytest.mark.parametrize(
    ("policy", "location"),
    [
        (ReleasePolicy("prod", "qa", (REGISTRY,)), "policy.tag_policy"),
        (ReleasePolicy("prod", "staging", (REGISTRY,)), "policy.tag_policy"),
        (ReleasePolicy("prod", "dev", (REGISTRY,)), "policy.tag_policy"),
        (ReleasePolicy("staging", "test", (REGISTRY,)), "policy.tag_policy"),
        (ReleasePolicy("prod", "prod", ()), "policy.allowed_registries"),
        (ReleasePolicy("prod", "prod", (REGISTRY,), ("Web",)), "policy.required_units"),
    ],
)
def test_bad_policy(policy: ReleasePolicy, location: str) -> None:
    assert [where for where, _message in violations(bundle(), policy)] == [location]


def test_weak_tag_policy_names_the_floor() -> None:
    [(_where, text)] = violations(bundle(), ReleasePolicy("prod", "dev", (REGISTRY,)))
    assert "'dev' is weaker than environment 'prod' allows" in text
    assert "set slipway_image_tag_policy to 'prod'" in text


@pytest.mark.parametrize(
    ("env", "tag_policy"), [("staging", "staging"), ("staging", "prod"), ("review", "dev")]
)
def test_tag_policy_at_or_above_the_floor(env: str, tag_policy: str) -> None:
    validate_bundle(bundle(), ReleasePolicy(env, tag_policy, (REGISTRY,)))


YAML_BAD = """\
apiVersion: slipway.platform/v1
kind: ReleaseBundle
release: "1.4.2"
units:
  - name: web
    image: registry.example.com/shop/web
    tag: "1.4.2"
    digest: sha256:aaaa
  - name: api
    image: registry.example.com/shop/api
    tag: latest
    tag: "1.4.2"
    digets: "sha256:bbbb"
"""


def test_yaml_text_violations_carry_lines() -> None:
    with pytest.raises(BundleError) as info:
        check_release_bundle(BundleParams(None, YAML_BAD, PROD))
    found = {(item.location, item.line) for item in info.value.violations}
    assert found == {
        ("units[0].digest", 8),
        ("units[1].tag", 12),  # the duplicate key
        ("units[1].digets", 13),
        ("units[1].digest", 9),  # missing: reported at the unit
    }
    message = str(info.value)
    assert message.startswith("release bundle: 4 violations\n")
    assert "units[1].digets (line 13): unknown key; did you mean 'digest'?" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("apiVersion: slipway.platform/v1\nunits: [a\nrelease: 1.0.0\n", 3),
        ("release: 1.0.0\n  units:\n   - bad\n", 2),
        ("units:\n  - name: web\n\timage: x\n", 3),
        # An unclosed quote is found at the end of the input; the line is where it opens.
        ('apiVersion: slipway.platform/v1\nrelease: "1.0.0\nunits:\n  - name: web\n', 2),
    ],
)
def test_yaml_syntax_error_names_the_line(text: str, line: int) -> None:
    with pytest.raises(BundleError) as info:
        check_release_bundle(BundleParams(None, text, PROD))
    [item] = info.value.violations
    assert (item.location, item.line) == ("(yaml)", line)
    assert item.problem.startswith("YAML syntax error at column ")


def test_path_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as info:
        check_release_bundle(BundleParams(str(tmp_path / "missing.yml"), None, PROD))
    [item] = info.value.violations
    assert item.location == "path" and "No such file or directory" in item.problem


def test_path_names_the_file_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "bundle.yml"
    path.write_text(yaml.safe_dump(bundle(release="latest")))
    with pytest.raises(BundleError, match=rf"^release bundle {re.escape(str(path))}: "):
        check_release_bundle(BundleParams(str(path), None, PROD))


def test_built_at_timestamp_is_normalized() -> None:
    text = yaml.safe_dump(bundle()) + "metadata:\n  built_at: 2026-11-20T10:00:00Z\n"
    result = check_release_bundle(BundleParams(None, text, PROD))
    assert result.metadata == {"built_at": "2026-11-20T10:00:00+00:00"}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("registry.example.com/shop/web", ("registry.example.com", "shop/web")),
        ("localhost:5000/web", ("localhost:5000", "web")),
        ("localhost/web", ("localhost", "web")),
        ("shop/web", ("docker.io", "shop/web")),
        ("web", ("docker.io", "web")),
    ],
)
def test_split_image(image: str, expected: tuple[str, str]) -> None:
    assert split_image(image) == expected


def inventory_policy(env: str) -> ReleasePolicy:
    """The environment's policy as its inventory states it (templated fields resolved)."""
    group_vars = ROOT / "inventories" / env / "group_vars" / "all"
    main = yaml.safe_load((group_vars / "main.yml").read_text())
    release = yaml.safe_load((group_vars / "release.yml").read_text())["slipway_release_policy"]
    assert release["env"] == "{{ slipway_env }}"
    assert release["tag_policy"] == "{{ slipway_image_tag_policy }}"
    return ReleasePolicy(
        env=main["slipway_env"],
        tag_policy=main["slipway_image_tag_policy"],
        allowed_registries=tuple(release["allowed_registries"]),
        required_units=tuple(release["required_units"]),
        require_digests=release["require_digests"],
        allow_prerelease=release["allow_prerelease"],
    )


@pytest.mark.parametrize("env", ENVS)
def test_example_bundle_is_valid_for_its_environment(env: str) -> None:
    result = check_release_bundle(
        BundleParams(str(ROOT / "releases" / env / "bundle.yml"), None, inventory_policy(env))
    )
    assert isinstance(result, Bundle)
    assert {unit.name for unit in result.units} >= set(inventory_policy(env).required_units)


def test_prod_example_is_rejected_elsewhere_without_digests() -> None:
    data = yaml.safe_load((ROOT / "releases" / "dev" / "bundle.yml").read_text())
    found = violations(data, inventory_policy("prod"))
    assert ("release", next(text for where, text in found if where == "release")) in found
    assert {where for where, _message in found} >= {
        "release",
        "units[0].digest",
        "units[1].digest",
        "units[2].digest",
    }


def test_yaml_text_without_pyyaml_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.slipway.platform.plugins.module_utils import bounded_yaml

    monkeypatch.setattr(bounded_yaml, "YAML_IMPORT_ERROR", "ModuleNotFoundError: yaml")
    with pytest.raises(BundleError, match=r"PyYAML is not installed"):
        check_release_bundle(BundleParams(None, "release: 1.0.0\n", PROD))
    # Data needs no YAML parser.
    assert validate_bundle(bundle(), PROD).release == "1.4.2"


def alias_bomb(levels: int, width: int = 9) -> str:
    """A bundle a few hundred bytes long whose aliases expand to width**levels values."""
    lines = ["apiVersion: slipway.platform/v1", "kind: ReleaseBundle", "release: 1.0.0"]
    lines.append("metadata: {source: &l0 [" + ", ".join(["x"] * width) + "]}")
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"units: [*l{levels - 1}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_in_bounded_time() -> None:
    text = alias_bomb(9)
    assert len(text) < 700
    with pytest.raises(BundleError) as info:
        check_release_bundle(BundleParams(None, text, PROD))
    [item] = info.value.violations
    assert item.location == "(yaml)"
    assert "once its aliases are expanded" in item.problem
    assert "slipway_input_limits.max_nodes" in item.fix


def test_aliases_within_the_limit_are_walked_once() -> None:
    # 9**4 values once expanded, 9 * 4 written: lines are kept for what is written,
    # so walking a bundle never costs more than its text.
    data, lines, duplicates = load_bundle_text(alias_bomb(4))
    assert len(data["units"][0]) == 9
    assert len(lines) < 60
    assert duplicates == []


def test_more_units_than_the_limit_are_refused_before_checking() -> None:
    data = bundle()
    data["units"] = [dict(data["units"][0], name=f"u{index}") for index in range(4)]
    limits = InputLimits(max_units=3)
    for source in (data, yaml.safe_dump(data)):
        with pytest.raises(BundleError) as info:
            check_release_bundle(BundleParams(None, source, PROD, limits))
        [item] = info.value.violations
        assert (item.location, item.problem) == ("units", "4 units, more than the limit of 3")


def test_bundle_file_larger_than_the_limit_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "bundle.yml"
    path.write_text(yaml.safe_dump(bundle()) + "#" * 4096)
    with pytest.raises(BundleError) as info:
        check_release_bundle(BundleParams(str(path), None, PROD, InputLimits(max_bytes=1024)))
    [item] = info.value.violations
    assert item.problem == "1025 bytes, more than the limit of 1024"
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "release",
    ["latest", "v1.4.2", "not a release", 142],
    ids=["latest", "v-prefixed", "free text", "number"],
)
def test_an_invalid_release_still_lists_every_mixed_build_and_never_reads_none(
    release: Any,
) -> None:
    data = bundle()
    data["release"] = release
    data["units"][0]["tag"] = "1.4.2"
    data["units"][1]["tag"] = "1.4.1"
    data["units"][1].pop("version")
    data["units"][0].pop("digest")
    found = violations(data, PROD)
    assert "release" in [location for location, _problem in found]
    assert (
        "units[1].tag",
        "'1.4.1' is not units[0]'s tag '1.4.2': every unit of a bundle comes from one build "
        "(fix: use the image built for the release's tag, or leave this unit out of the bundle)",
    ) in found
    assert (
        "units[0].digest",
        "missing; prod pins every image by digest (fix: add the sha256 "
        f"digest the registry reported for {REGISTRY}/shop/web:1.4.2)",
    ) in found
    assert not [text for _location, text in found if "None" in text], found


def test_without_a_release_a_v_prefixed_tag_is_the_same_build() -> None:
    data = bundle()
    data["release"] = "not a release"
    data["units"][0]["tag"] = "v1.4.2"
    found = violations(data, PROD)
    assert [location for location, _problem in found] == ["release"], found


def test_without_a_release_latest_fix_names_the_release_tag() -> None:
    data = bundle()
    data.pop("release")
    data["units"][1]["tag"] = "latest"
    found = dict(violations(data, PROD))
    assert "use the image tagged for the release (the release's tag)" in found["units[1].tag"]
