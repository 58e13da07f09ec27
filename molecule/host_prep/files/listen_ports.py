"""Accept and close TCP connections on an address and ports until stopped."""

from __future__ import annotations

import selectors
import socket
import sys


def main(address: str, ports: list[int]) -> None:
    """Listen on every port of the address and close each connection at once."""
    selector = selectors.DefaultSelector()
    for port in ports:
        server = socket.create_server((address, port))
        selector.register(server, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            connection, _ = key.fileobj.accept()
            connection.close()


if __name__ == "__main__":
    main(sys.argv[1], [int(arg) for arg in sys.argv[2:]])
