#!/usr/bin/env python3
"""Stand-in for the in-cluster controllers a cluster without nodes cannot run.

See README.md beside this file: what it stands in for and what it does not prove.
Run by tests/real/tier.py in the background against the real API server:

    controllers.py --kubeconfig KC --private-key KEY.pem --report REPORT [--max-seconds N]

Every action is one line in REPORT (and on stdout), so the tier can say what was
produced here rather than by the real controllers.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import urllib3
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

# Run with PYTHONPATH=<repo>/.collections (tests/real/tier.py sets it).
from ansible_collections.slipway.platform.plugins.module_utils.sealing import SealingError
from ansible_collections.slipway.platform.plugins.module_utils.sealing_recovery import (
    load_private_keys,
    unseal,
)

GROUP, VERSION, PLURAL = "bitnami.com", "v1alpha1", "sealedsecrets"
POLL_SECONDS = 0.5


class Report:
    """Append-only action log shared with the tier."""

    def __init__(self, path: Path) -> None:
        """Open the report file for appending."""
        self.path = path

    def line(self, text: str) -> None:
        """Record one action."""
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(text + "\n")
        print(text, flush=True)


def _now() -> str:
    """Return the time in the API's RFC 3339 form."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _status(api: client.CustomObjectsApi, obj: dict[str, Any], ok: bool, message: str) -> None:
    """Set the Synced condition and observedGeneration the way the controller does."""
    meta = obj["metadata"]
    body = {
        "status": {
            "observedGeneration": meta.get("generation", 1),
            "conditions": [
                {
                    "type": "Synced",
                    "status": "True" if ok else "False",
                    "lastUpdateTime": _now(),
                    "lastTransitionTime": _now(),
                    **({} if ok else {"reason": "ErrUnsealFailed", "message": message}),
                }
            ],
        }
    }
    api.patch_namespaced_custom_object_status(
        GROUP, VERSION, meta["namespace"], PLURAL, meta["name"], body
    )


def _secret_body(obj: dict[str, Any], values: dict[str, bytes]) -> dict[str, Any]:
    """Build the Secret the controller would make from spec.template and the opened values."""
    meta = obj["metadata"]
    template = obj["spec"].get("template") or {}
    tmeta = template.get("metadata") or {}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": tmeta.get("labels") or {},
            "annotations": tmeta.get("annotations") or {},
            "ownerReferences": [
                {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "SealedSecret",
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                }
            ],
        },
        "type": template.get("type") or "Opaque",
        "data": {k: base64.b64encode(v).decode() for k, v in values.items()},
    }


def _sync_sealed_secret(
    custom: client.CustomObjectsApi,
    core: client.CoreV1Api,
    keys: list[Any],
    obj: dict[str, Any],
    report: Report,
) -> None:
    """Open one SealedSecret and create or replace its Secret."""
    meta = obj["metadata"]
    where = f"{meta['namespace']}/{meta['name']}"
    try:
        opened = unseal(yaml.safe_dump(obj), keys, where)
    except SealingError as exc:
        _status(custom, obj, False, str(exc))
        report.line(f"sealed-secrets: {where}: not opened ({exc})")
        return
    if opened.failed:
        message = "; ".join(f"{k}: {v}" for k, v in sorted(opened.failed.items()))
        _status(custom, obj, False, message)
        report.line(f"sealed-secrets: {where}: not opened ({message})")
        return
    body = _secret_body(obj, dict(opened.values))
    try:
        core.create_namespaced_secret(meta["namespace"], body)
    except ApiException as exc:
        if exc.status != 409:
            raise
        core.replace_namespaced_secret(meta["name"], meta["namespace"], body)
    _status(custom, obj, True, "")
    report.line(f"sealed-secrets: {where}: Secret written with keys {', '.join(opened.opened)}")


def sealed_secrets_pass(
    custom: client.CustomObjectsApi, core: client.CoreV1Api, keys: list[Any], report: Report
) -> None:
    """Unseal every SealedSecret whose generation the stand-in has not synced yet."""
    try:
        items = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)["items"]
    except ApiException as exc:
        if exc.status == 404:  # the CRD is not installed yet
            return
        raise
    for obj in items:
        status = obj.get("status") or {}
        if status.get("observedGeneration") == obj["metadata"].get("generation"):
            continue
        _sync_sealed_secret(custom, core, keys, obj, report)


def webhooks_pass(admission: client.AdmissionregistrationV1Api, report: Report) -> None:
    """Set failurePolicy Ignore on every webhook that would fail closed, and say so."""
    kinds = (
        (
            "validating",
            admission.list_validating_webhook_configuration,
            admission.patch_validating_webhook_configuration,
        ),
        (
            "mutating",
            admission.list_mutating_webhook_configuration,
            admission.patch_mutating_webhook_configuration,
        ),
    )
    for kind, lister, patcher in kinds:
        for config_obj in lister().items:
            hooks = config_obj.webhooks or []
            patch = [
                {"op": "replace", "path": f"/webhooks/{i}/failurePolicy", "value": "Ignore"}
                for i, hook in enumerate(hooks)
                if hook.failure_policy != "Ignore"
            ]
            if not patch:
                continue
            patcher(config_obj.metadata.name, patch)
            names = ", ".join(h.name for h in hooks if h.failure_policy != "Ignore")
            report.line(
                f"webhooks: {kind} {config_obj.metadata.name} ({names}): failurePolicy "
                "Fail -> Ignore (the webhook's pods cannot run without a kubelet)"
            )


def main() -> int:
    """Run the stand-in controllers until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--private-key", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    args = parser.parse_args()
    # The API server's kubeconfig skips TLS verification (loopback, a test server).
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    keys = load_private_keys(Path(args.private_key).read_bytes(), "private_key")
    api_client = config.new_client_from_config(config_file=args.kubeconfig)
    custom = client.CustomObjectsApi(api_client)
    core = client.CoreV1Api(api_client)
    admission = client.AdmissionregistrationV1Api(api_client)
    report = Report(Path(args.report))
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    deadline = time.monotonic() + args.max_seconds
    parent = os.getppid()
    while not stop["now"] and time.monotonic() < deadline and os.getppid() == parent:
        try:
            webhooks_pass(admission, report)
            sealed_secrets_pass(custom, core, keys, report)
        except ApiException as exc:
            report.line(f"error: {exc.status} {exc.reason}: {json.dumps(exc.body)[:300]}")
        time.sleep(POLL_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
