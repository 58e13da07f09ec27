from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.release_history import (
    Record,
    ReleaseHistoryError,
    bundle_target,
    configmap_name,
    format_table,
    from_configmap,
    history_view,
    load_records,
    new_record,
    newest_first,
    parse_releases,
    plan_record,
    read_mirror,
    to_configmap,
)

SHOP = {"name": "shop", "namespace": "apps", "chart": "slipway-app", "chart_version": "1.4.2"}
API = {"name": "api", "namespace": "apps", "chart": "slipway-app", "chart_version": "1.4.2"}


def release(base: dict[str, str], revision: int) -> dict[str, Any]:
    return {**base, "revision": revision}


def record(
    name: str, time: str, revision: int, action: str = "deploy", kind: str = "bundle"
) -> Record:
    return new_record(
        kind,
        name,
        [release(SHOP, revision), release(API, revision)],
        bundle=None,
        action=action,
        now=time,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("shop", r"^release_history_releases: must be a list"),
        (["shop"], r"^release_history_releases\[0\]: must be a dict"),
        ([{"name": "shop"}], r"^release_history_releases\[0\]: missing namespace, chart"),
        ([release(SHOP, 0)], r"^release_history_releases\[0\]\.revision: must be a Helm revision"),
        ([{**release(SHOP, 1), "name": ""}], r"^release_history_releases\[0\]\.name: must be"),
    ],
)
def test_parse_releases_names_the_field(raw: Any, message: str) -> None:
    with pytest.raises(ReleaseHistoryError, match=message):
        parse_releases(raw)


def test_parse_releases_accepts_digit_strings_and_sorts() -> None:
    refs = parse_releases([{**SHOP, "revision": "7"}, release(API, 3)])
    assert [(ref.name, ref.revision) for ref in refs] == [("api", 3), ("shop", 7)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "app"}, r"^release_history_kind: 'app' is not one of bundle, component"),
        ({"name": " "}, r"^release_history_name: must be a non-empty string"),
        ({"action": "undo"}, r"^release_history_action: 'undo'"),
        ({"bundle": ["x"]}, r"^release_history_bundle: must be a dict"),
        ({"kind": "component", "bundle": {"id": "x"}}, r"^release_history_bundle: only a bundle"),
        ({"releases": []}, r"^release_history_releases: must list at least one release"),
    ],
)
def test_new_record_rejects(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "kind": "bundle",
        "name": "b1",
        "releases": [release(SHOP, 1)],
        "bundle": None,
        "action": "deploy",
        "now": "t",
    }
    args.update(kwargs)
    with pytest.raises(ReleaseHistoryError, match=message):
        new_record(
            args["kind"],
            args["name"],
            args["releases"],
            bundle=args["bundle"],
            action=args["action"],
            now=args["now"],
        )


def test_same_deploy_same_id_and_time_is_reused() -> None:
    first = record("b1", "2026-11-20T10:00:00Z", 3)
    again = new_record(
        "bundle",
        "b1",
        [release(API, 3), release(SHOP, 3)],
        bundle=None,
        action="deploy",
        now="2026-11-23T10:00:00Z",
        existing=[first],
    )
    assert again == first
    assert again.time == "2026-11-20T10:00:00Z"
    assert record("b1", "x", 4).id != first.id
    assert record("b1", "x", 3, action="rollback").id != first.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("shop-2026.11.23", "slipway-history-bundle-shop-2026-11-23-"),
        ("Shop_2026+abc", "slipway-history-bundle-shop-2026-abc-"),
        ("x" * 300, "slipway-history-bundle-" + "x" * 217 + "-"),
    ],
)
def test_configmap_name_is_a_dns_name(name: str, expected: str) -> None:
    rec = record(name, "t", 1)
    got = configmap_name(rec)
    assert got == expected + rec.id
    assert len(got) <= 253


def test_configmap_round_trip() -> None:
    rec = new_record(
        "bundle",
        "b1",
        [release(SHOP, 2)],
        bundle={"id": "b1", "services": {"shop": {"image": "shop:1.4.2"}}},
        action="deploy",
        now="2026-11-23T09:00:00Z",
    )
    configmap = to_configmap(rec, "platform")
    labels = configmap["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "slipway"
    assert labels["slipway.dev/record-kind"] == "bundle"
    assert from_configmap(configmap).as_dict() == rec.as_dict()


@pytest.mark.parametrize(
    ("configmap", "message"),
    [
        ({"metadata": {"name": "a"}, "data": {}}, "ConfigMap a: has no record.json"),
        (
            {"metadata": {"name": "b"}, "data": {"record.json": "{"}},
            "ConfigMap b: record.json is not JSON",
        ),
        ({"metadata": {"name": "c"}, "data": {"record.json": "{}"}}, r"ConfigMap c\.id: must be"),
    ],
)
def test_load_records_reports_bad_configmaps(configmap: dict[str, Any], message: str) -> None:
    records, problems = load_records([configmap])
    assert records == []
    assert len(problems) == 1
    assert re.search(message, problems[0])


B1 = record("b1", "2026-11-20T10:00:00Z", 1)
B2 = record("b2", "2026-11-21T10:00:00Z", 2)
B2_AGAIN = record("b2", "2026-11-21T11:00:00Z", 3)
B3 = record("b3", "2026-11-22T10:00:00Z", 4)
BACK_TO_B2 = record("b2", "2026-11-22T11:00:00Z", 5, action="rollback")
COMPONENT = record("vault", "2026-11-23T10:00:00Z", 9, kind="component")


@pytest.mark.parametrize(
    ("records", "wanted", "target", "reason"),
    [
        ([], "previous", None, "no bundle deploy is recorded yet"),
        ([B1], "previous", None, "only bundle recorded"),
        ([B1, B2], "previous", B1, "from bundle b2 to b1"),
        ([B1, B2, B2_AGAIN], "previous", B1, "from bundle b2 to b1"),  # skips redeploys of b2
        ([B1, B2, B3, COMPONENT], "previous", B2, "from bundle b3 to b2"),  # components ignored
        ([B1, B2, B3, BACK_TO_B2], "previous", None, "already rolled back to bundle b2"),
        ([B1, B2, B3, BACK_TO_B2], "b1", B1, "roll the apps back to bundle b1"),
        ([B1, B2, B2_AGAIN, B3], "b2", B2_AGAIN, "to bundle b2"),  # newest record of b2
    ],
)
def test_bundle_target(
    records: list[Record], wanted: str, target: Record | None, reason: str
) -> None:
    chosen = bundle_target(records, wanted)
    assert chosen.target == target
    assert reason in chosen.reason


def test_bundle_target_unknown_bundle() -> None:
    with pytest.raises(
        ReleaseHistoryError, match=r"^apps: bundle 'b9' is not in the history \(recorded: b2, b1\)"
    ):
        bundle_target([B1, B2], "b9")


def test_newest_first_orders_and_deduplicates() -> None:
    assert newest_first([B1, B3, B2, B1]) == [B3, B2, B1]


def test_format_table() -> None:
    lines = format_table([B2])
    assert lines[0].split() == [
        "TIME",
        "KIND",
        "NAME",
        "ACTION",
        "RELEASE",
        "NAMESPACE",
        "CHART",
        "REVISION",
    ]
    assert lines[1].split() == [
        "2026-11-21T10:00:00Z",
        "bundle",
        "b2",
        "deploy",
        "api",
        "apps",
        "slipway-app-1.4.2",
        "2",
    ]
    assert len(lines) == 3
    assert len({line.index("bundle") for line in lines[1:]}) == 1


def write_mirror(directory: Path, records: list[Record]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for rec in records:
        (directory / f"{configmap_name(rec)}.json").write_text(json.dumps(rec.as_dict()))


def test_read_mirror(tmp_path: Path) -> None:
    write_mirror(tmp_path, [B1, B2])
    (tmp_path / "slipway-history-bundle-broken.json").write_text("{")
    records, problems = read_mirror(str(tmp_path))
    assert newest_first(records) == [B2, B1]
    assert len(problems) == 1
    assert read_mirror(str(tmp_path / "absent")) == ([], [])


def test_plan_record_is_idempotent(tmp_path: Path) -> None:
    inputs = {
        "kind": "bundle",
        "name": "b1",
        "releases": [release(SHOP, 1)],
        "bundle": None,
        "action": "deploy",
    }
    first = plan_record(inputs, [], str(tmp_path), "platform", "2026-11-23T09:00:00Z")
    assert first.mirror_changed
    assert first.new
    Path(first.mirror_path).write_text(first.mirror_text)
    second = plan_record(
        inputs, [first.configmap], str(tmp_path), "platform", "2026-11-23T10:00:00Z"
    )
    assert not second.mirror_changed
    assert not second.new
    assert second.configmap == first.configmap


def test_history_view_from_configmaps_and_mirror(tmp_path: Path) -> None:
    configmaps = [to_configmap(rec, "platform") for rec in (B1, B2, COMPONENT)]
    view = history_view({"configmaps": configmaps, "kind": "bundle", "limit": 1})
    assert view["source"] == "cluster"
    assert [rec["name"] for rec in view["records"]] == ["b2"]
    assert view["target_bundle"]["name"] == "b1"
    assert view["left_alone"] == []
    write_mirror(tmp_path, [B1])
    view = history_view({"configmaps": None, "mirror_dir": str(tmp_path)})
    assert view["source"] == "mirror"
    assert view["target_bundle"] is None


def test_history_view_rejects_negative_limit() -> None:
    with pytest.raises(ReleaseHistoryError, match=r"^limit:"):
        history_view({"configmaps": [], "limit": -1})


def test_history_view_lists_releases_the_target_lacks() -> None:
    newer = new_record(
        "bundle",
        "b2",
        [release(SHOP, 3), release(API, 3), {**API, "name": "newsletter", "revision": 1}],
        bundle=None,
        action="deploy",
        now="2026-11-21T10:00:00Z",
    )
    view = history_view({"configmaps": [to_configmap(rec, "platform") for rec in (B1, newer)]})
    assert view["target_bundle"]["name"] == "b1"
    assert view["left_alone"] == ["apps/newsletter"]
