"""The component catalog: one entry per chart, validated into frozen records.

A chart comes from a chart repository (``repo``), an archive URL (``url``) or a
directory shipped inside the collection (``path``, relative to its root). A
repo or url entry may also say where its chart's source lives (``upstream``: a
GitHub repository, the chart directory in it and the commit holding the pinned
version), so the air-gap chart folder can be built from source snapshots.

A catalog is a mapping ``{component name: entry}`` (a mapping, so the three layers
merge by name). Every error names the field as ``components.<name>.<field>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PHASES = (0, 1, 2, 3)
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,51}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ARCHIVE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.tgz$")
# A chart directory inside the collection: plain segments, none hidden, none empty.
_CHART_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
# A dotted values path whose subtree the chart takes free-form (free_form_values).
_VALUES_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
# An upstream source: a GitHub repository and the full commit id of the pinned chart.
_GITHUB_REPOSITORY = re.compile(r"^github:[A-Za-z0-9][A-Za-z0-9_-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_UPSTREAM_KEYS = ("repository", "path", "ref")
# Optional: the chart's Chart.yaml carries a placeholder version that the project's
# release tool replaces (cert-manager: v0.0.0), so the archive is packaged with the
# catalog's version as version and appVersion.
_UPSTREAM_OPTIONAL = ("set_version",)
_ENTRY_KEYS = frozenset(
    {
        "phase",
        "namespace",
        "release",
        "chart",
        "version",
        "repo",
        "url",
        "path",
        "upstream",
        "sha256",
        "archive",
        "enabled",
        "values",
        "depends_on",
        "secrets",
        "crds",
        "provides_crds",
        "free_form_values",
        "smoke",
        "note",
    }
)
_SMOKE_KEYS = frozenset({"rollout", "wait", "exec", "get_raw"})
_ROLLOUT_KINDS = ("deployment", "statefulset", "daemonset")
_EXEC_KINDS = (*_ROLLOUT_KINDS, "pod")


class CatalogError(ValueError):
    """A catalog entry is not valid; the message names the field and the problem."""


@dataclass(frozen=True)
class WaitCondition:
    """A ``kubectl wait --for=condition=...`` check on a resource or a label selector."""

    resource: str
    condition: str
    selector: str = ""


@dataclass(frozen=True)
class ExecCheck:
    """A health command run inside a workload with ``kubectl exec``."""

    target: str
    command: tuple[str, ...]
    container: str = ""


@dataclass(frozen=True)
class Smoke:
    """What proves a component healthy after it is deployed."""

    rollout: tuple[str, ...] = ()
    wait: tuple[WaitCondition, ...] = ()
    exec: ExecCheck | None = None
    get_raw: str = ""


@dataclass(frozen=True)
class Upstream:
    """Where a chart's source lives: a GitHub repository, a directory, a commit."""

    repository: str
    path: str
    ref: str
    set_version: bool = False


@dataclass(frozen=True)
class Component:
    """One catalog entry after validation."""

    name: str
    phase: int
    namespace: str
    release: str
    chart: str
    version: str
    repo: str
    url: str
    sha256: str
    archive: str
    enabled: bool
    values: dict[str, Any] = field(default_factory=dict)
    # A chart directory relative to the collection root; then there is no archive.
    path: str = ""
    # The chart's source upstream, for building its archive from a snapshot.
    upstream: Upstream | None = None
    depends_on: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    crds: tuple[str, ...] = ()
    provides_crds: tuple[str, ...] = ()
    # Dotted values paths the chart takes free-form: the values-key check skips them.
    free_form_values: tuple[str, ...] = ()
    smoke: Smoke = field(default_factory=Smoke)
    note: str = ""


def _where(name: str, key: str) -> str:
    """Name a field of a component for an error message."""
    return f"components.{name}.{key}"


def _text(name: str, entry: dict[str, Any], key: str, *, required: bool) -> str:
    """Return a string field, or '' when optional and absent."""
    value = entry.get(key)
    if value is None or value == "":
        if required:
            raise CatalogError(f"{_where(name, key)}: is required")
        return ""
    if not isinstance(value, str):
        raise CatalogError(f"{_where(name, key)}: must be a string, got {type(value).__name__}")
    return value


def _names(name: str, entry: dict[str, Any], key: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Return a list field of names, each matching pattern, without duplicates."""
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise CatalogError(f"{_where(name, key)}: must be a list, got {type(value).__name__}")
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str) or not pattern.match(item):
            raise CatalogError(f"{_where(name, key)}: {item!r} is not a valid name")
        if item not in seen:
            seen.append(item)
    return tuple(seen)


def _flag(name: str, entry: dict[str, Any]) -> bool:
    """Return the enabled flag; accepts booleans and the strings true/false."""
    value = entry.get("enabled", True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise CatalogError(f"{_where(name, 'enabled')}: must be true or false, got {value!r}")


def _phase(name: str, entry: dict[str, Any]) -> int:
    """Return the phase, one of PHASES."""
    value = entry.get("phase")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or value not in PHASES:
        raise CatalogError(f"{_where(name, 'phase')}: must be one of {PHASES}, got {value!r}")
    return int(value)


def _command(name: str, value: Any) -> tuple[str, ...]:
    """Return an exec command as a tuple of strings."""
    if not isinstance(value, list) or not value or not all(isinstance(part, str) for part in value):
        raise CatalogError(
            f"{_where(name, 'smoke.exec.command')}: must be a non-empty list of strings"
        )
    return tuple(value)


def _workload(name: str, key: str, value: Any, kinds: tuple[str, ...] = _ROLLOUT_KINDS) -> str:
    """Return a ``kind/name`` workload reference."""
    kind, _sep, target = str(value).partition("/")
    if kind not in kinds or not _DNS_SUBDOMAIN.match(target):
        raise CatalogError(
            f"{_where(name, key)}: {value!r} is not <kind>/<name> "
            f"with kind one of {', '.join(kinds)}"
        )
    return str(value)


def _smoke(name: str, value: Any) -> Smoke:
    """Return the smoke checks of a component."""
    if value is None:
        return Smoke()
    if not isinstance(value, dict):
        raise CatalogError(f"{_where(name, 'smoke')}: must be a mapping")
    unknown = sorted(set(value) - _SMOKE_KEYS)
    if unknown:
        raise CatalogError(
            f"{_where(name, 'smoke')}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_SMOKE_KEYS))}"
        )
    rollout = value.get("rollout") or []
    if not isinstance(rollout, list):
        raise CatalogError(f"{_where(name, 'smoke.rollout')}: must be a list")
    waits = []
    for item in value.get("wait") or []:
        if not isinstance(item, dict) or not item.get("resource") or not item.get("condition"):
            raise CatalogError(
                f"{_where(name, 'smoke.wait')}: each item needs resource and condition"
            )
        waits.append(
            WaitCondition(
                str(item["resource"]), str(item["condition"]), str(item.get("selector") or "")
            )
        )
    exec_check = None
    raw_exec = value.get("exec")
    if raw_exec is not None:
        if not isinstance(raw_exec, dict):
            raise CatalogError(f"{_where(name, 'smoke.exec')}: must be a mapping")
        exec_check = ExecCheck(
            target=_workload(name, "smoke.exec.target", raw_exec.get("target"), _EXEC_KINDS),
            command=_command(name, raw_exec.get("command")),
            container=str(raw_exec.get("container") or ""),
        )
    get_raw = value.get("get_raw") or ""
    if get_raw and (not isinstance(get_raw, str) or not get_raw.startswith("/")):
        raise CatalogError(
            f"{_where(name, 'smoke.get_raw')}: must be an API path starting with '/'"
        )
    return Smoke(
        rollout=tuple(_workload(name, "smoke.rollout", item) for item in rollout),
        wait=tuple(waits),
        exec=exec_check,
        get_raw=get_raw,
    )


def _chart_path(name: str, entry: dict[str, Any]) -> str:
    """Return the chart directory relative to the collection root, or '' when absent."""
    path = _text(name, entry, "path", required=False)
    if not path:
        return ""
    if path.startswith("/"):
        raise CatalogError(
            f"{_where(name, 'path')}: {path!r} must be relative to the collection root"
        )
    if ".." in path.split("/"):
        raise CatalogError(
            f"{_where(name, 'path')}: {path!r} must stay inside the collection (no '..')"
        )
    if not _CHART_PATH.match(path):
        raise CatalogError(
            f"{_where(name, 'path')}: {path!r} must be a relative folder path of letters, "
            "digits, '.', '_' and '-' separated by '/'"
        )
    return path


def _source(name: str, entry: dict[str, Any]) -> tuple[str, str, str, str]:
    """Return (repo, url, path, sha256): exactly one chart source, and the archive checksum."""
    repo = _text(name, entry, "repo", required=False)
    url = _text(name, entry, "url", required=False)
    path = _chart_path(name, entry)
    sha256 = _text(name, entry, "sha256", required=False).lower()
    sources = [bool(repo), bool(url), bool(path)].count(True)
    # A chart published nowhere but as source (upstream alone) reaches helm only
    # through the air-gap chart folder, built by scripts/airgap-charts.
    if sources > 1 or (sources == 0 and not entry.get("upstream")):
        raise CatalogError(
            f"{_where(name, 'repo')}: give exactly one of repo (a chart repository), "
            "url (an archive) or path (a chart directory in the collection), or only "
            "upstream for a chart published as source alone"
        )
    if repo and not repo.startswith(("https://", "oci://")):
        raise CatalogError(f"{_where(name, 'repo')}: {repo!r} must start with https:// or oci://")
    if url and not (url.startswith("https://") and url.endswith(".tgz")):
        raise CatalogError(
            f"{_where(name, 'url')}: {url!r} must be an https:// URL of a .tgz archive"
        )
    for key in ("sha256", "archive"):
        if path and entry.get(key):
            raise CatalogError(
                f"{_where(name, key)}: makes no sense with path (the chart is part of the "
                "collection: no archive, never checksummed); remove it"
            )
    if sha256 and not _SHA256.match(sha256):
        raise CatalogError(f"{_where(name, 'sha256')}: must be 64 hexadecimal characters")
    return repo, url, path, sha256


def _upstream(name: str, entry: dict[str, Any], path: str) -> Upstream | None:
    """Return where the chart's source lives upstream, or None when not given."""
    value = entry.get("upstream")
    if value is None:
        return None
    if path:
        raise CatalogError(
            f"{_where(name, 'upstream')}: makes no sense with path (the chart is part of "
            "the collection); remove it (upstream: null in the layer that sets path)"
        )
    if not isinstance(value, dict):
        raise CatalogError(
            f"{_where(name, 'upstream')}: must be a mapping with "
            f"{', '.join(_UPSTREAM_KEYS)}, got {type(value).__name__}"
        )
    known = (*_UPSTREAM_KEYS, *_UPSTREAM_OPTIONAL)
    unknown = sorted(str(key) for key in set(value) - set(known))
    if unknown:
        raise CatalogError(
            f"{_where(name, 'upstream')}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(known)}"
        )
    set_version = value.get("set_version", False)
    if not isinstance(set_version, bool):
        raise CatalogError(
            f"{_where(name, 'upstream.set_version')}: must be true or false, "
            f"got {type(set_version).__name__}"
        )
    fields = {}
    for key in _UPSTREAM_KEYS:
        item = value.get(key)
        if item is None or item == "":
            raise CatalogError(f"{_where(name, 'upstream.' + key)}: is required")
        if not isinstance(item, str):
            raise CatalogError(
                f"{_where(name, 'upstream.' + key)}: must be a string, got {type(item).__name__}"
            )
        fields[key] = item
    if not _GITHUB_REPOSITORY.match(fields["repository"]):
        raise CatalogError(
            f"{_where(name, 'upstream.repository')}: {fields['repository']!r} must be "
            "github:<owner>/<name>"
        )
    chart_dir = fields["path"]
    if chart_dir != "." and (".." in chart_dir.split("/") or not _CHART_PATH.match(chart_dir)):
        raise CatalogError(
            f"{_where(name, 'upstream.path')}: {chart_dir!r} must be '.' or a relative folder "
            "path of letters, digits, '.', '_' and '-' separated by '/' (no '..')"
        )
    if not _COMMIT.match(fields["ref"]):
        raise CatalogError(
            f"{_where(name, 'upstream.ref')}: {fields['ref']!r} must be a full commit id "
            "(40 lowercase hexadecimal characters)"
        )
    return Upstream(**fields, set_version=set_version)


def _archive(name: str, entry: dict[str, Any], default: str) -> str:
    """Return the file name of the chart archive in the air-gap chart folder."""
    archive = _text(name, entry, "archive", required=False) or default
    if not _ARCHIVE.match(archive):
        raise CatalogError(
            f"{_where(name, 'archive')}: {archive!r} must be a plain file name ending in .tgz"
        )
    return archive


def parse_component(name: str, entry: Any) -> Component:
    """Validate one catalog entry and return it as a Component."""
    if not isinstance(name, str) or not _LABEL.match(name):
        raise CatalogError(
            f"components.{name}: the name must be a DNS label of at most 53 characters"
        )
    if not isinstance(entry, dict):
        raise CatalogError(f"components.{name}: must be a mapping, got {type(entry).__name__}")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise CatalogError(f"components.{name}: unknown key(s) {', '.join(unknown)}")
    namespace = _text(name, entry, "namespace", required=True)
    if not _LABEL.match(namespace):
        raise CatalogError(f"{_where(name, 'namespace')}: {namespace!r} is not a DNS label")
    release = _text(name, entry, "release", required=False) or name
    if not _LABEL.match(release):
        raise CatalogError(f"{_where(name, 'release')}: {release!r} is not a DNS label")
    chart = _text(name, entry, "chart", required=True)
    version = _text(name, entry, "version", required=True)
    if not _VERSION.match(version):
        raise CatalogError(f"{_where(name, 'version')}: {version!r} is not a pinned SemVer version")
    repo, url, path, sha256 = _source(name, entry)
    values = entry.get("values") or {}
    if not isinstance(values, dict):
        raise CatalogError(
            f"{_where(name, 'values')}: must be a mapping, got {type(values).__name__}"
        )
    return Component(
        name=name,
        phase=_phase(name, entry),
        namespace=namespace,
        release=release,
        chart=chart,
        version=version,
        repo=repo,
        url=url,
        sha256=sha256,
        archive="" if path else _archive(name, entry, f"{chart}-{version}.tgz"),
        enabled=_flag(name, entry),
        values=values,
        path=path,
        upstream=_upstream(name, entry, path),
        depends_on=_names(name, entry, "depends_on", _LABEL),
        secrets=_names(name, entry, "secrets", _DNS_SUBDOMAIN),
        crds=_names(name, entry, "crds", _DNS_SUBDOMAIN),
        provides_crds=_names(name, entry, "provides_crds", _DNS_SUBDOMAIN),
        free_form_values=_names(name, entry, "free_form_values", _VALUES_PATH),
        smoke=_smoke(name, entry.get("smoke")),
        note=_text(name, entry, "note", required=False),
    )


def parse_catalog(catalog: Any) -> tuple[Component, ...]:
    """Validate a whole catalog mapping; entries come back sorted by name."""
    if not isinstance(catalog, dict):
        raise CatalogError(
            f"components: must be a mapping of name to entry, got {type(catalog).__name__}"
        )
    return tuple(parse_component(name, catalog[name]) for name in sorted(catalog, key=str))
