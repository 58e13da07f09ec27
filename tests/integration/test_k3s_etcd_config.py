"""k3s_server's etcd snapshot settings in config.yaml, rendered by the role's own tasks.

The role's checks (tasks/validate.yml) and its config task (tasks/config.yml)
run on the controller against a scratch config path: the rendering, the refusals
and what the output shows are real; nothing is installed or started (the play ends
before the restart handler).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml
from playbook_run import PlaybookRun, run_playbook

ACCESS = "AKIDSTANDINACCESS01"
SIGNING = "standin/signing+key/value0123456789"
TARGET = {
    "endpoint": "https://s3.example.net:9443",
    "bucket": "slipway-ci",
    "region": "eu-central-1",
}
PLAYBOOK = """
- name: Render k3s_server's config.yaml on the controller
  hosts: k3s_servers
  gather_facts: false
  tasks:
    - name: Check the server settings
      ansible.builtin.include_role:
        name: slipway.platform.k3s_server
        tasks_from: validate.yml
    - name: Write config.yaml
      ansible.builtin.include_role:
        name: slipway.platform.k3s_server
        tasks_from: config.yml
    # Not k3s's restart: there is no k3s here.
    - name: End before the handlers
      ansible.builtin.meta: end_play
"""

pytestmark = pytest.mark.slow


def render(tmp_path: Path, extra: dict[str, object]) -> PlaybookRun:
    """Run the role's checks and config task with these variables; the config lands in tmp_path."""
    (tmp_path / "inventory.yml").write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {
                        "k3s_servers": {
                            "hosts": {
                                "localhost": {
                                    "ansible_connection": "local",
                                    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                                }
                            }
                        }
                    }
                }
            }
        )
    )
    (tmp_path / "render.yml").write_text(PLAYBOOK)
    variables = {
        "slipway_env": "ci",
        "slipway_k3s_version": "v1.34.9+k3s1",
        "slipway_k3s_cluster_cidr": "10.42.0.0/16",
        "slipway_k3s_service_cidr": "10.43.0.0/16",
        "slipway_kubeconfig": str(tmp_path / "kubeconfig"),
        "slipway_k3s_embedded_etcd": True,
        "k3s_server_config_file": str(tmp_path / "config.yaml"),
        "k3s_server_registries_file": str(tmp_path / "registries.yaml"),
        **extra,
    }
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    return run_playbook(
        str(tmp_path / "render.yml"),
        "-i",
        str(tmp_path / "inventory.yml"),
        "-e",
        f"@{tmp_path / 'vars.json'}",
        "--diff",
        "-v",
    )


def config(tmp_path: Path) -> dict[str, object]:
    """Read the rendered config.yaml."""
    loaded: dict[str, object] = yaml.safe_load((tmp_path / "config.yaml").read_text())
    return loaded


def test_target_writes_etcd_s3_and_never_shows_the_credentials(tmp_path: Path) -> None:
    extra = {
        "slipway_backup_target": {**TARGET, "path": "ci"},
        "slipway_etcd_snapshot_schedule": "0 */6 * * *",
        "slipway_etcd_snapshot_retention": 28,
        "vault_backup_s3_access_key": ACCESS,
        "vault_backup_s3_secret_key": SIGNING,
    }
    run = render(tmp_path, extra)
    assert run.rc == 0, run.raw[-3000:]
    assert run.changed == 1
    assert ACCESS not in run.raw and SIGNING not in run.raw
    written = config(tmp_path)
    assert {key: value for key, value in written.items() if key.startswith("etcd-")} == {
        "etcd-snapshot-schedule-cron": "0 */6 * * *",
        "etcd-snapshot-retention": 28,
        "etcd-s3": True,
        "etcd-s3-endpoint": "s3.example.net:9443",
        "etcd-s3-bucket": "slipway-ci",
        "etcd-s3-region": "eu-central-1",
        "etcd-s3-folder": "ci/etcd",
        "etcd-s3-access-key": ACCESS,
        "etcd-s3-secret-key": SIGNING,
    }
    assert stat.S_IMODE((tmp_path / "config.yaml").stat().st_mode) == 0o600
    again = render(tmp_path, extra)
    assert again.rc == 0, again.raw[-3000:]
    assert again.changed == 0
    assert SIGNING not in again.raw


def test_loopback_http_endpoint_is_insecure_and_folder_defaults_to_the_environment(
    tmp_path: Path,
) -> None:
    extra = {
        "slipway_backup_target": {**TARGET, "endpoint": "http://127.0.0.1:9000"},
        "vault_backup_s3_access_key": ACCESS,
        "vault_backup_s3_secret_key": SIGNING,
    }
    run = render(tmp_path, extra)
    assert run.rc == 0, run.raw[-3000:]
    written = config(tmp_path)
    assert written["etcd-s3-endpoint"] == "127.0.0.1:9000"
    assert written["etcd-s3-insecure"] is True
    assert written["etcd-s3-folder"] == "ci/etcd"


def test_no_target_writes_the_schedule_only_and_shows_the_diff(tmp_path: Path) -> None:
    run = render(tmp_path, {"slipway_backup_target": {}})
    assert run.rc == 0, run.raw[-3000:]
    written = config(tmp_path)
    assert written["etcd-snapshot-schedule-cron"] == "0 */12 * * *"
    assert written["etcd-snapshot-retention"] == 5
    assert not [key for key in written if key.startswith("etcd-s3")]
    # Nothing secret in the file: --diff shows it.
    assert "+etcd-snapshot-retention: 5" in run.raw


def test_sqlite_server_gets_no_etcd_settings(tmp_path: Path) -> None:
    extra = {"slipway_k3s_embedded_etcd": False, "slipway_backup_target": TARGET}
    run = render(tmp_path, extra)
    assert run.rc == 0, run.raw[-3000:]
    assert not [key for key in config(tmp_path) if key.startswith("etcd-")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"slipway_backup_target": {**TARGET, "bucket": "Slipway_CI"}},
            "slipway_backup_target.bucket: 'Slipway_CI' is not an S3 bucket name",
        ),
        (
            {"slipway_backup_target": {**TARGET, "endpoint": "http://s3.example.net"}},
            "slipway_backup_target.endpoint: 'http://s3.example.net' is plain http to a host",
        ),
        (
            {"slipway_backup_target": {**TARGET, "region": "EU Central 1"}},
            "slipway_backup_target.region: 'EU Central 1' is not a region name",
        ),
        (
            {"slipway_backup_target": {**TARGET, "path": "../prod"}},
            "slipway_backup_target.path: '../prod' has the part '..'",
        ),
        (
            {"slipway_backup_target": {key: TARGET[key] for key in ("endpoint", "region")}},
            "slipway_backup_target.bucket: must be a non-empty string, got None",
        ),
        (
            {"slipway_backup_target": TARGET, "vault_backup_s3_access_key": ACCESS},
            "needs vault_backup_s3_secret_key (k3s_server_etcd_s3_secret_key)",
        ),
        (
            {"slipway_backup_target": TARGET, "vault_backup_s3_secret_key": SIGNING},
            "needs vault_backup_s3_access_key (k3s_server_etcd_s3_access_key)",
        ),
        (
            {"slipway_etcd_snapshot_schedule": "every six hours"},
            "slipway_etcd_snapshot_schedule must be five cron fields",
        ),
        (
            {"slipway_etcd_snapshot_retention": 0},
            "slipway_etcd_snapshot_retention a number of snapshots of at least 1",
        ),
    ],
)
def test_refusals_name_the_variable_and_write_nothing(
    tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    run = render(tmp_path, extra)
    assert run.rc != 0
    assert message in run.output, run.raw[-3000:]
    assert not (tmp_path / "config.yaml").exists()
    assert ACCESS not in run.raw and SIGNING not in run.raw
