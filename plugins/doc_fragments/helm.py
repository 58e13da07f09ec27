# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options every Slipway module that runs helm shares."""

from __future__ import annotations


class ModuleDocFragment:
    """The helm executable, named as kubernetes.core.helm names it."""

    DOCUMENTATION = r"""
options:
  binary_path:
    description:
      - The helm executable, a name on PATH or a path (as in M(kubernetes.core.helm)).
    type: str
    default: helm
    aliases: [helm_binary]
"""
