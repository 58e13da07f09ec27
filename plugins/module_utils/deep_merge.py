"""Deep merge of configuration layers (collection defaults < environment < override).

The rule, in full:

* mappings merge key by key, recursively;
* lists replace the lower layer's list as a whole;
* except a mapping of the single key ``+append`` whose value is a list: its items
  are appended to the lower layer's list (``{"+append": [...]}``), so a layer can
  add one entry without repeating the others;
* anything else (scalars, ``None``, a mapping over a list or the reverse) replaces
  the lower value.

Inputs are never modified; the result shares no mutable containers with them.
"""

from __future__ import annotations

import copy
from typing import Any

APPEND_KEY = "+append"


class MergeError(ValueError):
    """A layer cannot be merged; the message names the path and the problem."""


def _is_append(value: Any) -> bool:
    """Tell whether value is an ``{"+append": [...]}`` directive."""
    return isinstance(value, dict) and len(value) == 1 and APPEND_KEY in value


def _merge(base: Any, override: Any, path: str) -> Any:
    """Merge override onto base by the module rule; path names the position for errors."""
    if _is_append(override):
        items = override[APPEND_KEY]
        if not isinstance(items, list):
            raise MergeError(
                f"{path or '<root>'}: '{APPEND_KEY}' takes a list, got {type(items).__name__}"
            )
        if base is None:
            return copy.deepcopy(items)
        if not isinstance(base, list):
            raise MergeError(
                f"{path or '<root>'}: '{APPEND_KEY}' needs a list below it, "
                f"found {type(base).__name__}"
            )
        return copy.deepcopy(base) + copy.deepcopy(items)
    if isinstance(override, dict):
        # A mapping over a non-mapping replaces it, but its own directives still resolve.
        lower = base if isinstance(base, dict) else {}
        merged = copy.deepcopy(lower)
        for key, value in override.items():
            child = f"{path}.{key}" if path else str(key)
            merged[key] = _merge(lower.get(key), value, child)
        return merged
    return copy.deepcopy(override)


def deep_merge(base: Any, *overrides: Any) -> Any:
    """Return base with each override merged on top, in order (the last one wins)."""
    result = copy.deepcopy(base)
    for override in overrides:
        result = _merge(result, override, "")
    return result
