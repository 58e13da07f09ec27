"""Roll a Helm release back to an earlier revision, deciding from ``helm history``.

The decision is pure: :func:`plan_rollback` reads the parsed history and says
whether a rollback is needed and to which revision. :func:`run_rollback` wires
it to the helm binary through an argument-list runner, so the module stays thin.

When is a release "already at the target"? Helm's rollback creates a new
revision that copies the target's chart, values and manifest and describes it
as ``Rollback to N``. A revision's *origin* is therefore the revision whose
content it carries: itself, or, for ``Rollback to N``, the origin of ``N``.
The release is at the target when its newest revision is deployed and has the
same origin as the target. With no revision given, the target is the newest
revision before the newest one that was ever deployed successfully (status
``deployed`` or ``superseded``); a newest revision that is itself a deployed
rollback counts as done, so running the same rollback twice changes nothing; a
newest revision that is a failed rollback is an error asking for a revision,
because helm's failure message replaces the ``Rollback to N`` it would need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# A runner takes an argument list and returns (rc, stdout, stderr).
Runner = Callable[[list[str]], tuple[int, str, str]]

_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RELEASE_NAME_MAX = 53
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
_ROLLBACK_DESCRIPTION = re.compile(r"^Rollback to ([0-9]+)$")
_GOOD_STATUSES = frozenset({"deployed", "superseded"})
# helm history prints a chart as "<name>-<version>"; the version is SemVer.
_CHART = re.compile(r"^(.+)-(v?[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?)$")
_LIST_STATUSES = ("--deployed", "--failed", "--pending", "--superseded")
# `helm history` prints only the newest --max revisions (a Go int, default 256;
# 0 prints none) and has no "all" value, while `--history-max 0` lets a release
# keep more than 256. Ask for the largest int on every platform: helm reads the
# whole history from storage either way, --max only cuts what it prints.
_HISTORY_MAX = str(2**31 - 1)


class HelmRollbackError(Exception):
    """A rollback cannot be planned or did not succeed; the message says why."""


@dataclass(frozen=True)
class RollbackParams:
    """What the caller asks for (module options, validated by validate_params)."""

    release: str
    namespace: str | None
    revision: int | None
    kubeconfig: str | None
    binary_path: str
    wait: bool
    timeout: str
    history_max: int


@dataclass(frozen=True)
class Revision:
    """One entry of ``helm history -o json``."""

    number: int
    status: str
    chart: str
    app_version: str
    description: str
    updated: str

    def as_dict(self) -> dict[str, Any]:
        """Return the entry in helm's own JSON field names."""
        return {
            "revision": self.number,
            "status": self.status,
            "chart": self.chart,
            "app_version": self.app_version,
            "description": self.description,
            "updated": self.updated,
        }


@dataclass(frozen=True)
class ReleaseStatus:
    """The fields Slipway reads from ``helm status -o json`` (never config or manifest).

    ``helm status`` strips the chart from its output (``rel.Chart = nil`` in helm 3
    and 4 ``pkg/cmd/status.go``), so the chart comes from ``helm history`` instead.
    """

    name: str
    namespace: str
    revision: int
    status: str
    description: str


@dataclass(frozen=True)
class RollbackPlan:
    """The decision: roll back (changed) or not, from which revision to which.

    ``target`` is the target's history entry, None when helm pruned it;
    ``target_number`` is the target's revision number either way.
    """

    changed: bool
    current: Revision
    target: Revision | None
    reason: str
    target_number: int | None = None


@dataclass(frozen=True)
class RollbackResult:
    """What happened, for the module's return values."""

    changed: bool
    release: str
    namespace: str
    revision_before: int
    revision: int
    target_revision: int | None
    status: str
    chart: str
    app_version: str
    msg: str
    history: tuple[Revision, ...]
    chart_name: str = ""
    chart_version: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the result as module return values."""
        return {
            "changed": self.changed,
            "release": self.release,
            "namespace": self.namespace,
            "revision_before": self.revision_before,
            "revision": self.revision,
            "target_revision": self.target_revision,
            "status": self.status,
            "chart": self.chart,
            "app_version": self.app_version,
            "msg": self.msg,
            "history": [entry.as_dict() for entry in self.history],
            "release_ref": {
                "name": self.release,
                "namespace": self.namespace,
                "chart": self.chart_name,
                "chart_version": self.chart_version,
                "revision": self.revision,
            },
        }

    def diff(self) -> dict[str, str]:
        """Return a before/after view of the release (never values) for diff mode."""
        by_number = {entry.number: entry for entry in self.history}
        current = by_number.get(self.revision_before)
        target = by_number.get(self.target_revision or 0)
        before = f"revision: {self.revision_before}\n"
        after = f"rollback to revision: {self.target_revision}\n"
        if current is not None:
            before += f"chart: {current.chart}\napp_version: {current.app_version}\n"
        if target is not None:
            after += f"chart: {target.chart}\napp_version: {target.app_version}\n"
        return {"before": before, "after": after}


def validate_params(params: RollbackParams) -> None:
    """Raise HelmRollbackError naming the first option that is not valid."""
    if len(params.release) > _RELEASE_NAME_MAX or not _RELEASE_NAME.match(params.release):
        raise HelmRollbackError(
            f"release: {params.release!r} is not a Helm release name (lowercase letters, digits, "
            f"'-' and '.', at most {_RELEASE_NAME_MAX} characters)"
        )
    if params.namespace is not None and not _NAMESPACE.match(params.namespace):
        raise HelmRollbackError(
            f"namespace: {params.namespace!r} is not a Kubernetes namespace name"
        )
    if params.revision is not None and params.revision < 1:
        raise HelmRollbackError(
            f"revision: {params.revision} is not a revision (revisions start at 1)"
        )
    if not _GO_DURATION.match(params.timeout):
        raise HelmRollbackError(
            f"timeout: {params.timeout!r} is not a duration such as '5m0s', '90s' or '1h'"
        )
    if params.history_max < 0:
        raise HelmRollbackError(f"history_max: {params.history_max} must be 0 (no limit) or more")


def _require(entry: dict[str, Any], key: str, kind: type, where: str) -> Any:
    """Return entry[key] if it has the given type, else raise HelmRollbackError."""
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise HelmRollbackError(f"{where}: field {key!r} is missing or not a {kind.__name__}")
    return value


def _load_json(text: str, what: str) -> Any:
    """Parse helm's JSON output or raise HelmRollbackError saying which command it was."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise HelmRollbackError(f"{what} did not print JSON: {exc}") from exc


def parse_history(text: str) -> tuple[Revision, ...]:
    """Parse ``helm history -o json`` (helm 3 and 4 shapes) into revisions, oldest first."""
    data = _load_json(text, "helm history")
    if not isinstance(data, list):
        raise HelmRollbackError("helm history: expected a JSON list of revisions")
    revisions = []
    for index, entry in enumerate(data):
        where = f"helm history entry {index}"
        if not isinstance(entry, dict):
            raise HelmRollbackError(f"{where}: expected an object")
        updated = entry.get("updated") or ""
        revisions.append(
            Revision(
                number=_require(entry, "revision", int, where),
                status=_require(entry, "status", str, where),
                chart=str(entry.get("chart", "")),
                app_version=str(entry.get("app_version", "")),
                description=str(entry.get("description", "")),
                updated=str(updated),
            )
        )
    return tuple(sorted(revisions, key=lambda rev: rev.number))


def _mapping(value: Any) -> dict[str, Any]:
    """Return value when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def parse_status(text: str) -> ReleaseStatus:
    """Parse ``helm status -o json``, keeping only non-secret summary fields."""
    data = _load_json(text, "helm status")
    if not isinstance(data, dict):
        raise HelmRollbackError("helm status: expected a JSON object")
    info = _mapping(data.get("info"))
    return ReleaseStatus(
        name=_require(data, "name", str, "helm status"),
        namespace=str(data.get("namespace", "")),
        revision=_require(data, "version", int, "helm status"),
        status=str(info.get("status", "unknown")),
        description=str(info.get("description", "")),
    )


def parse_list(text: str, release: str) -> tuple[str, ...]:
    """Return the namespaces holding ``release`` from ``helm list -A -o json``."""
    data = _load_json(text, "helm list")
    if not isinstance(data, list):
        raise HelmRollbackError("helm list: expected a JSON list of releases")
    found = {
        str(entry.get("namespace", ""))
        for entry in data
        if isinstance(entry, dict) and entry.get("name") == release
    }
    return tuple(sorted(found))


def split_chart(chart: str) -> tuple[str, str]:
    """Split helm's "<name>-<version>" chart column into name and version."""
    match = _CHART.match(chart)
    return (match.group(1), match.group(2)) if match else (chart, "")


def rollback_source(revision: Revision) -> int | None:
    """Return N when the revision was made by ``helm rollback`` to N, else None."""
    match = _ROLLBACK_DESCRIPTION.match(revision.description)
    return int(match.group(1)) if match else None


def is_failed_rollback(revision: Revision) -> bool:
    """Tell whether a revision is a rollback that did not finish.

    Helm replaces ``Rollback to N`` with ``Rollback "NAME" failed: ...`` when
    applying fails, and with ``Release "NAME" failed: ...`` when ``--wait`` times
    out (an install, the only other source of that text, is always revision 1).
    """
    if revision.status in _GOOD_STATUSES:
        return False
    text = revision.description
    return text.startswith('Rollback "') or (text.startswith('Release "') and revision.number > 1)


def origin(number: int, history: Sequence[Revision]) -> int:
    """Return the revision whose chart and values revision ``number`` carries."""
    by_number = {rev.number: rev for rev in history}
    seen: set[int] = set()
    while number in by_number and number not in seen:
        seen.add(number)
        source = rollback_source(by_number[number])
        if source is None or source >= number:
            return number
        number = source
    return number


def plan_rollback(history: Sequence[Revision], revision: int | None) -> RollbackPlan:
    """Decide whether to roll back and to which revision (see the module docstring)."""
    if not history:
        raise HelmRollbackError("the release has no revisions in its history")
    ordered = sorted(history, key=lambda rev: rev.number)
    latest = ordered[-1]
    latest_deployed = latest.status == "deployed"
    by_number = {rev.number: rev for rev in ordered}
    if revision is not None:
        target = by_number.get(revision)
        # Decide "already there" before looking the target up: a small history
        # limit prunes the target soon after the rollback that made it current, and
        # running the same rollback again must still change nothing.
        if latest_deployed and origin(latest.number, ordered) == origin(revision, ordered):
            return RollbackPlan(
                changed=False,
                current=latest,
                target=target,
                reason=(
                    f"revision {latest.number} is deployed and already carries revision {revision}"
                ),
                target_number=revision,
            )
        if target is None:
            kept = ", ".join(str(rev.number) for rev in ordered)
            raise HelmRollbackError(
                f"revision: {revision} is not in the release history (revisions kept: {kept}); "
                "older revisions are pruned by the history limit"
            )
        return RollbackPlan(
            changed=True,
            current=latest,
            target=target,
            reason=f"roll back from revision {latest.number} ({latest.status}) to {revision}",
            target_number=revision,
        )
    source = rollback_source(latest)
    if latest_deployed and source is not None:
        return RollbackPlan(
            changed=False,
            current=latest,
            target=by_number.get(source),
            reason=(
                f"revision {latest.number} is already a rollback to {source}; "
                "name a revision to go further back"
            ),
            target_number=source,
        )
    if is_failed_rollback(latest):
        # Its target is lost with the failure; guessing could redeploy the bad revision.
        raise HelmRollbackError(
            f"revision {latest.number} is a rollback that did not finish ({latest.description}); "
            "name the revision to roll back to (revision=N, see helm history)"
        )
    earlier = [
        rev for rev in ordered if rev.number < latest.number and rev.status in _GOOD_STATUSES
    ]
    if not earlier:
        raise HelmRollbackError(
            f"revision {latest.number} ({latest.status}) has no earlier successfully deployed "
            "revision to roll back to"
        )
    target = earlier[-1]
    return RollbackPlan(
        changed=True,
        current=latest,
        target=target,
        reason=f"roll back from revision {latest.number} ({latest.status}) to {target.number}",
        target_number=target.number,
    )


def resolve_binary(binary_path: str) -> str:
    """Return the helm executable to run, or raise naming binary_path."""
    if os.sep in binary_path:
        if Path(binary_path).is_file() and os.access(binary_path, os.X_OK):
            return binary_path
        raise HelmRollbackError(f"binary_path: {binary_path!r} is not an executable file")
    found = shutil.which(binary_path)
    if found is None:
        raise HelmRollbackError(f"binary_path: {binary_path!r} is not on PATH")
    return found


def _scope(params: RollbackParams, namespace: str) -> list[str]:
    """Return the namespace and kubeconfig arguments shared by every helm call."""
    args = ["--namespace", namespace]
    if params.kubeconfig:
        args += ["--kubeconfig", params.kubeconfig]
    return args


def history_command(binary: str, params: RollbackParams, namespace: str) -> list[str]:
    """Return the argument list of ``helm history``."""
    return [
        binary,
        "history",
        params.release,
        "--output",
        "json",
        "--max",
        _HISTORY_MAX,
        *_scope(params, namespace),
    ]


def status_command(binary: str, params: RollbackParams, namespace: str) -> list[str]:
    """Return the argument list of ``helm status``."""
    return [binary, "status", params.release, "--output", "json", *_scope(params, namespace)]


def list_command(binary: str, params: RollbackParams) -> list[str]:
    """Return the argument list of ``helm list`` over all namespaces for one release."""
    args = [
        binary,
        "list",
        "--all-namespaces",
        # Helm 4 lists every status by default and has no --all; helm 3 lists only
        # deployed and failed ones. These flags mean the same on both.
        *_LIST_STATUSES,
        "--output",
        "json",
        "--filter",
        f"^{re.escape(params.release)}$",
    ]
    if params.kubeconfig:
        args += ["--kubeconfig", params.kubeconfig]
    return args


def rollback_command(binary: str, params: RollbackParams, namespace: str, target: int) -> list[str]:
    """Return the argument list of ``helm rollback`` to one revision."""
    args = [
        binary,
        "rollback",
        params.release,
        str(target),
        *_scope(params, namespace),
        "--timeout",
        params.timeout,
        "--history-max",
        str(params.history_max),
    ]
    if params.wait:
        # Helm 3 reads a bare --wait as true; Helm 4 as --wait=watcher (kstatus readiness).
        args.append("--wait")
    return args


def helm_message(stderr: str, stdout: str = "") -> str:
    """Return helm's own error text: its 'Error:' lines, else the last output line."""
    lines = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
    errors = [line.removeprefix("Error: ") for line in lines if line.startswith("Error:")]
    if errors:
        return "; ".join(errors)
    return lines[-1] if lines else "no output"


def explain_failure(what: str, params: RollbackParams, namespace: str, stderr: str) -> str:
    """Turn a failed helm call into one clear sentence that keeps helm's message."""
    message = helm_message(stderr)
    lowered = message.lower()
    if "release: not found" in lowered:
        return f"release {params.release!r} not found in namespace {namespace!r} (helm: {message})"
    if "cluster unreachable" in lowered:
        where = params.kubeconfig or "the default kubeconfig"
        return f"{what}: cannot reach the cluster with {where} (helm: {message})"
    return f"{what} failed for release {params.release!r} in namespace {namespace!r}: {message}"


def find_namespace(run: Runner, binary: str, params: RollbackParams) -> str:
    """Return the one namespace that holds the release, asking helm list."""
    rc, out, err = run(list_command(binary, params))
    if rc != 0:
        raise HelmRollbackError(explain_failure("helm list", params, "(all)", err))
    namespaces = parse_list(out, params.release)
    if not namespaces:
        raise HelmRollbackError(f"release {params.release!r} not found in any namespace")
    if len(namespaces) > 1:
        raise HelmRollbackError(
            f"namespace: release {params.release!r} exists in several namespaces "
            f"({', '.join(namespaces)}); name one"
        )
    return namespaces[0]


def run_rollback(run: Runner, params: RollbackParams, check_mode: bool) -> RollbackResult:
    """Read the history, decide, roll back if needed (not in check mode) and report."""
    validate_params(params)
    binary = resolve_binary(params.binary_path)
    namespace = params.namespace or find_namespace(run, binary, params)
    rc, out, err = run(history_command(binary, params, namespace))
    if rc != 0:
        raise HelmRollbackError(explain_failure("helm history", params, namespace, err))
    history = parse_history(out)
    plan = plan_rollback(history, params.revision)
    current = plan.current
    target_number = plan.target_number
    unchanged = RollbackResult(
        changed=plan.changed,
        release=params.release,
        namespace=namespace,
        revision_before=current.number,
        revision=current.number,
        target_revision=target_number,
        status=current.status,
        chart=current.chart,
        app_version=current.app_version,
        msg=plan.reason,
        history=history,
        chart_name=split_chart(current.chart)[0],
        chart_version=split_chart(current.chart)[1],
    )
    if not plan.changed or plan.target is None:
        return unchanged
    if check_mode:
        name, version = split_chart(plan.target.chart)
        return replace(
            unchanged, msg=f"would {plan.reason}", chart_name=name, chart_version=version
        )
    rc, out, err = run(rollback_command(binary, params, namespace, plan.target.number))
    if rc != 0:
        raise HelmRollbackError(
            explain_failure(
                f"helm rollback to revision {plan.target.number}", params, namespace, err
            )
        )
    rc, out, err = run(status_command(binary, params, namespace))
    if rc != 0:
        raise HelmRollbackError(explain_failure("helm status", params, namespace, err))
    after = parse_status(out)
    # The new revision carries the target's chart; helm status does not print it.
    name, version = split_chart(plan.target.chart)
    return RollbackResult(
        changed=True,
        release=params.release,
        namespace=namespace,
        revision_before=current.number,
        revision=after.revision,
        target_revision=plan.target.number,
        status=after.status,
        chart=plan.target.chart,
        app_version=plan.target.app_version,
        msg=f"rolled back from revision {current.number} to {plan.target.number} "
        f"(now revision {after.revision}, {after.status})",
        history=history,
        chart_name=name,
        chart_version=version,
    )
