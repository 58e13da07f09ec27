from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.slipway.platform.plugins.modules import release_history_record

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]
SHOP = {
    "name": "shop",
    "namespace": "apps",
    "chart": "slipway-app",
    "chart_version": "1.4.2",
    "revision": 3,
}


def args(mirror: Path, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "bundle",
        "name": "shop-2026.11.23",
        "releases": [SHOP],
        "mirror_dir": str(mirror),
        "now": "2026-11-23T09:00:00Z",
        **extra,
    }


def test_check_mode_writes_nothing(
    set_module_args: SetArgs, tmp_path: Path, exit_result: Runner
) -> None:
    set_module_args({**args(tmp_path / "history"), "_ansible_check_mode": True})
    result = exit_result(release_history_record.main)
    assert (result["changed"], result["new"]) == (True, True)
    assert not (tmp_path / "history").exists()


def test_records_once_then_reports_no_change(
    set_module_args: SetArgs, tmp_path: Path, exit_result: Runner
) -> None:
    mirror = tmp_path / "history"
    set_module_args(args(mirror))
    first = exit_result(release_history_record.main)
    assert first["changed"] is True
    path = Path(first["mirror_path"])
    assert path.parent == mirror
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert first["configmap"]["metadata"]["namespace"] == "platform"
    set_module_args(args(mirror, now="2026-11-23T10:00:00Z", existing=[first["configmap"]]))
    second = exit_result(release_history_record.main)
    assert (second["changed"], second["new"]) == (False, False)
    assert second["record"]["time"] == "2026-11-23T09:00:00Z"
    assert second["configmap"] == first["configmap"]


def test_bad_release_is_a_clear_failure(
    set_module_args: SetArgs, tmp_path: Path, fail_result: Runner
) -> None:
    set_module_args(args(tmp_path, releases=[{**SHOP, "revision": 0}]))
    result = fail_result(release_history_record.main)
    assert result["msg"].startswith("release_history_releases[0].revision: must be a Helm revision")
