#!/usr/bin/env python3
"""Local test hosts for Slipway: small "VPS" made of privileged systemd containers.

Each lab is a private podman network with fixed addresses (.11, .12, ...; the
controller is .1) and hosts that boot systemd and accept SSH as root with the
project's lab key. The dev and ci inventories, molecule and `make demo` all use
this one tool. Everything here is real: real systemd, real sshd, real network.

    testhosts.py image                      build the host image (cached by recipe)
    testhosts.py create --lab dev --count 3 --subnet 10.89.10.0/24
    testhosts.py create --lab mol-x --names server1,agent1
    testhosts.py destroy --lab dev
    testhosts.py list
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RECIPE_DIR = HERE / "image"
STATE = Path(os.environ.get("SLIPWAY_TESTHOSTS_STATE", ROOT / ".testhosts"))
KEY = STATE / "id_ed25519"
IMAGE_REPO = "localhost/slipway-testhost"
LABEL = "slipway.lab"
AUTO_SUBNETS = range(20, 250)
FIRST_HOST = 11
SSH_WAIT_SECONDS = 90
# Bump when _configure_rootfs changes what goes into the image.
ROOTFS_LAYOUT = "2"
# Limits the machine can grant without CAP_SYS_RESOURCE (tests/testhosts/README.md).
ULIMITS = ("nofile=20000:20000", "nproc=32768:32768")
# Overlay on overlay fails for these; k3s and containerd get tmpfs instead.
TMPFS = ("/var/lib/rancher", "/var/lib/containerd")


class TestHostError(RuntimeError):
    """A test-host operation failed; the message says what and how to fix it."""


def _say(msg: str) -> None:
    """Print one progress line to stderr."""
    print(f"testhosts: {msg}", file=sys.stderr, flush=True)


def _run(argv: list[str], *, check: bool = True, stdin: bytes | None = None) -> str:
    """Run a command from an argument list and return its stdout."""
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise TestHostError(f"{argv[0]} is not installed: run `make setup`") from exc
    if check and proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise TestHostError(f"{' '.join(argv[:3])} ... failed ({proc.returncode}): {err}")
    return proc.stdout.decode(errors="replace")


def _need_root() -> None:
    """Fail with one line when not root: privileged containers need it."""
    if os.geteuid() != 0:
        raise TestHostError("test hosts are privileged containers: run as root")


# --- image -------------------------------------------------------------------


def recipe_hash() -> str:
    """Return a short hash of everything the image is built from."""
    digest = hashlib.sha256()
    for path in sorted(p for p in RECIPE_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(RECIPE_DIR)).encode())
        digest.update(path.read_bytes())
    digest.update(ROOTFS_LAYOUT.encode())
    return digest.hexdigest()[:12]


def image_ref() -> str:
    """Return the image reference of the current recipe."""
    return f"{IMAGE_REPO}:{recipe_hash()}"


def _image_exists(ref: str) -> bool:
    """Tell whether podman holds the image."""
    return subprocess.run(["podman", "image", "exists", ref], check=False).returncode == 0


def _configure_rootfs(rootfs: Path, recipe: dict[str, object]) -> None:
    """Turn a debootstrap tree into a bootable, SSH-reachable test host."""
    shutil.copytree(RECIPE_DIR / "rootfs", rootfs, dirs_exist_ok=True)
    systemd_dir = rootfs / "etc/systemd/system"
    masked = recipe["masked_units"]
    assert isinstance(masked, list)
    for unit in masked:
        link = systemd_dir / str(unit)
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    for key in rootfs.glob("etc/ssh/ssh_host_*"):
        key.unlink()
    # No stale apt lists: the first apt run on a host must really update.
    lists = rootfs / "var/lib/apt/lists"
    for entry in lists.glob("*"):
        if entry.is_file():
            entry.unlink()
    (rootfs / "var/lib/apt/periodic/update-success-stamp").unlink(missing_ok=True)
    # An old lists directory, so apt's cache_valid_time never mistakes it for fresh.
    os.utime(lists, (0, 0))
    for cache in (rootfs / "var/cache/apt/archives").glob("*.deb"):
        cache.unlink()
    (rootfs / "etc/machine-id").write_text("")
    (rootfs / "root/.ssh").mkdir(mode=0o700, exist_ok=True)


def build_image(*, force: bool = False) -> str:
    """Build the test-host image with debootstrap unless the recipe's image exists."""
    ref = image_ref()
    if _image_exists(ref) and not force:
        _say(f"image {ref} is up to date")
        return ref
    _need_root()
    if shutil.which("debootstrap") is None:
        raise TestHostError("debootstrap is not installed: run `make setup`")
    recipe = json.loads((RECIPE_DIR / "recipe.json").read_text())
    work = STATE / "build"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        rootfs = Path(tmp) / "rootfs"
        _say(f"building {ref} with debootstrap ({recipe['suite']}, about a minute)")
        started = time.monotonic()
        _run(
            [
                "debootstrap",
                f"--variant={recipe['variant']}",
                "--include=" + ",".join(recipe["packages"]),
                recipe["suite"],
                str(rootfs),
                recipe["mirror"],
            ]
        )
        _configure_rootfs(rootfs, recipe)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        _run(
            [
                "podman",
                "import",
                "--change",
                'CMD ["/sbin/init"]',
                "--change",
                "ENV container=podman",
                "--change",
                "STOPSIGNAL SIGRTMIN+3",
                "-",
                ref,
            ],
            stdin=tar.stdout.read() if tar.stdout else b"",
        )
        tar.wait()
        _say(f"built {ref} in {time.monotonic() - started:.0f}s")
    for old in _run(
        ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPO]
    ).split():
        if old != ref and not _containers(image=old):
            _run(["podman", "rmi", old], check=False)
    return ref


# --- labs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Host:
    """One test host of a lab."""

    name: str
    address: str
    container: str


def _ensure_key() -> None:
    """Create the lab SSH key once."""
    STATE.mkdir(parents=True, exist_ok=True)
    if not KEY.exists():
        _run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "slipway-testhosts",
                "-f",
                str(KEY),
            ]
        )


def _networks() -> list[dict[str, object]]:
    """Return podman's networks."""
    out = _run(["podman", "network", "ls", "--format", "json"])
    return json.loads(out) if out.strip() else []


def _subnets_of(net: dict[str, object]) -> list[str]:
    """Return the subnets of one network description."""
    subnets = net.get("subnets") or []
    assert isinstance(subnets, list)
    return [str(s.get("subnet")) for s in subnets if isinstance(s, dict)]


def _lab_network(lab: str, subnet: str | None) -> ipaddress.IPv4Network:
    """Create the lab's network when missing and return its subnet."""
    name = f"slipway-{lab}"
    used: list[str] = []
    for net in _networks():
        if net.get("name") == name:
            have = ipaddress.IPv4Network(_subnets_of(net)[0])
            if subnet and have != ipaddress.IPv4Network(subnet):
                raise TestHostError(f"lab {lab} exists on {have}, not {subnet}: destroy it first")
            return have
        used += _subnets_of(net)
    if subnet is None:
        free = (f"10.89.{n}.0/24" for n in AUTO_SUBNETS if f"10.89.{n}.0/24" not in used)
        subnet = next(free, None)
        if subnet is None:
            raise TestHostError("no free 10.89.x.0/24 subnet left: destroy unused labs")
    elif subnet in used:
        raise TestHostError(f"subnet {subnet} is taken by another podman network")
    _run(["podman", "network", "create", "--label", f"{LABEL}={lab}", "--subnet", subnet, name])
    return ipaddress.IPv4Network(subnet)


def _containers(*, lab: str | None = None, image: str | None = None) -> list[dict[str, object]]:
    """Return podman's view of test-host containers, by lab or image."""
    argv = ["podman", "ps", "-a", "--format", "json", "--filter", f"label={LABEL}"]
    if lab:
        argv[-1] = f"label={LABEL}={lab}"
    if image:
        argv += ["--filter", f"ancestor={image}"]
    out = _run(argv)
    return json.loads(out) if out.strip() else []


def _name(container: dict[str, object]) -> str:
    """Return a container's name from podman's JSON."""
    names = container.get("Names") or [""]
    return str(names[0]) if isinstance(names, list) else str(names)


def _identity() -> str:
    """Return a short fingerprint of the lab key, to spot hosts made for another key."""
    return hashlib.sha256(Path(f"{KEY}.pub").read_bytes()).hexdigest()[:12]


def _alive(container: dict[str, object]) -> bool:
    """Return whether a container podman calls running still has its systemd."""
    pid = container.get("Pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "systemd"
    except OSError:
        return False


def _start_host(lab: str, host: Host, image: str) -> bool:
    """Start one host; return True when something was created or started."""
    current = {_name(c): c for c in _containers(lab=lab)}
    found = current.get(host.container)
    if found is not None:
        labels = found.get("Labels") or {}
        same = isinstance(labels, dict) and labels.get("slipway.key") == _identity()
        running = found.get("State") == "running"
        if same and found.get("Image") == image and (not running or _alive(found)):
            if running:
                return False
            _run(["podman", "start", host.container])
            return True
        if running and not _alive(found):
            # podman's state outlived the process (the machine restarted
            # under it): it would neither start nor answer.
            _say(f"recreating {host.container}: podman says running, but its systemd is gone")
        else:
            # Made from another checkout's key or an older image: start afresh.
            _say(f"recreating {host.container}: its key or image is not this checkout's")
        _run(["podman", "rm", "-f", "-t", "0", host.container])
    argv = [
        "podman",
        "run",
        "-d",
        "--name",
        host.container,
        "--hostname",
        host.name,
        "--label",
        f"{LABEL}={lab}",
        "--label",
        f"slipway.key={_identity()}",
        "--runtime",
        "runc",
        "--privileged",
        "--cgroupns=private",
        "--network",
        f"slipway-{lab}",
        "--ip",
        host.address,
        "-v",
        f"{KEY}.pub:/root/.ssh/authorized_keys:ro,Z",
    ]
    for limit in ULIMITS:
        argv += ["--ulimit", limit]
    for path in TMPFS:
        argv += ["--tmpfs", path]
    _run([*argv, image])
    return True


def _wait_ssh(host: Host, deadline: float) -> str:
    """Wait until sshd answers and return its ed25519 host key line."""
    while time.monotonic() < deadline:
        proc = subprocess.run(
            ["ssh-keyscan", "-T", "2", "-t", "ed25519", host.address],
            capture_output=True,
            check=False,
        )
        line = proc.stdout.decode().strip()
        if line:
            return line
        time.sleep(0.5)
    raise TestHostError(
        f"{host.name} ({host.address}) did not answer SSH within {SSH_WAIT_SECONDS}s: "
        f"see `podman exec {host.container} journalctl -b`"
    )


def _check_login(host: Host, known_hosts: Path) -> None:
    """Log in once over SSH as Ansible will, to prove the host is usable."""
    _run(
        [
            "ssh",
            "-i",
            str(KEY),
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"root@{host.address}",
            "systemctl is-system-running --wait >/dev/null || true",
        ]
    )


def lab_hosts(lab: str, names: list[str], subnet: ipaddress.IPv4Network) -> list[Host]:
    """Return the hosts of a lab with their fixed addresses."""
    hosts = []
    for index, name in enumerate(names):
        address = str(subnet.network_address + FIRST_HOST + index)
        hosts.append(Host(name=name, address=address, container=f"{lab}.{name}"))
    return hosts


def _write_lab_files(lab: str, hosts: list[Host], keys: list[str]) -> Path:
    """Write the lab's known_hosts, inventory and instance list."""
    lab_dir = STATE / lab
    lab_dir.mkdir(parents=True, exist_ok=True)
    known_hosts = lab_dir / "known_hosts"
    known_hosts.write_text("".join(f"{k}\n" for k in keys))
    inventory = [
        "---",
        f"# Lab {lab}: written by tests/testhosts/testhosts.py",
        "all:",
        "  vars:",
        "    ansible_user: root",
        f"    ansible_ssh_private_key_file: {KEY}",
        "    ansible_ssh_common_args: >-",
        f"      -o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes",
        "  hosts:",
    ]
    inventory += [f"    {h.name}:\n      ansible_host: {h.address}" for h in hosts]
    (lab_dir / "hosts.yml").write_text("\n".join(inventory) + "\n")
    instances = [
        {
            "instance": h.name,
            "address": h.address,
            "user": "root",
            "port": 22,
            "identity_file": str(KEY),
            "container": h.container,
        }
        for h in hosts
    ]
    (lab_dir / "instances.json").write_text(json.dumps(instances, indent=2) + "\n")
    return lab_dir


def create(lab: str, names: list[str], subnet: str | None) -> dict[str, object]:
    """Create (or keep) the hosts of a lab and return what was done."""
    _need_root()
    started = time.monotonic()
    image = image_ref()
    if not _image_exists(image):
        raise TestHostError(f"image {image} is missing: run `make setup` (or testhosts.py image)")
    # Labs created side by side (molecule scenarios in parallel) must not make
    # two keys or pick the same free subnet: the shared steps take a lock.
    STATE.mkdir(parents=True, exist_ok=True)
    with (STATE / "create.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_key()
        net = _lab_network(lab, subnet)
    hosts = lab_hosts(lab, names, net)
    existing = {_name(c) for c in _containers(lab=lab)}
    wanted = {h.container for h in hosts}
    for extra in sorted(existing - wanted):
        _say(f"removing {extra}: not part of the lab any more")
        _run(["podman", "rm", "-f", "-t", "0", extra])
    changed = [h.name for h in hosts if _start_host(lab, h, image)]
    if changed:
        _say(f"lab {lab}: started {', '.join(changed)}; waiting for SSH")
    deadline = time.monotonic() + SSH_WAIT_SECONDS
    keys = [_wait_ssh(h, deadline) for h in hosts]
    lab_dir = _write_lab_files(lab, hosts, keys)
    for host in hosts:
        _check_login(host, lab_dir / "known_hosts")
    took = time.monotonic() - started
    _say(f"lab {lab}: {len(hosts)} hosts ready on {net} in {took:.1f}s")
    return {
        "lab": lab,
        "subnet": str(net),
        "changed": bool(changed),
        "created": changed,
        "inventory": str(lab_dir / "hosts.yml"),
        "known_hosts": str(lab_dir / "known_hosts"),
        "instances": json.loads((lab_dir / "instances.json").read_text()),
        "seconds": round(took, 2),
    }


def destroy(lab: str) -> dict[str, object]:
    """Remove a lab's hosts, network and files."""
    removed = [_name(c) for c in _containers(lab=lab)]
    if removed:
        _run(["podman", "rm", "-f", "-t", "0", *removed])
    net_existed = any(n.get("name") == f"slipway-{lab}" for n in _networks())
    if net_existed:
        _run(["podman", "network", "rm", "-f", f"slipway-{lab}"])
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(STATE / lab)
    if removed or net_existed:
        _say(f"lab {lab}: destroyed ({len(removed)} hosts)")
    return {"lab": lab, "changed": bool(removed or net_existed), "removed": removed}


def list_labs() -> dict[str, list[str]]:
    """Return every lab with its containers."""
    labs: dict[str, list[str]] = {}
    for container in _containers():
        labels = container.get("Labels") or {}
        lab = str(labels.get(LABEL, "?")) if isinstance(labels, dict) else "?"
        labs.setdefault(lab, []).append(f"{_name(container)} ({container.get('State')})")
    return labs


def _parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    image = sub.add_parser("image", help="build the test-host image (cached by recipe)")
    image.add_argument("--force", action="store_true", help="rebuild even when cached")
    sub.add_parser("image-ref", help="print the image reference of the current recipe")
    mk = sub.add_parser("create", help="create or keep the hosts of a lab")
    mk.add_argument("--lab", required=True)
    who = mk.add_mutually_exclusive_group(required=True)
    who.add_argument("--count", type=int, help="N hosts named <lab>-1 .. <lab>-N")
    who.add_argument("--names", help="comma-separated host names")
    mk.add_argument(
        "--subnet", help="a /24 such as 10.89.10.0/24 (default: first free 10.89.x.0/24)"
    )
    mk.add_argument("--json", action="store_true", help="print the result as JSON")
    rm = sub.add_parser("destroy", help="remove a lab")
    rm.add_argument("--lab", required=True)
    rm.add_argument("--json", action="store_true")
    sub.add_parser("list", help="list labs and their hosts")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "image":
            print(build_image(force=args.force))
        elif args.command == "image-ref":
            print(image_ref())
        elif args.command == "create":
            if args.count is not None and not 1 <= args.count <= 40:
                raise TestHostError("--count: give 1 to 40 hosts")
            names = [f"{args.lab}-{i}" for i in range(1, (args.count or 0) + 1)]
            if args.names:
                names = [n.strip() for n in args.names.split(",") if n.strip()]
            result = create(args.lab, names, args.subnet)
            print(json.dumps(result, indent=2) if args.json else result["inventory"])
        elif args.command == "destroy":
            result = destroy(args.lab)
            if args.json:
                print(json.dumps(result))
        else:
            for lab, hosts in sorted(list_labs().items()):
                print(f"{lab}: {', '.join(hosts)}")
    except TestHostError as exc:
        print(f"testhosts: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
