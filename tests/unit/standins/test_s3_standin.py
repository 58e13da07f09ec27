"""The S3 stand-in (tests/standins/s3/s3.py) and the k3s stand-in's etcd-s3 upload.

Both sign or check AWS Signature Version 4 on their own; each is held to the
example request of AWS's documentation, so they cannot agree on a wrong scheme.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib.machinery
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

STANDINS = Path(__file__).parents[2] / "standins"
ACCESS = "AKIDSTANDIN0001"
SIGNING = "standin/signing+key0123456789"
# AWS's documented example: GET Object with a Range header ("Signature
# Calculations for the Authorization Header", Amazon S3 API reference).
AWS_SIGNING = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_HEADERS = {
    "host": "examplebucket.s3.amazonaws.com",
    "range": "bytes=0-9",
    "x-amz-content-sha256": hashlib.sha256(b"").hexdigest(),
    "x-amz-date": "20130524T000000Z",
}
AWS_SIGNATURE = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


def load(name: str, path: Path) -> ModuleType:
    """Load a stand-in script as a module."""
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules.
    sys.modules[name] = module
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def s3() -> ModuleType:
    """The S3 stand-in."""
    return load("s3_standin", STANDINS / "s3" / "s3.py")


@pytest.fixture(scope="module")
def k3s() -> ModuleType:
    """The k3s stand-in."""
    return load("k3s_standin_s3", STANDINS / "k3s" / "k3s")


@pytest.fixture
def store(s3: ModuleType, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve an S3 stand-in with bucket snaps on 127.0.0.1; yield its root and endpoint."""
    root = tmp_path / "s3"
    (root / "snaps").mkdir(parents=True)
    handler = s3.handler_for(s3.Store(root, ACCESS, SIGNING, "us-east-1"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def test_k3s_signer_matches_the_aws_example(k3s: ModuleType) -> None:
    request = ("GET", "/test.txt", dict(AWS_HEADERS))
    assert k3s.sigv4_signature(AWS_SIGNING, "us-east-1", request) == AWS_SIGNATURE


def test_s3_checker_matches_the_aws_example(s3: ModuleType) -> None:
    request = s3.SignedRequest(
        "GET",
        "/test.txt",
        "",
        AWS_HEADERS,
        sorted(AWS_HEADERS),
        AWS_HEADERS["x-amz-content-sha256"],
        AWS_HEADERS["x-amz-date"],
        "us-east-1",
    )
    assert s3.signature(AWS_SIGNING, request) == AWS_SIGNATURE


def conf(endpoint: str, **change: object) -> dict[str, object]:
    """k3s config.yaml settings for the stand-in store."""
    return {
        "etcd-s3": True,
        "etcd-s3-endpoint": endpoint,
        "etcd-s3-insecure": True,
        "etcd-s3-bucket": "snaps",
        "etcd-s3-region": "us-east-1",
        "etcd-s3-folder": "mol/etcd",
        "etcd-s3-access-key": ACCESS,
        "etcd-s3-secret-key": SIGNING,
        **change,
    }


def test_upload_lands_under_the_folder(k3s: ModuleType, store: tuple[Path, str]) -> None:
    root, endpoint = store
    url = k3s.s3_upload(conf(endpoint), "on-demand-server1-1", b"snapshot bytes")
    assert url == "s3://snaps/mol/etcd/on-demand-server1-1"
    assert (root / "snaps" / "mol" / "etcd" / "on-demand-server1-1").read_bytes() == (
        b"snapshot bytes"
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"etcd-s3-secret-key": "wrong"}, "HTTP 403 <Error><Code>SignatureDoesNotMatch"),
        ({"etcd-s3-access-key": "AKIDOTHER"}, "HTTP 403 <Error><Code>InvalidAccessKeyId"),
        ({"etcd-s3-bucket": "other"}, "HTTP 404 <Error><Code>NoSuchBucket"),
        ({"etcd-s3-region": "eu-west-1"}, "HTTP 400 <Error><Code>AuthorizationHeaderMalformed"),
    ],
)
def test_upload_refused(
    k3s: ModuleType, store: tuple[Path, str], change: dict[str, object], error: str
) -> None:
    root, endpoint = store
    with pytest.raises(k3s.StandinError, match=error):
        k3s.s3_upload(conf(endpoint, **change), "on-demand-server1-1", b"snapshot bytes")
    assert not list((root / "snaps").rglob("on-demand-*"))


def test_tampered_body_is_refused(s3: ModuleType, tmp_path: Path) -> None:
    store = s3.Store(tmp_path, ACCESS, SIGNING, "us-east-1")
    headers = {"x-amz-content-sha256": hashlib.sha256(b"signed").hexdigest()}
    today = time.strftime("%Y%m%d", time.gmtime())
    with pytest.raises(s3.Refused, match="the body does not match its hash"):
        s3.authorise(
            store,
            "PUT",
            "/snaps/x",
            {
                **headers,
                "authorization": f"AWS4-HMAC-SHA256 Credential={ACCESS}/{today}/us-east-1/s3/"
                "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
                "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            },
            b"tampered",
        )


def write_config(path: Path, settings: dict[str, object]) -> None:
    """Write a config.yaml the way Slipway does (JSON scalars)."""
    path.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items()))


@pytest.mark.parametrize("with_s3", [True, False])
def test_snapshot_save_uploads_exactly_when_etcd_s3_is_set(
    k3s: ModuleType, store: tuple[Path, str], tmp_path: Path, with_s3: bool
) -> None:
    root, endpoint = store
    data_dir = tmp_path / "k3s"
    (data_dir / "server" / "db" / "etcd").mkdir(parents=True)
    settings: dict[str, object] = {"data-dir": str(data_dir)}
    if with_s3:
        settings.update(conf(endpoint))
    write_config(tmp_path / "config.yaml", settings)
    k3s.etcd_snapshot(["save", "--name", "on-demand", "--config", str(tmp_path / "config.yaml")])
    (saved,) = (data_dir / "server" / "db" / "snapshots").iterdir()
    uploaded = list((root / "snaps").rglob("on-demand-*"))
    if with_s3:
        assert [path.relative_to(root) for path in uploaded] == [
            Path("snaps/mol/etcd") / saved.name
        ]
        assert uploaded[0].read_bytes() == saved.read_bytes()
    else:
        assert uploaded == []
