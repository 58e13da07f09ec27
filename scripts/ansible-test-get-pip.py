"""Offline pip bootstrap for ansible-test's sanity venvs.

ansible-test fetches a get-pip script from a host this network cannot reach and
documents saving one to its cache instead. This one bootstraps pip with the
standard library's ensurepip, then installs exactly what ansible-test asked for
(the pinned pip version, its options) from the package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip's own flags: this bootstrap never installs setuptools or wheel anyway.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True)
pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
subprocess.run([sys.executable, "-m", "pip", "install", *pip_args], check=True)
