"""Every Markdown file a tracked file names exists, so no comment or doc points nowhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A path to a Markdown file, not part of a URL; docs name siblings bare (rollback.md).
MD_REFERENCE = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)*[\w-]+\.md)\b")
TEXT_SUFFIXES = {".md", ".py", ".yml", ".yaml", ".cfg", ".toml", ".j2", ".tpl", ".txt", ""}
# Names that are examples of a reference, not references (a changelog's file name).
NOT_REFERENCES = {"CHANGELOG.md"}


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [
        ROOT / name
        for name in listed
        if Path(name).suffix in TEXT_SUFFIXES
        and (ROOT / name).is_file()
        # This file names missing files on purpose, as examples.
        and ROOT / name != Path(__file__).resolve()
    ]


def missing_references(path: Path, root: Path = ROOT) -> list[str]:
    """Return 'file:line: name' for each Markdown file path names that does not exist.

    A name is looked up beside the file and from the repository root.
    """
    found = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return []
    for number, line in enumerate(lines, 1):
        for name in MD_REFERENCE.findall(line):
            if name in NOT_REFERENCES or "<" in name:
                continue
            if not ((path.parent / name).exists() or (root / name).exists()):
                found.append(f"{path.relative_to(root)}:{number}: {name}")
    return found


def test_named_markdown_files_exist() -> None:
    missing = [item for path in tracked_text_files() for item in missing_references(path)]
    assert missing == []


def test_a_missing_reference_is_found(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("here\n")
    (tmp_path / "x.py").write_text("# see docs/nowhere.md, README.md and https://e.org/a.md\n")
    assert missing_references(tmp_path / "x.py", tmp_path) == ["x.py:1: docs/nowhere.md"]
