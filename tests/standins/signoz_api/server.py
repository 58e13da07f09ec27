"""Stand-in for SigNoz's query-service API: channels, alert rules and retention (TTL).

In memory, over plain HTTP on 127.0.0.1, with the request and answer shapes of the
SigNoz version the catalog pins (read from its source; see README.md here):

- every request needs the header ``SIGNOZ-API-KEY`` equal to the store's key (401 else);
- channels: an Alertmanager receiver in, stored as a JSON string with defaults added;
- rules: a PostableRule of version v5 in (400 otherwise, or with a bad label name),
  stored with id, state and audit fields added;
- TTL: the query parameters and checks of SigNoz's parseTTLParams; a set TTL is
  ``pending`` until ``Store.settle()`` makes it ``success``.

``Store.requests`` records each call (method, path) so tests can count writes.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_GO_DURATION = re.compile(r"^([0-9]+)(h|m|s)$")
_LABEL = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
# What Alertmanager's defaults add to a stored receiver's config (a subset).
_DEFAULTS = {"http_config": {"follow_redirects": True, "enable_http2": True}, "max_alerts": 0}


@dataclass
class Store:
    """What the stand-in SigNoz holds."""

    api_key: str = "standin-key"
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    ttl: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            kind: {"hours": 360 if kind != "metrics" else 720, "expected": 0, "status": "success"}
            for kind in ("logs", "traces", "metrics")
        }
    )
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settle(self) -> None:
        """Finish every pending TTL change, as SigNoz's background job would."""
        for entry in self.ttl.values():
            if entry["status"] == "pending":
                entry.update(hours=entry["expected"], expected=0, status="success")

    def writes(self) -> list[tuple[str, str]]:
        """Every request that is not a GET."""
        return [request for request in self.requests if request[0] != "GET"]


def _go_hours(text: str) -> float | None:
    match = _GO_DURATION.match(text)
    if not match:
        return None
    value = int(match.group(1))
    return {"h": value, "m": value / 60, "s": value / 3600}[match.group(2)]


class Handler(BaseHTTPRequestHandler):
    """SigNoz's routes for channels, rules and TTL."""

    store: Store

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: Any = None, *, envelope: bool = True) -> None:
        if body is None and status == 204:
            data = b""
        elif envelope:
            data = json.dumps({"status": "success", "data": body}).encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        data = json.dumps(
            {"status": "error", "error": {"code": "invalid_input", "message": message}}
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def _route(self, method: str) -> None:
        store = self.store
        url = urlsplit(self.path)
        with store.lock:
            store.requests.append((method, url.path))
            if self.headers.get("SIGNOZ-API-KEY") != store.api_key:
                self._error(401, "invalid api key")
                return
            parts = url.path.strip("/").split("/")
            try:
                body = self._body() if method in ("POST", "PUT") else None
            except ValueError:
                self._error(400, "request body is not JSON")
                return
            if parts[:3] == ["api", "v1", "channels"]:
                self._channels(method, parts[3:], body)
            elif parts[:3] == ["api", "v1", "rules"]:
                self._rules(method, parts[3:], body)
            elif parts[:4] == ["api", "v1", "settings", "ttl"]:
                self._ttl(method, parse_qs(url.query))
            else:
                self._error(404, f"no route {method} {url.path}")

    def _receiver(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict) or not body.get("name"):
            self._error(400, "receiver needs a name")
            return None
        configs = [key for key in body if key.endswith("_configs")]
        if not configs:
            self._error(400, "receiver needs at least one *_configs list")
            return None
        stored = dict(body)
        for key in configs:
            stored[key] = [{**_DEFAULTS, **config} for config in body[key]]
        return stored

    def _channels(self, method: str, rest: list[str], body: Any) -> None:
        store = self.store
        if method == "GET" and not rest:
            self._answer(200, list(store.channels.values()))
        elif method == "POST" and not rest:
            receiver = self._receiver(body)
            if receiver is None:
                return
            if any(item["name"] == receiver["name"] for item in store.channels.values()):
                self._error(409, f"channel {receiver['name']} already exists")
                return
            channel_id = str(uuid.uuid4())
            kind = next(key for key in receiver if key.endswith("_configs"))[: -len("_configs")]
            store.channels[channel_id] = {
                "id": channel_id,
                "name": receiver["name"],
                "type": kind,
                "data": json.dumps(receiver),
                "org_id": "standin-org",
            }
            self._answer(201, store.channels[channel_id])
        elif method == "PUT" and len(rest) == 1 and rest[0] in store.channels:
            receiver = self._receiver(body)
            if receiver is None:
                return
            store.channels[rest[0]]["data"] = json.dumps(receiver)
            self._answer(204)
        else:
            self._error(404, "channel not found")

    def _rule(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict) or not isinstance(body.get("condition"), dict):
            self._error(400, "rule condition is required")
            return None
        if body.get("version") != "v5":
            self._error(400, f'only version v5 is supported, got "{body.get("version", "")}"')
            return None
        for key in body.get("labels") or {}:
            if not _LABEL.match(key):
                self._error(400, f"invalid label name: {key}")
                return None
        return body

    def _rules(self, method: str, rest: list[str], body: Any) -> None:
        store = self.store
        if method == "GET" and not rest:
            self._answer(200, {"rules": list(store.rules.values())})
        elif method == "POST" and not rest:
            rule = self._rule(body)
            if rule is None:
                return
            rule_id = str(uuid.uuid4())
            store.rules[rule_id] = {
                **rule,
                "id": rule_id,
                "state": "inactive",
                "schemaVersion": "v1",
                "createAt": "2026-12-04T00:00:00Z",
                "createBy": "standin",
            }
            self._answer(200, store.rules[rule_id])
        elif len(rest) == 1 and rest[0] in store.rules:
            if method == "PUT":
                rule = self._rule(body)
                if rule is None:
                    return
                store.rules[rest[0]] = {**rule, "id": rest[0], "state": "inactive"}
                self._answer(200, "rule successfully edited")
            elif method == "DELETE":
                del store.rules[rest[0]]
                self._answer(200, "rule successfully deleted")
            else:
                self._answer(200, store.rules[rest[0]])
        else:
            self._error(404, "rule not found")

    def _ttl(self, method: str, query: dict[str, list[str]]) -> None:
        kind = (query.get("type") or [""])[0]
        if kind not in self.store.ttl:
            self._error(400, f"type param should be metrics|traces|logs, got {kind}")
            return
        entry = self.store.ttl[kind]
        if method == "GET":
            answer: dict[str, Any] = {
                f"{kind}_ttl_duration_hrs": entry["hours"],
                "status": entry["status"],
            }
            if entry["expected"]:
                answer[f"expected_{kind}_ttl_duration_hrs"] = entry["expected"]
            self._answer(200, answer, envelope=False)
        elif method == "POST":
            hours = _go_hours((query.get("duration") or [""])[0])
            if not hours or hours <= 0:
                self._error(400, f"not a valid TTL duration {query.get('duration')}")
                return
            entry.update(expected=int(hours), status="pending")
            self._answer(200, {"message": "move ttl has been successfully set up"}, envelope=False)
        else:
            self._error(405, "method not allowed")

    def do_GET(self) -> None:
        """GET."""
        self._route("GET")

    def do_POST(self) -> None:
        """POST."""
        self._route("POST")

    def do_PUT(self) -> None:
        """PUT."""
        self._route("PUT")

    def do_DELETE(self) -> None:
        """DELETE."""
        self._route("DELETE")


def serve(store: Store | None = None) -> tuple[ThreadingHTTPServer, Store]:
    """Start the stand-in on a free loopback port in a daemon thread."""
    store = store or Store()
    handler = type("BoundHandler", (Handler,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store


def url(server: ThreadingHTTPServer) -> str:
    """The stand-in's base URL."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
