#!/usr/bin/env python3
"""make test-real: Slipway's cluster half against a real API server and the real upstream charts.

For staging and prod, each on a fresh kube-apiserver (shared/tools/kube-apiserver):
seal the environment's declared secrets with the tier's own sealing key, build the
air-gap chart folder from the upstream snapshots (scripts/airgap-charts), run
site.yml as an existing cluster with readiness off, run it again (changed must be
0), check every release's manifest with strict server-side field validation, roll
back one component and the apps phase, and read the history. See tests/real/README.md.

Without a part (the API server's binaries, an upstream snapshot) it prints one line
per missing part with how to get it and exits 0 with "skipped".
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

# Run with PYTHONPATH=<repo>/.collections (scripts/test-real sets it).
from ansible_collections.slipway.platform.tests.unit.sealing_support import cert_pem, private_pem

ROOT = Path(__file__).resolve().parents[2]
ENVS = ("staging", "prod")
KAS_TOOL = Path(
    os.environ.get("SLIPWAY_KUBE_APISERVER", ROOT.parent / "shared/tools/kube-apiserver")
)
KAS_HOME = Path(os.environ.get("KAS_HOME", Path.home() / ".cache/slipway-kube-apiserver"))
MIRRORS = Path(os.environ.get("SLIPWAY_UPSTREAM_MIRRORS", ROOT.parent / ".mirror"))
WORK = Path(os.environ.get("SLIPWAY_TEST_REAL_DIR", ROOT / "build/test-real"))
CATALOG = ROOT / "roles/components/defaults/main.yml"
CONTROLLERS = ROOT / "tests/standins/cluster_controllers/controllers.py"
# A release that cannot become ready fails in minutes, not the environment's 10.
HELM_TIMEOUT = "2m0s"
NOW = datetime.now(UTC)
# What k3s itself installs and an API server alone lacks: Traefik's CRDs (k3s bundles
# Traefik; v1.34.9+k3s1 ships Traefik v3.7.4, the app version of chart v40.3.0).
TRAEFIK_REPOSITORY = "traefik/traefik-helm-chart"
TRAEFIK_TAG = "v40.3.0"
# The component rolled back by the tier: one of phase 1, no webhooks, no CRDs.
ROLLBACK_COMPONENT = "headlamp"
_RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE
)


def say(text: str) -> None:
    """Print one progress line."""
    print(f"test-real: {text}", flush=True)


@dataclass
class EnvReport:
    """What the tier measured for one environment."""

    env: str
    runs: dict[str, tuple[int, float]] = field(default_factory=dict)  # name -> (changed, seconds)
    objects: dict[str, int] = field(default_factory=dict)  # phase -> objects
    strict: list[str] = field(default_factory=list)
    standin: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


# --- parts -------------------------------------------------------------------------


def upstream_repositories() -> dict[str, list[str]]:
    """Return the upstream repositories the catalog names, with the entries using each."""
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["components_catalog"]
    repos: dict[str, list[str]] = {}
    for name, entry in catalog.items():
        upstream = entry.get("upstream")
        if upstream:
            repos.setdefault(upstream["repository"].removeprefix("github:"), []).append(name)
    return repos


def missing_parts() -> list[str]:
    """Return one line per part the tier needs and this machine lacks, with how to get it."""
    lines = []
    if not KAS_TOOL.is_file():
        lines.append(
            f"kube-apiserver tool: not at {KAS_TOOL} (shared/tools/kube-apiserver beside the "
            "repository, or set SLIPWAY_KUBE_APISERVER)"
        )
    for binary in ("kube-apiserver", "kube-controller-manager"):
        if not (KAS_HOME / "bin" / binary).is_file():
            lines.append(
                f"{binary}: not built in {KAS_HOME}/bin: fetch github:openshift/microshift "
                f"with the search tool, then MIRROR=<its git dir> {KAS_TOOL} build (12-15 min once)"
            )
    if shutil.which("etcd") is None:
        lines.append(f"etcd: not installed: {KAS_TOOL} build installs Debian's etcd-server")
    repos = upstream_repositories()
    repos.setdefault(TRAEFIK_REPOSITORY, []).append(
        f"Traefik's CRDs, as k3s installs them ({TRAEFIK_TAG})"
    )
    if not repos:
        lines.append(f"upstream chart sources: no catalog entry in {CATALOG} has an upstream key")
    for repo, names in sorted(repos.items()):
        if not (MIRRORS / repo.replace("/", "+") / "repo").is_dir():
            lines.append(
                f"upstream snapshot github:{repo} ({', '.join(names)}): not in {MIRRORS}: "
                "fetch it with the search tool (or set SLIPWAY_UPSTREAM_MIRRORS)"
            )
    return lines


# --- helpers -----------------------------------------------------------------------


def run(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    check: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure with check, stop the tier with its output."""
    result = subprocess.run(
        argv, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise TierError(
            f"{' '.join(argv[:4])}... exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


class TierError(RuntimeError):
    """A step of the tier failed."""


def fresh_apiserver() -> Path:
    """Restart the API server on an empty etcd; return its kubeconfig."""
    run([str(KAS_TOOL), "stop"])
    shutil.rmtree(KAS_HOME / "etcd-data", ignore_errors=True)
    run([str(KAS_TOOL), "start"])
    return KAS_HOME / "kubeconfig"


def k3s_crds(kubeconfig: Path) -> str:
    """Apply the traefik.io CRDs k3s installs with its bundled Traefik; return a report line."""
    git_dir = MIRRORS / TRAEFIK_REPOSITORY.replace("/", "+") / "repo"
    names = run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", TRAEFIK_TAG, "traefik/crds/"]
    ).stdout.split()
    crds = [name for name in names if name.rsplit("/", 1)[-1].startswith("traefik.io_")]
    text = "\n---\n".join(
        run(["git", f"--git-dir={git_dir}", "show", f"{TRAEFIK_TAG}:{name}"]).stdout
        for name in crds
    )
    run(
        [
            "kubectl",
            "--kubeconfig",
            str(kubeconfig),
            "apply",
            "--server-side",
            "--field-manager=k3s",
            "-f",
            "-",
        ],
        stdin=text,
    )
    return (
        f"k3s: {len(crds)} traefik.io CRDs from github:{TRAEFIK_REPOSITORY}@{TRAEFIK_TAG} "
        "applied, as k3s installs them with its bundled Traefik"
    )


def sealing_key(directory: Path) -> tuple[Path, Path]:
    """Make the tier's own sealing key pair, as the controller makes its own; return (key, cert)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    key_path, cert_path = directory / "sealing.key", directory / "sealing.pem"
    key_path.write_bytes(private_pem(key))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert_pem(key, not_before=NOW - timedelta(minutes=5)))
    return key_path, cert_path


def source_values(env: str) -> dict[str, dict[str, str]]:
    """Return values for every from_source key the environment declares.

    Values that must agree are made once: the platform database password and
    Vault's connection URL; Valkey's default password and OpenPanel's copy of it.
    """
    sealing = yaml.safe_load((ROOT / f"inventories/{env}/group_vars/all/sealing.yml").read_text())
    db_password = secrets.token_urlsafe(24)
    valkey_password = secrets.token_urlsafe(24)
    known = {
        ("platform/platform-db-app", "password"): db_password,
        (
            "platform/vault-storage",
            "connection_url",
        ): f"postgres://vault:{db_password}@platform-db-rw.platform:5432/vault",
        ("data/valkey-users", "default"): valkey_password,
        ("observability/openpanel", "redis-password"): valkey_password,
    }
    values: dict[str, dict[str, str]] = {}
    for declaration in sealing["slipway_sealing_secrets"]:
        where = f"{declaration.get('namespace', 'default')}/{declaration['name']}"
        for key in declaration.get("from_source") or []:
            values.setdefault(where, {})[key] = known.get((where, key), secrets.token_urlsafe(24))
    return values


def recap_changed(output: str) -> tuple[int, int]:
    """Return (changed, failed+unreachable) summed over every host of a run's recap."""
    rows = _RECAP.findall(output)
    if not rows:
        raise TierError(f"no PLAY RECAP in the run:\n{output[-4000:]}")
    return (sum(int(r[2]) for r in rows), sum(int(r[3]) + int(r[4]) for r in rows))


# --- one environment ---------------------------------------------------------------


class Tier:
    """One environment's run of the tier."""

    def __init__(self, env: str, airgap: Path) -> None:
        """Lay out the environment's work directory."""
        self.env = env
        self.dir = WORK / env
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "state" / env).mkdir(parents=True)
        self.report = EnvReport(env)
        self.airgap = airgap
        self.kubeconfig = self.dir / "state" / env / "kubeconfig"
        self.vars_file = self.dir / "tier-vars.yml"
        self.vault_pass = self.dir / "vault-pass"
        self.controllers: subprocess.Popen[str] | None = None

    def environ(self) -> dict[str, str]:
        """Return the environment of every command of this tier."""
        env = dict(os.environ)
        env.update(
            SLIPWAY_STATE_DIR=str(self.dir / "state"),
            SLIPWAY_AIRGAP_DIR=str(self.airgap),
            SLIPWAY_BUILD_DIR=str(self.dir / "build"),
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
            ANSIBLE_NOCOLOR="1",
            KUBECONFIG=str(self.kubeconfig),
            PYTHONPATH=str(ROOT / ".collections"),
            PATH=os.pathsep.join([str(ROOT / ".venv/bin"), str(ROOT / ".tools/bin"), env["PATH"]]),
        )
        return env

    def playbook(
        self, name: str, playbook: str, *extra: str, expect_changed: int | None = None
    ) -> str:
        """Run one playbook against the tier's cluster; record its changed count and time."""
        argv = [
            "ansible-playbook",
            playbook,
            "-i",
            f"inventories/{self.env}",
            "-e",
            f"@{self.vars_file}",
            "--vault-password-file",
            str(self.vault_pass),
            *extra,
        ]
        start = time.monotonic()
        result = run(argv, env=self.environ(), check=False)
        seconds = time.monotonic() - start
        output = result.stdout + result.stderr
        (self.dir / f"{name}.log").write_text(output, encoding="utf-8")
        if result.returncode != 0:
            raise TierError(
                f"{self.env}: {name} ({playbook}) failed after {seconds:.1f} s; "
                f"log {self.dir / (name + '.log')}:\n{output[-6000:]}"
            )
        changed, bad = recap_changed(output)
        self.report.runs[name] = (changed, seconds)
        say(f"{self.env}: {name}: changed={changed} in {seconds:.1f} s")
        if bad:
            raise TierError(f"{self.env}: {name}: {bad} failed or unreachable host(s)")
        if expect_changed is not None and changed != expect_changed:
            self.report.failures.append(f"{name}: changed={changed}, expected {expect_changed}")
        return output

    def prepare(self, kubeconfig: Path) -> None:
        """Copy the kubeconfig, make the sealing key, the source values and the tier's vars."""
        shutil.copy(kubeconfig, self.kubeconfig)
        self.kubeconfig.chmod(0o600)
        self.k3s_line = k3s_crds(self.kubeconfig)
        key, cert = sealing_key(self.dir)
        self.key = key
        self.vault_pass.write_text(secrets.token_hex(16) + "\n", encoding="utf-8")
        self.vault_pass.chmod(0o600)
        values_file = self.dir / "sealing-values.vault.yml"
        values_file.write_text(yaml.safe_dump({"sealing_values": source_values(self.env)}))
        values_file.chmod(0o600)
        run(
            [
                "ansible-vault",
                "encrypt",
                "--vault-password-file",
                str(self.vault_pass),
                str(values_file),
            ],
            env=self.environ(),
        )
        tier_vars = {
            # The cluster is the API server's, brought as an existing cluster.
            "slipway_cluster_source": "existing",
            # No kubelet: nothing becomes ready; the summaries say what was not checked.
            "slipway_wait_for_ready": False,
            "slipway_helm_timeout": HELM_TIMEOUT,
            # Sealed with the tier's own key pair (the environment's cert has no private key here).
            "slipway_sealing_cert": str(cert),
            "slipway_sealing_secrets_dir": str(self.dir / "secrets"),
            "slipway_sealing_source_file": str(values_file),
            # Every Secret a component needs must be declared and sealed.
            "components_require_sealed_secrets": True,
        }
        self.vars_file.write_text(yaml.safe_dump(tier_vars), encoding="utf-8")

    def start_controllers(self) -> None:
        """Start the stand-in controllers (sealed-secrets, webhooks) in the background."""
        self.controllers_report = self.dir / "standin-controllers.log"
        self.controllers_report.write_text("", encoding="utf-8")
        # Its own output goes to a file: a pipe nobody reads would block it when full.
        self.controllers_output = (self.dir / "standin-controllers.out").open("w")
        self.controllers = subprocess.Popen(
            [
                sys.executable,
                str(CONTROLLERS),
                "--kubeconfig",
                str(self.kubeconfig),
                "--private-key",
                str(self.key),
                "--report",
                str(self.controllers_report),
            ],
            cwd=ROOT,
            env=self.environ(),
            stdout=self.controllers_output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop_controllers(self) -> None:
        """Stop the stand-in controllers and keep their report."""
        if self.controllers is not None:
            self.controllers.terminate()
            try:
                self.controllers.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.controllers.kill()
                self.controllers.wait()
            self.controllers_output.close()
            if self.controllers.returncode not in (0, -15):
                tail = (self.dir / "standin-controllers.out").read_text()[-2000:]
                self.report.failures.append(f"stand-in controllers exited: {tail}")
            self.controllers = None
        lines = self.controllers_report.read_text(encoding="utf-8").splitlines()
        self.report.standin = [self.k3s_line, *sorted(set(lines))]

    def helm(self, *args: str) -> str:
        """Run the real helm against the tier's cluster and return stdout."""
        return run(["helm", *args, "--kubeconfig", str(self.kubeconfig)], env=self.environ()).stdout

    def releases(self) -> list[dict[str, Any]]:
        """Return every Helm release in the cluster."""
        return json.loads(self.helm("list", "--all-namespaces", "--output", "json") or "[]")

    def phases(self) -> dict[str, str]:
        """Map each component release to its phase, from the plan the run wrote."""
        plan_files = list((self.dir / "build").glob(f"{self.env}/components/plan*.y*ml"))
        mapping: dict[str, str] = {}
        for plan_file in plan_files:
            plan = yaml.safe_load(plan_file.read_text(encoding="utf-8")) or {}
            for release in plan.get("releases", []):
                mapping[release["release"]] = f"phase {release['phase']}"
        return mapping

    def strict_check(self) -> None:
        """Server-side dry-run apply of every release's manifest with strict field validation."""
        phases = self.phases()
        for release in self.releases():
            name, namespace = release["name"], release["namespace"]
            manifest = self.helm("get", "manifest", name, "--namespace", namespace)
            docs = [d for d in yaml.safe_load_all(manifest) if d]
            # Hooks are applied by helm outside the release's manifest (the cluster chart's
            # ObjectStore is a pre-install hook); its test Pods are not deployed.
            hooks = self.helm("get", "hooks", name, "--namespace", namespace)
            docs += [
                d
                for d in yaml.safe_load_all(hooks)
                if d
                and "test"
                not in (d.get("metadata", {}).get("annotations") or {}).get("helm.sh/hook", "")
            ]
            phase = phases.get(name, "phase 999 apps" if namespace == "apps" else "other")
            self.report.objects[phase] = self.report.objects.get(phase, 0) + len(docs)
            # A chart may put objects in other namespaces than its release's (cert-manager's
            # leader-election Roles in kube-system, the allowlist in every admin namespace):
            # kubectl applies each group with its own --namespace, as helm does.
            groups: dict[str, list[dict[str, Any]]] = {}
            for doc in docs:
                own = (doc.get("metadata") or {}).get("namespace") or namespace
                groups.setdefault(own, []).append(doc)
            for own, group in groups.items():
                result = run(
                    [
                        "kubectl",
                        "--kubeconfig",
                        str(self.kubeconfig),
                        "apply",
                        "--server-side",
                        "--dry-run=server",
                        "--validate=strict",
                        "--force-conflicts",
                        "--field-manager=slipway-strict-check",
                        "--namespace",
                        own,
                        "-f",
                        "-",
                    ],
                    env=self.environ(),
                    check=False,
                    stdin=yaml.safe_dump_all(group),
                )
                if result.returncode != 0:
                    self.report.strict.append(
                        f"{namespace}/{name} ({own}): {result.stderr.strip()[-1500:]}"
                    )
        say(
            f"{self.env}: strict field validation of {sum(self.report.objects.values())} objects: "
            f"{len(self.report.strict)} release(s) refused"
        )

    def second_bundle(self) -> Path:
        """Write a later bundle (new release, tags and digests) to roll the apps phase back from."""
        bundle = yaml.safe_load((ROOT / f"releases/{self.env}/bundle.yml").read_text())
        bundle["release"] = "1.4.3"
        for unit in bundle["units"]:
            unit["tag"] = "1.4.3"
            unit["digest"] = "sha256:" + secrets.token_hex(32)
        path = self.dir / "bundle-1.4.3.yml"
        path.write_text(yaml.safe_dump(bundle, sort_keys=False), encoding="utf-8")
        return path

    def revisions(self, release: str, namespace: str, expected: tuple[int, ...]) -> None:
        """Check a release's Helm revisions, newest deployed, against what the tier expects."""
        history = json.loads(
            self.helm("history", release, "--namespace", namespace, "--output", "json")
        )
        found = tuple(int(item["revision"]) for item in history)
        if found != expected or history[-1]["status"] != "deployed":
            self.report.failures.append(
                f"{namespace}/{release}: revisions {found} (newest {history[-1]['status']}), "
                f"expected {expected} with the newest deployed"
            )

    def rollbacks(self) -> None:
        """Roll one component and the apps phase back through the real helm release storage."""
        override = self.dir / "override.yml"
        override.write_text(
            yaml.safe_dump(
                {
                    ROLLBACK_COMPONENT: {
                        "values": {"podAnnotations": {"slipway.dev/tier": "second-revision"}}
                    }
                }
            ),
            encoding="utf-8",
        )
        self.playbook(
            "phase1 upgrade (revision 2)",
            "playbooks/phase1_platform.yml",
            "-e",
            f"components_override_file={override}",
            expect_changed=None,
        )
        self.playbook(
            f"rollback component={ROLLBACK_COMPONENT}",
            "playbooks/rollback.yml",
            "-e",
            f"component={ROLLBACK_COMPONENT}",
        )
        self.revisions(ROLLBACK_COMPONENT, "platform", expected=(1, 2, 3))
        # Phase 1 as committed again: the rolled-back release already has these values,
        # so helm changes nothing (the plan files change back: the override is gone).
        self.playbook("phase1 after the rollback", "playbooks/phase1_platform.yml")
        self.revisions(ROLLBACK_COMPONENT, "platform", expected=(1, 2, 3))
        self.playbook(
            "apps bundle 1.4.3", "playbooks/apps.yml", "-e", f"bundle={self.second_bundle()}"
        )
        self.playbook("rollback apps=previous", "playbooks/rollback.yml", "-e", "apps=previous")
        output = self.playbook("history", "playbooks/history.yml")
        if "1.4.3" not in output or "1.4.2" not in output:
            self.report.failures.append("history does not show both bundles")

    def restore(self) -> None:
        """Restore business-db to an hour ago through restore.yml, on the real API server.

        No pod runs here, so the new Cluster never becomes Ready (slipway_wait_for_ready
        is off): what is checked is that its manifests pass the CRDs with strict field
        validation, that db-endpoints is redeployed naming it, and that the old Cluster
        stays.
        """
        serving_file = self.dir / "db_serving.yml"
        target = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.playbook(
            "restore business-db",
            "playbooks/restore.yml",
            "-e",
            "component=business-db",
            "-e",
            f"target_time={target}",
            "-e",
            "confirm=yes",
            "-e",
            f"backups_serving_file={serving_file}",
        )
        serving = yaml.safe_load(serving_file.read_text())["slipway_db_serving"]["business-db"]
        kubectl = ["kubectl", "--kubeconfig", str(self.kubeconfig), "--namespace", "data", "get"]
        for kind, name in (
            ("clusters.postgresql.cnpg.io", serving),
            ("clusters.postgresql.cnpg.io", "business-db-cluster"),
            ("scheduledbackups.postgresql.cnpg.io", f"{serving}-daily"),
        ):
            found = run([*kubectl, kind, name, "-o", "name"], env=self.environ(), check=False)
            if found.returncode != 0:
                self.report.failures.append(f"restore: {kind}/{name} is not there")
        service = run(
            [*kubectl, "service", "business-db-rw", "-o", "jsonpath={.spec.externalName}"],
            env=self.environ(),
            check=False,
        )
        if service.stdout != f"{serving}-rw.data.svc.cluster.local":
            self.report.failures.append(
                f"restore: business-db-rw names {service.stdout!r}, not {serving}-rw"
            )

    def run_all(self, kubeconfig: Path) -> EnvReport:
        """Run the whole tier for this environment."""
        self.prepare(kubeconfig)
        self.playbook("seal", "playbooks/seal.yml")
        self.start_controllers()
        try:
            self.playbook("site.yml", "playbooks/site.yml")
            self.playbook("site.yml again", "playbooks/site.yml", expect_changed=0)
            self.strict_check()
            self.rollbacks()
            self.restore()
        finally:
            self.stop_controllers()
        return self.report


def print_report(reports: list[EnvReport], seconds: float) -> bool:
    """Print what the tier measured; return True when everything held."""
    ok = True
    for report in reports:
        print(f"\n== {report.env} ==")
        for name, (changed, took) in report.runs.items():
            print(f"  {name:<34} changed={changed:<4} {took:6.1f} s")
        for phase, count in sorted(report.objects.items()):
            print(f"  objects applied, {phase:<14} {count}")
        for line in report.standin:
            print(f"  stand-in: {line}")
        for line in report.strict:
            print(f"  STRICT VALIDATION REFUSED {line}")
        for line in report.failures:
            print(f"  FAILED {line}")
        ok = ok and not report.strict and not report.failures
    print("\nNot checked here (no kubelet): readiness, smoke checks, hooks' Jobs, what pods do.")
    print(f"make test-real: {'passed' if ok else 'FAILED'} in {seconds:.0f} s")
    return ok


def main() -> int:
    """Run the tier, or say what is missing and skip."""
    missing = missing_parts()
    if missing:
        for line in missing:
            print(f"test-real: missing: {line}")
        print(f"make test-real: skipped ({len(missing)} part(s) missing)")
        return 0
    start = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    airgap = WORK / "airgap"
    say(f"packaging the pinned charts from {MIRRORS} into {airgap}")
    packaged = run(
        [str(ROOT / "scripts/airgap-charts"), "--mirrors", str(MIRRORS), "--dest", str(airgap)],
        check=False,
    )
    if packaged.returncode == 3:  # only snapshots are missing (dependencies' too)
        lines = [line for line in packaged.stdout.splitlines() if line.startswith("missing:")]
        for line in lines:
            print(f"test-real: {line}")
        print(f"make test-real: skipped ({len(lines)} part(s) missing)")
        return 0
    if packaged.returncode != 0:
        print(f"test-real: scripts/airgap-charts failed:\n{packaged.stderr}", file=sys.stderr)
        return 1
    reports = []
    try:
        for env in ENVS:
            say(f"{env}: fresh API server")
            tier = Tier(env, airgap)
            reports.append(tier.report)
            tier.run_all(fresh_apiserver())
    except TierError as exc:
        print(f"test-real: {exc}", file=sys.stderr)
        reports[-1].failures.append(str(exc).splitlines()[0])
    finally:
        run([str(KAS_TOOL), "stop"], check=False)
    return 0 if print_report(reports, time.monotonic() - start) else 1


if __name__ == "__main__":
    sys.exit(main())
