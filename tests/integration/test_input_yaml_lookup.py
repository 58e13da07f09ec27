"""The slipway.platform.input_yaml lookup, run by ansible-playbook as the roles run it.

One playbook reads every case and writes what it got (data, or the error) to a JSON
file, so the cases share one ansible-playbook start-up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from playbook_run import run_playbook

pytestmark = pytest.mark.slow

VERBATIM = "pw{{ 7*6 }}x{% raw %}y{#z}}$(id)`id`'\"\nsecond line"
CASES = ("verbatim", "vaulted", "bomb", "large", "deep", "quote")

PLAYBOOK = """
- name: Read every case with the input_yaml lookup
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read {{ item }}
      ansible.builtin.set_fact:
        "case_{{ item }}": "{{ lookup('slipway.platform.input_yaml', dir ~ '/' ~ item ~ '.yml',
                                      limits={'max_bytes': 4096}) }}"
      loop: %s
      register: read
      ignore_errors: true

    - name: Write what each case gave
      ansible.builtin.copy:
        dest: "{{ dir }}/out.json"
        mode: "0600"
        content: |-
          {%%- set found = namespace(pairs=[]) -%%}
          {%%- for result in read.results -%%}
          {%%-   set got = result.msg if result.failed | default(false)
                       else result.ansible_facts['case_' ~ result.item] -%%}
          {%%-   set found.pairs = found.pairs + [[result.item, got]] -%%}
          {%%- endfor -%%}
          {{ dict(found.pairs) | to_json }}
"""


def test_lookup_reads_within_limits_and_refuses_beyond_them(tmp_path: Path) -> None:
    secret = VaultSecret(b"correct horse")
    (tmp_path / "pass").write_text("correct horse\n")
    (tmp_path / "verbatim.yml").write_text(json.dumps({"value": VERBATIM}))
    vaulted = VaultLib([("default", secret)]).encrypt(json.dumps({"value": VERBATIM}))
    (tmp_path / "vaulted.yml").write_bytes(vaulted)
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    (tmp_path / "bomb.yml").write_text("\n".join(levels) + "\n")
    (tmp_path / "large.yml").write_text("a: 1\n" + "#" * 5000 + "\n")
    (tmp_path / "deep.yml").write_text("[" * 70 + "]" * 70 + "\n")
    (tmp_path / "quote.yml").write_text('a: 1\nb: "open\nc: 2\n')
    playbook = tmp_path / "read.yml"
    playbook.write_text(PLAYBOOK % json.dumps(list(CASES)))
    run = run_playbook(
        str(playbook),
        "-e",
        f"dir={tmp_path}",
        "--vault-password-file",
        str(tmp_path / "pass"),
    )
    assert run.rc == 0, run.raw[-4000:]
    got = json.loads((tmp_path / "out.json").read_text())
    assert got["verbatim"] == {"value": VERBATIM}
    assert got["vaulted"] == {"value": VERBATIM}
    assert f"{tmp_path}/bomb.yml (line 6): more than 200000 values once" in got["bomb"]
    assert "raise slipway_input_limits.max_nodes" in got["bomb"]
    assert f"{tmp_path}/large.yml: 4097 bytes, more than the limit of 4096" in got["large"]
    assert f"{tmp_path}/deep.yml (line 1): nested more than 64 levels deep" in got["deep"]
    assert got["quote"].endswith(
        f"{tmp_path}/quote.yml (line 2): YAML syntax error at column 4: while scanning a quoted"
        " scalar: found unexpected end of stream (at line 4); correct the YAML at that line"
    )
