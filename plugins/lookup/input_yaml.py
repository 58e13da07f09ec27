# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read an operator's YAML file within Slipway's input limits (logic in bounded_yaml.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: input_yaml
author: Slipway maintainers (@slipway)
version_added: 0.2.0
short_description: Read a YAML file from an operator within size, depth and alias limits
description:
  - Reads each file (decrypting it first when it is ansible-vault encrypted) and returns its data.
  - The file is refused, with its path and the limit named, when it is larger than C(max_bytes),
    nested deeper than C(max_depth) or holds more than C(max_nodes) values once its YAML aliases
    are expanded (see O(limits)). A few hundred bytes of nested aliases would otherwise grow to
    gigabytes.
  - The text is never templated, so a value holding C({{), C({%) or C({#) is returned as written.
  - A YAML syntax error names the line where the mistake starts (for an unclosed quote, the line
    that opens it).
options:
  _terms:
    description: Paths of the files, found as P(ansible.builtin.file#lookup) finds them.
    required: true
  limits:
    description:
      - Overrides of the default limits, usually the environment's C(slipway_input_limits).
      - Keys C(max_bytes) (default 2 MiB), C(max_nodes) (200000), C(max_depth) (64) and C(max_units)
        (1000, used by release bundles).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Read the operator's override file
  ansible.builtin.set_fact:
    components_override: >-
      {{ lookup('slipway.platform.input_yaml', 'override.yml',
                limits=slipway_input_limits | default({})) }}
"""

RETURN = r"""
_raw:
  description: The data of each file (None for an empty file).
  type: list
  elements: raw
"""

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    InputLimits,
    check_size,
    input_limits,
    load,
)

# ansible-vault writes the ciphertext as hex in 80-column lines under a header:
# a little over twice the plaintext. A larger file cannot decrypt within the limit.
_VAULT_GROWTH = 3
_VAULT_HEADER = 4096


def _read(path: str, source: str, limits: InputLimits) -> bytes:
    """Read at most one byte more than the limit, so a larger file is refused unread."""
    with Path(path).open("rb") as stream:
        data = stream.read(limits.max_bytes + 1)
    check_size(len(data), source, limits)
    return data


class LookupModule(LookupBase):
    """Bounded YAML file lookup."""

    def run(self, terms: list[Any], variables: Any = None, **kwargs: Any) -> list[Any]:
        """Return the data of each file, or stop with the path and the limit it exceeds."""
        self.set_options(var_options=variables, direct=kwargs)
        try:
            limits = input_limits(self.get_option("limits") or None)
        except InputError as exc:
            raise AnsibleLookupError(str(exc)) from exc
        results = []
        for term in terms:
            found = self.find_file_in_search_path(variables, "files", str(term))
            if not found:
                raise AnsibleLookupError(f"{term}: no such file")
            try:
                if Path(found).stat().st_size > _VAULT_GROWTH * limits.max_bytes + _VAULT_HEADER:
                    # Too large even encrypted: refuse before decrypting it into memory.
                    check_size(Path(found).stat().st_size, found, limits)
                real = self._loader.get_real_file(found, decrypt=True)
                try:
                    text = _read(real, found, limits)
                finally:
                    self._loader.cleanup_tmp_file(real)
                results.append(load(text, found, limits))
            except InputError as exc:
                # The message is complete; the parser's own chain would only repeat it.
                raise AnsibleLookupError(str(exc)) from None
            except OSError as exc:
                raise AnsibleLookupError(f"{found}: cannot read ({exc.strerror})") from exc
        return results
