"""Where an environment's backups go, checked: the object store and the plan's lines.

Pure functions over inventory values; every error names the inventory variable and,
for the object store, its key (``slipway_backup_target.bucket``). ``backup_target``
checks ``slipway_backup_target`` and returns it normalised, with the S3 destination
prefix every backup writes under; ``backup_plan`` turns the catalog's backup list
(``components_backups``) into the plan's lines, one per component that keeps data.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

_TARGET = "slipway_backup_target"
_OPT_OUT = "slipway_backup_opt_out_reason"
KEYS = ("endpoint", "bucket", "region", "path")
_MAX_TEXT = 1024
# S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and
# hyphens, starting and ending with a letter or digit, no "..", not an IPv4 address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_PATH_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HOST = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class BackupError(Exception):
    """A backup setting is wrong; the message names the variable."""


def _text(target: dict[str, Any], key: str) -> str:
    value = target.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BackupError(f"{_TARGET}.{key}: must be a non-empty string, got {value!r}")
    if len(value) > _MAX_TEXT:
        raise BackupError(f"{_TARGET}.{key}: longer than {_MAX_TEXT} characters")
    return value.strip()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint(value: str) -> dict[str, Any]:
    """Return scheme, host, port and the URL of an endpoint; raise naming the key."""
    field = f"{_TARGET}.endpoint"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BackupError(f"{field}: {value!r} is not a URL such as https://s3.example.net")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise BackupError(
            f"{field}: {value!r} must be scheme, host and port only (the bucket and its "
            "path are their own keys)"
        )
    host = parts.hostname
    try:
        port = parts.port
    except ValueError as exc:
        raise BackupError(f"{field}: {value!r} has a bad port: {exc}") from exc
    if port == 0:
        raise BackupError(f"{field}: {value!r} has port 0, which is not a port")
    if not _HOST.match(host) and not _is_ip(host):
        raise BackupError(f"{field}: {host!r} is not a host name or address")
    if parts.scheme == "http" and not _loopback(host):
        raise BackupError(
            f"{field}: {value!r} is plain http to a host that is not loopback; backups "
            "carry every row of the databases, use https"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return {"url": f"{parts.scheme}://{netloc}", "host": netloc, "insecure": parts.scheme == "http"}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def backup_target(
    target: Any, env: str, required: Any = False, opt_out_reason: Any = ""
) -> dict[str, Any]:
    """Return the object store, normalised, or {} when there is none; raise BackupError.

    ``required`` (staging and prod) refuses an empty target unless ``opt_out_reason``
    says why this environment keeps no backups off its hosts.
    """
    reason = opt_out_reason.strip() if isinstance(opt_out_reason, str) else ""
    if target in (None, "", {}):
        if required and not reason:
            raise BackupError(
                f"{_TARGET}: {env} keeps its databases and etcd only on its own disks; set "
                f"{_TARGET} (endpoint, bucket, region, path; docs/backup.md) or say why not "
                f"in {_OPT_OUT}"
            )
        return {}
    if not isinstance(target, dict):
        raise BackupError(
            f"{_TARGET}: must be a mapping of {', '.join(KEYS)}, got {type(target).__name__}"
        )
    unknown = sorted(str(key) for key in target if key not in KEYS)
    if unknown:
        raise BackupError(
            f"{_TARGET}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}"
        )
    endpoint = _endpoint(_text(target, "endpoint"))
    bucket = _text(target, "bucket")
    if not _BUCKET.match(bucket) or ".." in bucket or _is_ip(bucket):
        raise BackupError(
            f"{_TARGET}.bucket: {bucket!r} is not an S3 bucket name (3-63 lower-case letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit)"
        )
    region = _text(target, "region")
    if not _REGION.match(region):
        raise BackupError(f"{_TARGET}.region: {region!r} is not a region name such as eu-central-1")
    path = target.get("path") or env
    if not isinstance(path, str) or not path.strip("/"):
        raise BackupError(
            f"{_TARGET}.path: must be a non-empty prefix such as {env!r}, got {path!r}"
        )
    parts = path.strip("/").split("/")
    for part in parts:
        if not _PATH_PART.match(part):
            raise BackupError(
                f"{_TARGET}.path: {path!r} has the part {part!r}; use letters, digits, '.', "
                "'_' and '-' between slashes"
            )
    prefix = "/".join(parts)
    return {
        "endpoint": endpoint["url"],
        "endpoint_host": endpoint["host"],
        "insecure": endpoint["insecure"],
        "bucket": bucket,
        "region": region,
        "path": prefix,
        "destination": f"s3://{bucket}/{prefix}",
    }


def _describe(item: dict[str, Any], target: dict[str, Any], retention: str) -> str:
    name = item["component"]
    kind = item.get("kind", "postgresql")
    if kind == "local":
        return f"backups {name}: {item['what']}; on its volume only, not off the hosts"
    if kind == "etcd":
        if not item.get("embedded"):
            return (
                f"backups {name}: none; a single server keeps the cluster in SQLite "
                "(docs/backup.md)"
            )
        where = f"and in {target['destination']}/etcd" if target else "only (no object store)"
        return (
            f'backups {name}: k3s etcd snapshots at "{item["schedule"]}", {item["keep"]} kept '
            f"on the first server {where}"
        )
    return (
        f'backups {name}: base backup at "{item["schedule"]}" and WAL continuously to '
        f"{target['destination']}/postgresql/{item['cluster']} ({target['endpoint']}), "
        f"kept {retention}"
    )


def backup_plan(
    items: Any, target: Any, enabled: Any, retention_days: Any = 7, opt_out_reason: Any = ""
) -> list[str]:
    """Return the plan's backup lines for the enabled components of ``items``.

    ``target`` is the output of backup_target. Without one, PostgreSQL clusters have
    no off-host backup, which one line says (with the opt-out reason when given).
    """
    if (
        not isinstance(retention_days, int)
        or isinstance(retention_days, bool)
        or retention_days < 1
    ):
        raise BackupError(
            "slipway_backup_retention_days: must be a whole number of days, at least 1, "
            f"got {retention_days!r}"
        )
    names = set(enabled or [])
    chosen = [
        item for item in items or [] if item.get("component") in names or item.get("kind") == "etcd"
    ]
    retention = f"{retention_days}d"
    lines: list[str] = []
    databases = [item for item in chosen if item.get("kind", "postgresql") == "postgresql"]
    if databases and not target:
        reason = opt_out_reason.strip() if isinstance(opt_out_reason, str) else ""
        why = f"opted out: {reason}" if reason else f"{_TARGET} is empty"
        lines.append(
            "backups: no PostgreSQL backups leave the hosts ("
            + why
            + "): "
            + ", ".join(item["component"] for item in databases)
        )
    for item in chosen:
        if item.get("kind", "postgresql") == "postgresql" and not target:
            continue
        lines.append(_describe(item, target or {}, retention))
    return lines
