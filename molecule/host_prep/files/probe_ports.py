"""Print, as JSON, how a host answers TCP connects: open, refused or filtered."""

from __future__ import annotations

import json
import socket
import sys


def probe(host: str, port: int, timeout: float) -> str:
    """Return open (accepted), refused (reset: no listener) or filtered (no answer: dropped)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "filtered"


if __name__ == "__main__":
    target = sys.argv[1]
    print(json.dumps({port: probe(target, int(port), 3.0) for port in sys.argv[2:]}))
