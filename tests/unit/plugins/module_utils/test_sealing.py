from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from yamllint import linter
from yamllint.config import YamlLintConfig

from ansible_collections.slipway.platform.plugins.module_utils.sealing import (
    ANNOTATION_CLUSTER_WIDE,
    ANNOTATION_NAMESPACE_WIDE,
    GeneratedValue,
    SealingCert,
    SealingError,
    SealRequest,
    decode_file_value,
    encryption_label,
    load_cert,
    plan_sealed_secret,
    random_value,
    string_value,
)
from ansible_collections.slipway.platform.tests.unit.sealing_support import (
    NOW,
    cert_pem,
    label_for,
    open_manifest,
    open_value,
    public_pem,
    rsa_key,
)

FKEY = b"k" * 32
REPO = Path(__file__).resolve().parents[4]


def _cert(bits: int = 2048, seed: int = 0) -> SealingCert:
    return load_cert(cert_pem(rsa_key(bits, seed)), now=NOW)


def _request(**overrides: Any) -> SealRequest:
    base = SealRequest(
        name="platform-db",
        namespace="platform",
        values={"username": b"platform", "password": b"s3cr3t-Value"},
    )
    return replace(base, **overrides)


@pytest.mark.parametrize(
    ("scope", "label", "annotation"),
    [
        ("strict", b"platform/platform-db", None),
        ("namespace-wide", b"platform", ANNOTATION_NAMESPACE_WIDE),
        ("cluster-wide", b"", ANNOTATION_CLUSTER_WIDE),
    ],
)
def test_round_trip_per_scope(scope: str, label: bytes, annotation: str | None) -> None:
    request = _request(scope=scope, labels={"app": "db"}, annotations={"team": "core"})
    plan = plan_sealed_secret(request, _cert(), FKEY, None)
    manifest = yaml.safe_load(plan.text)
    assert manifest["apiVersion"] == "bitnami.com/v1alpha1"
    assert manifest["kind"] == "SealedSecret"
    assert encryption_label(scope, "platform", "platform-db") == label
    top = manifest["metadata"]["annotations"]
    template = manifest["spec"]["template"]
    assert template["type"] == "Opaque"
    assert template["metadata"]["labels"] == {"app": "db"}
    assert template["metadata"]["annotations"]["team"] == "core"
    for where in (top, template["metadata"]["annotations"]):
        scoped = {k for k in where if k.startswith("sealedsecrets.bitnami.com/")}
        assert scoped == ({annotation} if annotation else set())
        if annotation:
            assert where[annotation] == "true"
    assert open_manifest(rsa_key(), plan.text) == dict(request.values)
    assert b"s3cr3t-Value" not in plan.text.encode()


def test_bare_public_key_and_4096_bits() -> None:
    key = rsa_key(4096)
    cert = load_cert(public_pem(key), now=NOW)
    assert cert.key_bits == 4096
    assert cert.not_after is None
    plan = plan_sealed_secret(_request(), cert, FKEY, None)
    assert open_manifest(key, plan.text)["password"] == b"s3cr3t-Value"


def test_manifest_passes_the_project_yamllint() -> None:
    plan = plan_sealed_secret(_request(), load_cert(cert_pem(rsa_key(4096)), now=NOW), FKEY, None)
    config = YamlLintConfig(file=str(REPO / ".yamllint"))
    assert list(linter.run(plan.text, config)) == []


def test_rerun_is_byte_identical() -> None:
    cert = _cert()
    request = _request(generate={"token": GeneratedValue(40, "urlsafe")})
    first = plan_sealed_secret(request, cert, FKEY, None)
    second = plan_sealed_secret(request, cert, FKEY, first.text)
    assert not second.changed
    assert second.text == first.text
    assert second.kept == ("password", "username", "token")
    assert (second.added, second.resealed, second.removed, second.generated) == ((), (), (), ())


def test_changed_value_reseals_only_that_key() -> None:
    cert = _cert()
    first = plan_sealed_secret(_request(), cert, FKEY, None)
    changed = _request(values={"username": b"platform", "password": b"new", "port": b"5432"})
    second = plan_sealed_secret(changed, cert, FKEY, first.text)
    assert second.changed
    assert second.resealed == ("password",)
    assert second.added == ("port",)
    assert second.kept == ("username",)
    old = yaml.safe_load(first.text)["spec"]["encryptedData"]
    new = yaml.safe_load(second.text)["spec"]["encryptedData"]
    assert new["username"] == old["username"]
    assert new["password"] != old["password"]
    assert "password: re-sealed" in second.after_summary
    assert "new" not in second.after_summary.replace("(new)", "")
    assert open_manifest(rsa_key(), second.text)["password"] == b"new"


def test_removed_key_is_dropped() -> None:
    cert = _cert()
    first = plan_sealed_secret(_request(), cert, FKEY, None)
    second = plan_sealed_secret(_request(values={"username": b"platform"}), cert, FKEY, first.text)
    assert second.removed == ("password",)
    assert "password" not in yaml.safe_load(second.text)["spec"]["encryptedData"]


def test_new_cert_reseals_values_and_keeps_generated() -> None:
    old_cert, new_cert = _cert(seed=0), _cert(seed=1)
    assert old_cert.fingerprint != new_cert.fingerprint
    request = _request(generate={"token": GeneratedValue()})
    first = plan_sealed_secret(request, old_cert, FKEY, None)
    second = plan_sealed_secret(request, new_cert, FKEY, first.text)
    assert second.resealed == ("password", "username")
    assert second.kept == ("token",)
    assert "previous cert" in second.warnings[0]
    manifest = yaml.safe_load(second.text)
    sealed = manifest["spec"]["encryptedData"]
    label = label_for(manifest)
    assert open_value(rsa_key(seed=1), sealed["password"], label) == b"s3cr3t-Value"
    old_token = open_manifest(rsa_key(seed=0), first.text)["token"]
    assert open_value(rsa_key(seed=0), sealed["token"], label) == old_token


def _marks(text: str) -> dict[str, str]:
    annotations = yaml.safe_load(text)["metadata"]["annotations"]
    lines = annotations["sealing.slipway.io/fingerprints"].splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_generated_value_records_its_cert_and_warns_until_regenerated() -> None:
    old_cert, new_cert = _cert(seed=0), _cert(seed=1)
    request = _request(generate={"token": GeneratedValue()})
    first = plan_sealed_secret(request, old_cert, FKEY, None)
    assert _marks(first.text)["token"] == f"generated:{old_cert.fingerprint}"

    rotated = plan_sealed_secret(request, new_cert, FKEY, first.text)
    assert _marks(rotated.text)["token"] == f"generated:{old_cert.fingerprint}"
    assert "token: sealed (generated, previous cert)" in rotated.after_summary
    # The next run is unchanged but still says the value is under an old cert.
    again = plan_sealed_secret(request, new_cert, FKEY, rotated.text)
    assert not again.changed
    assert again.warnings == rotated.warnings
    assert "token" in again.warnings[0]

    renewed = plan_sealed_secret(
        _request(generate={"token": GeneratedValue()}, regenerate=frozenset({"token"})),
        new_cert,
        FKEY,
        again.text,
    )
    assert _marks(renewed.text)["token"] == f"generated:{new_cert.fingerprint}"
    assert plan_sealed_secret(request, new_cert, FKEY, renewed.text).warnings == ()


def test_bare_generated_mark_is_read_as_the_file_cert() -> None:
    old_cert, new_cert = _cert(seed=0), _cert(seed=1)
    request = _request(generate={"token": GeneratedValue()})
    first = plan_sealed_secret(request, old_cert, FKEY, None).text
    legacy = first.replace(f"token=generated:{old_cert.fingerprint}", "token=generated")
    assert plan_sealed_secret(request, old_cert, FKEY, legacy).warnings == ()
    rotated = plan_sealed_secret(request, new_cert, FKEY, legacy)
    assert _marks(rotated.text)["token"] == f"generated:{old_cert.fingerprint}"
    assert rotated.warnings


def test_other_fingerprint_key_reseals_everything() -> None:
    cert = _cert()
    first = plan_sealed_secret(_request(), cert, FKEY, None)
    second = plan_sealed_secret(_request(), cert, b"o" * 32, first.text)
    assert second.resealed == ("password", "username")
    assert first.text.split("fingerprints")[1] != second.text.split("fingerprints")[1]


def test_generated_value_follows_its_spec_and_regenerates_on_request() -> None:
    cert = _cert()
    request = _request(values={}, generate={"pw": GeneratedValue(48, "hex")})
    first = plan_sealed_secret(request, cert, FKEY, None)
    value = open_manifest(rsa_key(), first.text)["pw"]
    assert len(value) == 48
    assert set(value.decode()) <= set("0123456789abcdef")
    again = plan_sealed_secret(
        _request(
            values={}, generate={"pw": GeneratedValue(48, "hex")}, regenerate=frozenset({"pw"})
        ),
        cert,
        FKEY,
        first.text,
    )
    assert again.generated == ("pw",)
    assert open_manifest(rsa_key(), again.text)["pw"] != value


def test_generated_value_refuses_a_new_scope() -> None:
    cert = _cert()
    request = _request(values={}, generate={"pw": GeneratedValue()})
    first = plan_sealed_secret(request, cert, FKEY, None)
    moved = _request(values={}, generate={"pw": GeneratedValue()}, scope="namespace-wide")
    with pytest.raises(SealingError, match=r"^generate\.pw: .*regenerate"):
        plan_sealed_secret(moved, cert, FKEY, first.text)


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        (GeneratedValue(32, "alnum"), True),
        (GeneratedValue(16, "hex"), True),
        (GeneratedValue(12, "!#%&*+-="), False),
        (GeneratedValue(8, "alnum"), False),
        (GeneratedValue(0, "alnum"), False),
        (GeneratedValue(32, "a"), False),
    ],
)
def test_random_value_needs_entropy(spec: GeneratedValue, ok: bool) -> None:
    if ok:
        assert len(random_value(spec, "generate.x")) == spec.length
    else:
        with pytest.raises(SealingError, match=r"^generate\.x\.(length|alphabet):"):
            random_value(spec, "generate.x")


def _ec_cert() -> bytes:
    return cert_pem(ec.generate_private_key(ec.SECP256R1()))


@pytest.mark.parametrize(
    ("pem", "allow_expired", "message"),
    [
        (b"hello", False, r"^cert: not PEM"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", False, r"^cert: not a"),
        (_ec_cert(), False, r"^cert: expected an RSA public key, found EC "),
        (cert_pem(rsa_key(1024)), False, r"^cert: RSA key of 1024 bits is too small"),
        (
            cert_pem(rsa_key(), NOW - timedelta(days=400), NOW - timedelta(days=35)),
            False,
            r"^cert: certificate expired on .*allow_expired_cert",
        ),
        (
            cert_pem(rsa_key(), NOW + timedelta(days=1), NOW + timedelta(days=400)),
            True,
            r"^cert: certificate is not valid before",
        ),
    ],
)
def test_load_cert_rejects(pem: bytes, allow_expired: bool, message: str) -> None:
    with pytest.raises(SealingError, match=message):
        load_cert(pem, now=NOW, allow_expired=allow_expired)


def test_expired_cert_allowed_on_request() -> None:
    pem = cert_pem(rsa_key(), NOW - timedelta(days=400), NOW - timedelta(days=35))
    assert load_cert(pem, now=NOW, allow_expired=True).key_bits == 2048


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, r"^name: strict scope .* needs a name"),
        ({"name": "Bad_Name"}, r"^name: 'Bad_Name' is not a valid Secret name"),
        ({"namespace": "Not_A_Label"}, r"^namespace: 'Not_A_Label' is not a DNS label"),
        ({"namespace": "x" * 64, "scope": "namespace-wide"}, r"^namespace: .* not a DNS label"),
        ({"namespace": "", "scope": "cluster-wide"}, r"^namespace: '' is not a DNS label"),
        ({"scope": "global"}, r"^scope: 'global' is not one of"),
        ({"values": {}}, r"^values: nothing to seal"),
        ({"values": {"bad key": b"x"}}, r"^values\.bad key: .* not a valid Secret data key"),
        ({"secret_type": ""}, r"^type: must not be empty"),
        ({"generate": {"username": GeneratedValue()}}, r"^generate\.username: the key is also"),
        ({"regenerate": frozenset({"nope"})}, r"^regenerate: 'nope' is not a generated key"),
        ({"labels": {"a": 1}}, r"^labels\.a: must be a string"),
    ],
)
def test_bad_request(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SealingError, match=message):
        plan_sealed_secret(_request(**overrides), _cert(), FKEY, None)


@pytest.mark.parametrize(
    ("key", "existing", "message"),
    [
        (b"short", None, r"^fingerprint_key: at least 32"),
        (FKEY, "just: text\n", r"^dest: not a SealedSecret"),
        (FKEY, "kind: SealedSecret\napiVersion: v1\n", r"^dest: apiVersion is not"),
        (FKEY, "{unclosed", r"^dest \(line 1\): YAML syntax error"),
    ],
)
def test_bad_key_or_existing_file(key: bytes, existing: str | None, message: str) -> None:
    with pytest.raises(SealingError, match=message):
        plan_sealed_secret(_request(), _cert(), key, existing)


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("namespace", "Platform", r"^dest: s/x\.yml: metadata\.namespace: 'Platform' is not a DNS"),
        ("namespace", None, r"^dest: s/x\.yml: metadata\.namespace: None is not a DNS label"),
        ("name", "Bad_Name", r"^dest: s/x\.yml: metadata\.name: 'Bad_Name' is not a valid"),
        ("name", 42, r"^dest: s/x\.yml: metadata\.name: 42 is not a valid Secret name"),
    ],
)
def test_bad_name_in_existing_file_names_the_file(field: str, bad: object, message: str) -> None:
    manifest = yaml.safe_load(plan_sealed_secret(_request(), _cert(), FKEY, None).text)
    manifest["metadata"][field] = bad
    with pytest.raises(SealingError, match=message):
        plan_sealed_secret(_request(), _cert(), FKEY, yaml.safe_dump(manifest), "dest: s/x.yml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00binary", r"^value_files\.k: file is not UTF-8 text"),
        (b"text\x00with nul", r"^value_files\.k: file holds NUL bytes"),
    ],
)
def test_binary_file_values_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(SealingError, match=message):
        decode_file_value(data, "value_files.k")


@pytest.mark.parametrize("value", [5432, True, None, ["a"]])
def test_non_string_variable_values_are_refused(value: object) -> None:
    with pytest.raises(SealingError, match=r"^values\.port: must be a string"):
        string_value(value, "values.port")


@pytest.mark.parametrize(
    "key", ["yes", "null", "1", "1e3", ".env", "-x", "_a", "tls.crt", "a-b_c.d"]
)
def test_data_keys_that_look_like_other_yaml_stay_strings(key: str) -> None:
    plan = plan_sealed_secret(_request(values={key: b"v"}), _cert(), FKEY, None)
    assert list(yaml.safe_load(plan.text)["spec"]["encryptedData"]) == [key]
    assert open_manifest(rsa_key(), plan.text) == {key: b"v"}
    assert list(linter.run(plan.text, YamlLintConfig(file=str(REPO / ".yamllint")))) == []
