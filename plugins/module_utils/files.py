"""How Slipway's modules read and write YAML and files: whole or not at all, stable from run to run.

One atomic writer (a private temporary file in the target's directory, renamed over
the target, so a reader never sees half a file and a failed write leaves the old
one) and one block-style YAML dumper (insertion order, chosen strings as literal
blocks) for every module that writes.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; the module reports its absence with missing_required_lib.
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

# The safe loader, libyaml's where PyYAML has it: the same safe types, about ten
# times faster (a bundle of a thousand units renders ten thousand documents).
SAFE_LOADER: Any = None if YAML_IMPORT_ERROR else getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Return the one document of text, read with SAFE_LOADER."""
    loader = SAFE_LOADER(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def write_atomic(path: str | Path, text: str, mode: int | None = None) -> None:
    """Write text to path atomically, creating its directory.

    The file gets mode, or when None the mode of the file it replaces (0644 for a new
    one). Raises OSError; the caller names the field the path came from.
    """
    target = Path(path)
    if mode is None:
        mode = target.stat().st_mode & 0o7777 if target.is_file() else 0o644
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=".slipway-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).chmod(mode)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def block_dumper(literal: Callable[[str], bool]) -> Any:
    """Return a SafeDumper class that writes the strings literal() picks as literal blocks."""

    def represent(dumper: Any, value: str) -> Any:
        style = "|" if literal(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)

    dumper: Any = type("_SlipwayDumper", (yaml.SafeDumper,), {})
    # str itself and its subclasses (a marker type such as a literal-block string).
    dumper.add_representer(str, represent)
    dumper.add_multi_representer(str, represent)
    return dumper


def dump_block_yaml(data: Any, dumper: Any, *, width: int = 120, allow_unicode: bool = True) -> str:
    """Return data as block-style YAML in insertion order."""
    return str(
        yaml.dump(
            data,
            Dumper=dumper,
            default_flow_style=False,
            sort_keys=False,
            allow_unicode=allow_unicode,
            width=width,
        )
    )
