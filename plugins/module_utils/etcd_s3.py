"""Turn the environment's backup target into k3s's etcd-s3 settings.

``slipway_backup_target`` names one S3-compatible object store by URL
(``https://s3.example.net``), bucket, region and path. k3s wants the endpoint
as ``host[:port]`` without a scheme, plain HTTP said separately
(``etcd-s3-insecure``), and the path as ``etcd-s3-folder``
(docs.k3s.io/cli/etcd-snapshot, "S3 Compatible Object Store support"). The
credentials are not part of the target and never pass through here.
Every refusal names the field as ``slipway_backup_target.<key>``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

FIELD = "slipway_backup_target"
# S3 bucket naming rules: 3-63 characters, lowercase letters, digits, dots and
# hyphens, beginning and ending with a letter or digit, not an IPv4 address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_PATH = re.compile(r"^[A-Za-z0-9._-]{1,128}(/[A-Za-z0-9._-]{1,128}){0,15}$")
_SHOWN = 80
_MAX_URL = 300


class BackupTargetError(ValueError):
    """The backup target is malformed; the message names the field."""


def _shown(value: Any) -> str:
    """Quote a value for a message, cut short so a message stays one line."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _is_loopback(host: str) -> bool:
    """Tell whether host is a loopback address or the name localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint(value: Any) -> tuple[str, bool]:
    """Return k3s's host[:port] for an endpoint URL and whether it is plain HTTP."""
    field = f"{FIELD}.endpoint"
    if not isinstance(value, str) or not value or len(value) > _MAX_URL:
        raise BackupTargetError(
            f"{field} must be a URL such as https://s3.example.net, got {_shown(value)}"
        )
    try:
        url = urlsplit(value)
        port = url.port
    except ValueError as exc:
        raise BackupTargetError(f"{field}: {exc}, got {_shown(value)}") from exc
    if url.scheme not in ("https", "http"):
        raise BackupTargetError(
            f"{field} must start with https:// (http:// only on a loopback address), "
            f"got {_shown(value)}"
        )
    if url.username or url.password or url.query or url.fragment or url.path not in ("", "/"):
        raise BackupTargetError(
            f"{field} must be scheme, host and optional port only (no credentials, path or "
            f"query), got {_shown(value)}"
        )
    host = url.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST.match(host):
            raise BackupTargetError(
                f"{field}: {_shown(host)} is not a host name or address"
            ) from None
    if port == 0:
        raise BackupTargetError(f"{field}: port 0 is not a port, got {_shown(value)}")
    insecure = url.scheme == "http"
    if insecure and not _is_loopback(host):
        raise BackupTargetError(
            f"{field} may use http:// only on a loopback address (credentials and snapshots "
            f"would cross the network in clear); use https://, got {_shown(value)}"
        )
    return url.netloc.lower(), insecure


def _bucket(value: Any) -> str:
    """Return the bucket name when it follows S3's naming rules."""
    field = f"{FIELD}.bucket"
    if (
        not isinstance(value, str)
        or not _BUCKET.match(value)
        or ".." in value
        or re.match(r"^\d+\.\d+\.\d+\.\d+$", value)
    ):
        raise BackupTargetError(
            f"{field} must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, "
            f"beginning and ending with a letter or digit), got {_shown(value)}"
        )
    return value


def _region(value: Any) -> str:
    """Return the region when it looks like one (eu-central-1, us-east-1, auto)."""
    if not isinstance(value, str) or not _REGION.match(value):
        raise BackupTargetError(
            f"{FIELD}.region must be a region name such as eu-central-1 (lowercase letters, "
            "digits, hyphens), "
            f"got {_shown(value)}"
        )
    return value


def _folder(value: Any) -> str:
    """Return the path inside the bucket, without leading or trailing slashes."""
    field = f"{FIELD}.path"
    text = value.strip("/") if isinstance(value, str) else value
    if (
        not isinstance(text, str)
        or not _PATH.match(text)
        or any(part in (".", "..") for part in text.split("/"))
    ):
        raise BackupTargetError(
            f"{field} must be a prefix inside the bucket such as prod or backups/prod (letters, "
            f"digits, '.', '_', '-' between slashes), got {_shown(value)}"
        )
    return text


def etcd_s3_settings(target: Any, default_path: str) -> dict[str, Any]:
    """Return k3s's etcd-s3 config.yaml keys for a backup target (no credentials), or raise."""
    if not isinstance(target, dict):
        raise BackupTargetError(
            f"{FIELD} must be a mapping with endpoint, bucket, region and path, "
            f"got {_shown(target)}"
        )
    for key in ("endpoint", "bucket", "region"):
        if key not in target:
            raise BackupTargetError(f"{FIELD}.{key} is missing (needed by k3s's etcd snapshots)")
    endpoint, insecure = _endpoint(target["endpoint"])
    settings: dict[str, Any] = {
        "etcd-s3": True,
        "etcd-s3-endpoint": endpoint,
        "etcd-s3-bucket": _bucket(target["bucket"]),
        "etcd-s3-region": _region(target["region"]),
        "etcd-s3-folder": _folder(target.get("path") or default_path),
    }
    if insecure:
        settings["etcd-s3-insecure"] = True
    return settings
