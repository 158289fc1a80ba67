"""The store over an S3 bucket (AWS or any S3-compatible server), through boto3.

The boto3 client is built in one place, :func:`make_s3_client`: endpoint, region and
credentials come from the ``AWS_*`` settings where given and otherwise from boto3's standard
chain (environment, ``~/.aws``, instance roles; ``AWS_ENDPOINT_URL`` points at an S3-compatible
server). The checksum behaviour is explicit (``when_required`` both ways, which non-AWS stores
accept) and retries use botocore's ``standard`` mode.

``put`` uploads with boto3's managed transfer (multipart above ``part_size``) asking the server
to check a SHA-256 of every part (``ChecksumAlgorithm=SHA256``). Over https boto3 (≥ 1.36) sends
that checksum as a trailer of an ``aws-chunked`` body, which some S3-compatible stores refuse
(``400 XAmzContentSHA256Mismatch``; the error then names the setting): with
``NEWSARC_S3_UPLOAD_CHECKSUM`` false no checksum is sent (a plain body, boto3's
``request_checksum_calculation=when_required``) and every object is verified by reading it back.
**Atomicity**: a key appears only when ``PutObject`` or ``CompleteMultipartUpload`` succeeds,
both of which are atomic in S3, so nothing is ever visible under a final key before all its
bytes arrived; no temporary key and server-side copy (which would double the server's work) is
needed. After the upload, ``put``
reads the object's stored ``ChecksumSHA256`` and size back and compares them with the local
file: the plain SHA-256 for a single-part object, the composite (SHA-256 of the parts' SHA-256
digests, with or without the ``-N`` part-count suffix, which moto omits) for a multipart one; a
store that keeps no checksum (some S3-compatible servers) has the object read back and hashed
instead. A mismatch deletes the object and raises :class:`~crawler.exceptions.StoreError`; the
caller keeps its local file. Multipart uploads left behind by an interrupted ``put`` of the same
key are aborted after a successful one, so ``ListMultipartUploads`` ends up empty; those of a
killed uploader (whose file may never be sent again) are aborted by
:meth:`S3Store.abort_incomplete_uploads`, which the spool calls once per dead crawl it finds. A
refused request (403: wrong, expired or missing credentials, a bucket policy) raises a
:class:`~crawler.exceptions.StoreError` that names the settings to check.

**Endpoints are ``https://``.** A plain ``http://`` endpoint (from ``AWS_ENDPOINT_URL``, the
environment or ``~/.aws``: the one the built client will use) sends the signed requests and every
byte archived unencrypted, so :func:`make_s3_client` refuses it with a
:class:`~crawler.exceptions.ConfigError` (exit 2), except on a loopback address (``127.0.0.0/8``,
``::1``, ``localhost``: a local server or a tunnel), for an anonymous client
(``AWS_NO_SIGN_REQUEST``: no credential is sent), or with ``NEWSARC_S3_ALLOW_HTTP`` true (a
store on a network you trust), given as a setting (``-s``, a jobs file) or, for the commands that
take no settings (``datasets``, ``extract -o s3://…``, ``headlines``), in the environment.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import urlsplit

import boto3  # type: ignore[import-untyped]
from boto3.exceptions import S3UploadFailedError  # type: ignore[import-untyped]
from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]
from botocore import UNSIGNED  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from crawler.exceptions import ConfigError, StoreError
from crawler.store.base import CHUNK_SIZE, check_key, sha256_file
from crawler.trust import is_loopback_host

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_PART_SIZE",
    "S3Store",
    "check_endpoint",
    "composite_sha256",
    "make_s3_client",
    "parse_s3_uri",
]

logger = logging.getLogger(__name__)

#: Multipart threshold and part size (S3's minimum part size is 5 MiB).
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix/")`` (prefix may be empty)."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != "s3" or not parts.netloc:
        raise ConfigError(f"not an S3 URI: {uri!r} (expected s3://bucket/prefix)")
    bucket = parts.netloc
    if len(bucket) < 3 or "@" in bucket or ":" in bucket:
        raise ConfigError(f"S3 URI {uri!r}: bad bucket name {bucket!r}")
    prefix = parts.path.strip("/")
    if prefix:
        check_key(prefix)
        prefix += "/"
    return bucket, prefix


def make_s3_client(settings: Mapping[str, Any] | None = None) -> Any:
    """The one place an S3 client is built (``settings`` holds optional ``AWS_*`` values).

    ``AWS_NO_SIGN_REQUEST`` (true) makes an anonymous client, for public buckets (as the AWS
    CLI's ``--no-sign-request``): no credentials are looked up or sent.
    """
    settings = settings or {}

    def opt(name: str) -> Any:
        value = settings.get(name)
        return value if value not in (None, "") else None

    config = Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
        **({"signature_version": UNSIGNED} if opt("AWS_NO_SIGN_REQUEST") else {}),
    )
    session = boto3.session.Session(
        aws_access_key_id=opt("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=opt("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=opt("AWS_SESSION_TOKEN"),
        region_name=opt("AWS_REGION_NAME"),
    )
    kwargs: dict[str, Any] = {"config": config}
    if opt("AWS_ENDPOINT_URL"):
        kwargs["endpoint_url"] = opt("AWS_ENDPOINT_URL")
    if opt("AWS_VERIFY") is False:
        kwargs["verify"] = False
    client = session.client("s3", **kwargs)
    allowed = _flag(opt("NEWSARC_S3_ALLOW_HTTP")) or _flag(
        os.environ.get("NEWSARC_S3_ALLOW_HTTP")  # also for the commands that take no -s
    )
    if not (_flag(opt("AWS_NO_SIGN_REQUEST")) or allowed):
        check_endpoint(str(client.meta.endpoint_url))
    return client


def check_endpoint(endpoint: str) -> None:
    """Raise :class:`~crawler.exceptions.ConfigError` for a plain ``http://`` endpoint that is not
    on a loopback address (see the module docstring)."""
    parts = urlsplit(endpoint)
    if parts.scheme.lower() != "http" or is_loopback_host(parts.hostname or ""):
        return
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    raise ConfigError(
        f"the S3 endpoint {shown} is plain http://: credentials and archived data would cross "
        "the network unencrypted; use an https:// AWS_ENDPOINT_URL, or allow it with "
        "-s NEWSARC_S3_ALLOW_HTTP=True (or the environment variable NEWSARC_S3_ALLOW_HTTP=1) "
        "for a store on a network you trust"
    )


def _flag(value: Any) -> bool:
    """A boolean setting's value, as given in settings or as ``-s`` text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def composite_sha256(path: Path, part_size: int) -> tuple[str, int]:
    """Base64 SHA-256 of the parts' SHA-256 digests (S3's multipart checksum), part count."""
    digests = b""
    parts = 0
    with path.open("rb") as fh:
        while True:
            part = hashlib.sha256()
            remaining = part_size
            while remaining:
                chunk = fh.read(min(CHUNK_SIZE, remaining))
                if not chunk:
                    break
                part.update(chunk)
                remaining -= len(chunk)
            if remaining == part_size:
                break
            digests += part.digest()
            parts += 1
    return base64.b64encode(hashlib.sha256(digests).digest()).decode("ascii"), parts


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


#: Error codes of a store that refuses our credentials or our request (HTTP 403 mostly).
_DENIED = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
        "AllAccessDisabled",
        "AccountProblem",
        "403",
    }
)


#: Error codes of a store whose temporary credentials ran out.
_EXPIRED = frozenset({"ExpiredToken", "TokenRefreshRequired"})

#: Error codes of a store that cannot take the checksum boto3 sends with ``ChecksumAlgorithm``:
#: over https, an ``aws-chunked`` body with the SHA-256 in a trailer (``x-amz-content-sha256:
#: STREAMING-UNSIGNED-PAYLOAD-TRAILER``), which some S3-compatible stores do not implement.
_CHECKSUM_REFUSED = frozenset({"XAmzContentSHA256Mismatch"})


def _what_to_fix(exc: BaseException) -> str:
    """For a refused request, which configuration to look at (appended to the error)."""
    codes: set[str] = set()
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ClientError):
            codes.add(_error_code(current))
        current = current.__cause__ or current.__context__
    # S3UploadFailedError keeps only the text of the ClientError it replaced.
    codes.update(re.findall(r"\(([A-Za-z0-9]+)\)", str(exc)))
    if codes & _CHECKSUM_REFUSED:
        return (
            " — the store does not accept the SHA-256 checksum boto3 sends with each upload "
            "(an aws-chunked trailer; many S3-compatible stores refuse it): set "
            "-s NEWSARC_S3_UPLOAD_CHECKSUM=False (no checksum sent; each object is read back "
            "and hashed instead); the files stay in the spool"
        )
    if codes & _EXPIRED:
        return (
            " — the session token has expired: renew AWS_SESSION_TOKEN (with its "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or boto3's credential chain); the files "
            "stay in the spool"
        )
    if codes & _DENIED:
        return (
            " — the store refused the credentials or the request: check AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (or boto3's credential chain) and the "
            "bucket's policy; the files stay in the spool"
        )
    if "400" in codes:  # S3 answers HEAD without a body: botocore knows only the status
        return (
            " — the store answered 400 Bad Request without a reason (S3 gives none to HEAD): "
            "an expired AWS_SESSION_TOKEN, or a wrong AWS_REGION_NAME or AWS_ENDPOINT_URL, is "
            "the usual cause; the files stay in the spool"
        )
    if "NoSuchBucket" in codes:
        return " — no such bucket: check --out; the files stay in the spool"
    return ""


class _Body(io.RawIOBase):
    """An object's body (botocore's ``StreamingBody``) as a file whose failed reads are
    :class:`~crawler.exceptions.StoreError`, as a failed open is: a connection reset mid-body or
    a body shorter than its ``Content-Length`` raises botocore's own errors, which no reader of
    a store knows."""

    def __init__(self, body: Any, what: str) -> None:
        super().__init__()
        self._body = body
        self._what = what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as exc:
            raise StoreError(f"cannot read {self._what}: {exc}") from exc
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        try:
            return bytes(self._body.read())
        except BotoCoreError as exc:
            raise StoreError(f"cannot read {self._what}: {exc}") from exc

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Store:
    """A store over ``s3://bucket/prefix``, using the given boto3 client."""

    #: Files go to another machine: a crawl writes them into the local spool first.
    remote = True

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        part_size: int = DEFAULT_PART_SIZE,
        upload_checksum: bool = True,
    ) -> None:
        if part_size < 5 * 1024 * 1024:
            raise ValueError(f"S3 part size must be at least 5 MiB, got {part_size}")
        self.client = client
        self.upload_checksum = upload_checksum
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.part_size = part_size
        self.uri = f"s3://{bucket}/{self.prefix}"
        self._transfer = TransferConfig(
            multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=4
        )

    @classmethod
    def from_uri(cls, uri: str, settings: Mapping[str, Any] | None = None) -> S3Store:
        bucket, prefix = parse_s3_uri(uri)
        checksum = (settings or {}).get("NEWSARC_S3_UPLOAD_CHECKSUM")
        store = cls(
            make_s3_client(settings),
            bucket,
            prefix,
            upload_checksum=True if checksum in (None, "") else _flag(checksum),
        )
        store.uri = uri
        return store

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, local_path: Path, key: str) -> None:
        full = self._key(key)
        local_path = Path(local_path)
        try:
            size, hexdigest = sha256_file(local_path)
            digest = bytes.fromhex(hexdigest)
        except OSError as exc:
            raise StoreError(f"cannot read {local_path}: {exc.strerror or exc}") from exc
        extra: dict[str, Any] = {"Metadata": {"sha256": digest.hex()}}
        if self.upload_checksum:
            extra["ChecksumAlgorithm"] = "SHA256"
        try:
            self.client.upload_file(
                str(local_path), self.bucket, full, ExtraArgs=extra, Config=self._transfer
            )
            head = self.client.head_object(Bucket=self.bucket, Key=full, ChecksumMode="ENABLED")
        except (ClientError, BotoCoreError, S3UploadFailedError, OSError) as exc:
            # boto3's managed transfer wraps a refused upload (403, NoSuchBucket, …) in
            # S3UploadFailedError, which is neither a ClientError nor a BotoCoreError.
            raise StoreError(
                f"cannot upload to s3://{self.bucket}/{full}: {exc}{_what_to_fix(exc)}"
            ) from exc
        problem = self._check(local_path, size, digest, head, full)
        if problem:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.delete_object(Bucket=self.bucket, Key=full)
            raise StoreError(f"s3://{self.bucket}/{full} failed verification (deleted): {problem}")
        self._abort_stale_uploads(full)

    def _check(
        self, path: Path, size: int, digest: bytes, head: Mapping[str, Any], full_key: str
    ) -> str | None:
        if int(head.get("ContentLength", -1)) != size:
            return f"stored size {head.get('ContentLength')}, local size {size}"
        stored = str(head.get("ChecksumSHA256") or "")
        if not stored:
            # An S3-compatible store that keeps no checksums: read the object back and hash it
            # (twice the traffic, but the local file is only deleted once the stored bytes are
            # known to be the same).
            return self._read_back(full_key, digest)
        value, _, _count = stored.partition("-")
        if value == base64.b64encode(digest).decode("ascii"):
            return None
        if size > self.part_size or _count:
            composite, _parts = composite_sha256(path, self.part_size)
            if value == composite:
                return None
        return f"stored SHA-256 {stored} does not match the local file's"

    def _read_back(self, full_key: str, digest: bytes) -> str | None:
        """Compare the SHA-256 of the stored object's bytes with ``digest`` (None: equal)."""
        logger.info("The store keeps no SHA-256 checksum: reading %s back to verify it", full_key)
        hasher = hashlib.sha256()
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=full_key)["Body"]
            try:
                for chunk in iter(lambda: body.read(CHUNK_SIZE), b""):
                    hasher.update(chunk)
            finally:
                body.close()
        except (ClientError, BotoCoreError, OSError) as exc:
            raise StoreError(
                f"cannot read s3://{self.bucket}/{full_key} back to verify it (the store keeps "
                f"no SHA-256 checksum): {exc}"
            ) from exc
        if hasher.digest() == digest:
            return None
        return "the stored bytes read back do not have the local file's SHA-256 (no checksum kept)"

    def _abort_stale_uploads(self, full_key: str) -> None:
        try:
            listing = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=full_key)
            for upload in listing.get("Uploads", []):
                if upload.get("Key") == full_key:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=full_key, UploadId=upload["UploadId"]
                    )
                    logger.info("Aborted a stale multipart upload of %s", full_key)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("Could not clean up multipart uploads of %s: %s", full_key, exc)

    def abort_incomplete_uploads(self, prefix: str) -> list[str]:
        """Abort every multipart upload under ``prefix`` (a crawl's keys, ``<crawl_id>/``);
        return the keys whose uploads were aborted.

        An uploader killed mid-upload leaves its parts on the server (billed, invisible to
        ``list``); only the owner of the crawl's keys may call this, when no upload of them
        can be running (see :meth:`crawler.spool.Spool.upload_ready`).
        """
        aborted: list[str] = []
        full_prefix = self._key(prefix.rstrip("/")) + "/"
        try:
            paginator = self.client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                for upload in page.get("Uploads", []):
                    key = str(upload["Key"])
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=key, UploadId=upload["UploadId"]
                    )
                    aborted.append(key[len(self.prefix) :])
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(
                f"cannot list or abort multipart uploads under {self.uri}{prefix}: "
                f"{exc}{_what_to_fix(exc)}"
            ) from exc
        return aborted

    def lifecycle_problem(self) -> str | None:
        """What is wrong with the bucket's lifecycle for this store's keys, or None.

        An uploader killed mid-upload leaves parts that are billed and invisible until aborted;
        the next crawl aborts those of crawls it meets in its spool, but a spool that is gone
        leaves them for ever unless an enabled ``AbortIncompleteMultipartUpload`` rule covers
        the store's prefix. None too when the configuration cannot be read (a user allowed to
        write objects often may not read the bucket's lifecycle): nothing can be said then.
        """
        try:
            config = self.client.get_bucket_lifecycle_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if _error_code(exc) != "NoSuchLifecycleConfiguration":
                return None
            rules: list[Any] = []
        except BotoCoreError:
            return None
        else:
            rules = list(config.get("Rules") or [])
        for rule in rules:
            if rule.get("Status") != "Enabled" or "AbortIncompleteMultipartUpload" not in rule:
                continue
            scope = rule.get("Filter") or {}
            prefix = str(scope.get("Prefix", (scope.get("And") or {}).get("Prefix", "")) or "")
            prefix = prefix or str(rule.get("Prefix") or "")  # the older form
            if self.prefix.startswith(prefix):
                return None
        return (
            f"the bucket {self.bucket} has no enabled AbortIncompleteMultipartUpload lifecycle "
            f"rule covering {self.uri}: parts of uploads a killed crawl leaves behind are billed "
            "until aborted (newsarc aborts them only for crawls still in its spool)"
        )

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                raise FileNotFoundError(f"no such key in {self.uri}: {key!r}") from None
            raise StoreError(f"cannot open {key!r} in {self.uri}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"cannot open {key!r} in {self.uri}: {exc}") from exc
        body = _Body(response["Body"], f"{key!r} in {self.uri}")
        return cast("BinaryIO", io.BufferedReader(body, CHUNK_SIZE))

    def list(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                keys.extend(str(obj["Key"])[len(self.prefix) :] for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"cannot list {self.uri}{prefix}: {exc}") from exc
        return sorted(keys)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                return False
            raise StoreError(f"cannot check {key!r} in {self.uri}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"cannot check {key!r} in {self.uri}: {exc}") from exc
        return True
