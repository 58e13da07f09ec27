"""SemVer 2.0 versions and ranges for release bundles (no third-party imports).

Versions follow semver.org 2.0 exactly. Ranges are a small, documented subset
of the npm syntax: comparators ``>=``, ``>``, ``<=``, ``<``, ``=`` (or none),
``^`` and ``~`` before a full version; comparators separated by spaces must all
hold; alternatives are separated by ``||``. Precedence is SemVer precedence (a
pre-release sorts before its release). As in npm, a pre-release version matches
only an alternative that names a pre-release of the same MAJOR.MINOR.PATCH, so
``<4.0.0`` does not admit ``4.0.0-rc.1`` and ``^3.1.0`` does not admit ``3.2.0-beta``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"0|[1-9]\d*"
_PRE_ID = r"0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*"
SEMVER_PATTERN = (
    rf"^(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>(?:{_PRE_ID})(?:\.(?:{_PRE_ID}))*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_SEMVER = re.compile(SEMVER_PATTERN)
_COMPARATOR = re.compile(r"^(?P<op>>=|<=|>|<|=|\^|~)?(?P<version>\S+)$")

# A pre-release identifier sorts numeric-first: (0, number, "") before (1, 0, text).
PreKey = tuple[tuple[int, int, str], ...]
SortKey = tuple[int, int, int, int, PreKey]


class SemverError(ValueError):
    """A version or range is not valid; the message says what is wrong."""


@dataclass(frozen=True)
class Version:
    """One parsed SemVer 2.0 version."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __str__(self) -> str:
        """Return the version in its canonical text form."""
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def key(self) -> SortKey:
        """Return a tuple that sorts by SemVer precedence (build metadata ignored)."""
        pre: PreKey = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part) for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)


def is_semver(text: str) -> bool:
    """Return whether text is a SemVer 2.0 version."""
    return bool(_SEMVER.match(text))


def parse_version(text: str) -> Version:
    """Parse a SemVer 2.0 version or raise SemverError."""
    match = _SEMVER.match(text)
    if not match:
        raise SemverError(
            f"{text!r} is not a SemVer version (MAJOR.MINOR.PATCH, e.g. 1.4.2 or 2.0.0-rc.1)"
        )
    pre = match.group("pre")
    build = match.group("build")
    return Version(
        int(match.group("major")),
        int(match.group("minor")),
        int(match.group("patch")),
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


@dataclass(frozen=True)
class Comparator:
    """One bound of a range: an operator and a version."""

    op: str
    version: Version

    def allows(self, version: Version) -> bool:
        """Return whether version meets this bound."""
        have, want = version.key(), self.version.key()
        checks = {
            ">=": have >= want,
            ">": have > want,
            "<=": have <= want,
            "<": have < want,
            "=": have == want,
        }
        return checks[self.op]


def _expand(op: str, version: Version) -> list[Comparator]:
    """Turn one written comparator into plain bounds (``^`` and ``~`` become two)."""
    if op == "^":
        if version.major:
            upper = Version(version.major + 1, 0, 0, ("0",))
        elif version.minor:
            upper = Version(0, version.minor + 1, 0, ("0",))
        else:
            upper = Version(0, 0, version.patch + 1, ("0",))
        return [Comparator(">=", version), Comparator("<", upper)]
    if op == "~":
        return [
            Comparator(">=", version),
            Comparator("<", Version(version.major, version.minor + 1, 0, ("0",))),
        ]
    return [Comparator(op or "=", version)]


def parse_range(text: str) -> tuple[tuple[Comparator, ...], ...]:
    """Parse a range into alternatives of bounds that must all hold, or raise SemverError."""
    if not text.strip():
        raise SemverError("the range is empty (write e.g. '>=1.2.0 <2.0.0' or '^1.2.0')")
    alternatives = []
    for part in text.split("||"):
        words = part.split()
        if not words:
            raise SemverError(f"{text!r} has an empty alternative around '||'")
        bounds: list[Comparator] = []
        for word in words:
            match = _COMPARATOR.match(word)
            if not match:
                raise SemverError(f"{word!r} in {text!r} is not a comparator")
            try:
                version = parse_version(match.group("version"))
            except SemverError as exc:
                raise SemverError(
                    f"{word!r} in {text!r}: {exc}; "
                    "ranges use full versions with >=, >, <=, <, =, ^ or ~"
                ) from exc
            bounds.extend(_expand(match.group("op") or "=", version))
        alternatives.append(tuple(bounds))
    return tuple(alternatives)


def _admits_prerelease(version: Version, bounds: tuple[Comparator, ...]) -> bool:
    """Return whether a pre-release may match: a bound names a pre-release of the same x.y.z."""
    if not version.prerelease:
        return True
    triple = (version.major, version.minor, version.patch)
    return any(
        bound.version.prerelease
        and (bound.version.major, bound.version.minor, bound.version.patch) == triple
        for bound in bounds
    )


def satisfies(version: Version, alternatives: tuple[tuple[Comparator, ...], ...]) -> bool:
    """Return whether version meets every bound of at least one alternative."""
    return any(
        _admits_prerelease(version, bounds) and all(bound.allows(version) for bound in bounds)
        for bounds in alternatives
    )
