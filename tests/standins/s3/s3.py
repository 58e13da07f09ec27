#!/usr/bin/env python3
"""Test stand-in for an S3-compatible object store: path-style PUT/GET/HEAD/list, SigV4 checked.

See README.md beside this file for what it stands in for and what it does not do.
Standard library only: it runs on the controller or on a test host (python3 only).

s3.py serve --root DIR --bind 127.0.0.1 --port 9000 --pidfile FILE \\
      --access-key KEY --secret-key-file FILE --bucket NAME [--bucket ...] [--region R]
    serves DIR/<bucket>/<key> in the background (exits by itself after --lifetime seconds).
s3.py stop --pidfile FILE
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.server
import os
import re
import signal
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/s3/"
    r"aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
# Signatures older or newer than this are refused, as S3 does (RequestTimeTooSkewed).
MAX_SKEW = 15 * 60
MAX_BODY = 1 << 30


def _hmac(key: bytes, text: str) -> bytes:
    """HMAC-SHA256 of text under key."""
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_uri(path: str) -> str:
    """URI-encode each path segment as SigV4 wants for S3 (slashes kept, encoded once)."""
    return "/".join(
        urllib.parse.quote(urllib.parse.unquote(part), safe="-_.~") for part in path.split("/")
    )


def canonical_query(query: str) -> str:
    """Sort and encode the query string as SigV4 wants."""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(pairs)
    )


@dataclass(frozen=True)
class SignedRequest:
    """What SigV4 signs of a request: method, path, query, headers, payload hash, time, region."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    signed: list[str]
    payload_hash: str
    amz_date: str
    region: str


def signature(secret: str, req: SignedRequest) -> str:
    """Return the SigV4 signature of a request (docs.aws.amazon.com, "Signature Version 4")."""
    canonical_headers = "".join(
        f"{name}:{' '.join(req.headers.get(name, '').split())}\n" for name in req.signed
    )
    request = "\n".join(
        [
            req.method,
            canonical_uri(req.path),
            canonical_query(req.query),
            canonical_headers,
            ";".join(req.signed),
            req.payload_hash,
        ]
    )
    scope = f"{req.amz_date[:8]}/{req.region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", req.amz_date, scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    key = _hmac(f"AWS4{secret}".encode(), req.amz_date[:8])
    for part in (req.region, "s3", "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Store:
    """Where objects live and who may write them."""

    root: Path
    access_key: str
    secret_key: str
    region: str


class Refused(Exception):
    """An S3 error reply: HTTP status, S3 error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def authorise(store: Store, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
    """Check a request's SigV4 Authorization header against the store's credentials, or raise."""
    match = _AUTH.match(headers.get("authorization", ""))
    if match is None:
        raise Refused(403, "AccessDenied", "a SigV4 (AWS4-HMAC-SHA256) Authorization is required")
    if not hmac.compare_digest(match["key"], store.access_key):
        raise Refused(403, "InvalidAccessKeyId", "The access key ID you provided does not exist")
    if match["region"] != store.region:
        raise Refused(400, "AuthorizationHeaderMalformed", f"the region must be {store.region}")
    amz_date = headers.get("x-amz-date", "")
    try:
        when = time.mktime(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")) - time.timezone
    except ValueError as exc:
        raise Refused(403, "AccessDenied", "x-amz-date is missing or malformed") from exc
    if abs(time.time() - when) > MAX_SKEW or amz_date[:8] != match["date"]:
        raise Refused(403, "RequestTimeTooSkewed", "the request time is too far from ours")
    signed = match["headers"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        raise Refused(403, "AccessDenied", "host and x-amz-date must be signed")
    payload_hash = headers.get("x-amz-content-sha256", "")
    if payload_hash != "UNSIGNED-PAYLOAD" and payload_hash != hashlib.sha256(body).hexdigest():
        raise Refused(400, "XAmzContentSHA256Mismatch", "the body does not match its hash")
    path, _, query = target.partition("?")
    request = SignedRequest(
        method, path, query, headers, signed, payload_hash, amz_date, store.region
    )
    expected = signature(store.secret_key, request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise Refused(
            403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
        )


def _object_path(store: Store, path: str) -> tuple[Path, str]:
    """Return the bucket directory and object key of a path-style request path."""
    bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        raise Refused(400, "InvalidBucketName", f"bad bucket name {bucket!r}")
    if key and (key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/"))):
        raise Refused(400, "InvalidArgument", f"bad object key {key!r}")
    directory = store.root / bucket
    if not directory.is_dir():
        raise Refused(404, "NoSuchBucket", f"The specified bucket does not exist: {bucket}")
    return directory, key


def list_objects(directory: Path, prefix: str) -> bytes:
    """Return a ListObjectsV2 result for the bucket directory."""
    keys = sorted(
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and str(p.relative_to(directory)).startswith(prefix)
    )
    contents = "".join(
        f"<Contents><Key>{escape(k)}</Key><Size>{(directory / k).stat().st_size}</Size></Contents>"
        for k in keys
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Name>{escape(directory.name)}</Name><Prefix>{escape(prefix)}</Prefix>"
        f"<KeyCount>{len(keys)}</KeyCount><IsTruncated>false</IsTruncated>{contents}"
        "</ListBucketResult>"
    ).encode()


def handler_for(store: Store) -> type[http.server.BaseHTTPRequestHandler]:
    """Return a request handler class serving store."""

    class Handler(http.server.BaseHTTPRequestHandler):
        """Path-style S3: PUT, GET and HEAD of objects, GET (list) and HEAD of buckets."""

        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:
            """Stay quiet."""

        def _reply(self, status: int, body: bytes = b"", kind: str = "application/xml") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise Refused(400, "EntityTooLarge", "the stand-in takes objects up to 1 GiB")
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            authorise(store, self.command, self.path, headers, body)
            path, _, query = self.path.partition("?")
            directory, key = _object_path(store, path)
            if self.command == "PUT" and key:
                target = directory / key
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
                self.send_response(200)
                self.send_header(
                    "ETag", f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.command in ("GET", "HEAD") and key:
                target = directory / key
                if not target.is_file():
                    raise Refused(404, "NoSuchKey", f"The specified key does not exist: {key}")
                self._reply(200, target.read_bytes(), "application/octet-stream")
            elif self.command == "GET":
                prefix = urllib.parse.parse_qs(query).get("prefix", [""])[0]
                self._reply(200, list_objects(directory, prefix))
            elif self.command == "HEAD":
                self._reply(200)
            else:
                raise Refused(
                    405, "MethodNotAllowed", f"{self.command} is not part of the stand-in"
                )

        def _serve(self) -> None:
            try:
                self._handle()
            except Refused as exc:
                self._reply(
                    exc.status,
                    (
                        f"<Error><Code>{exc.code}</Code><Message>{escape(exc.message)}</Message>"
                        "</Error>"
                    ).encode(),
                )

        do_GET = do_PUT = do_HEAD = _serve

    return Handler


def serve(args: argparse.Namespace) -> None:
    """Serve the store in a detached child until the lifetime ends or the pidfile goes."""
    stop(args.pidfile)
    store = Store(args.root, args.access_key, args.secret_key_file.read_text().strip(), args.region)
    for bucket in args.bucket:
        (args.root / bucket).mkdir(parents=True, exist_ok=True)
    httpd = http.server.ThreadingHTTPServer((args.bind, args.port), handler_for(store))
    if os.fork():
        print(f"http://{args.bind}:{args.port}")
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    mine = f"{os.getpid()}\n"
    args.pidfile.write_text(mine)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    httpd.timeout = 1
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline and _owns(args.pidfile, mine):
        httpd.handle_request()
    if _owns(args.pidfile, mine):
        args.pidfile.unlink(missing_ok=True)
    os._exit(0)


def _owns(pidfile: Path, content: str) -> bool:
    """Tell whether the pidfile still names this server."""
    try:
        return pidfile.read_text() == content
    except OSError:
        return False


def stop(pidfile: Path) -> None:
    """Stop the server started with this pidfile, if it still runs."""
    if not pidfile.exists():
        return
    with contextlib.suppress(ValueError, ProcessLookupError):
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    pidfile.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--root", type=Path, required=True)
    sv.add_argument("--bind", required=True)
    sv.add_argument("--port", type=int, required=True)
    sv.add_argument("--pidfile", type=Path, required=True)
    sv.add_argument("--access-key", required=True)
    sv.add_argument("--secret-key-file", type=Path, required=True)
    sv.add_argument("--bucket", action="append", default=[])
    sv.add_argument("--region", default="us-east-1")
    sv.add_argument("--lifetime", type=int, default=3600)
    st = sub.add_parser("stop")
    st.add_argument("--pidfile", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args)
    else:
        stop(args.pidfile)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
