#!/usr/bin/env python3
"""Lay out k3s stand-in releases as the k3s release page does, and serve them over HTTP.

release.py build --out DIR --version v1.34.9+k3s1 [--version ...]
    DIR/k3s/<version>/{k3s, k3s-airgap-images-amd64.tar.zst, sha256sum-amd64.txt}
    DIR is then an air-gap directory (SLIPWAY_AIRGAP_DIR), and DIR/k3s a release
    base URL's document root (<url>/<version>/<asset>).
release.py serve --root DIR/k3s --bind 10.89.20.1 --port 18080 --pidfile FILE
    serves it in the background (exits by itself after --lifetime seconds).
release.py stop --pidfile FILE
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import io
import os
import re
import signal
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "k3s"
VERSION_RE = re.compile(r"^v\d+\.\d+\.\d+\+k3s\d+$")


def _images_archive(version: str) -> bytes:
    """Return a small tar standing in for the air-gap images archive of one release."""
    note = f"k3s stand-in images for {version}: no real images (tests/standins/k3s/README.md)\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("images.txt")
        info.size = len(note)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(note.encode()))
    return buf.getvalue()


def build(out: Path, versions: list[str]) -> None:
    """Write one release directory per version, with a real sha256 checksum file."""
    source = STANDIN.read_text()
    for version in versions:
        if not VERSION_RE.match(version):
            raise SystemExit(f"release.py: --version must look like v1.34.9+k3s1, got {version!r}")
        rel = out / "k3s" / version
        rel.mkdir(parents=True, exist_ok=True)
        binary = re.sub(r'^VERSION = ".*"$', f'VERSION = "{version}"', source, count=1, flags=re.M)
        assets = {
            "k3s": binary.encode(),
            "k3s-airgap-images-amd64.tar.zst": _images_archive(version),
        }
        lines = []
        for name, data in assets.items():
            path = rel / name
            path.write_bytes(data)
            path.chmod(0o755 if name == "k3s" else 0o644)
            lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
        (rel / "sha256sum-amd64.txt").write_text("".join(lines))
        print(rel)


def serve(root: Path, bind: str, port: int, pidfile: Path, lifetime: int) -> None:
    """Serve root over HTTP in a detached child that stops after lifetime seconds."""
    stop(pidfile)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer((bind, port), handler)
    if os.fork():
        print(f"http://{bind}:{port}")
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    pidfile.write_text(f"{os.getpid()}\n")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    httpd.timeout = 1
    mine = f"{os.getpid()}\n"
    deadline = time.monotonic() + lifetime
    # Stop with the lifetime, or as soon as the pidfile goes (the scenario's
    # directory was removed) or names another server.
    while time.monotonic() < deadline and _owns(pidfile, mine):
        httpd.handle_request()
    if _owns(pidfile, mine):
        pidfile.unlink(missing_ok=True)
    os._exit(0)


def _owns(pidfile: Path, content: str) -> bool:
    """Tell whether the pidfile still names this server."""
    try:
        return pidfile.read_text() == content
    except OSError:
        return False


def stop(pidfile: Path) -> None:
    """Stop the server started with this pidfile, if it still runs."""
    if not pidfile.exists():
        return
    with contextlib.suppress(ValueError, ProcessLookupError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    pidfile.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("build")
    mk.add_argument("--out", type=Path, required=True)
    mk.add_argument("--version", action="append", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--root", type=Path, required=True)
    sv.add_argument("--bind", required=True)
    sv.add_argument("--port", type=int, required=True)
    sv.add_argument("--pidfile", type=Path, required=True)
    sv.add_argument("--lifetime", type=int, default=1800)
    st = sub.add_parser("stop")
    st.add_argument("--pidfile", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.out, args.version)
    elif args.command == "serve":
        serve(args.root, args.bind, args.port, args.pidfile, args.lifetime)
    else:
        stop(args.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
