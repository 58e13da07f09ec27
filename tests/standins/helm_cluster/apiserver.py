"""Stand-in for a Kubernetes API server: core/v1 ConfigMaps, Namespaces and Secrets, in memory.

Tests only. It answers what kubernetes.core's k8s_cluster_info, k8s_info and k8s
ask for when Slipway records and reads its release history and creates its
namespaces, and what `kubectl get secret` asks when the components role looks for
the Secrets a release needs: /version, API discovery, and get/list (equality and
existence label selectors)/create/merge-patch, with dry-run. Plain HTTP on
127.0.0.1, no auth.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_RESOURCES = {
    "configmaps": {
        "kind": "ConfigMap",
        "namespaced": True,
        "singularName": "configmap",
        "shortNames": ["cm"],
    },
    "secrets": {
        "kind": "Secret",
        "namespaced": True,
        "singularName": "secret",
        "shortNames": [],
    },
    "namespaces": {
        "kind": "Namespace",
        "namespaced": False,
        "singularName": "namespace",
        "shortNames": ["ns"],
    },
}
_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


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


class Store:
    """Objects by (resource, namespace, name), with a resourceVersion counter."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.version = 1
        self.lock = threading.Lock()

    def stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Give an object a new resourceVersion."""
        self.version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.version)
        return obj

    def configmaps(self, namespace: str) -> list[dict[str, Any]]:
        """Return the ConfigMaps of a namespace (for test assertions)."""
        return [
            obj
            for (res, ns, _), obj in self.objects.items()
            if res == "configmaps" and ns == namespace
        ]

    def namespace(self, name: str) -> dict[str, Any] | None:
        """Return one Namespace object, or None (for test assertions)."""
        return self.objects.get(("namespaces", "", name))

    def add_secret(self, namespace: str, name: str, data: dict[str, str]) -> None:
        """Store a Secret as the sealed-secrets controller would make it (for test setup)."""
        with self.lock:
            self.objects[("secrets", namespace, name)] = self.stamp(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "type": "Opaque",
                    "metadata": {"name": name, "namespace": namespace},
                    "data": data,
                }
            )


class Handler(BaseHTTPRequestHandler):
    """Routes /version, discovery and core/v1 object requests."""

    store: Store

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, reason: str, message: str) -> None:
        self._send(
            code,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": message,
                "reason": reason,
                "code": code,
            },
        )

    def _route(self) -> tuple[str, str, str] | None:
        """Return (resource, namespace, name) of a core/v1 object path, or None."""
        parts = urlparse(self.path).path.strip("/").split("/")
        if parts[:2] != ["api", "v1"]:
            return None
        rest = parts[2:]
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in _RESOURCES:
            return rest[2], rest[1], rest[3] if len(rest) > 3 else ""
        if rest and rest[0] in _RESOURCES:
            return rest[0], "", rest[1] if len(rest) > 1 else ""
        return None

    def _query(self) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.path).query)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        """Serve version, discovery, get and list."""
        path = urlparse(self.path).path.rstrip("/")
        if path == "/version":
            self._send(
                200,
                {
                    "major": "1",
                    "minor": "35",
                    "gitVersion": "v1.35.0+standin",
                    "platform": "linux/amd64",
                },
            )
            return
        if path == "/api":
            self._send(
                200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
            )
            return
        if path == "/apis":
            self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
            return
        if path == "/api/v1":
            resources = [
                {"name": name, "verbs": _VERBS, **spec} for name, spec in _RESOURCES.items()
            ]
            self._send(
                200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}
            )
            return
        route = self._route()
        if route is None:
            self._status(404, "NotFound", f"the stand-in does not serve {path}")
            return
        resource, namespace, name = route
        with self.store.lock:
            if name:
                obj = self.store.objects.get((resource, namespace, name))
                if obj is None:
                    self._status(404, "NotFound", f'{resource} "{name}" not found')
                else:
                    self._send(200, obj)
                return
            selector = self._query().get("labelSelector", [""])[0]
            terms = [term for term in selector.split(",") if term]
            wanted = dict(term.split("=", 1) for term in terms if "=" in term)
            present = [term for term in terms if "=" not in term]
            items = [
                obj
                for (res, ns, _), obj in sorted(self.store.objects.items())
                if res == resource
                and (not namespace or ns == namespace)
                and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
                and all(key in obj["metadata"].get("labels", {}) for key in present)
            ]
            kind = _RESOURCES[resource]["kind"]
            self._send(
                200,
                {
                    "kind": f"{kind}List",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(self.store.version)},
                    "items": items,
                },
            )

    def do_POST(self) -> None:
        """Create an object."""
        route = self._route()
        if route is None:
            self._status(404, "NotFound", "not served")
            return
        resource, namespace, _ = route
        obj = self._body()
        name = obj.get("metadata", {}).get("name", "")
        with self.store.lock:
            if namespace and ("namespaces", "", namespace) not in self.store.objects:
                self._status(404, "NotFound", f'namespaces "{namespace}" not found')
                return
            key = (resource, namespace, name)
            if key in self.store.objects:
                self._status(409, "AlreadyExists", f'{resource} "{name}" already exists')
                return
            obj = {"apiVersion": "v1", "kind": _RESOURCES[resource]["kind"], **obj}
            if namespace:
                obj["metadata"]["namespace"] = namespace
            if "dryRun" not in self._query():
                self.store.objects[key] = self.store.stamp(obj)
            self._send(201, obj)

    def do_PATCH(self) -> None:
        """Merge-patch an object (strategic merge behaves the same for these kinds)."""
        route = self._route()
        if route is None or not route[2]:
            self._status(404, "NotFound", "not served")
            return
        with self.store.lock:
            current = self.store.objects.get(route)
            if current is None:
                self._status(404, "NotFound", f'{route[0]} "{route[2]}" not found')
                return
            patched = _merge(current, self._body())
            if patched != current and "dryRun" not in self._query():
                self.store.objects[route] = self.store.stamp(patched)
            self._send(200, patched)


def serve(store: Store | None = None) -> tuple[ThreadingHTTPServer, Store]:
    """Start the stand-in on a free port in a daemon thread; return the server and its store."""
    handler = type("BoundHandler", (Handler,), {"store": store or Store()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler.store


def kubeconfig(server: ThreadingHTTPServer) -> str:
    """Return a kubeconfig that points at the stand-in."""
    host, port = server.server_address[:2]
    return (
        "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
        f"clusters: [{{name: standin, cluster: {{server: 'http://{host}:{port}'}}}}]\n"
        "contexts: [{name: standin, context: {cluster: standin, user: standin}}]\n"
        "users: [{name: standin, user: {}}]\n"
    )
