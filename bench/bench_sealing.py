"""Sealing throughput: Slipway's sealer against @linode/kubeseal-encrypt, same cert, same run.

Run from the repository root with the project venv:
    .venv/bin/python bench/bench_sealing.py [--values 1000] [--bits 4096]
Needs node and `npm ci --prefix tests/npm` for the comparison column.
"""

from __future__ import annotations

import argparse
import importlib
import json
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[1]

NPM_DIR = REPO / "tests" / "npm"
NAMESPACE = "apps"


def make_cert(bits: int) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cert.public_bytes(serialization.Encoding.PEM), public


def sealing() -> ModuleType:
    """Import Slipway's sealer from this checkout (the collection path is .collections)."""
    sys.path.insert(0, str(REPO / ".collections"))
    return importlib.import_module(
        "ansible_collections.slipway.platform.plugins.module_utils.sealing"
    )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def node_seal(public_pem: bytes, values: list[str]) -> tuple[float, float] | None:
    node = shutil.which("node")
    if node is None or not (NPM_DIR / "node_modules" / "@linode" / "kubeseal-encrypt").is_dir():
        return None
    payload = json.dumps({"pem": public_pem.decode(), "namespace": NAMESPACE, "values": values})
    start = time.perf_counter()
    done = subprocess.run(
        [node, str(NPM_DIR / "seal_values.cjs")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    wall = time.perf_counter() - start
    return float(json.loads(done.stdout)["seconds"]), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1000)
    parser.add_argument("--bits", type=int, default=4096)
    args = parser.parse_args()

    sealer = sealing()
    cert_pem, public_pem = make_cert(args.bits)
    cert = sealer.load_cert(cert_pem)
    values = [secrets.token_urlsafe(24) for _ in range(args.values)]
    label = NAMESPACE.encode()
    request = sealer.SealRequest(
        name="bench",
        namespace=NAMESPACE,
        scope="namespace-wide",
        values={f"key{i}": v.encode() for i, v in enumerate(values)},
    )
    fkey = secrets.token_bytes(32)

    seal_s = timed(lambda: [sealer.seal_value(cert, v.encode(), label) for v in values])
    plan_holder: list[str] = []
    plan_s = timed(
        lambda: plan_holder.append(sealer.plan_sealed_secret(request, cert, fkey, None).text)
    )
    rerun_s = timed(lambda: sealer.plan_sealed_secret(request, cert, fkey, plan_holder[0]))
    theirs = node_seal(public_pem, values)

    n = args.values
    rows = [
        ("slipway seal_value (values only)", seal_s, n / seal_s),
        ("slipway manifest, first seal", plan_s, n / plan_s),
        ("slipway manifest, unchanged re-run", rerun_s, n / rerun_s),
    ]
    if theirs is not None:
        rows.append(("@linode/kubeseal-encrypt (sealing loop)", theirs[0], n / theirs[0]))
        rows.append(("@linode/kubeseal-encrypt (incl. node start)", theirs[1], n / theirs[1]))

    print(f"Sealing {n} values, RSA-{args.bits} cert, namespace-wide scope")
    print(f"{'what':<46} {'seconds':>9} {'values/s':>10}")
    for what, seconds, rate in rows:
        print(f"{what:<46} {seconds:>9.3f} {rate:>10.0f}")
    if theirs is None:
        print(
            "@linode/kubeseal-encrypt: not measured: node or tests/npm/node_modules is missing "
            "(scripts/setup installs both; or 'npm ci --prefix tests/npm')"
        )
    else:
        print(f"ratio slipway/kubeseal-encrypt (values/s, sealing loops): {theirs[0] / seal_s:.2f}")


if __name__ == "__main__":
    main()
