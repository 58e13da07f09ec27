# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options the release history modules share."""

from __future__ import annotations


class ModuleDocFragment:
    """The controller mirror of the release history."""

    DOCUMENTATION = r"""
options:
  mirror_dir:
    description: Controller directory of the history mirror (C(history/) in the backup directory).
    type: path
"""
