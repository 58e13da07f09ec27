"""docs/components.md's table of pinned charts says what the catalog pins."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]
CATALOG = yaml.safe_load((ROOT / "roles" / "components" / "defaults" / "main.yml").read_text())[
    "components_catalog"
]


def pinned_rows() -> dict[str, tuple[str, str]]:
    """Return component -> (chart, version) from the table after 'Pinned charts:'."""
    text = (ROOT / "docs/components.md").read_text()
    table = text[text.index("Pinned charts:") :].split("\n\n")[1]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines()[2:]:
        names, chart, version = (cell.strip() for cell in line.strip("|").split("|")[:3])
        for name in names.split(","):
            rows[name.strip()] = (chart, version)
    return rows


def test_every_catalog_entry_is_in_the_table_with_its_pin() -> None:
    rows = pinned_rows()
    assert set(rows) == set(CATALOG)
    wrong = {
        name: (rows[name], (entry["chart"], entry["version"]))
        for name, entry in CATALOG.items()
        if rows[name] != (entry["chart"], str(entry["version"]))
    }
    assert wrong == {}
