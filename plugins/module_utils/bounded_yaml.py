# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded YAML reading for everything Slipway takes from a user.

A few hundred bytes of nested YAML aliases expand to gigabytes once the data is
walked, copied or serialised, and deep nesting overflows libyaml's C stack (the
process dies with a segmentation fault). So user input is read in two passes:
first the event stream, counting nodes as if every alias were expanded and
tracking the nesting depth, stopping at the first limit exceeded; then the real
load, which can no longer blow up. JSON is YAML, so JSON input goes the same way.

The defaults are far above what a real team writes (a 1,000-unit release bundle
is about 150 KiB and 4,000 nodes) and far below what would hurt the controller;
an environment may change them with ``slipway_input_limits``.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, fields
from typing import Any

try:
    import yaml
except ImportError:
    # PyYAML ships with ansible-core; reading YAML text without it fails by name.
    YAML_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

from ansible_collections.slipway.platform.plugins.module_utils.files import SAFE_LOADER

LIMITS_VARIABLE = "slipway_input_limits"


@dataclass(frozen=True)
class InputLimits:
    """How large a user's YAML or JSON input may be."""

    max_bytes: int = 2 * 1024 * 1024
    max_nodes: int = 200_000
    max_depth: int = 64
    max_units: int = 1_000


class InputError(ValueError):
    """A user input that is too large or not YAML; ``str()`` names the source."""

    def __init__(self, source: str, problem: str, fix: str, line: int | None = None) -> None:
        """Keep the parts apart so callers can place them in their own reports."""
        self.source = source
        self.problem = problem
        self.fix = fix
        self.line = line
        where = f" (line {line})" if line else ""
        super().__init__(f"{source}{where}: {problem}; {fix}")


def input_limits(overrides: Any, field_name: str = LIMITS_VARIABLE) -> InputLimits:
    """Return the default limits with overrides applied; refuse unknown keys and non-positives."""
    if overrides is None:
        return InputLimits()
    if not isinstance(overrides, dict):
        raise InputError(field_name, "must be a mapping", "e.g. {max_bytes: 4194304}")
    known = {item.name for item in fields(InputLimits)}
    values: dict[str, int] = {}
    for key, value in overrides.items():
        if key not in known:
            raise InputError(
                f"{field_name}.{key}",
                "is not a limit",
                f"use one of {', '.join(sorted(known))}",
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(
                f"{field_name}.{key}", f"{value!r} is not a positive integer", "e.g. 1000"
            )
        values[key] = value
    return InputLimits(**values)


def check_size(size: int, source: str, limits: InputLimits) -> None:
    """Refuse an input of more than max_bytes before it is read or parsed."""
    if size > limits.max_bytes:
        raise InputError(
            source,
            f"{size} bytes, more than the limit of {limits.max_bytes}",
            f"make it smaller, or raise {LIMITS_VARIABLE}.max_bytes for this environment",
        )


def _byte_length(text: str | bytes, limits: InputLimits) -> int:
    """Return the UTF-8 size of text, encoding it only when characters alone cannot decide."""
    if isinstance(text, bytes) or len(text) > limits.max_bytes or 4 * len(text) <= limits.max_bytes:
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))


def _count(text: str | bytes, source: str, limits: InputLimits) -> None:
    """Walk the event stream once; stop at the first limit the expanded input would exceed."""
    loader = SAFE_LOADER(text)
    expanded: dict[str, int] = {}
    open_anchors: set[str] = set()
    stack: list[tuple[str | None, int]] = []
    nodes = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise InputError(
                        source,
                        f"alias *{event.anchor} refers to a node that contains it",
                        "remove the recursive alias",
                        event.start_mark.line + 1,
                    )
                nodes += expanded.get(event.anchor, 1)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                nodes += 1
                stack.append((event.anchor, nodes))
                if event.anchor:
                    open_anchors.add(event.anchor)
                if len(stack) > limits.max_depth:
                    raise InputError(
                        source,
                        f"nested more than {limits.max_depth} levels deep",
                        f"flatten it, or raise {LIMITS_VARIABLE}.max_depth for this environment",
                        event.start_mark.line + 1,
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, start = stack.pop()
                if anchor:
                    open_anchors.discard(anchor)
                    expanded[anchor] = nodes - start + 1
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor:
                    expanded[event.anchor] = 1
            if nodes > limits.max_nodes:
                raise InputError(
                    source,
                    f"more than {limits.max_nodes} values once its aliases are expanded",
                    f"write it without nested aliases, or raise {LIMITS_VARIABLE}.max_nodes "
                    "for this environment",
                    event.start_mark.line + 1,
                )
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.YAMLError, source: str, text: str | bytes) -> InputError:
    """Name the line where the mistake starts, not where the parser gave up."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return InputError(source, f"not YAML ({exc.__class__.__name__})", "write it as YAML")
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    mark = problem_mark or context_mark
    # An unclosed quote or bracket is found only at the end of the input; the
    # context mark is where it was opened, which is the line to correct.
    if context_mark is not None and problem_mark is not None and problem_mark.index >= len(text):
        mark = context_mark
    parts = [part for part in (exc.context, exc.problem) if part]
    parts = [": ".join(parts)]
    if mark is not None and problem_mark is not None and mark.line != problem_mark.line:
        parts.append(f"(at line {problem_mark.line + 1})")
    column = f" at column {mark.column + 1}" if mark is not None else ""
    return InputError(
        source,
        f"YAML syntax error{column}: {' '.join(parts)}",
        "correct the YAML at that line",
        mark.line + 1 if mark is not None else None,
    )


def compose(text: str | bytes, source: str, limits: InputLimits) -> tuple[Any, Any]:
    """Return the single document's node graph (None when empty) once the input is in bounds."""
    if YAML_IMPORT_ERROR is not None:
        raise InputError(source, "PyYAML is not installed", "install PyYAML")
    check_size(_byte_length(text, limits), source, limits)
    try:
        _count(text, source, limits)
        loader = SAFE_LOADER(text)
        try:
            return loader, loader.get_single_node()
        except BaseException:
            loader.dispose()
            raise
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, source, text) from exc


def load(text: str | bytes, source: str, limits: InputLimits | None = None) -> Any:
    """Parse one YAML (or JSON) document within the limits; raise InputError naming the source."""
    loader, node = compose(text, source, limits or InputLimits())
    try:
        return loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, source, text) from exc
    finally:
        loader.dispose()


def load_all(text: str | bytes, source: str, limits: InputLimits | None = None) -> list[Any]:
    """Parse every document of a YAML stream within the limits; empty documents are dropped."""
    limits = limits or InputLimits()
    if YAML_IMPORT_ERROR is not None:
        raise InputError(source, "PyYAML is not installed", "install PyYAML")
    check_size(_byte_length(text, limits), source, limits)
    try:
        _count(text, source, limits)
        documents = yaml.load_all(text, Loader=SAFE_LOADER)
        return [document for document in documents if document is not None]
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, source, text) from exc
