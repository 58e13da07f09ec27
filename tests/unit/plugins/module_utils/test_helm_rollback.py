from __future__ import annotations

import importlib.util
import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.helm_rollback import (
    HelmRollbackError,
    RollbackParams,
    explain_failure,
    history_command,
    list_command,
    origin,
    parse_history,
    parse_list,
    parse_status,
    plan_rollback,
    rollback_command,
    run_rollback,
    split_chart,
    status_command,
    validate_params,
)

FIXTURES = Path(__file__).parents[3] / "fixtures" / "helm"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


BASE = RollbackParams(
    release="shop",
    namespace="apps",
    revision=None,
    kubeconfig="/state/kubeconfig",
    binary_path="helm",
    wait=True,
    timeout="5m0s",
    history_max=10,
)


def params(**overrides: object) -> RollbackParams:
    return replace(BASE, **overrides)


@pytest.mark.parametrize(
    ("name", "numbers", "latest_status"),
    [
        ("history_upgraded.json", [1, 2, 3], "deployed"),
        ("history_helm3.json", [1, 2], "deployed"),
        ("history_pruned.json", [8, 9, 10], "deployed"),
        ("history_failed_upgrade.json", [1, 2, 3], "failed"),
    ],
)
def test_parse_history(name: str, numbers: list[int], latest_status: str) -> None:
    history = parse_history(fixture(name))
    assert [rev.number for rev in history] == numbers
    assert history[-1].status == latest_status


def test_parse_history_keeps_empty_helm3_time() -> None:
    assert parse_history(fixture("history_helm3.json"))[1].updated == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "helm history did not print JSON"),
        ('{"revision": 1}', "expected a JSON list"),
        ('[{"status": "deployed"}]', "entry 0: field 'revision'"),
        ('[{"revision": "1", "status": "deployed"}]', "entry 0: field 'revision'"),
        ('[{"revision": 1}]', "entry 0: field 'status'"),
    ],
)
def test_parse_history_rejects(text: str, message: str) -> None:
    with pytest.raises(HelmRollbackError, match=message):
        parse_history(text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("status_rolled_back.json", ("shop", "apps", 5, "deployed", "Rollback to 2")),
        ("status_helm3.json", ("vault", "platform", 2, "deployed", "Upgrade complete")),
    ],
)
def test_parse_status(name: str, expected: tuple[object, ...]) -> None:
    status = parse_status(fixture(name))
    got = (status.name, status.namespace, status.revision, status.status, status.description)
    assert got == expected
    assert "secret" not in repr(status)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("list_shop.json", ("apps",)),
        ("list_shop_two_namespaces.json", ("apps", "staging-apps")),
        ("list_empty.json", ()),
    ],
)
def test_parse_list(name: str, expected: tuple[str, ...]) -> None:
    assert parse_list(fixture(name), "shop") == expected


@pytest.mark.parametrize(
    ("name", "number", "expected"),
    [
        ("history_upgraded.json", 3, 3),
        ("history_rolled_back.json", 4, 2),
        ("history_rollback_chain.json", 5, 1),  # 5 -> 3 -> 1
        ("history_pruned.json", 10, 7),  # 7 is pruned but is still the origin
    ],
)
def test_origin(name: str, number: int, expected: int) -> None:
    assert origin(number, parse_history(fixture(name))) == expected


@pytest.mark.parametrize(
    ("name", "revision", "changed", "target", "reason"),
    [
        # No revision: undo the newest revision.
        ("history_upgraded.json", None, True, 2, "from revision 3 (deployed) to 2"),
        ("history_failed_upgrade.json", None, True, 2, "from revision 3 (failed) to 2"),
        ("history_pending_upgrade.json", None, True, 2, "from revision 3 (pending-upgrade) to 2"),
        ("history_failed_rollback.json", 2, True, 2, "from revision 4 (failed) to 2"),
        ("history_rolled_back.json", None, False, 2, "already a rollback to 2"),
        ("history_pruned.json", None, False, 7, "already a rollback to 7"),
        # A named revision.
        ("history_upgraded.json", 1, True, 1, "from revision 3 (deployed) to 1"),
        ("history_upgraded.json", 3, False, 3, "already carries revision 3"),
        ("history_rolled_back.json", 2, False, 2, "already carries revision 2"),
        ("history_rolled_back.json", 3, True, 3, "from revision 4 (deployed) to 3"),
        ("history_rollback_chain.json", 1, False, 1, "already carries revision 1"),
        ("history_rollback_chain.json", 3, False, 3, "already carries revision 3"),
        ("history_failed_upgrade.json", 2, True, 2, "from revision 3 (failed) to 2"),
        # The named revision is pruned, but the newest revision already carries it:
        # running the same rollback again (with history_max 2, say) changes nothing.
        ("history_pruned.json", 7, False, 7, "already carries revision 7"),
        ("history_pruned.json", 9, True, 9, "from revision 10 (deployed) to 9"),
    ],
)
def test_plan_rollback(
    name: str, revision: int | None, changed: bool, target: int | None, reason: str
) -> None:
    plan = plan_rollback(parse_history(fixture(name)), revision)
    assert plan.changed is changed
    assert plan.target_number == target
    if plan.target is not None:
        assert plan.target.number == target
    assert reason in plan.reason


@pytest.mark.parametrize(
    ("name", "revision", "message"),
    [
        (
            "history_pruned.json",
            3,
            r"revision: 3 is not in the release history \(revisions kept: 8, 9, 10\)",
        ),
        ("history_install_only.json", None, "no earlier successfully deployed revision"),
        ("history_failed_rollback.json", None, "revision 4 is a rollback that did not finish"),
    ],
)
def test_plan_rollback_rejects(name: str, revision: int | None, message: str) -> None:
    with pytest.raises(HelmRollbackError, match=message):
        plan_rollback(parse_history(fixture(name)), revision)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"release": "Shop"}, "release"),
        ({"release": "a" * 54}, "release"),
        ({"namespace": "apps_1"}, "namespace"),
        ({"revision": 0}, "revision"),
        ({"timeout": "5 minutes"}, "timeout"),
        ({"history_max": -1}, "history_max"),
    ],
)
def test_validate_params_names_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(HelmRollbackError, match=f"^{field}:"):
        validate_params(params(**overrides))


@pytest.mark.parametrize(
    ("wait", "kubeconfig", "expected_tail"),
    [
        (
            True,
            "/k",
            [
                "--namespace",
                "apps",
                "--kubeconfig",
                "/k",
                "--timeout",
                "2m0s",
                "--history-max",
                "10",
                "--wait",
            ],
        ),
        (False, None, ["--namespace", "apps", "--timeout", "2m0s", "--history-max", "10"]),
    ],
)
def test_rollback_command(wait: bool, kubeconfig: str | None, expected_tail: list[str]) -> None:
    args = rollback_command(
        "/bin/helm", params(wait=wait, kubeconfig=kubeconfig, timeout="2m0s"), "apps", 4
    )
    assert args == ["/bin/helm", "rollback", "shop", "4", *expected_tail]


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "error_not_found.stderr",
            "release 'shop' not found in namespace 'apps' (helm: release: not found)",
        ),
        (
            "error_unreachable.stderr",
            "helm history: cannot reach the cluster with /state/kubeconfig",
        ),
        (
            "error_no_version.stderr",
            "failed for release 'shop' in namespace 'apps': release has no 9 version",
        ),
        ("error_rollback_wait.stderr", "release shop failed: context deadline exceeded"),
    ],
)
def test_explain_failure(stderr: str, expected: str) -> None:
    assert expected in explain_failure("helm history", params(), "apps", fixture(stderr))


class Replay:
    """Answers helm argument lists from fixtures and records every call."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]) -> tuple[int, str, str]:
        self.calls.append(args)
        return self.answers[args[1]]


def helm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "helm"
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_run_rollback_rolls_back_and_reads_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helm_on_path(tmp_path, monkeypatch)
    run = Replay(
        {
            "history": (0, fixture("history_upgraded.json"), ""),
            "rollback": (0, "Rollback was a success! Happy Helming!\n", ""),
            "status": (0, fixture("status_rolled_back.json"), ""),
        }
    )
    result = run_rollback(run, params(), check_mode=False)
    assert [call[1] for call in run.calls] == ["history", "rollback", "status"]
    assert (result.changed, result.revision_before, result.target_revision, result.revision) == (
        True,
        3,
        2,
        5,
    )
    # helm status prints no chart (captured from the real helm); it is the target's.
    assert '"chart"' not in fixture("status_rolled_back.json")
    assert (result.chart, result.app_version) == ("slipway-app-1.4.1", "1.4.1")
    assert result.as_dict()["release_ref"] == {
        "name": "shop",
        "namespace": "apps",
        "chart": "slipway-app",
        "chart_version": "1.4.1",
        "revision": 5,
    }
    assert "standin" not in repr(result.as_dict())


def test_run_rollback_check_mode_only_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helm_on_path(tmp_path, monkeypatch)
    run = Replay({"history": (0, fixture("history_upgraded.json"), "")})
    result = run_rollback(run, params(), check_mode=True)
    assert [call[1] for call in run.calls] == ["history"]
    assert result.changed
    assert result.msg == "would roll back from revision 3 (deployed) to 2"


def test_run_rollback_finds_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helm_on_path(tmp_path, monkeypatch)
    run = Replay(
        {
            "list": (0, fixture("list_shop.json"), ""),
            "history": (0, fixture("history_rolled_back.json"), ""),
        }
    )
    result = run_rollback(run, params(namespace=None), check_mode=False)
    assert result.namespace == "apps"
    assert not result.changed


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"history": (1, "", fixture("error_not_found.stderr"))}, "release 'shop' not found"),
        (
            {
                "history": (0, fixture("history_upgraded.json"), ""),
                "rollback": (1, "", fixture("error_rollback_wait.stderr")),
            },
            "helm rollback to revision 2 failed .*: release shop failed: context deadline exceeded",
        ),
    ],
)
def test_run_rollback_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answers: dict[str, tuple[int, str, str]],
    message: str,
) -> None:
    helm_on_path(tmp_path, monkeypatch)
    with pytest.raises(HelmRollbackError, match=message):
        run_rollback(Replay(answers), params(), check_mode=False)


def test_run_rollback_reads_more_than_helms_default_256_revisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With history_max 0 a release keeps > 256 revisions; revision 5 must still be found."""
    helm_on_path(tmp_path, monkeypatch)
    entries = [
        {
            "revision": number,
            "updated": "2026-11-20T10:00:00Z",
            "status": "deployed" if number == 300 else "superseded",
            "chart": "slipway-app-1.4.2",
            "app_version": "1.4.2",
            "description": "Upgrade complete",
        }
        for number in range(1, 301)
    ]

    def helm_history(args: list[str]) -> tuple[int, str, str]:
        # helm prints only the newest --max revisions (pkg/cmd/history.go, getHistory).
        newest = int(args[args.index("--max") + 1])
        return 0, json.dumps(entries[-newest:] if newest > 0 else []), ""

    result = run_rollback(helm_history, params(revision=5), check_mode=True)
    assert (result.changed, result.target_revision) == (True, 5)
    assert len(result.history) == 300


def test_run_rollback_missing_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HelmRollbackError, match=r"^binary_path: 'helm' is not on PATH"):
        run_rollback(Replay({}), params(), check_mode=False)


@pytest.mark.parametrize(
    ("chart", "expected"),
    [
        ("slipway-app-1.4.2", ("slipway-app", "1.4.2")),
        ("my-chart-1.2.3-rc.1", ("my-chart", "1.2.3-rc.1")),
        ("app-2fa-0.1.0+build.7", ("app-2fa", "0.1.0+build.7")),
        ("MISSING", ("MISSING", "")),
    ],
)
def test_split_chart(chart: str, expected: tuple[str, str]) -> None:
    assert split_chart(chart) == expected


def test_list_command_works_on_helm_3_and_4() -> None:
    assert list_command("helm", params(kubeconfig=None)) == [
        "helm",
        "list",
        "--all-namespaces",
        "--deployed",
        "--failed",
        "--pending",
        "--superseded",
        "--output",
        "json",
        "--filter",
        "^shop$",
    ]


REAL_HELM = Path(__file__).parents[4] / ".tools" / "bin" / "helm"


@pytest.mark.skipif(not REAL_HELM.exists(), reason="make setup installs helm in .tools/bin")
@pytest.mark.parametrize("which", ["history", "status", "list", "rollback"])
def test_real_helm_accepts_every_argument_list(tmp_path: Path, which: str) -> None:
    """The real helm parses each command Slipway builds (and only then finds no cluster)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {}}]\n"
    )
    chosen = params(kubeconfig=str(kubeconfig))
    args = {
        "history": history_command(str(REAL_HELM), chosen, "apps"),
        "status": status_command(str(REAL_HELM), chosen, "apps"),
        "list": list_command(str(REAL_HELM), chosen),
        "rollback": rollback_command(str(REAL_HELM), chosen, "apps", 2),
    }[which]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "kubernetes cluster unreachable" in done.stderr.lower(), done.stderr


def _capture_script() -> Any:
    """Import tests/fixtures/helm/capture_helm_json.py."""
    spec = importlib.util.spec_from_file_location(
        "slipway_capture_helm_json", FIXTURES / "capture_helm_json.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not REAL_HELM.exists(), reason="make setup installs helm in .tools/bin")
@pytest.mark.parametrize("name", ["history_rollback_chain.json", "list_shop_two_namespaces.json"])
def test_fixture_is_what_the_real_helm_prints(tmp_path: Path, name: str) -> None:
    """The captured fixtures still match the real helm's output for the same stored releases."""
    capture = _capture_script()
    entries = json.loads(fixture(name))
    if name.startswith("history_"):
        releases = [capture._release("shop", "apps", entry) for entry in entries]
        args = ["history", "shop", "--namespace", "apps"]
    else:
        releases = [capture._release(e["name"], e["namespace"], e) for e in entries]
        args = ["list", "--all-namespaces"]
    got = capture._capture(releases, args, tmp_path)
    if name.startswith("list_"):
        # helm list orders releases of the same name in any order (it filters through a map).
        def order(text: str) -> list[dict[str, Any]]:
            return sorted(json.loads(text), key=lambda rel: (rel["name"], rel["namespace"]))

        assert order(got) == order(fixture(name))
    else:
        assert got == fixture(name)


@pytest.mark.skipif(not REAL_HELM.exists(), reason="make setup installs helm in .tools/bin")
def test_status_fixture_is_what_the_real_helm_prints(tmp_path: Path) -> None:
    capture = _capture_script()
    args = ["status", "shop", "--namespace", "apps"]
    assert capture._capture([capture.STATUS], args, tmp_path) == fixture("status_rolled_back.json")
