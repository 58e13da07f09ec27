# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SigNoz's alerting and retention as code: notification channels, alert rules, TTLs.

Request shapes follow SigNoz's query service (the version the catalog pins):

- ``GET/POST /api/v1/channels``, ``PUT /api/v1/channels/{id}``: a channel is an
  Alertmanager receiver (``name`` plus ``webhook_configs`` or ``slack_configs``);
  the list answers ``{"status": "success", "data": [{"id", "name", "type", "data"}]}``
  with ``data`` the stored receiver as a JSON string, defaults filled in.
- ``GET/POST /api/v1/rules``, ``PUT/DELETE /api/v1/rules/{id}``: a rule is a
  PostableRule of ``version`` v5; the list answers ``{"data": {"rules": [...]}}``.
- ``GET /api/v1/settings/ttl?type=logs|traces|metrics`` answers
  ``<type>_ttl_duration_hrs`` and ``status``; ``POST ...?type=X&duration=Nh`` sets it.
- Every request carries the key in the ``SIGNOZ-API-KEY`` header.

Nothing here reaches the network: the caller passes a ``Request`` callable, so the
module uses Ansible's HTTP client and the tests use it against a stand-in server.
What SigNoz stores is compared as a superset of what Slipway sends (SigNoz adds
defaults, ids and states), so a second run changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

# method, path (with query), JSON body or None -> (HTTP status, body bytes)
Request = Callable[[str, str, Any], tuple[int, bytes]]

HTTP_ERROR = 400
MANAGED_LABEL = "managed_by"
MANAGED_VALUE = "slipway"
TTL_TYPES = ("logs", "traces", "metrics")
# SigNoz's CompareOp and MatchType codes (ruletypes, alerting.go).
COMPARE_OPS = {"above": "1", "below": "2", "equal": "3", "not_equal": "4"}
MATCH_TYPES = {
    "at_least_once": "1",
    "all_the_time": "2",
    "on_average": "3",
    "in_total": "4",
    "last": "5",
}
CHANNEL_TYPES = ("webhook", "slack")
SEVERITIES = ("critical", "error", "warning", "info")
_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
_LABEL = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
_HOURS = {"m": 1 / 60, "h": 1, "d": 24}


class SignozError(Exception):
    """A spec or an answer from SigNoz is wrong; the message names the field or the call."""


def duration_hours(value: object, where: str) -> int:
    """Return a retention such as 7d or 168h in whole hours; the message names ``where``."""
    match = _DURATION.match(str(value))
    if not match or match.group(2) == "m":
        raise SignozError(f"{where}: {value!r} is not a retention in hours or days (e.g. 7d, 168h)")
    return int(match.group(1)) * int(_HOURS[match.group(2)])


def _duration(value: object, where: str) -> str:
    if not _DURATION.match(str(value)) or str(value).endswith("d"):
        raise SignozError(f"{where}: {value!r} is not a duration in minutes or hours (e.g. 5m, 1h)")
    return str(value)


@dataclass(frozen=True)
class Channel:
    """A notification channel; the URL is a secret and never leaves this object in output."""

    name: str
    type: str
    url: str
    slack_channel: str = ""
    send_resolved: bool = True

    def receiver(self) -> dict[str, Any]:
        """Return the Alertmanager receiver SigNoz takes."""
        if self.type == "slack":
            config: dict[str, Any] = {"api_url": self.url, "send_resolved": self.send_resolved}
            if self.slack_channel:
                config["channel"] = self.slack_channel
            return {"name": self.name, "slack_configs": [config]}
        return {
            "name": self.name,
            "webhook_configs": [{"url": self.url, "send_resolved": self.send_resolved}],
        }


def parse_channels(items: Sequence[Mapping[str, Any]]) -> list[Channel]:
    """Check the channel specs and return them; the message names the field."""
    channels: list[Channel] = []
    for index, item in enumerate(items):
        where = f"channels[{index}]"
        name = str(item.get("name") or "")
        if not _NAME.match(name) or name == "default-receiver":
            raise SignozError(f"{where}.name: {name!r} is not a channel name")
        kind = str(item.get("type") or "")
        if kind not in CHANNEL_TYPES:
            raise SignozError(f"{where}.type: {kind!r} is not one of {', '.join(CHANNEL_TYPES)}")
        url = str(item.get("url") or "")
        if not url.startswith(("https://", "http://")):
            # Never echo the value: it is a secret.
            raise SignozError(f"{where}.url (channel {name}): not an http(s) URL")
        channels.append(
            Channel(
                name=name,
                type=kind,
                url=url,
                slack_channel=str(item.get("slack_channel") or ""),
                send_resolved=bool(item.get("send_resolved", True)),
            )
        )
    names = [channel.name for channel in channels]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SignozError(f"channels: {', '.join(duplicates)} named more than once")
    return channels


@dataclass(frozen=True)
class Rule:
    """An alert rule: a PromQL query, a threshold or absent data, and where it goes."""

    name: str
    body: dict[str, Any] = field(compare=False)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SignozError(f"{where}: {value!r} is not a number")
    return float(value)


def parse_rules(items: Sequence[Mapping[str, Any]], channels: list[str]) -> list[Rule]:
    """Check the rule specs against the channel names and return SigNoz's rule bodies."""
    rules: list[Rule] = []
    for index, item in enumerate(items):
        where = f"rules[{index}]"
        name = str(item.get("name") or "")
        if not _NAME.match(name):
            raise SignozError(f"{where}.name: {name!r} is not an alert name")
        where = f"rules[{index}] ({name})"
        query = str(item.get("query") or "").strip()
        if not query:
            raise SignozError(f"{where}.query: a PromQL query is required")
        severity = str(item.get("severity") or "warning")
        if severity not in SEVERITIES:
            raise SignozError(
                f"{where}.severity: {severity!r} is not one of {', '.join(SEVERITIES)}"
            )
        op = str(item.get("op") or "above")
        if op not in COMPARE_OPS:
            raise SignozError(f"{where}.op: {op!r} is not one of {', '.join(COMPARE_OPS)}")
        match = str(item.get("match") or "at_least_once")
        if match not in MATCH_TYPES:
            raise SignozError(f"{where}.match: {match!r} is not one of {', '.join(MATCH_TYPES)}")
        routes = [str(route) for route in item.get("channels") or []]
        unknown = sorted(set(routes) - set(channels))
        if unknown:
            raise SignozError(
                f"{where}.channels: {', '.join(unknown)} is not a channel of this environment"
                f" (known: {', '.join(channels) or 'none'})"
            )
        labels = {str(key): str(value) for key, value in (item.get("labels") or {}).items()}
        for key in labels:
            if not _LABEL.match(key):
                raise SignozError(f"{where}.labels: {key!r} is not a label name")
        labels.update({"severity": severity, MANAGED_LABEL: MANAGED_VALUE})
        condition: dict[str, Any] = {
            "compositeQuery": {
                "queryType": "promql",
                "panelType": "graph",
                "queries": [
                    {"type": "promql", "spec": {"name": "A", "query": query, "disabled": False}}
                ],
            },
            "op": COMPARE_OPS[op],
            "target": _number(item.get("target", 0), f"{where}.target"),
            "matchType": MATCH_TYPES[match],
            "selectedQueryName": "A",
        }
        absent_for = item.get("absent_for")
        if absent_for is not None:
            minutes = _duration(absent_for, f"{where}.absent_for")
            condition["alertOnAbsent"] = True
            condition["absentFor"] = int(minutes[:-1]) * (60 if minutes.endswith("h") else 1)
        summary = str(item.get("summary") or name)
        description = str(item.get("description") or summary)
        body = {
            "alert": name,
            "alertType": "METRIC_BASED_ALERT",
            "ruleType": "promql_rule",
            "version": "v5",
            "description": description,
            "evalWindow": _duration(item.get("eval_window", "5m"), f"{where}.eval_window"),
            "frequency": _duration(item.get("frequency", "1m"), f"{where}.frequency"),
            "condition": condition,
            "labels": labels,
            "annotations": {
                "summary": summary,
                "description": str(item.get("description") or summary),
            },
            "preferredChannels": routes,
            "disabled": False,
        }
        rules.append(Rule(name=name, body=body))
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SignozError(f"rules: {', '.join(duplicates)} named more than once")
    return rules


def parse_retention(retention: Mapping[str, Any]) -> dict[str, int]:
    """Return the retention per signal in hours; unknown signals name the field."""
    unknown = sorted(set(retention) - set(TTL_TYPES))
    if unknown:
        raise SignozError(f"retention: {', '.join(unknown)} is not one of {', '.join(TTL_TYPES)}")
    return {
        kind: duration_hours(value, f"retention.{kind}")
        for kind, value in retention.items()
        if value not in (None, "")
    }


def contains(stored: object, wanted: object) -> bool:
    """Whether SigNoz's stored value holds every key and value Slipway sent."""
    if isinstance(wanted, Mapping):
        return isinstance(stored, Mapping) and all(
            key in stored and contains(stored[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(wanted)
            and all(contains(left, right) for left, right in zip(stored, wanted, strict=True))
        )
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        return (
            isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored == wanted
        )
    return stored == wanted


class Client:
    """SigNoz's API through a Request callable; every answer is checked for its shape."""

    def __init__(self, request: Request) -> None:
        """Send every call through ``request``."""
        self._request = request

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        status, data = self._request(method, path, body)
        if status in (401, 403):
            raise SignozError(
                f"api_key: SigNoz refused it for {method} {path.partition('?')[0]} (HTTP {status});"
                " it needs an admin API key (Settings > API Keys)"
            )
        if status >= HTTP_ERROR:
            raise SignozError(
                f"{method} {path.partition('?')[0]}: HTTP {status}: {_error_text(data)}"
            )
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError as err:
            raise SignozError(
                f"{method} {path.partition('?')[0]}: the answer is not JSON ({err})"
            ) from err

    def channels(self) -> dict[str, dict[str, Any]]:
        """Return the stored channels by name, each with its receiver parsed."""
        answer = self._call("GET", "/api/v1/channels")
        items = answer.get("data") if isinstance(answer, Mapping) else None
        if not isinstance(items, list):
            raise SignozError("GET /api/v1/channels: no list of channels in the answer")
        channels = {}
        for item in items:
            try:
                receiver = json.loads(item.get("data") or "{}")
            except ValueError:
                receiver = {}
            channels[str(item.get("name"))] = {"id": str(item.get("id")), "receiver": receiver}
        return channels

    def create_channel(self, channel: Channel) -> None:
        """Create a channel."""
        self._call("POST", "/api/v1/channels", channel.receiver())

    def update_channel(self, channel_id: str, channel: Channel) -> None:
        """Replace a channel's receiver."""
        self._call("PUT", f"/api/v1/channels/{quote(channel_id, safe='')}", channel.receiver())

    def rules(self) -> list[dict[str, Any]]:
        """Return every stored rule."""
        answer = self._call("GET", "/api/v1/rules")
        data = answer.get("data") if isinstance(answer, Mapping) else None
        rules = data.get("rules") if isinstance(data, Mapping) else None
        if not isinstance(rules, list):
            raise SignozError("GET /api/v1/rules: no list of rules in the answer")
        return [rule for rule in rules if isinstance(rule, dict)]

    def create_rule(self, body: dict[str, Any]) -> None:
        """Create a rule."""
        self._call("POST", "/api/v1/rules", body)

    def update_rule(self, rule_id: str, body: dict[str, Any]) -> None:
        """Replace a rule."""
        self._call("PUT", f"/api/v1/rules/{quote(rule_id, safe='')}", body)

    def delete_rule(self, rule_id: str) -> None:
        """Delete a rule."""
        self._call("DELETE", f"/api/v1/rules/{quote(rule_id, safe='')}")

    def ttl(self, kind: str) -> tuple[int, str, int]:
        """Return (hours now, status, hours being applied) of one signal's retention."""
        answer = self._call("GET", "/api/v1/settings/ttl?" + urlencode({"type": kind}))
        if not isinstance(answer, Mapping):
            raise SignozError(f"GET /api/v1/settings/ttl ({kind}): no retention in the answer")
        return (
            int(answer.get(f"{kind}_ttl_duration_hrs") or 0),
            str(answer.get("status") or ""),
            int(answer.get(f"expected_{kind}_ttl_duration_hrs") or 0),
        )

    def set_ttl(self, kind: str, hours: int) -> None:
        """Start setting one signal's retention (SigNoz applies it in the background)."""
        query = urlencode({"type": kind, "duration": f"{hours}h"})
        self._call("POST", f"/api/v1/settings/ttl?{query}")


def _error_text(data: bytes) -> str:
    text = data[:300].decode("utf-8", "replace").strip()
    try:
        answer = json.loads(data)
    except ValueError:
        return text or "no message"
    if isinstance(answer, Mapping):
        error = answer.get("error")
        if isinstance(error, Mapping):
            return str(error.get("message") or error)[:300]
        return str(error or answer.get("message") or text)[:300]
    return text


@dataclass
class Outcome:
    """What a run did (or would do), in lines an operator reads; no secret in any."""

    actions: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything changed (or would)."""
        return bool(self.actions)


def _converge_channels(
    client: Client, channels: list[Channel], outcome: Outcome, *, check_mode: bool
) -> None:
    stored_channels = client.channels()
    for channel in channels:
        stored = stored_channels.get(channel.name)
        if stored is None:
            outcome.actions.append(f"channel {channel.name}: create ({channel.type})")
            if not check_mode:
                client.create_channel(channel)
        elif not contains(stored["receiver"], channel.receiver()):
            outcome.actions.append(f"channel {channel.name}: update ({channel.type})")
            if not check_mode:
                client.update_channel(stored["id"], channel)
    outcome.before["channels"] = sorted(stored_channels)
    outcome.after["channels"] = sorted(set(stored_channels) | {c.name for c in channels})


def _converge_rules(
    client: Client, rules: list[Rule], outcome: Outcome, *, prune: bool, check_mode: bool
) -> None:
    stored_rules = client.rules()
    by_name: dict[str, dict[str, Any]] = {}
    for stored_rule in stored_rules:
        by_name.setdefault(str(stored_rule.get("alert")), stored_rule)
    wanted = {rule.name for rule in rules}
    for rule in rules:
        stored = by_name.get(rule.name)
        if stored is None:
            outcome.actions.append(f"rule {rule.name}: create")
            if not check_mode:
                client.create_rule(rule.body)
        elif not contains(stored, rule.body):
            outcome.actions.append(f"rule {rule.name}: update")
            if not check_mode:
                client.update_rule(str(stored.get("id")), rule.body)
    stale = [
        stored
        for stored in stored_rules
        if (stored.get("labels") or {}).get(MANAGED_LABEL) == MANAGED_VALUE
        and str(stored.get("alert")) not in wanted
    ]
    gone: set[str] = set()
    for stored in stale if prune else []:
        gone.add(str(stored.get("alert")))
        outcome.actions.append(f"rule {stored.get('alert')}: delete (not in the repository)")
        if not check_mode:
            client.delete_rule(str(stored.get("id")))
    outcome.before["rules"] = sorted(by_name)
    outcome.after["rules"] = sorted((set(by_name) - gone) | wanted)


def _converge_retention(
    client: Client, retention: dict[str, int], outcome: Outcome, *, check_mode: bool
) -> None:
    for kind, hours in retention.items():
        current, status, expected = client.ttl(kind)
        outcome.before[f"retention_{kind}_hours"] = current
        outcome.after[f"retention_{kind}_hours"] = hours
        if current == hours and status != "failed":
            continue
        if status == "pending" and expected == hours:
            continue  # SigNoz is applying this very value
        outcome.actions.append(f"retention {kind}: {hours}h (was {current}h)")
        if not check_mode:
            client.set_ttl(kind, hours)


def converge(
    client: Client,
    channels: list[Channel],
    rules: list[Rule],
    retention: dict[str, int],
    *,
    prune: bool,
    check_mode: bool,
) -> Outcome:
    """Make SigNoz hold the channels, rules and retention; touch only what differs."""
    outcome = Outcome()
    _converge_channels(client, channels, outcome, check_mode=check_mode)
    _converge_rules(client, rules, outcome, prune=prune, check_mode=check_mode)
    _converge_retention(client, retention, outcome, check_mode=check_mode)
    return outcome


def route_rules(rules: list[Mapping[str, Any]], routes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the enabled rules, each sent to its own channels or its severity's route."""
    unknown = sorted(set(routes) - set(SEVERITIES))
    if unknown:
        raise SignozError(f"routes: {', '.join(unknown)} is not one of {', '.join(SEVERITIES)}")
    routed = []
    for rule in rules:
        if not rule.get("enabled", True):
            continue
        spec = {key: value for key, value in rule.items() if key not in ("enabled", "note")}
        if not spec.get("channels"):
            spec["channels"] = list(routes.get(str(spec.get("severity") or "warning")) or [])
        routed.append(spec)
    return routed


def channels_with_urls(channels: list[Mapping[str, Any]], urls: list[Any]) -> list[dict[str, Any]]:
    """Give each channel the URL read from the variable its url_var names; none may be empty."""
    if len(urls) != len(channels):
        raise SignozError(f"channels: {len(channels)} channels but {len(urls)} URLs")
    result = []
    for index, (channel, url) in enumerate(zip(channels, urls, strict=True)):
        variable = str(channel.get("url_var") or "")
        if not variable:
            raise SignozError(
                f"channels[{index}].url_var: the name of the variable holding the URL is required"
            )
        if not url:
            raise SignozError(
                f"channels[{index}].url_var: {variable} (channel {channel.get('name')}) is empty or"
                " undefined; set it in the environment's ansible-vault file (vault.yml)"
            )
        spec = {key: value for key, value in channel.items() if key != "url_var"}
        result.append({**spec, "url": str(url)})
    return result


def plan_lines(
    channels: list[Mapping[str, Any]],
    rules: list[Mapping[str, Any]],
    routes: Mapping[str, Any],
    retention: Mapping[str, Any],
    collected: list[str],
) -> list[str]:
    """Check the environment's observability settings offline and say what they do.

    Channel URLs are secrets read only when applying, so here each stands in as a
    placeholder: every other check is the one the apply makes.
    """
    placeholders = [
        {**{k: v for k, v in channel.items() if k != "url_var"}, "url": "https://planned.invalid"}
        for channel in channels
    ]
    parsed_channels = parse_channels(placeholders)
    names = [channel.name for channel in parsed_channels]
    routed = route_rules(rules, routes)
    parsed = {rule.name: rule for rule in parse_rules(routed, names)}
    hours = parse_retention(retention)
    lines = [f"collected: {item}" for item in collected]
    kept = ", ".join(
        f"{kind} {value // 24}d" if value % 24 == 0 else f"{kind} {value}h"
        for kind, value in hours.items()
    )
    lines.append(f"kept: {kept or 'as SigNoz defaults'}")
    lines.extend(f"channel {channel.name}: {channel.type}" for channel in parsed_channels)
    for rule in rules:
        name = str(rule.get("name"))
        if name not in parsed:
            lines.append(f"alert {name}: off ({rule.get('note') or 'enabled is false'})")
            continue
        body = parsed[name].body
        targets = ", ".join(body["preferredChannels"]) or "no channel (shown in SigNoz only)"
        lines.append(f"alert {name} ({body['labels']['severity']}) -> {targets}")
    return lines
