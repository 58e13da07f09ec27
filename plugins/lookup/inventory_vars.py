# Copyright: Slipway maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read variables of other inventories, each templated in its own inventory's context."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: inventory_vars
author: Slipway maintainers (@slipway)
version_added: 0.2.0
short_description: Variables of other inventories, templated in their own context
description:
  - Loads each inventory source as C(ansible-playbook -i) would (its hosts, C(group_vars) and
    C(host_vars)) and returns the values of the variables O(names) for O(host), each templated
    with that inventory's variables, not the running play's.
  - Lets one environment's run check a rule across all environments, such as Slipway's domain
    rule (no two environments produce the same host name).
  - Files encrypted with ansible-vault are left unread, so another environment's secrets are never
    decrypted and its vault password is never needed. A variable that depends on one is undefined.
options:
  _terms:
    description: Inventory sources (directories or files), such as C(inventories/prod).
    required: true
  names:
    description: Names of the variables to return.
    type: list
    elements: str
    required: true
  host:
    description: The host whose variables are read; C(localhost) is the implicit one, in C(all).
    type: str
    default: localhost
"""

EXAMPLES = r"""
- name: Read the hosts every environment produces
  ansible.builtin.set_fact:
    hosts_by_env: >-
      {{ query('slipway.platform.inventory_vars', 'inventories/staging', 'inventories/prod',
               names=['slipway_env', 'slipway_hosts'])
         | items2dict(key_name='slipway_env', value_name='slipway_hosts') }}
"""

RETURN = r"""
_raw:
  description: One mapping per inventory source, variable name -> templated value.
  type: list
  elements: dict
"""

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import is_encrypted_file
from ansible.plugins.lookup import LookupBase
from ansible.template import Templar
from ansible.vars.manager import VariableManager


class _PlaintextLoader(DataLoader):
    """A loader that returns no data for a vault-encrypted file instead of decrypting it."""

    def load_from_file(self, file_name: str, *args: Any, **kwargs: Any) -> Any:
        """Load file_name unless it is encrypted with ansible-vault."""
        with Path(self.path_dwim(file_name)).open("rb") as stream:
            if is_encrypted_file(stream):
                return {}
        return super().load_from_file(file_name, *args, **kwargs)


def _inventory_vars(source: str, host_name: str, names: list[str]) -> dict[str, Any]:
    """Return the named variables of host_name in the inventory source, templated there."""
    if not Path(source).exists():
        raise AnsibleLookupError(f"{source}: no such inventory")
    loader = _PlaintextLoader()
    inventory = InventoryManager(loader=loader, sources=[source])
    host = inventory.get_host(host_name)
    if host is None:
        raise AnsibleLookupError(f"{source}: host {host_name} is not in the inventory")
    found = VariableManager(loader=loader, inventory=inventory).get_vars(host=host)
    templar = Templar(loader=loader, variables=found)
    values = {}
    for name in names:
        try:
            values[name] = templar.resolve_variable_expression(name)
        except AnsibleError as exc:
            raise AnsibleLookupError(f"{source}: {name}: {exc.message}") from exc
    return values


class LookupModule(LookupBase):
    """Variables of other inventories."""

    def run(self, terms: list[Any], variables: Any = None, **kwargs: Any) -> list[Any]:
        """Return the named variables of each inventory source."""
        self.set_options(var_options=variables, direct=kwargs)
        names = [str(name) for name in self.get_option("names")]
        host = str(self.get_option("host"))
        return [_inventory_vars(str(term), host, names) for term in terms]
