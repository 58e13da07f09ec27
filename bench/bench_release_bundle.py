"""Release bundle validation time for 10, 100 and 1,000 units: YAML text, data, and all-invalid.

Run from the repository root with the project venv: python bench/bench_release_bundle.py
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".collections"))
core: Any = importlib.import_module(
    "ansible_collections.slipway.platform.plugins.module_utils.release_bundle"
)

SIZES = (10, 100, 1000)
POLICY = core.ReleasePolicy("prod", "prod", ("registry.example.com",), ("u0000",), True, False)


def bundle(units: int, broken: bool = False) -> dict[str, object]:
    """A prod bundle of n pinned units; every unit but the first requires the first."""
    return {
        "apiVersion": "slipway.platform/v1",
        "kind": "ReleaseBundle",
        "release": "1.4.2",
        "metadata": {
            "git_sha": "3f9c2ab",
            "built_at": "2026-11-20T10:00:00Z",
            "source": "https://git.example.com/x",
        },
        "units": [
            {
                "name": f"u{i:04d}",
                "image": f"registry.example.com/shop/u{i:04d}",
                "tag": "latest" if broken else "1.4.2",
                "digest": "sha256:" + f"{i:064x}",
                "version": "3.1.0",
            }
            for i in range(units)
        ],
        "compatibility": [
            {"unit": f"u{i:04d}", "requires": "u0000", "range": "^3.0.0"} for i in range(1, units)
        ],
    }


def timed(call: Callable[[], object], repeat: int, *, invalid: bool = False) -> float:
    """Median wall time of call in milliseconds.

    A valid sample must validate and an invalid one must be refused: timing the
    wrong path would report a number for work that was not done.
    """
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            call()
        except core.BundleError:
            if not invalid:
                raise
        else:
            if invalid:
                raise SystemExit("bench: the invalid sample bundle was accepted")
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    rows = []
    for size in SIZES:
        repeat = max(5, 2000 // size)
        data = bundle(size)
        text = yaml.safe_dump(data, sort_keys=False)
        broken = bundle(size, broken=True)
        rows.append(
            {
                "units": size,
                "yaml_ms": timed(
                    lambda t=text: core.check_release_bundle(core.BundleParams(None, t, POLICY)),
                    repeat,
                ),
                "data_ms": timed(
                    lambda d=data: core.check_release_bundle(core.BundleParams(None, d, POLICY)),
                    repeat,
                ),
                "invalid_ms": timed(
                    lambda d=broken: core.check_release_bundle(core.BundleParams(None, d, POLICY)),
                    repeat,
                    invalid=True,
                ),
            }
        )
    print(
        f"{'units':>6}  {'YAML text (ms)':>14}  {'data (ms)':>10}  "
        f"{'all invalid (ms)':>16}  {'YAML us/unit':>12}"
    )
    for row in rows:
        per_unit = row["yaml_ms"] * 1000 / row["units"]
        print(
            f"{row['units']:>6}  {row['yaml_ms']:>14.2f}  {row['data_ms']:>10.2f}  "
            f"{row['invalid_ms']:>16.2f}  {per_unit:>12.1f}"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
