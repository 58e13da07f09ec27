"""scripts/airgap-charts against real bare git snapshots built here and the real helm.

Each test builds a tiny upstream repository with real git (a chart, a chart with a
file:// subchart, a chart with a vendored subchart), clones it bare into the layout
the search tool's fetch makes (<mirrors>/<owner>+<name>/repo), writes a tiny catalog
and runs the script as a subprocess with helm from .tools/bin.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[3]
SCRIPT = ROOT / "scripts" / "airgap-charts"
HELM = ROOT / ".tools" / "bin" / "helm"

pytestmark = pytest.mark.skipif(not HELM.is_file(), reason="helm is not in .tools/bin yet")


def git(*args: str, cwd: Path | None = None) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_GLOBAL="/dev/null",
    )
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def write_chart(directory: Path, name: str, version: str, **extra: object) -> None:
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    meta = {"apiVersion": "v2", "name": name, "version": version, **extra}
    (directory / "Chart.yaml").write_text(yaml.safe_dump(meta))
    (directory / "values.yaml").write_text("greeting: hello\n")
    (directory / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-"
        + name
        + "\ndata:\n  greeting: {{ .Values.greeting | quote }}\n"
    )


@pytest.fixture
def mirrors(tmp_path: Path) -> tuple[Path, str]:
    """A snapshot github:acme/charts at one commit; return (mirrors dir, commit)."""
    work = tmp_path / "work"
    write_chart(work / "charts" / "hello", "hello", "1.2.3")
    # file:// subchart from elsewhere in the same repository.
    write_chart(
        work / "charts" / "parent",
        "parent",
        "0.4.0",
        dependencies=[{"name": "lib", "version": "0.1.0", "repository": "file://../lib"}],
    )
    write_chart(work / "charts" / "lib", "lib", "0.1.0")
    # A subchart vendored in charts/, and one taken from the snapshot by name and version.
    write_chart(
        work / "charts" / "bundle",
        "bundle",
        "2.0.0",
        dependencies=[
            {"name": "inner", "version": "0.0.1", "repository": "https://example.com/charts"},
            {"name": "lib", "version": "0.1.0", "repository": "https://acme.example/charts"},
        ],
    )
    write_chart(work / "charts" / "bundle" / "charts" / "inner", "inner", "0.0.1")
    write_chart(
        work / "charts" / "remote",
        "remote",
        "1.0.0",
        dependencies=[{"name": "redis", "version": "9.9.9", "repository": "https://r.example"}],
    )
    # A Chart.yaml whose version the project's release tool sets (cert-manager's).
    write_chart(work / "charts" / "stamped", "stamped", "v0.0.0", appVersion="v0.0.0")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "charts", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work)
    mirror = tmp_path / "mirror"
    git("clone", "-q", "--bare", str(work), str(mirror / "acme+charts" / "repo"))
    return mirror, commit


def entry(chart: str, version: str, path: str, ref: str, **extra: object) -> dict[str, object]:
    return {
        "phase": 1,
        "namespace": "apps",
        "chart": chart,
        "version": version,
        "repo": "https://acme.example/charts",
        "upstream": {"repository": "github:acme/charts", "path": path, "ref": ref},
        **extra,
    }


def catalog_file(tmp_path: Path, catalog: dict[str, object]) -> Path:
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump({"components_catalog": catalog}))
    return path


def run(catalog: Path, mirrors: Path, dest: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{HELM.parent}:{env.get('PATH', '')}"
    env["HELM_CACHE_HOME"] = str(dest.parent / "helm-cache")
    env["HELM_CONFIG_HOME"] = str(dest.parent / "helm-config")
    env["HELM_DATA_HOME"] = str(dest.parent / "helm-data")
    return subprocess.run(
        [
            str(SCRIPT),
            "--catalog",
            str(catalog),
            "--mirrors",
            str(mirrors),
            "--dest",
            str(dest),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot_of(directory: Path) -> dict[str, tuple[str, int]]:
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(directory.iterdir())
    }


def members(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        return set(tar.getnames())


def test_builds_archives_and_checksums_and_second_run_changes_nothing(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    catalog = catalog_file(
        tmp_path,
        {
            "hello": entry("hello", "1.2.3", "charts/hello", ref),
            "parent": entry("parent", "0.4.0", "charts/parent", ref, archive="parent-pinned.tgz"),
            "bundle": entry("bundle", "2.0.0", "charts/bundle", ref),
            "local": {"chart": "panel", "version": "0.1.0", "path": "charts/panel"},
            "enabled": entry("hello", "1.2.3", "charts/hello", ref, enabled="{{ x }}"),
        },
    )
    dest = tmp_path / "airgap"
    (dest / "charts").mkdir(parents=True)
    other = "0" * 64 + "  other-9.9.9.tgz\n"
    (dest / "charts" / "SHA256SUMS").write_text(other)

    first = run(catalog, mirror, dest)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"built: bundle: bundle-2.0.0.tgz from github:acme/charts@{ref[:12]}",
        f"built: enabled: hello-1.2.3.tgz from github:acme/charts@{ref[:12]}",
        f"unchanged: hello: hello-1.2.3.tgz from github:acme/charts@{ref[:12]}",
        f"built: parent: parent-pinned.tgz from github:acme/charts@{ref[:12]}",
    ]
    charts = dest / "charts"
    assert "hello/Chart.yaml" in members(charts / "hello-1.2.3.tgz")
    assert "parent/charts/lib/Chart.yaml" in members(charts / "parent-pinned.tgz")
    assert {"bundle/charts/inner/Chart.yaml", "bundle/charts/lib/Chart.yaml"} <= members(
        charts / "bundle-2.0.0.tgz"
    )
    expected = {
        name: hashlib.sha256((charts / name).read_bytes()).hexdigest()
        for name in ("bundle-2.0.0.tgz", "hello-1.2.3.tgz", "parent-pinned.tgz")
    }
    expected["other-9.9.9.tgz"] = "0" * 64
    assert (charts / "SHA256SUMS").read_text() == "".join(
        f"{expected[name]}  {name}\n" for name in sorted(expected)
    )
    # sha256sum reads the file back (the format verify_archives.yml relies on).
    (charts / "SHA256SUMS").write_text((charts / "SHA256SUMS").read_text().replace(other, ""))
    check = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=charts, check=False
    )
    assert check.returncode == 0
    (charts / "SHA256SUMS").write_text(
        "".join(f"{expected[name]}  {name}\n" for name in sorted(expected))
    )

    before = snapshot_of(charts)
    second = run(catalog, mirror, dest)
    assert second.returncode == 0, second.stderr
    assert all(line.startswith("unchanged: ") for line in second.stdout.splitlines())
    assert snapshot_of(charts) == before


def test_version_mismatch_names_the_entry(tmp_path: Path, mirrors: tuple[Path, str]) -> None:
    mirror, ref = mirrors
    catalog = catalog_file(tmp_path, {"greeter": entry("hello", "1.2.4", "charts/hello", ref)})
    result = run(catalog, mirror, tmp_path / "airgap")
    assert result.returncode == 1
    assert (
        f"error: greeter: charts/hello/Chart.yaml at {ref} is hello 1.2.3, "
        "the catalog pins hello 1.2.4"
    ) in result.stderr
    assert not (tmp_path / "airgap" / "charts" / "hello-1.2.4.tgz").exists()


def test_remote_dependency_outside_the_snapshot_is_named(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    catalog = catalog_file(tmp_path, {"remote": entry("remote", "1.0.0", "charts/remote", ref)})
    result = run(catalog, mirror, tmp_path / "airgap")
    assert result.returncode == 1
    assert (
        "error: remote: dependency redis 9.9.9 from https://r.example is in no known snapshot"
    ) in result.stderr


def test_missing_snapshot_is_one_line_and_exit_3_after_the_rest(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    gone = entry("vault", "0.32.0", ".", "a" * 40)
    gone["upstream"] = {"repository": "github:hashicorp/vault-helm", "path": ".", "ref": "a" * 40}
    catalog = catalog_file(
        tmp_path, {"vault": gone, "hello": entry("hello", "1.2.3", "charts/hello", ref)}
    )
    dest = tmp_path / "airgap"
    result = run(catalog, mirror, dest)
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == [
        f"built: hello: hello-1.2.3.tgz from github:acme/charts@{ref[:12]}",
        "missing: vault: fetch github:hashicorp/vault-helm",
    ]
    assert (dest / "charts" / "hello-1.2.3.tgz").is_file()


def test_only_selects_entries_and_rejects_unknown_ones(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    catalog = catalog_file(
        tmp_path,
        {
            "hello": entry("hello", "1.2.3", "charts/hello", ref),
            "parent": entry("parent", "0.4.0", "charts/parent", ref),
        },
    )
    dest = tmp_path / "airgap"
    result = run(catalog, mirror, dest, "--only", "parent")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (dest / "charts").iterdir()) == [
        "SHA256SUMS",
        "parent-0.4.0.tgz",
    ]
    unknown = run(catalog, mirror, dest, "--only", "nope")
    assert unknown.returncode == 1
    assert "--only names no catalog entry: nope" in unknown.stderr


def test_unknown_commit_names_the_entry(tmp_path: Path, mirrors: tuple[Path, str]) -> None:
    mirror, _ref = mirrors
    catalog = catalog_file(tmp_path, {"hello": entry("hello", "1.2.3", "charts/hello", "b" * 40)})
    result = run(catalog, mirror, tmp_path / "airgap")
    assert result.returncode == 1
    assert f"error: hello: commit {'b' * 40} is not in the snapshot" in result.stderr


def test_set_version_packages_a_placeholder_chart_with_the_catalog_version(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    stamped = entry("stamped", "v1.21.1", "charts/stamped", ref)
    stamped["upstream"] = {
        "repository": "github:acme/charts",
        "path": "charts/stamped",
        "ref": ref,
        "set_version": True,
    }
    catalog = catalog_file(tmp_path, {"stamped": stamped})
    dest = tmp_path / "airgap"
    result = run(catalog, mirror, dest)
    assert result.returncode == 0, result.stderr
    archive = dest / "charts" / "stamped-v1.21.1.tgz"
    with tarfile.open(archive) as tar:
        handle = tar.extractfile("stamped/Chart.yaml")
        assert handle is not None
        meta = yaml.safe_load(handle.read())
    assert (meta["version"], meta["appVersion"]) == ("v1.21.1", "v1.21.1")
    before = snapshot_of(dest / "charts")
    again = run(catalog, mirror, dest)
    assert again.stdout.startswith("unchanged: stamped: "), again.stdout + again.stderr
    assert snapshot_of(dest / "charts") == before


def test_placeholder_version_without_set_version_is_refused(
    tmp_path: Path, mirrors: tuple[Path, str]
) -> None:
    mirror, ref = mirrors
    catalog = catalog_file(
        tmp_path, {"stamped": entry("stamped", "v1.21.1", "charts/stamped", ref)}
    )
    result = run(catalog, mirror, tmp_path / "airgap")
    assert result.returncode == 1
    assert "is stamped v0.0.0, the catalog pins stamped v1.21.1" in result.stderr
