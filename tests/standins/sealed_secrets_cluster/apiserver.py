"""Stand-in for a Kubernetes API server with a sealed-secrets controller in kube-system.

Tests only. Serves what Slipway's sealing playbooks ask of a cluster: /version and
discovery (core/v1, apps/v1, bitnami.com/v1alpha1), Secrets, Deployments and
SealedSecrets (get, list with equality and existence label selectors, create,
merge patch), and the controller's public cert through the service proxy
(GET .../services/http:<name>:<port>/proxy/v1/cert.pem). Given an ``unseal``
callable (the test's own decryptor), a created SealedSecret becomes a Secret and
gets the controller's ``Synced`` condition.
Honours dryRun (check mode). Plain HTTP on 127.0.0.1, no auth.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
_GROUPS: dict[str, dict[str, dict[str, Any]]] = {
    "v1": {
        "namespaces": {"kind": "Namespace", "namespaced": False, "singularName": "namespace"},
        "secrets": {"kind": "Secret", "namespaced": True, "singularName": "secret"},
    },
    "apps/v1": {
        "deployments": {"kind": "Deployment", "namespaced": True, "singularName": "deployment"},
    },
    "bitnami.com/v1alpha1": {
        "sealedsecrets": {
            "kind": "SealedSecret",
            "namespaced": True,
            "singularName": "sealedsecret",
        },
    },
}


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return base with a JSON merge patch applied (null deletes)."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _selected(obj: dict[str, Any], selector: str) -> bool:
    """Return whether an object's labels match a selector of key=value and key terms."""
    labels = obj["metadata"].get("labels") or {}
    for term in filter(None, selector.split(",")):
        key, sep, value = term.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


class Cluster:
    """Objects by (group/version, resource, namespace, name), and the controller's cert."""

    def __init__(
        self,
        cert_pem: str = "",
        unseal: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ) -> None:
        self.objects: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.cert_pem = cert_pem
        self.unseal = unseal
        self.version = 1
        self.lock = threading.Lock()
        self.add("v1", "namespaces", {"metadata": {"name": "kube-system"}})

    def add(self, group_version: str, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store an object as the API server would on create."""
        meta = obj.setdefault("metadata", {})
        namespace = (
            meta.get("namespace", "") if _GROUPS[group_version][resource]["namespaced"] else ""
        )
        self.version += 1
        kind = _GROUPS[group_version][resource]["kind"]
        obj = {"apiVersion": group_version, "kind": kind, **obj}
        meta = obj["metadata"]
        meta.update(resourceVersion=str(self.version), uid=str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
        self.objects[(group_version, resource, namespace, meta["name"])] = obj
        if resource == "sealedsecrets":
            self.reconcile(obj)
        return obj

    def reconcile(self, sealed: dict[str, Any]) -> None:
        """Act as the controller: unseal into a Secret and report the Synced condition."""
        if self.unseal is None:
            return
        meta = sealed["metadata"]
        try:
            data = self.unseal(sealed)
        except ValueError as exc:
            condition = {"type": "Synced", "status": "False", "message": str(exc)}
        else:
            condition = {"type": "Synced", "status": "True"}
            template = sealed["spec"].get("template", {})
            secret = {
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "type": template.get("type", "Opaque"),
                "data": data,
            }
            key = ("v1", "secrets", meta["namespace"], meta["name"])
            self.objects.pop(key, None)
            self.add("v1", "secrets", secret)
        sealed["status"] = {"conditions": [condition]}

    def items(self, group_version: str, resource: str, namespace: str) -> list[dict[str, Any]]:
        """Return the objects of one kind in a namespace (for test assertions)."""
        return [
            obj
            for (gv, res, ns, _), obj in sorted(self.objects.items())
            if (gv, res, ns) == (group_version, resource, namespace)
        ]


class Handler(BaseHTTPRequestHandler):
    """Routes discovery, object requests and the controller's cert."""

    cluster: Cluster

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, reason: str, message: str) -> None:
        status = {"kind": "Status", "apiVersion": "v1", "status": "Failure"}
        self._send(code, {**status, "message": message, "reason": reason, "code": code})

    def _route(self) -> tuple[str, str, str, str] | None:
        """Return (group/version, resource, namespace, name) of an object path, or None."""
        parts = urlparse(self.path).path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            group_version, rest = "v1", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return None
        resources = _GROUPS.get(group_version, {})
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in resources:
            return group_version, rest[2], rest[1], rest[3] if len(rest) > 3 else ""
        if rest and rest[0] in resources:
            return group_version, rest[0], "", rest[1] if len(rest) > 1 else ""
        return None

    def _dry_run(self) -> bool:
        """Return whether the request only asks what would happen (dryRun=All)."""
        return "dryRun" in parse_qs(urlparse(self.path).query)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")

    def _discovery(self, path: str) -> Any:
        """Return the discovery document of path, or None."""
        if path == "/version":
            return {"major": "1", "minor": "35", "gitVersion": "v1.35.0+standin"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            groups = []
            for group_version in ("apps/v1", "bitnami.com/v1alpha1"):
                name, version = group_version.split("/")
                entry = {"groupVersion": group_version, "version": version}
                groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        group_version = path.removeprefix("/api/").removeprefix("/apis/")
        if path in {"/api/v1", "/apis/apps/v1", "/apis/bitnami.com/v1alpha1"}:
            resources = [
                {"name": name, "verbs": _VERBS, **spec}
                for name, spec in _GROUPS[group_version].items()
            ]
            return {
                "kind": "APIResourceList",
                "groupVersion": group_version,
                "resources": resources,
            }
        return None

    def do_GET(self) -> None:
        """Serve discovery, the controller's cert, get and list."""
        path = urlparse(self.path).path.rstrip("/")
        document = self._discovery(path)
        if document is not None:
            self._send(200, document)
            return
        if "/services/" in path and path.endswith("/proxy/v1/cert.pem"):
            if self.cluster.cert_pem:
                self._send(200, self.cluster.cert_pem, "application/x-pem-file")
            else:
                self._status(503, "ServiceUnavailable", "no endpoints available for service")
            return
        route = self._route()
        if route is None:
            self._status(404, "NotFound", f"the stand-in does not serve {path}")
            return
        group_version, resource, namespace, name = route
        with self.cluster.lock:
            if name:
                obj = self.cluster.objects.get(route)
                if obj is None:
                    self._status(404, "NotFound", f'{resource} "{name}" not found')
                else:
                    self._send(200, obj)
                return
            selector = parse_qs(urlparse(self.path).query).get("labelSelector", [""])[0]
            items = [
                obj
                for (gv, res, ns, _), obj in sorted(self.cluster.objects.items())
                if (gv, res) == (group_version, resource)
                and (not namespace or ns == namespace)
                and _selected(obj, selector)
            ]
            kind = _GROUPS[group_version][resource]["kind"]
            self._send(
                200,
                {
                    "kind": f"{kind}List",
                    "apiVersion": group_version,
                    "metadata": {"resourceVersion": str(self.cluster.version)},
                    "items": items,
                },
            )

    def do_POST(self) -> None:
        """Create an object."""
        route = self._route()
        if route is None:
            self._status(404, "NotFound", "not served")
            return
        group_version, resource, namespace, _ = route
        obj = self._body()
        obj.setdefault("metadata", {})["namespace"] = namespace
        with self.cluster.lock:
            if (
                group_version,
                resource,
                namespace,
                obj["metadata"].get("name"),
            ) in self.cluster.objects:
                self._status(409, "AlreadyExists", f"{resource} already exists")
                return
            if self._dry_run():
                self._send(201, obj)
            else:
                self._send(201, self.cluster.add(group_version, resource, obj))

    def do_PATCH(self) -> None:
        """Merge-patch an object (strategic merge behaves the same for these fields)."""
        route = self._route()
        if route is None or not route[3]:
            self._status(404, "NotFound", "not served")
            return
        with self.cluster.lock:
            current = self.cluster.objects.get(route)
            if current is None:
                self._status(404, "NotFound", f'{route[1]} "{route[3]}" not found')
                return
            patched = _merge(current, self._body())
            if patched != current and not self._dry_run():
                self.cluster.version += 1
                patched["metadata"]["resourceVersion"] = str(self.cluster.version)
                self.cluster.objects[route] = patched
                if route[1] == "sealedsecrets":
                    self.cluster.reconcile(patched)
            self._send(200, patched)


def serve(cluster: Cluster) -> ThreadingHTTPServer:
    """Start the stand-in on a free port in a daemon thread."""
    handler = type("BoundHandler", (Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def kubeconfig(server: ThreadingHTTPServer) -> str:
    """Return a kubeconfig that points at the stand-in."""
    host, port = server.server_address[:2]
    return (
        "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
        f"clusters: [{{name: standin, cluster: {{server: 'http://{host}:{port}'}}}}]\n"
        "contexts: [{name: standin, context: {cluster: standin, user: standin}}]\n"
        "users: [{name: standin, user: {}}]\n"
    )
