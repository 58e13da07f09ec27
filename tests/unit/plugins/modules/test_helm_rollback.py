from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.slipway.platform.plugins.modules import helm_rollback

ROOT = Path(__file__).parents[4]
FIXTURES = ROOT / "tests" / "fixtures" / "helm"
REAL_HELM = ROOT / ".tools" / "bin" / "helm"

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


class Replay:
    """Answers helm argument lists by subcommand and records every call."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, str, str]] = {}
        self.calls: list[list[str]] = []

    def subcommands(self) -> list[str]:
        return [call[1] for call in self.calls]


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Replay:
    """Answer run_command from fixtures; a dummy helm sits on PATH so it resolves."""
    binary = tmp_path / "helm"
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    replayer = Replay()

    def run_command(
        self: basic.AnsibleModule, args: list[str], **kwargs: Any
    ) -> tuple[int, str, str]:
        assert isinstance(args, list), "helm must run from an argument list"
        replayer.calls.append(args)
        return replayer.answers[args[1]]

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    return replayer


@pytest.mark.parametrize(
    ("check_mode", "expected_calls", "msg"),
    [
        (True, ["history"], "would roll back from revision 3 (deployed) to 2"),
        (False, ["history", "rollback", "status"], "rolled back from revision 3 to 2"),
    ],
)
def test_rolls_back_or_says_it_would(
    set_module_args: SetArgs,
    replay: Replay,
    *,
    check_mode: bool,
    expected_calls: list[str],
    msg: str,
    exit_result: Runner,
) -> None:
    replay.answers["history"] = (0, fixture("history_upgraded.json"), "")
    replay.answers["rollback"] = (0, "Rollback was a success! Happy Helming!\n", "")
    replay.answers["status"] = (0, fixture("status_rolled_back.json"), "")
    set_module_args(
        {
            "release": "shop",
            "namespace": "apps",
            "_ansible_check_mode": check_mode,
            "_ansible_diff": True,
        }
    )
    result = exit_result(helm_rollback.main)
    assert result["changed"] is True
    assert msg in result["msg"]
    assert replay.subcommands() == expected_calls
    assert result["diff"]["after"].startswith("rollback to revision: 2")
    assert "standin" not in repr(result)


def test_already_rolled_back_is_unchanged(
    set_module_args: SetArgs, replay: Replay, exit_result: Runner
) -> None:
    replay.answers["history"] = (0, fixture("history_rolled_back.json"), "")
    set_module_args({"release": "shop", "namespace": "apps"})
    result = exit_result(helm_rollback.main)
    assert (result["changed"], result["revision"]) == (False, 4)
    assert replay.subcommands() == ["history"]


@pytest.mark.parametrize(
    ("args", "answers", "message"),
    [
        (
            {"release": "shop", "namespace": "apps"},
            {"history": (1, "", fixture("error_not_found.stderr"))},
            "release 'shop' not found in namespace 'apps'",
        ),
        (
            {"release": "shop", "namespace": "apps", "revision": 3},
            {"history": (0, fixture("history_pruned.json"), "")},
            "revision: 3 is not in the release history",
        ),
        (
            {"release": "shop", "namespace": "apps"},
            {
                "history": (0, fixture("history_upgraded.json"), ""),
                "rollback": (1, "", fixture("error_rollback_wait.stderr")),
            },
            "release shop failed: context deadline exceeded",
        ),
        (
            {"release": "Shop!", "namespace": "apps"},
            {},
            "^release: 'Shop!' is not a Helm release name",
        ),
        ({"release": "shop", "timeout": "soon"}, {}, "^timeout: 'soon' is not a duration"),
        (
            {"release": "shop"},
            {"list": (0, fixture("list_shop_two_namespaces.json"), "")},
            "several namespaces",
        ),
    ],
)
def test_errors_are_clear(
    set_module_args: SetArgs,
    replay: Replay,
    *,
    args: dict[str, Any],
    answers: dict[str, tuple[int, str, str]],
    message: str,
    fail_result: Runner,
) -> None:
    replay.answers.update(answers)
    set_module_args(args)
    result = fail_result(helm_rollback.main)
    assert re.search(message, result["msg"]), result["msg"]
    assert "Traceback" not in result["msg"]


@pytest.mark.skipif(
    not REAL_HELM.exists() and shutil.which("helm") is None,
    reason="make setup installs helm in .tools/bin",
)
def test_real_helm_without_cluster(
    set_module_args: SetArgs, tmp_path: Path, fail_result: Runner
) -> None:
    """The real helm binary, no API server: one clear line that keeps helm's own words."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {}}]\n"
    )
    binary = str(REAL_HELM) if REAL_HELM.exists() else "helm"
    set_module_args(
        {
            "release": "shop",
            "namespace": "apps",
            "kubeconfig": str(kubeconfig),
            "binary_path": binary,
        }
    )
    result = fail_result(helm_rollback.main)
    assert result["msg"].startswith(
        f"helm history: cannot reach the cluster with {kubeconfig} (helm: "
    )
    assert "kubernetes cluster unreachable" in result["msg"].lower()
