"""The object-store interface every store implements, and the key rules they share.

Modelled on Scrapy's ``FeedStorageProtocol``/``FilesStoreProtocol``: a store takes finished
local files and keeps them under ``/``-separated keys (``<crawl_id>/warc/<name>.warc.gz``).
Keys never contain ``..`` segments, a leading ``/``, backslashes or NUL, so a key can never
address anything outside the store, whatever the store is.

Contract shared by all implementations (tested by ``tests/store/test_store_local.py``):

- ``put`` is atomic: a key either does not exist or holds the whole file.
- ``open`` of a missing key raises ``FileNotFoundError``; other failures raise ``StoreError``.
- ``list`` returns finished keys only (never temporary or ``.open`` files), sorted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, runtime_checkable

from crawler.exceptions import StoreError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CHUNK_SIZE",
    "AbortsUploads",
    "Store",
    "StoreBackend",
    "check_key",
    "sha256_file",
]

#: Bytes read or copied at a time when a crawl file is copied, hashed or scanned (1 MiB).
CHUNK_SIZE = 1024 * 1024


@runtime_checkable
class Store(Protocol):
    """Where finished crawl files end up."""

    uri: str
    """The store's location, as given to :func:`crawler.store.open_store`."""

    def put(self, local_path: Path, key: str) -> None:
        """Store the finished file ``local_path`` under ``key``, atomically."""

    def open(self, key: str) -> BinaryIO:
        """Open ``key`` for reading (binary)."""

    def list(self, prefix: str = "") -> list[str]:
        """Keys that start with ``prefix``, sorted."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a finished file."""


@runtime_checkable
class AbortsUploads(Protocol):
    """A store whose interrupted uploads leave something behind on the server (S3 multipart
    uploads), and that can clean it up."""

    def abort_incomplete_uploads(self, prefix: str) -> list[str]:
        """Abort unfinished uploads of keys under ``prefix``; return those keys."""
        ...


class StoreBackend(Protocol):
    """A store class as the scheme registry (:data:`crawler.store.STORE_SCHEMES`) sees it."""

    remote: bool
    """Whether files go to another machine: a crawl then writes them into a local spool and
    the spool uploader sends them on (:mod:`crawler.spool`)."""

    def from_uri(self, uri: str, settings: Mapping[str, Any] | None = None) -> Store:
        """The store for ``uri``; ``settings`` (optional) supply what its client needs."""
        ...


def sha256_file(path: Path, limit: int | None = None) -> tuple[int, str]:
    """``(bytes read, hex SHA-256)`` of ``path``, or of its first ``limit`` bytes."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        while limit is None or size < limit:
            want = CHUNK_SIZE if limit is None else min(CHUNK_SIZE, limit - size)
            chunk = fh.read(want)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`StoreError`."""
    if not key:
        raise StoreError("empty store key")
    if "\x00" in key:
        raise StoreError(f"store key {key!r} contains a NUL byte")
    if "\\" in key:
        raise StoreError(f"store key {key!r} contains a backslash")
    if key.startswith("/") or (len(key) > 1 and key[1] == ":"):
        raise StoreError(f"store key {key!r} is absolute")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StoreError(f"store key {key!r} has an empty, '.' or '..' segment")
    return key
