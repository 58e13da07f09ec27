"""Valkey persists every write on its volume: AOF, fsynced every second."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]
CATALOG = yaml.safe_load((ROOT / "roles/components/defaults/main.yml").read_text())[
    "components_catalog"
]


def test_valkey_appends_to_a_file_on_its_volume_every_second() -> None:
    values = CATALOG["valkey"]["values"]
    # The chart mounts the data volume at /data and writes "dir /data" into valkey.conf.
    assert values["dataStorage"]["enabled"] is True
    lines = [line.split() for line in values["valkeyConfig"].splitlines() if line.strip()]
    assert ["appendonly", "yes"] in lines
    assert ["appendfsync", "everysec"] in lines
