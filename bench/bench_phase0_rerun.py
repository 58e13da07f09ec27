"""Phase 0's no-change re-run on 1, 3 and 6 hosts, task by task, against the bare SSH cost.

For each lab (local test hosts, one k3s server and the rest agents, the k3s stand-in
served over HTTP as in bench_k3s.py) the hosts are converged with
playbooks/phase0/10_hosts.yml and 20_k3s.yml, then each playbook is re-run
--repeat times; every re-run must report zero changes. One more re-run goes
through an ssh that counts its invocations: the SSH round trips each host takes.
Those round trips are then timed bare, two ways:

  ping   one playbook of ansible.builtin.ping tasks, as many per host as the
         re-run took round trips: Ansible's own floor for that many tasks
  ssh    `ssh <host> true` as many times per host, hosts in parallel, over the
         same ControlMaster/ControlPersist settings: the transport alone

Per-task times are taken as profile_tasks takes them (from one task's start to
the next one's), from the JSON callback's timestamps.

With --mitogen DIR (a directory mitogen was installed into, e.g. with
`pip install --target DIR mitogen`), every re-run is also timed under mitogen's
mitogen_linear strategy, on the same hosts in the same run.

    python bench/bench_phase0_rerun.py [--counts 1,3,6] [--repeat 2] [--top 12] [--keep]
                                       [--mitogen DIR]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import shlex
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench_k3s import ROOT, lab_inventory, serve_release, tear_down

PLAYBOOKS = {
    "10_hosts": ROOT / "playbooks/phase0/10_hosts.yml",
    "20_k3s": ROOT / "playbooks/phase0/20_k3s.yml",
}
# What the dev and ci inventories set for test hosts: they share the machine's
# kernel and clock, so no kernel-wide sysctl and no clock setting; and Ansible
# logs in as root, which SSH hardening refuses.
HOST_PREP_VARS = {
    "host_prep_sysctl_kernel": {},
    "host_prep_time_sync_set_clock": False,
    "host_prep_ssh_hardening": False,
}
# ansible.cfg [ssh_connection] ssh_args, for the bare ssh round trips.
SSH_ARGS = ["-o", "ControlMaster=auto", "-o", "ControlPersist=60s", "-o", "ServerAliveInterval=15"]
COUNTING_SSH = """#!/bin/sh
# Logs each ssh invocation (one line of arguments), then runs ssh.
printf '%s\\n' "$*" >> "$SLIPWAY_BENCH_SSH_LOG"
exec ssh "$@"
"""


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        **extra,
    }


def _mitogen_env(mitogen: Path) -> dict[str, str]:
    """The environment that runs a playbook under mitogen_linear from MITOGEN."""
    strategies = mitogen / "ansible_mitogen/plugins/strategy"
    if not strategies.is_dir():
        raise SystemExit(f"--mitogen {mitogen}: no ansible_mitogen/plugins/strategy there")
    path = os.pathsep.join(p for p in (str(mitogen), os.environ.get("PYTHONPATH", "")) if p)
    return _env(
        PYTHONPATH=path,
        ANSIBLE_STRATEGY_PLUGINS=str(strategies),
        ANSIBLE_STRATEGY="mitogen_linear",
    )


def _stamp(text: str) -> float:
    """Seconds since the epoch of the JSON callback's UTC timestamps."""
    moment = datetime.datetime.fromisoformat(text.rstrip("Z"))
    return moment.replace(tzinfo=datetime.UTC).timestamp()


def _playbook(inventory: Path, playbook: Path, env: dict[str, str]) -> dict[str, object]:
    """Run one playbook; return its wall time, changes per host and per-task times."""
    start = time.time()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(playbook)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    end = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"{playbook.name} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout[proc.stdout.index("{") :])
    tasks = []
    for play in out["plays"]:
        for task in play["tasks"]:
            hosts = task["hosts"]
            ran = [h for h, r in hosts.items() if not r.get("skipped")]
            tasks.append(
                {
                    "name": f"{play['play']['name']} | {task['task']['name']}",
                    "start": _stamp(task["task"]["duration"]["start"]),
                    "ran_on": len(ran),
                }
            )
    for task, after in zip(tasks, [*tasks[1:], {"start": end}], strict=True):
        task["seconds"] = after["start"] - task["start"]
    startup = (tasks[0]["start"] if tasks else end) - start
    return {
        "seconds": end - start,
        "changed": {h: s["changed"] for h, s in out["stats"].items()},
        "tasks": [{"name": "(ansible-playbook start-up)", "seconds": startup, "ran_on": 0}, *tasks],
    }


def _round_trips(
    inventory: Path, playbook: Path, work: Path, addresses: dict[str, str]
) -> dict[str, int]:
    """Re-run PLAYBOOK through a counting ssh; return the ssh invocations per host."""
    wrapper = work / "counting-ssh"
    wrapper.write_text(COUNTING_SSH)
    wrapper.chmod(0o755)
    log = work / f"ssh-{playbook.stem}.log"
    log.unlink(missing_ok=True)
    _playbook(
        inventory,
        playbook,
        _env(ANSIBLE_SSH_EXECUTABLE=str(wrapper), SLIPWAY_BENCH_SSH_LOG=str(log)),
    )
    lines = [set(line.split()) for line in log.read_text().splitlines()] if log.exists() else []
    return {host: sum(address in args for args in lines) for host, address in addresses.items()}


def _ping_floor(inventory: Path, trips: dict[str, int], work: Path) -> float:
    """Seconds of a playbook that runs ansible.builtin.ping TRIPS[host] times on each host."""
    most = max(trips.values())
    tasks = [
        {
            "name": f"Round trip {i + 1}",
            "ansible.builtin.ping": None,
            "when": f"bench_trips[inventory_hostname] > {i}",
        }
        for i in range(most)
    ]
    book = work / "ping.yml"
    play = {"name": "Ping", "hosts": "all", "gather_facts": False, "tasks": tasks}
    book.write_text(json.dumps([play]))
    extra = json.dumps({"bench_trips": trips})
    argv = ["ansible-playbook", "-i", str(inventory), str(book), "-e", extra]
    start = time.monotonic()
    subprocess.run(argv, capture_output=True, env=_env(), check=True)
    return time.monotonic() - start


def _ssh_floor(inventory: Path, trips: dict[str, int], work: Path) -> float:
    """Seconds of `ssh host true`, TRIPS[host] times per host, the hosts in parallel."""
    hostvars = json.loads(inventory.read_text())["all"]
    common = hostvars["vars"]
    addresses = _addresses(inventory)
    base = [
        "ssh",
        *SSH_ARGS,
        "-o",
        f"ControlPath={work}/cp-%C",
        "-i",
        common["ansible_ssh_private_key_file"],
        *shlex.split(common["ansible_ssh_common_args"]),
        "-l",
        common["ansible_user"],
    ]

    def trip(host: str, times: int = 1) -> None:
        for _ in range(times):
            subprocess.run([*base, addresses[host], "true"], check=True, capture_output=True)

    for host in trips:  # the master connection, as the re-run finds it
        trip(host)
    workers = [threading.Thread(target=trip, args=(h, n)) for h, n in trips.items()]
    start = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.monotonic() - start
    for host in trips:
        subprocess.run([*base, "-O", "exit", addresses[host]], capture_output=True, check=False)
    return took


def _addresses(inventory: Path) -> dict[str, str]:
    groups = json.loads(inventory.read_text())["all"]["children"]["k3s_cluster"]["children"]
    return {h: v["ansible_host"] for g in groups.values() for h, v in g["hosts"].items()}


def _lab(count: int, repeat: int, keep: bool, mitogen: Path | None) -> dict[str, object]:
    lab = f"bench-p0-{count}"
    (ROOT / ".testhosts").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / ".testhosts") as tmp:
        work = Path(tmp)
        try:
            inventory, gateway = lab_inventory(lab, work, count, HOST_PREP_VARS)
            serve_release(work, gateway)
            addresses = _addresses(inventory)
            row: dict[str, object] = {"hosts": count}
            for key, book in PLAYBOOKS.items():
                row[f"{key}_first_s"] = _playbook(inventory, book, _env())["seconds"]
            for key, book in PLAYBOOKS.items():
                runs = [_playbook(inventory, book, _env()) for _ in range(repeat)]
                for run in runs:
                    if any(run["changed"].values()):
                        raise SystemExit(f"{key} re-run on {count} hosts changed: {run['changed']}")
                trips = _round_trips(inventory, book, work, addresses)
                row[key] = {
                    "rerun_s": [r["seconds"] for r in runs],
                    "round_trips": trips,
                    "ping_s": _ping_floor(inventory, trips, work),
                    "ssh_s": _ssh_floor(inventory, trips, work),
                    "tasks": _task_totals(runs),
                }
                if mitogen:
                    env = _mitogen_env(mitogen)
                    fast = [_playbook(inventory, book, env) for _ in range(repeat)]
                    for run in fast:
                        if any(run["changed"].values()):
                            raise SystemExit(f"{key} mitogen re-run changed: {run['changed']}")
                    row[key]["mitogen_s"] = [r["seconds"] for r in fast]
            return row
        finally:
            if not keep:
                tear_down(lab, work)


def _task_totals(runs: list[dict[str, object]]) -> list[dict[str, object]]:
    """Median seconds per task name over the runs (a name that repeats is summed first)."""
    per_run = []
    ran_on: dict[str, int] = {}
    for run in runs:
        totals: dict[str, float] = collections.defaultdict(float)
        for task in run["tasks"]:
            totals[task["name"]] += task["seconds"]
            ran_on[task["name"]] = max(ran_on.get(task["name"], 0), task["ran_on"])
        per_run.append(totals)
    names = {n for totals in per_run for n in totals}
    rows = [
        {
            "name": n,
            "seconds": statistics.median(t.get(n, 0.0) for t in per_run),
            "ran_on": ran_on[n],
        }
        for n in names
    ]
    return sorted(rows, key=lambda r: -r["seconds"])


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}-{high:.1f}"


def _report(rows: list[dict[str, object]], top: int) -> None:
    head = (
        f"{'playbook':<9} {'hosts':>5} {'first (s)':>9} {'re-run (s)':>11} {'trips/host':>11}"
        f" {'ping (s)':>8} {'ssh (s)':>7}"
        + (f" {'mitogen':>9}" if any("mitogen_s" in r["20_k3s"] for r in rows) else "")
    )
    print(head)
    for key in PLAYBOOKS:
        for row in rows:
            r = row[key]
            trips = sorted(r["round_trips"].values())
            per_host = f"{trips[0]}" if trips[0] == trips[-1] else f"{trips[0]}-{trips[-1]}"
            first = row[f"{key}_first_s"]
            mitogen = f" {_span(r['mitogen_s']):>9}" if "mitogen_s" in r else ""
            print(
                f"{key:<9} {row['hosts']:>5} {first:>9.1f} {_span(r['rerun_s']):>11}"
                f" {per_host:>11} {r['ping_s']:>8.1f} {r['ssh_s']:>7.1f}{mitogen}"
            )
    by_count = {row["hosts"]: row for row in rows}
    if 1 in by_count and 6 in by_count:
        one, six = by_count[1], by_count[6]
        for key in PLAYBOOKS:
            ratio = min(six[key]["rerun_s"]) / min(one[key]["rerun_s"])
            ping = six[key]["ping_s"] / one[key]["ping_s"]
            ssh = six[key]["ssh_s"] / one[key]["ssh_s"]
            print(f"ratio 6/1 {key}: re-run {ratio:.2f}, ping {ping:.2f}, ssh {ssh:.2f}")
            if "mitogen_s" in six[key] and "mitogen_s" in one[key]:
                fast = min(six[key]["mitogen_s"]) / min(one[key]["mitogen_s"])
                print(f"ratio 6/1 {key} under mitogen_linear: {fast:.2f}")
        both = [sum(min(r[k]["rerun_s"]) for k in PLAYBOOKS) for r in (one, six)]
        print(f"ratio 6/1 10_hosts + 20_k3s: {both[1] / both[0]:.2f}")
    for row in rows:
        for key in PLAYBOOKS:
            count = row["hosts"]
            print(f"\nslowest tasks, {key} re-run on {count} host(s) (median s, hosts):")
            for task in row[key]["tasks"][:top]:
                print(f"  {task['seconds']:6.2f}  {task['ran_on']:>2}  {task['name']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,3,6", help="host counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=2, help="timed re-runs per playbook")
    parser.add_argument("--top", type=int, default=12, help="slowest tasks listed per re-run")
    parser.add_argument("--keep", action="store_true", help="leave the test hosts running")
    parser.add_argument("--mitogen", type=Path, help="also time re-runs with mitogen from DIR")
    args = parser.parse_args()
    rows = [_lab(int(c), args.repeat, args.keep, args.mitogen) for c in args.counts.split(",")]
    _report(rows, args.top)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
