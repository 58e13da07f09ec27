# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check and diff mode attributes every Slipway module documents."""

from __future__ import annotations


class ModuleDocFragment:
    """What check and diff mode mean; a module adds its support and details."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Runs in check mode and reports the change it would make, without making it.
  diff_mode:
    description: Returns what changed (or would change in check mode), never secret values.
"""

    # Read-only modules: the same in check mode, nothing to diff.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: N/A
    details: Read-only; nothing changes, so there is no diff.
"""
