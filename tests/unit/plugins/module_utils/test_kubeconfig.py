from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.slipway.platform.plugins.module_utils.kubeconfig import (
    KubeconfigError,
    named_kubeconfig,
)


def _k3s_yaml() -> dict[str, Any]:
    """Return the shape of /etc/rancher/k3s/k3s.yaml."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "cluster": {
                    "certificate-authority-data": "Q0E=",
                    "server": "https://127.0.0.1:6443",
                },
                "name": "default",
            }
        ],
        "contexts": [{"context": {"cluster": "default", "user": "default"}, "name": "default"}],
        "current-context": "default",
        "preferences": {},
        "users": [{"name": "default", "user": {"client-certificate-data": "Q0VSVA=="}}],
    }


def test_names_cluster_user_and_context_and_points_at_the_endpoint() -> None:
    result = named_kubeconfig(_k3s_yaml(), "slipway-prod", "https://k3s.example.org:6443")
    assert result["clusters"] == [
        {
            "cluster": {
                "certificate-authority-data": "Q0E=",
                "server": "https://k3s.example.org:6443",
            },
            "name": "slipway-prod",
        }
    ]
    assert result["users"] == [
        {"name": "slipway-prod", "user": {"client-certificate-data": "Q0VSVA=="}}
    ]
    assert result["contexts"] == [
        {"context": {"cluster": "slipway-prod", "user": "slipway-prod"}, "name": "slipway-prod"}
    ]
    assert result["current-context"] == "slipway-prod"


def test_is_idempotent_and_leaves_the_input_alone() -> None:
    source = _k3s_yaml()
    once = named_kubeconfig(source, "slipway-dev", "https://10.0.0.5:6443")
    assert named_kubeconfig(once, "slipway-dev", "https://10.0.0.5:6443") == once
    assert source == _k3s_yaml()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(clusters=[]), r"^clusters: expected exactly one entry, got 0$"),
        (lambda c: c.pop("users"), r"^users: expected exactly one entry, got no$"),
        (lambda c: c["contexts"].append({}), r"^contexts: expected exactly one entry, got 2$"),
        (
            lambda c: c["clusters"][0].update(cluster=None),
            r"^clusters\[0\]\.cluster: expected a mapping$",
        ),
        (
            lambda c: c["contexts"][0].update(context="x"),
            r"^contexts\[0\]\.context: expected a mapping$",
        ),
    ],
)
def test_refuses_what_k3s_does_not_write(change: Any, message: str) -> None:
    config = _k3s_yaml()
    change(config)
    with pytest.raises(KubeconfigError, match=message):
        named_kubeconfig(config, "slipway-dev", "https://10.0.0.5:6443")


@pytest.mark.parametrize(
    ("config", "name", "message"),
    [
        ("x", "n", r"^kubeconfig: expected a mapping, got str$"),
        ({}, "", r"^name: must not be empty$"),
    ],
)
def test_refuses_bad_arguments(config: Any, name: str, message: str) -> None:
    with pytest.raises(KubeconfigError, match=message):
        named_kubeconfig(config, name, "https://10.0.0.5:6443")
