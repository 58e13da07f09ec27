from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.slipway.platform.plugins.module_utils.component_secrets import (
    SealedSecretFile,
    SealedSecretsError,
    SealingHints,
    SecretNeed,
    check_record,
    check_sealed_secrets,
    declared_secrets,
    find_missing,
    fix_hint,
    load_sealed_secrets,
    missing_message,
    parse_sealed_secret_file,
    seal_command,
)

CLUSTER_WIDE = {"sealedsecrets.bitnami.com/cluster-wide": "true"}
NAMESPACE_WIDE = {"sealedsecrets.bitnami.com/namespace-wide": "true"}


def sealed(
    name: str = "valkey-users",
    namespace: str | None = "data",
    annotations: dict[str, str] | None = None,
    template_namespace: str | None = None,
) -> str:
    """A SealedSecret manifest the way playbooks/seal.yml writes it."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = annotations
    template_meta: dict[str, Any] = {"name": name}
    if template_namespace is not None:
        template_meta["namespace"] = template_namespace
    return "---\n" + yaml.safe_dump(
        {
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "metadata": metadata,
            "spec": {
                "encryptedData": {"default": "AgB..."},
                "template": {"metadata": template_meta, "type": "Opaque"},
            },
        }
    )


def ref(namespace: str, name: str, scope: str = "strict") -> SealedSecretFile:
    return SealedSecretFile(f"/s/{namespace}.{name}.yml", namespace, name, scope)


NEED = SecretNeed("valkey", "data", "valkey-users")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(sealed(), ("data", "valkey-users", "strict"), id="strict"),
        pytest.param(
            sealed(annotations=NAMESPACE_WIDE), ("data", "valkey-users", "namespace-wide"), id="ns"
        ),
        pytest.param(
            sealed(annotations=CLUSTER_WIDE), ("data", "valkey-users", "cluster-wide"), id="cluster"
        ),
        pytest.param(
            sealed(namespace=None, annotations=CLUSTER_WIDE, template_namespace="data"),
            ("data", "valkey-users", "cluster-wide"),
            id="namespace-from-template",
        ),
        pytest.param(
            sealed(namespace="data", template_namespace="other"),
            ("data", "valkey-users", "strict"),
            id="metadata-wins-over-template",
        ),
    ],
)
def test_parse_reads_the_secret_a_sealed_secret_becomes(
    text: str, expected: tuple[str, str, str]
) -> None:
    found = parse_sealed_secret_file(text, "/s/x.yml")
    assert (found.namespace, found.name, found.scope) == expected
    assert found.path == "/s/x.yml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("a: [b\n", "/s/x.yml (line 1): YAML syntax error", id="not-yaml"),
        pytest.param("- a\n- b\n", "/s/x.yml: not a bitnami.com/v1alpha1 SealedSecret", id="list"),
        pytest.param(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: b}\n",
            "not a bitnami.com/v1alpha1 SealedSecret (found apiVersion 'v1', kind 'Secret')",
            id="plain-secret",
        ),
        pytest.param(
            "apiVersion: bitnami.com/v1\nkind: SealedSecret\n",
            "found apiVersion 'bitnami.com/v1', kind 'SealedSecret'",
            id="wrong-api-version",
        ),
        pytest.param("", "/s/x.yml: holds 0 YAML documents", id="empty"),
        pytest.param(sealed() + sealed(), "/s/x.yml: holds 2 YAML documents", id="two-documents"),
        pytest.param(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: x\nspec: {}\n",
            "/s/x.yml: metadata and spec must be mappings",
            id="metadata-not-mapping",
        ),
        pytest.param(
            sealed(namespace=None), "/s/x.yml: metadata.namespace", id="no-namespace-anywhere"
        ),
        pytest.param(sealed(name="Bad_Name"), "/s/x.yml: metadata.name", id="invalid-name"),
    ],
)
def test_parse_names_the_file_of_a_bad_manifest(text: str, message: str) -> None:
    with pytest.raises(SealedSecretsError, match=r"^/s/x\.yml[ :]") as info:
        parse_sealed_secret_file(text, "/s/x.yml")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("committed", "declared", "missing", "elsewhere"),
    [
        pytest.param([ref("data", "valkey-users")], set(), False, [], id="present"),
        pytest.param(
            [ref("data", "valkey-users", "cluster-wide")], set(), False, [], id="cluster-wide"
        ),
        pytest.param([], set(), True, [], id="missing"),
        pytest.param([], {"data/valkey-users"}, True, [], id="declared-not-sealed"),
        pytest.param(
            [ref("apps", "valkey-users")],
            set(),
            True,
            ["apps/valkey-users"],
            id="wrong-namespace",
        ),
        pytest.param(
            [ref("apps", "valkey-users", "cluster-wide")],
            set(),
            True,
            ["apps/valkey-users"],
            id="cluster-wide-other-namespace",
        ),
        pytest.param([ref("data", "valkey")], set(), True, [], id="other-name"),
    ],
)
def test_find_missing(
    committed: list[SealedSecretFile], declared: set[str], missing: bool, elsewhere: list[str]
) -> None:
    found = find_missing([NEED], committed, frozenset(declared))
    if not missing:
        assert found == ()
        return
    assert len(found) == 1
    assert found[0].need == NEED
    assert found[0].declared is bool(declared)
    assert [item.secret for item in found[0].elsewhere] == elsewhere


def test_find_missing_keeps_the_order_of_needs() -> None:
    needs = [SecretNeed("b", "platform", "x"), NEED, SecretNeed("a", "platform", "y")]
    found = find_missing(needs, [ref("data", "valkey-users")])
    assert [item.need.component for item in found] == ["b", "a"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param([{"name": "a", "namespace": "apps"}], {"apps/a"}, id="present"),
        pytest.param([{"name": "a", "namespace": "apps", "state": "absent"}], set(), id="absent"),
        pytest.param([{"name": "a"}, "junk", None, {"namespace": "x"}], set(), id="incomplete"),
        pytest.param([], set(), id="none"),
    ],
)
def test_declared_secrets(entries: list[Any], expected: set[str]) -> None:
    assert declared_secrets(entries) == frozenset(expected)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_load_reads_what_phase0_applies(tmp_path: Path) -> None:
    write(tmp_path / "data.valkey-users.yml", sealed())
    write(tmp_path / "platform.vault-storage.yaml", sealed("vault-storage", "platform"))
    write(tmp_path / "README.md", "not a manifest")
    write(tmp_path / ".hidden.yml", "not: [yaml")
    write(tmp_path / "nested" / "x.yml", "not: [yaml")
    found = load_sealed_secrets(str(tmp_path))
    assert [item.secret for item in found] == ["data/valkey-users", "platform/vault-storage"]


def test_load_of_a_directory_that_does_not_exist_finds_none(tmp_path: Path) -> None:
    assert load_sealed_secrets(str(tmp_path / "secrets" / "staging")) == ()


def test_load_names_the_bad_file(tmp_path: Path) -> None:
    write(tmp_path / "data.valkey-users.yml", sealed())
    bad = write(tmp_path / "data.broken.yml", "kind: ConfigMap\napiVersion: v1\n")
    with pytest.raises(SealedSecretsError, match=f"^{bad}: not a bitnami.com/v1alpha1"):
        load_sealed_secrets(str(tmp_path))


def test_load_refuses_two_files_for_one_secret(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", sealed())
    write(tmp_path / "b.yml", sealed())
    with pytest.raises(SealedSecretsError, match=r"seals Secret data/valkey-users, as .*/a\.yml"):
        load_sealed_secrets(str(tmp_path))


def test_load_refuses_a_file_in_place_of_the_directory(tmp_path: Path) -> None:
    target = write(tmp_path / "secrets", "")
    with pytest.raises(SealedSecretsError, match="is not a directory"):
        load_sealed_secrets(str(target))


PROD = SealingHints(
    seal_command="ansible-playbook playbooks/seal.yml -i inventories/prod --ask-vault-pass",
    declarations="inventories/prod/group_vars/all/sealing.yml",
)
STAGING = SealingHints(
    seal_command="ansible-playbook playbooks/seal.yml -i inventories/staging --ask-vault-pass",
    declarations="inventories/staging/group_vars/all/sealing.yml",
)


def test_seal_command_seals_only_that_secret() -> None:
    assert seal_command(PROD, "data/valkey-users") == (
        "ansible-playbook playbooks/seal.yml -i inventories/prod --ask-vault-pass "
        '-e \'{"sealing_secrets_only": ["data/valkey-users"]}\''
    )


def test_without_hints_the_fix_names_no_project_path(tmp_path: Path) -> None:
    check = check_sealed_secrets([NEED], str(tmp_path), "prod")
    [missing] = check.missing
    message = missing_message(check, missing)
    assert "inventories/" not in message
    assert "playbooks/" not in message
    assert message.endswith(
        "to slipway_sealing_secrets, then seal it from the environment's sealing declarations "
        '(with -e \'{"sealing_secrets_only": ["data/valkey-users"]}\'), '
        f"then commit {tmp_path}/data.valkey-users.yml"
    )


def test_messages_name_component_secret_and_fix(tmp_path: Path) -> None:
    write(tmp_path / "apps.valkey-users.yml", sealed(namespace="apps"))
    needs = [NEED, SecretNeed("vault", "platform", "vault-storage")]
    check = check_sealed_secrets(
        needs, str(tmp_path), "staging", frozenset({"platform/vault-storage"}), STAGING
    )
    undeclared, declared = check.missing
    message = missing_message(check, undeclared)
    assert message.startswith(
        f"valkey needs Secret data/valkey-users, which has no SealedSecret in {tmp_path} "
        "(not declared): add {name: valkey-users, namespace: data} with its values"
    )
    assert "slipway_sealing_secrets (inventories/staging/group_vars/all/sealing.yml)" in message
    assert seal_command(STAGING, "data/valkey-users") in message
    assert f"commit {tmp_path}/data.valkey-users.yml" in message
    assert f"({tmp_path}/apps.valkey-users.yml seals apps/valkey-users: another namespace)" in (
        message
    )
    hint = fix_hint(check, declared)
    assert hint.startswith(f"run {seal_command(STAGING, 'platform/vault-storage')}, then commit")
    assert "(declared but not sealed)" in missing_message(check, declared)
    record = check_record(check)
    assert record["dir"] == str(tmp_path)
    assert record["committed"] == ["apps/valkey-users"]
    assert [
        (item["component"], item["secret"], item["declared"]) for item in record["missing"]
    ] == [
        ("valkey", "data/valkey-users", False),
        ("vault", "platform/vault-storage", True),
    ]
