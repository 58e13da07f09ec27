"""Slipway's release history: one record per deploy or rollback, in the cluster and mirrored.

A record says what was deployed when: its kind (``bundle`` or ``component``), its
name (bundle release id or component name), its action (``deploy`` or
``rollback``), the time, and for each Helm release the chart, chart version and
Helm revision. It lives in a ConfigMap in namespace ``platform`` (data key
``record.json``) and in ``<backup_dir>/history/<configmap name>.json`` on the
controller.

A record's id is a digest of kind, name, action and releases (with their
revisions). Helm revisions only grow, so a new deploy always gets a new id, and
recording the same deploy again finds the existing record and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("bundle", "component")
ACTIONS = ("deploy", "rollback")
DATA_KEY = "record.json"
MANAGED_BY = {"app.kubernetes.io/managed-by": "slipway"}
LABEL_KIND = "slipway.dev/record-kind"
LABEL_NAME = "slipway.dev/record-name"
LABEL_ACTION = "slipway.dev/record-action"
_NAME_MAX = 253
_LABEL_VALUE_MAX = 63
_UNSAFE = re.compile(r"[^a-z0-9-]+")
_RELEASE_KEYS = ("name", "namespace", "chart", "chart_version", "revision")


class ReleaseHistoryError(ValueError):
    """A history input or stored record is not valid; the message names the field."""


@dataclass(frozen=True)
class ReleaseRef:
    """One Helm release as recorded: where it is, which chart, which revision."""

    name: str
    namespace: str
    chart: str
    chart_version: str
    revision: int

    def as_dict(self) -> dict[str, Any]:
        """Return the release as a plain dict."""
        return {key: getattr(self, key) for key in _RELEASE_KEYS}


@dataclass(frozen=True)
class Record:
    """One history record."""

    id: str
    kind: str
    name: str
    action: str
    time: str
    releases: tuple[ReleaseRef, ...]
    bundle: Mapping[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the record as stored (JSON-ready)."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "time": self.time,
            "releases": [release.as_dict() for release in self.releases],
        }
        if self.bundle is not None:
            data["bundle"] = dict(self.bundle)
        return data


def _text(value: Any, where: str) -> str:
    """Return value if it is a non-empty string, else raise naming where."""
    if not isinstance(value, str) or not value.strip():
        raise ReleaseHistoryError(f"{where}: must be a non-empty string, got {value!r}")
    return value


def parse_releases(raw: Any, where: str = "release_history_releases") -> tuple[ReleaseRef, ...]:
    """Validate a list of release dicts; raise naming the first bad field."""
    if not isinstance(raw, list):
        raise ReleaseHistoryError(f"{where}: must be a list of releases, got {type(raw).__name__}")
    releases = []
    for index, item in enumerate(raw):
        item_where = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            raise ReleaseHistoryError(
                f"{item_where}: must be a dict with {', '.join(_RELEASE_KEYS)}"
            )
        missing = [key for key in _RELEASE_KEYS if key not in item]
        if missing:
            raise ReleaseHistoryError(f"{item_where}: missing {', '.join(missing)}")
        revision = item["revision"]
        if isinstance(revision, str) and revision.isdigit():
            revision = int(revision)
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            raise ReleaseHistoryError(
                f"{item_where}.revision: must be a Helm revision (1 or more), got {revision!r}"
            )
        releases.append(
            ReleaseRef(
                name=_text(item["name"], f"{item_where}.name"),
                namespace=_text(item["namespace"], f"{item_where}.namespace"),
                chart=_text(item["chart"], f"{item_where}.chart"),
                chart_version=_text(str(item["chart_version"]), f"{item_where}.chart_version"),
                revision=revision,
            )
        )
    return tuple(sorted(releases, key=lambda ref: (ref.namespace, ref.name)))


def record_id(kind: str, name: str, action: str, releases: Sequence[ReleaseRef]) -> str:
    """Return the content id of a record (12 hex characters)."""
    canonical = json.dumps(
        {
            "kind": kind,
            "name": name,
            "action": action,
            "releases": [ref.as_dict() for ref in releases],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def new_record(
    kind: str,
    name: str,
    releases: Any,
    *,
    bundle: Any,
    action: str,
    now: str,
    existing: Iterable[Record] = (),
) -> Record:
    """Validate inputs and build a record; an existing record with the same id is returned as is."""
    if kind not in KINDS:
        raise ReleaseHistoryError(
            f"release_history_kind: {kind!r} is not one of {', '.join(KINDS)}"
        )
    _text(name, "release_history_name")
    if action not in ACTIONS:
        raise ReleaseHistoryError(
            f"release_history_action: {action!r} is not one of {', '.join(ACTIONS)}"
        )
    if bundle is not None and not isinstance(bundle, Mapping):
        raise ReleaseHistoryError(
            f"release_history_bundle: must be a dict, got {type(bundle).__name__}"
        )
    if bundle is not None and kind != "bundle":
        raise ReleaseHistoryError("release_history_bundle: only a bundle record carries a bundle")
    refs = parse_releases(releases)
    if not refs:
        raise ReleaseHistoryError("release_history_releases: must list at least one release")
    digest = record_id(kind, name, action, refs)
    for record in existing:
        if record.id == digest:
            return record
    return Record(
        id=digest,
        kind=kind,
        name=name,
        action=action,
        time=now,
        releases=refs,
        bundle=dict(bundle) if bundle is not None else None,
    )


def _slug(value: str, limit: int) -> str:
    """Return value as lowercase DNS characters, at most limit long."""
    slug = _UNSAFE.sub("-", value.lower()).strip("-")
    return slug[:limit].strip("-") or "x"


def configmap_name(record: Record) -> str:
    """Return the ConfigMap (and mirror file) name of a record."""
    prefix = f"slipway-history-{record.kind}-"
    suffix = f"-{record.id}"
    return prefix + _slug(record.name, _NAME_MAX - len(prefix) - len(suffix)) + suffix


def to_configmap(record: Record, namespace: str) -> dict[str, Any]:
    """Return the ConfigMap manifest that stores a record."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": configmap_name(record),
            "namespace": namespace,
            "labels": {
                **MANAGED_BY,
                LABEL_KIND: record.kind,
                LABEL_NAME: _slug(record.name, _LABEL_VALUE_MAX),
                LABEL_ACTION: record.action,
            },
            "annotations": {"slipway.dev/record-time": record.time},
        },
        "data": {DATA_KEY: json.dumps(record.as_dict(), sort_keys=True, indent=2) + "\n"},
    }


def from_dict(data: Any, where: str) -> Record:
    """Return a Record from its stored dict; raise naming where when malformed."""
    if not isinstance(data, Mapping):
        raise ReleaseHistoryError(f"{where}: a record must be a JSON object")
    for key in ("id", "kind", "name", "action", "time"):
        _text(data.get(key), f"{where}.{key}")
    bundle = data.get("bundle")
    return Record(
        id=data["id"],
        kind=data["kind"],
        name=data["name"],
        action=data["action"],
        time=data["time"],
        releases=parse_releases(data.get("releases"), f"{where}.releases"),
        bundle=bundle if isinstance(bundle, Mapping) else None,
    )


def from_configmap(configmap: Any) -> Record:
    """Return the Record a ConfigMap stores."""
    metadata = configmap.get("metadata", {}) if isinstance(configmap, Mapping) else {}
    where = f"ConfigMap {metadata.get('name', '?')}"
    data = configmap.get("data") if isinstance(configmap, Mapping) else None
    if not isinstance(data, Mapping) or DATA_KEY not in data:
        raise ReleaseHistoryError(f"{where}: has no {DATA_KEY}")
    try:
        parsed = json.loads(data[DATA_KEY])
    except ValueError as exc:
        raise ReleaseHistoryError(f"{where}: {DATA_KEY} is not JSON: {exc}") from exc
    return from_dict(parsed, where)


def load_records(configmaps: Iterable[Any]) -> tuple[list[Record], list[str]]:
    """Return the records in ConfigMaps and a message for each one that could not be read."""
    records, problems = [], []
    for configmap in configmaps:
        try:
            records.append(from_configmap(configmap))
        except ReleaseHistoryError as exc:
            problems.append(str(exc))
    return records, problems


def read_mirror(directory: str) -> tuple[list[Record], list[str]]:
    """Return the records mirrored in a directory and a message for each unreadable file."""
    records, problems = [], []
    path = Path(directory)
    if not path.is_dir():
        return [], []
    for item in sorted(path.glob("slipway-history-*.json")):
        try:
            records.append(from_dict(json.loads(item.read_text()), str(item)))
        except (ValueError, OSError) as exc:
            problems.append(f"{item}: {exc}")
    return records, problems


def mirror_text(record: Record) -> str:
    """Return the mirror file content of a record."""
    return json.dumps(record.as_dict(), sort_keys=True, indent=2) + "\n"


def newest_first(records: Iterable[Record]) -> list[Record]:
    """Return records newest first (by time, then id), without duplicates."""
    unique = {record.id: record for record in records}
    return sorted(unique.values(), key=lambda record: (record.time, record.id), reverse=True)


def select(
    records: Iterable[Record], kind: str | None = None, name: str | None = None
) -> list[Record]:
    """Return the records of one kind and name (None means any), newest first."""
    return [
        record
        for record in newest_first(records)
        if (kind is None or record.kind == kind) and (name is None or record.name == name)
    ]


@dataclass(frozen=True)
class BundleTarget:
    """Which bundle record a whole-apps rollback goes back to, and why (or why not)."""

    current: Record | None
    target: Record | None
    reason: str


def bundle_target(records: Iterable[Record], wanted: str = "previous") -> BundleTarget:
    """Return the bundle record to roll the apps back to.

    ``previous`` is the newest bundle recorded before the current one with a
    different bundle id. When the current record is itself a rollback, the
    rollback was done: nothing is selected, so a second run changes nothing.
    Any other value names a bundle id; its newest record is the target.
    """
    bundles = select(records, kind="bundle")
    if not bundles:
        return BundleTarget(None, None, "no bundle deploy is recorded yet")
    current = bundles[0]
    if wanted != "previous":
        named = [record for record in bundles if record.name == wanted]
        if not named:
            known = ", ".join(dict.fromkeys(record.name for record in bundles))
            raise ReleaseHistoryError(
                f"apps: bundle {wanted!r} is not in the history (recorded: {known})"
            )
        return BundleTarget(current, named[0], f"roll the apps back to bundle {wanted}")
    if current.action == "rollback":
        return BundleTarget(
            current,
            None,
            f"the apps were already rolled back to bundle {current.name} at {current.time}; "
            "name a bundle with -e apps=<bundle id> to go further back",
        )
    for record in bundles[1:]:
        if record.name != current.name:
            return BundleTarget(
                current, record, f"roll the apps back from bundle {current.name} to {record.name}"
            )
    return BundleTarget(
        current, None, f"bundle {current.name} is the only bundle recorded; nothing to go back to"
    )


def format_table(records: Sequence[Record]) -> list[str]:
    """Return the history as aligned text lines, one per release of each record."""
    header = ("TIME", "KIND", "NAME", "ACTION", "RELEASE", "NAMESPACE", "CHART", "REVISION")
    rows = [header]
    for record in records:
        for ref in record.releases:
            rows.append(
                (
                    record.time,
                    record.kind,
                    record.name,
                    record.action,
                    ref.name,
                    ref.namespace,
                    f"{ref.chart}-{ref.chart_version}",
                    str(ref.revision),
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


@dataclass(frozen=True)
class RecordPlan:
    """A record to store: its ConfigMap, its mirror file, and whether anything is new."""

    record: Record
    configmap: dict[str, Any]
    mirror_path: str
    mirror_text: str
    mirror_changed: bool
    new: bool


def plan_record(
    inputs: Mapping[str, Any],
    existing_configmaps: Iterable[Any],
    mirror_dir: str,
    namespace: str,
    now: str,
) -> RecordPlan:
    """Build the record from module inputs and compare it with the cluster and the mirror."""
    # Unreadable records cannot match this one's id; release_history_info reports them.
    known = [*load_records(existing_configmaps)[0], *read_mirror(mirror_dir)[0]]
    record = new_record(
        inputs["kind"],
        inputs["name"],
        inputs["releases"],
        bundle=inputs.get("bundle"),
        action=inputs["action"],
        now=now,
        existing=known,
    )
    path = Path(mirror_dir) / f"{configmap_name(record)}.json"
    text = mirror_text(record)
    return RecordPlan(
        record=record,
        configmap=to_configmap(record, namespace),
        mirror_path=str(path),
        mirror_text=text,
        mirror_changed=not path.is_file() or path.read_text() != text,
        new=record.id not in {item.id for item in known},
    )


def history_view(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return what release_history_info reports for its options."""
    if options.get("configmaps") is not None:
        source = "cluster"
        records, problems = load_records(options["configmaps"])
    else:
        source = "mirror"
        records, problems = read_mirror(options["mirror_dir"])
    chosen = select(records, options.get("kind"), options.get("name"))
    limit = options.get("limit") or 0
    if limit < 0:
        raise ReleaseHistoryError(f"limit: {limit} must be 0 (all) or more")
    shown = chosen[:limit] if limit else chosen
    target = bundle_target(records, options.get("apps") or "previous")
    left_alone: list[str] = []
    if target.current is not None and target.target is not None:
        kept = {(ref.namespace, ref.name) for ref in target.target.releases}
        left_alone = [
            f"{ref.namespace}/{ref.name}"
            for ref in target.current.releases
            if (ref.namespace, ref.name) not in kept
        ]
    return {
        "source": source,
        "records": [record.as_dict() for record in shown],
        "table": format_table(shown),
        "current_bundle": target.current.as_dict() if target.current else None,
        "target_bundle": target.target.as_dict() if target.target else None,
        "target_reason": target.reason,
        "left_alone": left_alone,
        "problems": problems,
    }
