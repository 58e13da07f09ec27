"""Cross-check the Secrets enabled components need against the committed SealedSecrets.

A component names the Secrets it needs (catalog ``secrets``); each one reaches the
cluster only as a SealedSecret committed under the environment's secrets directory
(``slipway_sealing_secrets_dir``, one ``<namespace>.<name>.yml`` per Secret, written by
``playbooks/seal.yml`` and applied by phase 0 step 40). The controller makes the
Secret with the SealedSecret's own name and namespace, whatever its scope: the scope
only decides where the sealed data may be opened, not where the Secret lands.

The plan runs without a cluster, so this is the earliest place a missing one shows.
Names starting with ``_`` are private to this file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.slipway.platform.plugins.module_utils.bounded_yaml import (
    InputError,
    load_all,
)
from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    API_VERSION,
    KIND,
    SealingError,
    check_name,
    check_namespace,
    scope_from_annotations,
)

# The files phase 0 step 40 applies (ansible.builtin.find, top level, hidden files skipped).
MANIFEST_SUFFIXES = (".yml", ".yaml")


class SealedSecretsError(ValueError):
    """A committed SealedSecret cannot be read; the message names the file."""


class _NamedSecret:
    """A Secret named by namespace and name (the dataclasses below hold the fields)."""

    namespace: str
    name: str

    @property
    def secret(self) -> str:
        """Return the Secret as ``<namespace>/<name>``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class SealedSecretFile(_NamedSecret):
    """One committed SealedSecret: the Secret it becomes, its scope and its file."""

    path: str
    namespace: str
    name: str
    scope: str


@dataclass(frozen=True)
class SecretNeed(_NamedSecret):
    """A Secret one enabled component needs before it is deployed."""

    component: str
    namespace: str
    name: str


@dataclass(frozen=True)
class MissingSecret:
    """A needed Secret without a committed SealedSecret, and what is known about it."""

    need: SecretNeed
    declared: bool
    elsewhere: tuple[SealedSecretFile, ...] = ()


@dataclass(frozen=True)
class SealingHints:
    """How the project declares and seals a Secret, as the caller phrases it.

    The library knows no project layout: the role that runs the plan says where the
    declarations live and which command seals them. Empty fields give a generic fix.
    """

    # The command that seals the environment's declarations; the fix appends
    # -e '{"sealing_secrets_only": [...]}' to seal only the missing Secret.
    seal_command: str = ""
    # Where the environment's declarations (slipway_sealing_secrets) are kept.
    declarations: str = ""


@dataclass(frozen=True)
class SecretsCheck:
    """The outcome of the cross-check for one environment."""

    env: str
    directory: str
    committed: tuple[SealedSecretFile, ...]
    missing: tuple[MissingSecret, ...]
    hints: SealingHints = SealingHints()


def _text_field(mapping: Any, key: str) -> str:
    """Return mapping[key] when mapping is a mapping and the value a non-empty string."""
    if isinstance(mapping, dict):
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def parse_sealed_secret_file(text: str, path: str) -> SealedSecretFile:
    """Return the Secret a committed SealedSecret manifest becomes; errors name the file."""
    try:
        documents = load_all(text, path)
    except InputError as exc:
        raise SealedSecretsError(str(exc)) from exc
    if len(documents) != 1:
        raise SealedSecretsError(
            f"{path}: holds {len(documents)} YAML documents; one SealedSecret per file expected"
        )
    manifest = documents[0]
    if (
        not isinstance(manifest, dict)
        or manifest.get("kind") != KIND
        or manifest.get("apiVersion") != API_VERSION
    ):
        found = (
            f"apiVersion {manifest.get('apiVersion')!r}, kind {manifest.get('kind')!r}"
            if isinstance(manifest, dict)
            else f"a YAML {type(manifest).__name__}"
        )
        raise SealedSecretsError(f"{path}: not a {API_VERSION} {KIND} (found {found})")
    metadata = manifest.get("metadata")
    spec = manifest.get("spec")
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise SealedSecretsError(f"{path}: metadata and spec must be mappings")
    template = spec.get("template")
    template_meta = template.get("metadata") if isinstance(template, dict) else None
    # The controller names the Secret after the SealedSecret; the template is the fallback
    # kubeseal leaves when metadata.namespace is to come from the apply.
    name = _text_field(metadata, "name") or _text_field(template_meta, "name")
    namespace = _text_field(metadata, "namespace") or _text_field(template_meta, "namespace")
    try:
        check_name(name, f"{path}: metadata.name")
        check_namespace(namespace, f"{path}: metadata.namespace")
    except SealingError as exc:
        raise SealedSecretsError(str(exc)) from exc
    return SealedSecretFile(
        path=path,
        namespace=namespace,
        name=name,
        scope=scope_from_annotations(metadata.get("annotations")),
    )


def manifest_paths(directory: str) -> list[Path]:
    """Return the manifests phase 0 applies from directory, sorted; none when it is absent."""
    root = Path(directory)
    if not root.exists():
        return []
    if not root.is_dir():
        raise SealedSecretsError(f"{directory}: the secrets directory is not a directory")
    return sorted(
        path
        for path in root.iterdir()
        if path.suffix in MANIFEST_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def load_sealed_secrets(directory: str) -> tuple[SealedSecretFile, ...]:
    """Read every committed SealedSecret of directory; refuse two files for one Secret."""
    found: dict[str, SealedSecretFile] = {}
    for path in manifest_paths(directory):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SealedSecretsError(f"{path}: cannot read it ({exc})") from exc
        sealed = parse_sealed_secret_file(text, str(path))
        if sealed.secret in found:
            raise SealedSecretsError(
                f"{path}: seals Secret {sealed.secret}, as {found[sealed.secret].path} does; "
                "phase 0 would apply both, so keep one"
            )
        found[sealed.secret] = sealed
    return tuple(found.values())


def declared_secrets(entries: Iterable[Any]) -> frozenset[str]:
    """Return ``<namespace>/<name>`` of the slipway_sealing_secrets entries that are present.

    Only names are read; the sealing role validates the entries themselves.
    """
    return frozenset(
        f"{entry['namespace']}/{entry['name']}"
        for entry in entries
        if _text_field(entry, "name")
        and _text_field(entry, "namespace")
        and entry.get("state", "present") != "absent"
    )


def find_missing(
    needs: Iterable[SecretNeed],
    committed: Sequence[SealedSecretFile],
    declared: frozenset[str] = frozenset(),
) -> tuple[MissingSecret, ...]:
    """Return the needed Secrets no committed SealedSecret becomes, in the order needed."""
    present = {sealed.secret for sealed in committed}
    return tuple(
        MissingSecret(
            need=need,
            declared=need.secret in declared,
            elsewhere=tuple(
                sealed
                for sealed in committed
                if sealed.name == need.name and sealed.namespace != need.namespace
            ),
        )
        for need in needs
        if need.secret not in present
    )


def check_sealed_secrets(
    needs: Sequence[SecretNeed],
    directory: str,
    env: str,
    declared: frozenset[str] = frozenset(),
    hints: SealingHints = SealingHints(),
) -> SecretsCheck:
    """Read the committed SealedSecrets of directory and return what the needs lack."""
    committed = load_sealed_secrets(directory)
    return SecretsCheck(env, directory, committed, find_missing(needs, committed, declared), hints)


def seal_command(hints: SealingHints, secret: str) -> str:
    """Return how to seal only one Secret: the project's command, or a generic step."""
    only = json.dumps({"sealing_secrets_only": [secret]})
    if not hints.seal_command:
        return f"seal it from the environment's sealing declarations (with -e '{only}')"
    return f"{hints.seal_command} -e '{only}'"


def fix_hint(check: SecretsCheck, missing: MissingSecret) -> str:
    """Return how to commit the missing SealedSecret: declare, seal, commit."""
    need = missing.need
    target = f"{check.directory}/{need.namespace}.{need.name}.yml"
    steps = []
    if not missing.declared:
        steps.append(
            f"add {{name: {need.name}, namespace: {need.namespace}}} with its values "
            f"(literal, from_source, from_env, from_file or generate) to slipway_sealing_secrets"
            + (f" ({check.hints.declarations})" if check.hints.declarations else "")
        )
    command = seal_command(check.hints, need.secret)
    steps.append(command if not check.hints.seal_command else f"run {command}")
    steps.append(f"commit {target}")
    hint = ", then ".join(steps)
    for sealed in missing.elsewhere:
        hint += f" ({sealed.path} seals {sealed.secret}: another namespace)"
    return hint


def missing_message(check: SecretsCheck, missing: MissingSecret) -> str:
    """Return the one-line report of a missing SealedSecret: component, Secret, fix."""
    state = "declared but not sealed" if missing.declared else "not declared"
    return (
        f"{missing.need.component} needs Secret {missing.need.secret}, which has no SealedSecret "
        f"in {check.directory} ({state}): {fix_hint(check, missing)}"
    )


def check_record(check: SecretsCheck) -> dict[str, Any]:
    """Return the check as plain data for plan.yml and the module result."""
    return {
        "dir": check.directory,
        "committed": sorted(sealed.secret for sealed in check.committed),
        "missing": [
            {
                "component": missing.need.component,
                "secret": missing.need.secret,
                "declared": missing.declared,
                "fix": fix_hint(check, missing),
            }
            for missing in check.missing
        ],
    }
