from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.release_history import (
    configmap_name,
    new_record,
    to_configmap,
)
from ansible_collections.slipway.platform.plugins.modules import release_history_info

SetArgs = Callable[[dict[str, Any]], None]
Runner = Callable[[Callable[[], object]], dict[str, Any]]


def bundle(name: str, time: str, revision: int) -> Any:
    shop = {
        "name": "shop",
        "namespace": "apps",
        "chart": "slipway-app",
        "chart_version": "1.4.2",
        "revision": revision,
    }
    return new_record("bundle", name, [shop], bundle=None, action="deploy", now=time)


@pytest.mark.parametrize("source", ["cluster", "mirror"])
def test_reads_either_source(
    set_module_args: SetArgs, tmp_path: Path, source: str, exit_result: Runner
) -> None:
    records = [bundle("b1", "2026-11-20T10:00:00Z", 1), bundle("b2", "2026-11-21T10:00:00Z", 2)]
    if source == "cluster":
        set_module_args({"configmaps": [to_configmap(rec, "platform") for rec in records]})
    else:
        for rec in records:
            (tmp_path / f"{configmap_name(rec)}.json").write_text(json.dumps(rec.as_dict()))
        set_module_args({"mirror_dir": str(tmp_path), "_ansible_check_mode": True})
    result = exit_result(release_history_info.main)
    assert (result["changed"], result["source"]) == (False, source)
    assert result["current_bundle"]["name"] == "b2"
    assert result["target_bundle"]["name"] == "b1"
    assert result["table"][0].startswith("TIME")


def test_unknown_bundle_is_a_clear_failure(set_module_args: SetArgs, fail_result: Runner) -> None:
    set_module_args({"configmaps": [to_configmap(bundle("b1", "t", 1), "platform")], "apps": "b9"})
    result = fail_result(release_history_info.main)
    assert result["msg"].startswith("apps: bundle 'b9' is not in the history")


def test_needs_a_source(set_module_args: SetArgs, fail_result: Runner) -> None:
    set_module_args({})
    result = fail_result(release_history_info.main)
    assert "configmaps, mirror_dir" in result["msg"]
