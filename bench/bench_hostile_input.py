"""Time and peak memory of reading hostile and largest-accepted input, each in its own process.

Cases: a 564-byte alias bomb and a 10 MB, 63,939-unit release bundle (both refused by
a limit), 1 MB of nested brackets (refused; without the depth limit libyaml's C stack
overflows and the process dies), a 1,000-unit bundle (accepted), and the largest input
the default limits accept (just under 200,000 values, loaded by bounded_yaml.load).

Run from the repository root with the project venv: python bench/bench_hostile_input.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {collections!r})
from ansible_collections.slipway.platform.plugins.module_utils import bounded_yaml, release_bundle
policy = release_bundle.ReleasePolicy("prod", "prod", ("registry.example.com",))
kind, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
try:
    if kind == "bundle":
        release_bundle.check_release_bundle(release_bundle.BundleParams(path, None, policy))
    else:
        bounded_yaml.load(open(path, encoding="utf-8").read(), path)
    outcome = "accepted"
except (release_bundle.BundleError, bounded_yaml.InputError) as exc:
    outcome = "refused: " + str(exc).splitlines()[-1][:90]
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": elapsed, "peak_mb": peak, "outcome": outcome}}))
"""


def unit(index: int) -> str:
    """One pinned unit of a prod bundle, as YAML lines."""
    return (
        f"  - name: u{index:05d}\n"
        f"    image: registry.example.com/shop/u{index:05d}\n"
        "    tag: 1.4.2\n"
        f"    digest: sha256:{index:064x}\n"
    )


def bundle(units: int) -> str:
    """A valid prod bundle of n units."""
    head = "apiVersion: slipway.platform/v1\nkind: ReleaseBundle\nrelease: 1.4.2\nunits:\n"
    return head + "".join(unit(index) for index in range(units))


def alias_bomb() -> str:
    """A few hundred bytes whose aliases expand to 9**9 values."""
    lines = [
        "apiVersion: slipway.platform/v1",
        "kind: ReleaseBundle",
        "release: 1.0.0",
        "metadata: {source: &l0 [x, x, x, x, x, x, x, x, x]}",
    ]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "\n".join([*lines, "units: [*l8]"]) + "\n"


def largest_accepted() -> str:
    """Just under 200,000 values and 2 MiB: a list of short strings."""
    return "".join(f"- v{index % 1000}\n" for index in range(199_990))


CASES = (
    ("alias bomb (9**9 values)", "bundle", alias_bomb),
    ("63,939-unit bundle (10 MB)", "bundle", lambda: bundle(63_939)),
    ("1 MB of nested brackets", "yaml", lambda: "[" * 500_000 + "]" * 500_000),
    ("1,000-unit bundle", "bundle", lambda: bundle(1000)),
    ("largest accepted (199,990 values)", "yaml", largest_accepted),
)


def main() -> None:
    child = CHILD.format(collections=str(REPO / ".collections"))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, kind, make in CASES:
            path = Path(scratch) / "input.yml"
            path.write_text(make(), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-c", child, kind, str(path)],
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            row = json.loads(done.stdout)
            rows.append({"case": name, "bytes": path.stat().st_size, **row})
    print(f"{'case':<34} {'bytes':>10} {'seconds':>8} {'peak MB':>8}  outcome")
    for row in rows:
        print(
            f"{row['case']:<34} {row['bytes']:>10} {row['seconds']:>8.3f} "
            f"{row['peak_mb']:>8.0f}  {row['outcome']}"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
