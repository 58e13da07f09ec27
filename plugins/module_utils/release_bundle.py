"""Release bundles: one set of images built together, checked against an environment's policy.

A bundle names one release (a SemVer version or a git SHA) and the units built
for it: image repository, tag and, where pinned, digest. :func:`validate_bundle`
walks the whole bundle and reports every violation at once, each with its
location (``units[2].tag``), the line when the bundle came from YAML text, and
how to fix it. The result is a normalized :class:`Bundle` whose image
references (``repo@digest`` when a digest is given) are what gets deployed.

Tag policies (the inventory's ``slipway_image_tag_policy``):

- ``dev``: release is SemVer or a git SHA; units may all be tagged ``latest``.
- ``test``: release is SemVer or a git SHA.
- ``staging``: release is SemVer only.
- ``prod``: release is SemVer only and every image is pinned by digest.

Every unit's tag is the release (``1.4.2`` or ``v1.4.2``): one build, never a mix.
Helpers prefixed ``_`` are private to this file.
"""

from __future__ import annotations

import datetime
import difflib
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; without it only YAML text cannot be read
    # (bounded_yaml says so by name).
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    InputLimits,
    check_size,
    compose,
)
from ansible_collections.slipway.platform.plugins.module_utils.release_bundle_semver import (
    SEMVER_PATTERN,
    SemverError,
    Version,
    is_semver,
    parse_range,
    parse_version,
    satisfies,
)

API_VERSION = "slipway.platform/v1"
KIND = "ReleaseBundle"
TOP_KEYS = ("apiVersion", "kind", "release", "metadata", "units", "compatibility")
TOP_REQUIRED = ("apiVersion", "kind", "release", "units")
UNIT_KEYS = ("name", "image", "tag", "digest", "version")
UNIT_REQUIRED = ("name", "image", "tag")
CONSTRAINT_KEYS = ("unit", "requires", "range")
METADATA_KEYS = ("git_sha", "built_at", "source")
TAG_POLICIES = ("dev", "test", "staging", "prod")
# The weakest tag policy Slipway's own production-like environments accept:
# an inventory cannot let prod deploy `latest` or an undigested image.
MINIMUM_TAG_POLICY = {"staging": "staging", "prod": "prod"}

_UNIT_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# Helm release names (one per unit) are limited to 53 characters.
_FIELD_MAX = {"name": 53}
_SEMVER_TEXT = re.compile(SEMVER_PATTERN)
_GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$")
_REGISTRY = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?$")
_IMPLIED_REGISTRY = "docker.io"
_LATEST = "latest"
# The last step of a location: ".key" or "[3]"; what is left is the parent.
_PARENT = re.compile(r"(?:\.[^.\[]+|\[\d+\]|^[^.\[]+)$")


@dataclass(frozen=True)
class Violation:
    """One broken rule: where it is, what is wrong and how to fix it."""

    location: str
    problem: str
    fix: str
    line: int | None = None

    def __str__(self) -> str:
        """Return the violation as one line an operator can act on."""
        where = f"{self.location} (line {self.line})" if self.line else self.location
        return f"{where}: {self.problem} (fix: {self.fix})"

    def as_dict(self) -> dict[str, Any]:
        """Return the violation as plain data."""
        return {
            "location": self.location,
            "line": self.line,
            "problem": self.problem,
            "fix": self.fix,
        }


class BundleError(ValueError):
    """The bundle breaks the format or the policy; carries every violation found."""

    def __init__(self, violations: Sequence[Violation], source: str = "") -> None:
        """Keep the violations and build a message listing all of them."""
        self.violations = tuple(violations)
        self.source = source
        count = len(self.violations)
        lines = "\n".join(f"- {item}" for item in self.violations)
        name = f"release bundle {source}" if source else "release bundle"
        super().__init__(f"{name}: {count} violation{'s' if count != 1 else ''}\n{lines}")


@dataclass(frozen=True)
class TagRules:
    """What one tag policy allows."""

    release_kinds: tuple[str, ...]
    latest: bool
    digests: bool


TAG_RULES = {
    "dev": TagRules(("semver", "git_sha"), latest=True, digests=False),
    "test": TagRules(("semver", "git_sha"), latest=False, digests=False),
    "staging": TagRules(("semver",), latest=False, digests=False),
    "prod": TagRules(("semver",), latest=False, digests=True),
}


@dataclass(frozen=True)
class ReleasePolicy:
    """An environment's release policy (inventory ``release.yml``)."""

    env: str
    tag_policy: str
    allowed_registries: tuple[str, ...]
    required_units: tuple[str, ...] = ()
    require_digests: bool = False
    allow_prerelease: bool = True

    @property
    def rules(self) -> TagRules:
        """Return the tag rules of this policy's tag policy."""
        return TAG_RULES[self.tag_policy]

    @property
    def digests_required(self) -> bool:
        """Return whether every image must be pinned by digest here."""
        return self.require_digests or self.rules.digests


@dataclass(frozen=True)
class Unit:
    """One image of the release."""

    name: str
    image: str
    tag: str
    digest: str | None = None
    version: str | None = None

    @property
    def reference(self) -> str:
        """Return the image reference to deploy: ``repo@digest`` when pinned, else ``repo:tag``."""
        return f"{self.image}@{self.digest}" if self.digest else f"{self.image}:{self.tag}"

    def as_dict(self) -> dict[str, Any]:
        """Return the unit in bundle format (absent optional keys left out)."""
        data = {"name": self.name, "image": self.image, "tag": self.tag}
        data.update(
            {
                key: value
                for key, value in (("digest", self.digest), ("version", self.version))
                if value
            }
        )
        return data


@dataclass(frozen=True)
class Constraint:
    """Unit ``unit`` works only with unit ``requires`` at a version in ``range``."""

    unit: str
    requires: str
    range: str

    def as_dict(self) -> dict[str, str]:
        """Return the constraint in bundle format."""
        return {"unit": self.unit, "requires": self.requires, "range": self.range}


@dataclass(frozen=True)
class Bundle:
    """A valid, normalized release bundle."""

    release: str
    release_kind: str
    units: tuple[Unit, ...]
    compatibility: tuple[Constraint, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def references(self) -> dict[str, str]:
        """Return the image reference to deploy, per unit name."""
        return {unit.name: unit.reference for unit in self.units}

    def as_dict(self) -> dict[str, Any]:
        """Return the bundle in its own format; validating it again gives the same bundle."""
        data: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND, "release": self.release}
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        data["units"] = [unit.as_dict() for unit in self.units]
        if self.compatibility:
            data["compatibility"] = [item.as_dict() for item in self.compatibility]
        return data


@dataclass(frozen=True)
class BundleParams:
    """Where the bundle comes from (a file or data) and which policy applies."""

    path: str | None
    data: Any
    policy: ReleasePolicy
    limits: InputLimits = field(default_factory=InputLimits)


@dataclass
class _Walk:
    """Violations found so far while walking one bundle (private working state)."""

    policy: ReleasePolicy
    found: list[Violation] = field(default_factory=list)

    def add(self, location: str, problem: str, fix: str) -> None:
        """Record one violation."""
        self.found.append(Violation(location, problem, fix))


def _describe(value: Any) -> str:
    """Return what a value of the wrong type is, for a message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r}); quote it: '{value}'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _string(walk: _Walk, location: str, value: Any, example: str) -> str | None:
    """Return value when it is a non-empty string, else record why not."""
    if isinstance(value, str) and value:
        return value
    problem = "is empty" if isinstance(value, str) else f"expected a string, got {_describe(value)}"
    walk.add(location, problem, f"write a string, e.g. {example}")
    return None


def _keys(
    walk: _Walk,
    location: str,
    data: Mapping[Any, Any],
    known: Sequence[str],
    required: Sequence[str],
) -> None:
    """Record unknown keys (with the closest known key) and missing required keys."""
    prefix = f"{location}." if location else ""
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        if close:
            walk.add(
                f"{prefix}{key}",
                f"unknown key; did you mean {close[0]!r}?",
                f"rename it to {close[0]!r}",
            )
        else:
            walk.add(
                f"{prefix}{key}", "unknown key", f"remove it; known keys here: {', '.join(known)}"
            )
    for key in required:
        if key not in data:
            walk.add(
                f"{prefix}{key}", "missing (required)", f"add {key!r}; see docs/release-bundles.md"
            )


def release_kind(release: str) -> str | None:
    """Return ``semver`` or ``git_sha`` for a release id, or None when it is neither."""
    if is_semver(release):
        return "semver"
    if _GIT_SHA.match(release):
        return "git_sha"
    return None


def split_image(image: str) -> tuple[str, str]:
    """Split an image repository into (registry, path); no registry means docker.io."""
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return _IMPLIED_REGISTRY, image


def _check_release(walk: _Walk, value: Any) -> tuple[str | None, str | None]:
    """Check the release id against the format and the tag policy; return (release, kind)."""
    release = _string(walk, "release", value, "'1.4.2' or a git SHA '3f9c2ab'")
    if release is None:
        return None, None
    kind = release_kind(release)
    policy = walk.policy
    if kind is None:
        if release == _LATEST:
            walk.add(
                "release",
                "'latest' names no build",
                "use the SemVer version or git SHA the images were built from",
            )
        elif release.startswith("v") and is_semver(release[1:]):
            walk.add(
                "release",
                f"{release!r} has a 'v' prefix",
                f"write {release[1:]!r} (unit tags may keep the 'v')",
            )
        else:
            walk.add(
                "release",
                f"{release!r} is neither a SemVer version nor a git SHA",
                "use a SemVer version (e.g. 1.4.2) or a lowercase git SHA of 7-40 hex digits",
            )
        return None, None
    if kind not in policy.rules.release_kinds:
        walk.add(
            "release",
            f"{release!r} is a git SHA; {policy.env} deploys SemVer releases only "
            f"(tag policy {policy.tag_policy})",
            "release a SemVer version (e.g. 1.4.2) built from this commit "
            "and record the SHA in metadata.git_sha",
        )
    if kind == "semver":
        version = parse_version(release)
        if version.build:
            walk.add(
                "release",
                f"build metadata '+{'.'.join(version.build)}' cannot appear in an image tag",
                "drop the '+...' part and record the commit in metadata.git_sha",
            )
            return None, None
        if version.prerelease and not policy.allow_prerelease:
            walk.add(
                "release",
                f"pre-release {release!r} is not allowed in {policy.env}",
                "promote a final release (MAJOR.MINOR.PATCH without '-...')",
            )
    return release, kind


def _check_image(walk: _Walk, location: str, value: Any) -> str | None:
    """Check one image repository (no tag or digest inside, allowed registry); return it."""
    image = _string(walk, location, value, "'registry.example.com/shop/web'")
    if image is None:
        return None
    unit_location = location.rsplit(".", 1)[0]
    if "@" in image:
        walk.add(
            location,
            f"{image!r} carries a digest",
            f"move the part after '@' to {unit_location}.digest",
        )
        return None
    registry, path = split_image(image)
    if ":" in path:
        walk.add(
            location, f"{image!r} carries a tag", f"move the part after ':' to {unit_location}.tag"
        )
        return None
    bad = [part for part in path.split("/") if not _PATH_COMPONENT.match(part)]
    if bad or not _REGISTRY.match(registry):
        walk.add(
            location,
            f"{image!r} is not an image repository",
            "write [registry/]path with lowercase path parts, e.g. registry.example.com/shop/web",
        )
        return None
    allowed = [item.lower() for item in walk.policy.allowed_registries]
    if registry.lower() not in allowed:
        implied = (
            f" (implied by {image!r})"
            if registry == _IMPLIED_REGISTRY and not image.startswith(registry)
            else ""
        )
        walk.add(
            location,
            f"registry {registry!r}{implied} is not allowed in {walk.policy.env}",
            f"push the image to one of {', '.join(walk.policy.allowed_registries)}, "
            "or add the registry to the environment's allowed_registries (release.yml)",
        )
    return image


@dataclass(frozen=True)
class _Field:
    """How one string field of a unit is checked (private table row)."""

    key: str
    pattern: re.Pattern[str]
    example: str
    what: str
    fix: str


_UNIT_FIELDS = (
    _Field(
        "name",
        _UNIT_NAME,
        "'web'",
        "a unit name",
        "use lowercase letters, digits and '-', starting with a letter, at most 53 characters",
    ),
    _Field("tag", _TAG, "'1.4.2'", "an image tag", "use letters, digits, '_', '.', '-' (max 128)"),
    _Field(
        "digest",
        _DIGEST,
        "'sha256:<64 hex digits>'",
        "a digest",
        "write sha256: and 64 lowercase hex digits",
    ),
    _Field(
        "version",
        _SEMVER_TEXT,
        "'3.1.0'",
        "a SemVer version",
        "write MAJOR.MINOR.PATCH, e.g. 3.1.0",
    ),
)


def _check_unit(walk: _Walk, index: int, item: Any) -> dict[str, Any] | None:
    """Check one unit's keys and field formats; return its fields (None where malformed)."""
    location = f"units[{index}]"
    if not isinstance(item, Mapping):
        walk.add(
            location,
            f"expected a mapping, got {_describe(item)}",
            "write name, image, tag (and digest)",
        )
        return None
    _keys(walk, location, item, UNIT_KEYS, UNIT_REQUIRED)
    fields: dict[str, Any] = {}
    for spec in _UNIT_FIELDS:
        if spec.key not in item:
            continue
        here = f"{location}.{spec.key}"
        text = _string(walk, here, item[spec.key], spec.example)
        fields[spec.key] = None
        if text is None:
            continue
        if spec.pattern.match(text) and len(text) <= _FIELD_MAX.get(spec.key, len(text)):
            fields[spec.key] = text
        else:
            walk.add(here, f"{text!r} is not {spec.what}", spec.fix)
    if "image" in item:
        fields["image"] = _check_image(walk, f"{location}.image", item["image"])
    return fields


def _check_build(walk: _Walk, units: list[tuple[int, dict[str, Any]]], release: str | None) -> None:
    """Check that every unit carries the one release, and digests where the policy wants them.

    Without a valid release (missing or refused above) the units are still held
    to one build: every pinned tag must match the first unit's.
    """
    policy = walk.policy
    pinned = [index for index, fields in units if fields.get("tag") not in (None, _LATEST)]
    wanted = repr(release) if release else "the release's tag"
    if release:
        accepted = {release, f"v{release}"} if is_semver(release) else {release}
        other = f"release {release!r}"
    elif pinned:
        first = dict(units)[pinned[0]]["tag"]
        bare = first[1:] if first.startswith("v") and is_semver(first[1:]) else first
        accepted = {bare, f"v{bare}"}
        other = f"units[{pinned[0]}]'s tag {first!r}"
    else:
        accepted, other = set(), ""
    for index, fields in units:
        tag = fields.get("tag")
        if tag == _LATEST and not policy.rules.latest:
            walk.add(
                f"units[{index}].tag",
                f"'latest' is not allowed in {policy.env} (tag policy {policy.tag_policy})",
                f"use the image tagged for the release ({wanted})",
            )
        elif tag == _LATEST and pinned:
            walk.add(
                f"units[{index}].tag",
                f"'latest' mixes builds: units[{pinned[0]}] carries the release's tag",
                f"tag every unit {wanted}, or (dev only) every unit 'latest'",
            )
        elif tag is not None and tag != _LATEST and accepted and tag not in accepted:
            walk.add(
                f"units[{index}].tag",
                f"{tag!r} is not {other}: every unit of a bundle comes from one build",
                f"use the image built for {wanted}, or leave this unit out of the bundle",
            )
        if policy.digests_required and "digest" not in fields and fields.get("image"):
            walk.add(
                f"units[{index}].digest",
                f"missing; {policy.env} pins every image by digest",
                "add the sha256 digest the registry reported for "
                f"{fields['image']}:{tag or release or '<the release tag>'}",
            )


def _check_names(walk: _Walk, units: list[tuple[int, dict[str, Any]]]) -> dict[str, int]:
    """Record duplicate and missing required units; return the index of each unit name."""
    seen: dict[str, int] = {}
    for index, fields in units:
        name = fields.get("name")
        if name is None:
            continue
        if name in seen:
            walk.add(
                f"units[{index}].name",
                f"{name!r} is already units[{seen[name]}]",
                "keep one entry per unit; remove or rename this one",
            )
        else:
            seen[name] = index
    for name in walk.policy.required_units:
        if name not in seen:
            walk.add(
                "units",
                f"required unit {name!r} is missing "
                f"({walk.policy.env} requires {', '.join(walk.policy.required_units)})",
                f"add a unit named {name!r} built for this release",
            )
    return seen


def _unit_version(fields: dict[str, Any], release: str | None, kind: str | None) -> Version | None:
    """Return a unit's own version, or the release's when it is SemVer."""
    if "version" in fields:
        return parse_version(fields["version"]) if fields["version"] else None
    if release is not None and kind == "semver":
        return parse_version(release)
    return None


def _check_compatibility(
    walk: _Walk,
    value: Any,
    units: dict[int, dict[str, Any]],
    index_of: dict[str, int],
    release: tuple[str | None, str | None],
) -> tuple[Constraint, ...]:
    """Check the compatibility table: known units, valid ranges, and ranges met."""
    if not isinstance(value, list):
        walk.add(
            "compatibility",
            f"expected a list, got {_describe(value)}",
            "write a list of {unit, requires, range}",
        )
        return ()
    names = sorted(index_of)
    found: list[Constraint] = []
    for number, item in enumerate(value):
        location = f"compatibility[{number}]"
        if not isinstance(item, Mapping):
            walk.add(
                location,
                f"expected a mapping, got {_describe(item)}",
                "write unit, requires and range",
            )
            continue
        _keys(walk, location, item, CONSTRAINT_KEYS, CONSTRAINT_KEYS)
        parts = {
            key: _string(walk, f"{location}.{key}", item[key], example)
            for key, example in (
                ("unit", "'web'"),
                ("requires", "'api'"),
                ("range", "'>=3.0.0 <4.0.0'"),
            )
            if key in item
        }
        for key in ("unit", "requires"):
            name = parts.get(key)
            if name is not None and name not in index_of:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                walk.add(
                    f"{location}.{key}",
                    f"{name!r} is not a unit of this bundle{hint}",
                    f"name one of: {', '.join(names) or '(no units)'}",
                )
                parts[key] = None
        if parts.get("unit") and parts.get("unit") == parts.get("requires"):
            walk.add(
                location,
                f"{parts['unit']!r} requires itself",
                "name the other unit it talks to in 'requires'",
            )
            continue
        bounds = None
        if parts.get("range") is not None:
            try:
                bounds = parse_range(str(parts["range"]))
            except SemverError as exc:
                walk.add(
                    f"{location}.range",
                    str(exc),
                    "write e.g. '>=3.0.0 <4.0.0', '^3.0.0' or '~3.1.0'",
                )
        unit, requires, text = parts.get("unit"), parts.get("requires"), parts.get("range")
        if unit is None or requires is None or text is None or bounds is None:
            continue
        found.append(Constraint(unit, requires, text))
        target = index_of[requires]
        version = _unit_version(units[target], *release)
        if version is None:
            # Without a valid release there is no version to fall back on yet:
            # the release's own violation says what to fix first.
            if "version" not in units[target] and release[0] is not None:
                walk.add(
                    f"units[{target}].version",
                    f"missing; {location} needs the SemVer version of {requires!r} "
                    f"and release {release[0]!r} is not one",
                    f"add version: to units[{target}] (the version of {requires!r} in this build)",
                )
            continue
        if not satisfies(version, bounds):
            walk.add(
                location,
                f"{unit!r} needs {requires!r} {text!r}, but {requires!r} is {version}",
                f"ship a {requires!r} in range {text!r} in this release, "
                f"or widen the range if {unit!r} allows it",
            )
    return tuple(found)


def _check_metadata(
    walk: _Walk, value: Any, release: tuple[str | None, str | None]
) -> dict[str, str]:
    """Check the optional metadata block; return it with timestamps as ISO 8601 text."""
    if not isinstance(value, Mapping):
        walk.add(
            "metadata",
            f"expected a mapping, got {_describe(value)}",
            "write git_sha, built_at and source",
        )
        return {}
    _keys(walk, "metadata", value, METADATA_KEYS, ())
    found: dict[str, str] = {}
    if "git_sha" in value:
        sha = _string(walk, "metadata.git_sha", value["git_sha"], "'3f9c2ab'")
        if sha is not None and not _GIT_SHA.match(sha):
            walk.add(
                "metadata.git_sha", f"{sha!r} is not a git SHA", "write 7-40 lowercase hex digits"
            )
        elif sha is not None:
            found["git_sha"] = sha
            named, kind = release
            if kind == "git_sha" and named and not (sha.startswith(named) or named.startswith(sha)):
                walk.add(
                    "metadata.git_sha",
                    f"{sha!r} is not release {named!r}",
                    "record the commit the release was built from",
                )
    if "built_at" in value:
        stamp = value["built_at"]
        if isinstance(stamp, datetime.datetime):
            found["built_at"] = stamp.isoformat()
        elif _string(walk, "metadata.built_at", stamp, "'2026-11-20T10:00:00Z'") is not None:
            found["built_at"] = str(stamp)
    if "source" in value:
        source = _string(
            walk, "metadata.source", value["source"], "'https://git.example.com/shop/shop'"
        )
        if source is not None:
            found["source"] = source
    return found


def check_policy(policy: ReleasePolicy) -> None:
    """Raise BundleError naming the policy field when the policy cannot be applied."""
    found = []
    if policy.tag_policy not in TAG_RULES:
        found.append(
            Violation(
                "policy.tag_policy",
                f"{policy.tag_policy!r} is not a tag policy",
                f"set slipway_image_tag_policy to one of {', '.join(TAG_POLICIES)}",
            )
        )
    floor = MINIMUM_TAG_POLICY.get(policy.env)
    if (
        floor is not None
        and policy.tag_policy in TAG_POLICIES
        and TAG_POLICIES.index(policy.tag_policy) < TAG_POLICIES.index(floor)
    ):
        found.append(
            Violation(
                "policy.tag_policy",
                f"{policy.tag_policy!r} is weaker than environment {policy.env!r} allows",
                f"set slipway_image_tag_policy to {floor!r} (or stricter) for {policy.env}",
            )
        )
    if not policy.allowed_registries:
        found.append(
            Violation(
                "policy.allowed_registries",
                "empty",
                "list the registries this environment may pull from (release.yml)",
            )
        )
    found.extend(
        Violation(
            "policy.required_units",
            f"{name!r} is not a unit name",
            "use the unit's name as in the bundle",
        )
        for name in policy.required_units
        if not _UNIT_NAME.match(name)
    )
    if found:
        raise BundleError(found)


def validate_bundle(
    data: Any, policy: ReleasePolicy, lines: Mapping[str, int] | None = None
) -> Bundle:
    """Validate bundle data under a policy; return the normalized bundle or raise BundleError."""
    check_policy(policy)
    walk = _Walk(policy)
    if not isinstance(data, Mapping):
        walk.add(
            "(bundle)",
            f"expected a mapping, got {_describe(data)}",
            "start from releases/dev/bundle.yml",
        )
        raise BundleError(_with_lines(walk.found, lines or {}))
    _keys(walk, "", data, TOP_KEYS, TOP_REQUIRED)
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if key in data and data[key] != expected:
            walk.add(key, f"{data[key]!r} is not {expected!r}", f"write {key}: {expected}")
    release = _check_release(walk, data["release"]) if "release" in data else (None, None)
    units: list[tuple[int, dict[str, Any]]] = []
    if "units" in data:
        raw_units = data["units"]
        if not isinstance(raw_units, list):
            walk.add(
                "units", f"expected a list, got {_describe(raw_units)}", "write a list of units"
            )
        elif not raw_units:
            walk.add(
                "units",
                "empty; a bundle carries at least one unit",
                "add the units built for this release",
            )
        else:
            units = [
                (i, fields)
                for i, item in enumerate(raw_units)
                if (fields := _check_unit(walk, i, item)) is not None
            ]
    index_of = _check_names(walk, units)
    _check_build(walk, units, release[0])
    metadata = _check_metadata(walk, data["metadata"], release) if "metadata" in data else {}
    compatibility: tuple[Constraint, ...] = ()
    if "compatibility" in data:
        compatibility = _check_compatibility(
            walk, data["compatibility"], dict(units), index_of, release
        )
    if walk.found or release[0] is None or release[1] is None:
        raise BundleError(_with_lines(walk.found, lines or {}))
    return Bundle(
        release=release[0],
        release_kind=release[1],
        units=tuple(Unit(**{k: v for k, v in fields.items() if v}) for _unit_name, fields in units),
        compatibility=compatibility,
        metadata=metadata,
    )


def _with_lines(found: Sequence[Violation], lines: Mapping[str, int]) -> list[Violation]:
    """Attach the YAML line of each violation's location (or its nearest parent), in line order."""
    placed = []
    for item in found:
        location = item.location
        while location and location not in lines:
            location = _PARENT.sub("", location)
        placed.append(Violation(item.location, item.problem, item.fix, lines.get(location)))
    return sorted(placed, key=lambda item: item.line or 0)


def _node_lines(
    node: yaml.Node, location: str, lines: dict[str, int], duplicates: list[Violation]
) -> None:
    """Record the line of every key and list item below node; record duplicate keys.

    A node reached again through an alias is not walked again: its locations take
    the line of the alias (the nearest parent recorded).
    """
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, str]] = [(node, location)]
    while pending:
        current, here = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            first_seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                key = str(key_node.value)
                below = f"{here}.{key}" if here else key
                line = key_node.start_mark.line + 1
                if key in first_seen:
                    duplicates.append(
                        Violation(
                            below,
                            f"duplicate key (first at line {first_seen[key]}); "
                            "YAML keeps only the last",
                            "keep one of the two entries",
                            line,
                        )
                    )
                    continue
                first_seen[key] = line
                lines[below] = line
                pending.append((value_node, below))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                below = f"{here}[{index}]"
                lines[below] = item.start_mark.line + 1
                pending.append((item, below))


def _input_violation(exc: InputError) -> BundleError:
    """Report a bundle too large or not YAML as its one violation."""
    return BundleError([Violation("(yaml)", exc.problem, exc.fix, exc.line)])


def load_bundle_text(
    text: str, limits: InputLimits | None = None
) -> tuple[Any, dict[str, int], list[Violation]]:
    """Parse bundle YAML within limits; return (data, line of each location, duplicate keys)."""
    try:
        loader, node = compose(text, "bundle", limits or InputLimits())
    except InputError as exc:
        raise _input_violation(exc) from exc
    try:
        lines: dict[str, int] = {}
        duplicates: list[Violation] = []
        if node is not None:
            _node_lines(node, "", lines, duplicates)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        problem = InputError("bundle", f"not YAML: {exc}", "write it as YAML")
        raise _input_violation(problem) from exc
    finally:
        loader.dispose()
    return data, lines, duplicates


def _read_bundle(path: str, limits: InputLimits) -> str:
    """Read a bundle file no larger than the limit, without reading a larger one into memory."""
    try:
        with Path(path).open("rb") as stream:
            raw = stream.read(limits.max_bytes + 1)
        check_size(len(raw), "bundle", limits)
        return raw.decode("utf-8")
    except InputError as exc:
        raise _input_violation(exc) from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BundleError(
            [
                Violation(
                    "path",
                    f"cannot read {path}: {reason}",
                    "pass an existing bundle file, e.g. releases/dev/bundle.yml",
                )
            ]
        ) from exc


def _check_unit_count(data: Any, limits: InputLimits) -> None:
    """Refuse more units than the limit before any of them is checked."""
    units = data.get("units") if isinstance(data, dict) else None
    if isinstance(units, list) and len(units) > limits.max_units:
        raise BundleError(
            [
                Violation(
                    "units",
                    f"{len(units)} units, more than the limit of {limits.max_units}",
                    "split the release, or raise slipway_input_limits.max_units "
                    "for this environment",
                )
            ]
        )


def check_release_bundle(params: BundleParams) -> Bundle:
    """Load the bundle from a path, YAML text or data and validate it; raise BundleError."""
    if params.path is not None:
        try:
            return _validate_text(_read_bundle(params.path, params.limits), params)
        except BundleError as exc:
            raise BundleError(exc.violations, params.path) from exc
    if isinstance(params.data, str):
        return _validate_text(params.data, params)
    _check_unit_count(params.data, params.limits)
    return validate_bundle(params.data, params.policy)


def _validate_text(text: str, params: BundleParams) -> Bundle:
    """Validate YAML text, reporting duplicate keys alongside every other violation."""
    data, lines, duplicates = load_bundle_text(text, params.limits)
    _check_unit_count(data, params.limits)
    try:
        bundle = validate_bundle(data, params.policy, lines)
    except BundleError as exc:
        raise BundleError(
            sorted([*duplicates, *exc.violations], key=lambda item: item.line or 0)
        ) from exc
    if duplicates:
        raise BundleError(duplicates)
    return bundle
