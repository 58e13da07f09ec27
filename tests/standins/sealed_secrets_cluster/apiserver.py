"""Stand-in for a Kubernetes API server with a sealed-secrets controller in kube-system.

Tests only. Serves what Slipway's sealing playbooks ask of a cluster: /version and
discovery (core/v1, apps/v1, bitnami.com/v1alpha1), Secrets, Deployments and
SealedSecrets (get, list with equality and existence label selectors, create,
merge patch, server-side apply), and the controller's public cert through the
service proxy (GET .../services/http:<name>:<port>/proxy/v1/cert.pem). Given an
``unseal`` callable (the test's own decryptor), a created SealedSecret becomes a
Secret and gets the controller's ``Synced`` condition.

Server-side apply follows the Kubernetes rules for the shapes Slipway sends
(maps of strings, no lists): ``metadata.managedFields`` records which leaf
fields each manager set; an apply removes the fields its manager set last time
and no longer sends, unless another manager owns them too; a field another
manager owns with a different value is a 409 conflict unless ``force=true``,
which takes it over. Lists are atomic leaves.
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

import yaml

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


# Fields the API server sets itself or that identify the object; never owned.
_UNOWNED = {
    ("apiVersion",),
    ("kind",),
    ("status",),
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("metadata", "managedFields"),
    ("metadata", "resourceVersion"),
    ("metadata", "uid"),
    ("metadata", "creationTimestamp"),
    ("metadata", "generation"),
}

FieldPath = tuple[str, ...]


def _leaves(obj: dict[str, Any], prefix: FieldPath = ()) -> set[FieldPath]:
    """Return the leaf field paths of an object (an empty map is a leaf itself)."""
    paths: set[FieldPath] = set()
    for key, value in obj.items():
        path = (*prefix, key)
        if path in _UNOWNED or (path[:1] == ("status",)):
            continue
        if isinstance(value, dict) and value:
            paths |= _leaves(value, path)
        else:
            paths.add(path)
    return paths


def _to_fields_v1(paths: set[FieldPath]) -> dict[str, Any]:
    """Return paths in the FieldsV1 shape ({"f:metadata": {"f:name": {}}})."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault(f"f:{key}", {})
    return tree


def _from_fields_v1(tree: dict[str, Any], prefix: FieldPath = ()) -> set[FieldPath]:
    """Return the leaf paths of a FieldsV1 tree."""
    paths: set[FieldPath] = set()
    for key, child in tree.items():
        path = (*prefix, key.removeprefix("f:"))
        paths |= _from_fields_v1(child, path) if child else {path}
    return paths


def _get(obj: dict[str, Any], path: FieldPath) -> Any:
    """Return the value at path, or a sentinel when missing."""
    node: Any = obj
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


_MISSING = object()


def _remove(obj: dict[str, Any], path: FieldPath) -> None:
    """Remove the field at path, then any map it leaves empty (metadata and spec stay)."""
    parents = [obj]
    for key in path[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(path[-1], None)
    for depth in range(len(path) - 1, 1, -1):
        if parents[depth]:
            break
        parents[depth - 1].pop(path[depth - 1], None)


def _owners(obj: dict[str, Any]) -> dict[tuple[str, str], set[FieldPath]]:
    """Return the fields owned by each (manager, operation) of an object."""
    return {
        (entry["manager"], entry["operation"]): _from_fields_v1(entry.get("fieldsV1") or {})
        for entry in obj["metadata"].get("managedFields") or []
    }


def _set_owners(obj: dict[str, Any], owners: dict[tuple[str, str], set[FieldPath]]) -> None:
    """Write the ownership back as metadata.managedFields (managers owning nothing drop out)."""
    obj["metadata"]["managedFields"] = [
        {
            "manager": manager,
            "operation": operation,
            "apiVersion": obj.get("apiVersion", ""),
            "fieldsType": "FieldsV1",
            "fieldsV1": _to_fields_v1(paths),
        }
        for (manager, operation), paths in sorted(owners.items())
        if paths
    ]


def _record_update(obj: dict[str, Any], manager: str, patch: dict[str, Any]) -> None:
    """Give manager the fields a create or merge patch set; an update always takes them over."""
    owners = _owners(obj)
    touched = _leaves(patch)
    for paths in owners.values():
        paths -= {p for p in paths if any(p[: len(t)] == t for t in touched)}
    owners[(manager, "Update")] = owners.get((manager, "Update"), set()) | {
        p for p in touched if _get(obj, p) is not _MISSING
    }
    _set_owners(obj, owners)


class ApplyConflict(Exception):
    """A server-side apply would change fields another manager owns (409)."""


def server_side_apply(
    current: dict[str, Any] | None, config: dict[str, Any], manager: str, force: bool
) -> dict[str, Any]:
    """Return the object after manager applies config, as the API server computes it."""
    wanted = _leaves(config)
    base = json.loads(json.dumps(current)) if current else {"metadata": {}}
    owners = _owners(base)
    mine = owners.pop((manager, "Apply"), set())
    conflicts = sorted(
        ".".join(path)
        for (other, _op), paths in owners.items()
        for path in paths & wanted
        if _get(base, path) != _get(config, path)
    )
    if conflicts and not force:
        raise ApplyConflict(f"Apply failed with conflicts: {', '.join(conflicts)}")
    for paths in owners.values():
        paths -= {p for p in wanted if _get(base, p) != _get(config, p)}
    others = set().union(*owners.values()) if owners else set()
    for path in sorted(mine - wanted - others, key=len, reverse=True):
        _remove(base, path)
    applied = _merge(base, config)
    owners[(manager, "Apply")] = wanted
    _set_owners(applied, owners)
    return applied


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
        _record_update(obj, self._manager(), obj)
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

    def _manager(self) -> str:
        """Return the field manager: the fieldManager parameter, else the client's user agent."""
        query = parse_qs(urlparse(self.path).query)
        agent = self.headers.get("User-Agent", "unknown").split("/")[0]
        return query.get("fieldManager", [agent])[0]

    def do_PATCH(self) -> None:
        """Merge-patch an object (strategic merge behaves the same here), or server-side apply."""
        route = self._route()
        if route is None or not route[3]:
            self._status(404, "NotFound", "not served")
            return
        if self.headers.get("Content-Type", "").startswith("application/apply-patch"):
            self._apply(route)
            return
        with self.cluster.lock:
            current = self.cluster.objects.get(route)
            if current is None:
                self._status(404, "NotFound", f'{route[1]} "{route[3]}" not found')
                return
            patch = self._body()
            patched = _merge(current, patch)
            if patched != current:
                _record_update(patched, self._manager(), patch)
            self._store(route, current, patched)

    def _apply(self, route: tuple[str, str, str, str]) -> None:
        """Server-side apply: create or update as the field manager, see server_side_apply."""
        query = parse_qs(urlparse(self.path).query)
        if "fieldManager" not in query:
            self._status(400, "BadRequest", "fieldManager is required for apply requests")
            return
        length = int(self.headers.get("Content-Length", "0"))
        config = yaml.safe_load(self.rfile.read(length) or b"{}")
        force = query.get("force", ["false"])[0].lower() == "true"
        with self.cluster.lock:
            current = self.cluster.objects.get(route)
            try:
                applied = server_side_apply(current, config, query["fieldManager"][0], force)
            except ApplyConflict as exc:
                self._status(409, "Conflict", str(exc))
                return
            if current is None:
                applied["metadata"]["namespace"] = route[2]
                if self._dry_run():
                    self._send(201, applied)
                else:
                    self._send(201, self.cluster.add(route[0], route[1], applied))
                return
            self._store(route, current, applied)

    def _store(
        self, route: tuple[str, str, str, str], current: dict[str, Any], updated: dict[str, Any]
    ) -> None:
        """Store an updated object unless nothing changed or it is a dry run; reply with it."""
        if updated != current and not self._dry_run():
            self.cluster.version += 1
            updated["metadata"]["resourceVersion"] = str(self.cluster.version)
            self.cluster.objects[route] = updated
            if route[1] == "sealedsecrets":
                self.cluster.reconcile(updated)
        self._send(200, updated)


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
