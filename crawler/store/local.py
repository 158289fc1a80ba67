"""The store over a local directory.

``put`` copies into a hidden temporary name in the target directory, fsyncs it, renames it to
the final name and fsyncs the directory, so a key appears only when its file is complete. When
the file already is ``<root>/<key>`` (a crawl writing straight into the local store) nothing
is copied; ``put`` only checks the file is there.

Files still being written by a crawl (``*.open``, ``*.tmp``) are not keys: ``list`` and
``exists`` ignore them; ``list`` also skips hidden bookkeeping files and directories (crawl locks).

Also here, as the local side every crawl file goes through: the crawl directory's lock
(:func:`lock_crawl_dir`, :func:`is_locked`; the recovery extension holds it, the spool uploader
leaves a locked directory alone) and the name of a WARC file's CDXJ index
(:func:`cdxj_path_for`), which travels with its WARC file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

from crawler.exceptions import ConfigError, StoreError
from crawler.store.base import CHUNK_SIZE, check_key

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

__all__ = [
    "IN_PROGRESS_SUFFIXES",
    "LocalStore",
    "SpoolStore",
    "cdxj_path_for",
    "fsync_dir",
    "is_locked",
    "local_store_root",
    "lock_crawl_dir",
    "work_store",
]

#: Suffixes of files that are still being written; never listed as keys.
IN_PROGRESS_SUFFIXES = (".open", ".tmp")


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename or create in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_crawl_dir(crawl_dir: Path, *, shared: bool = False) -> int:
    """Take the crawl directory's lock for this process; return the fd (keep it open).

    ``shared``: one of several workers of one crawl writing the same directory, each its own
    files: a shared lock, which every such worker holds at once (and which still keeps the
    directory locked against recovery and other crawls' uploaders while any of them runs)."""
    crawl_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(crawl_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def is_locked(crawl_dir: Path) -> bool:
    """Whether a living process (another open file) holds the crawl directory's lock."""
    try:
        fd = os.open(crawl_dir, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases the probe lock
    return False


def cdxj_path_for(warc_path: Path) -> Path:
    """``name.warc.gz`` → ``name.cdxj`` beside it."""
    name = warc_path.name.removesuffix(".warc.gz")
    return warc_path.with_name(f"{name}.cdxj")


def local_store_root(store_uri: str) -> Path:
    """Map a store URI to a local directory: a plain path or ``file://``; else ConfigError."""
    parts = urlsplit(store_uri)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"NEWSARC_STORE_URI {store_uri!r}: file:// URIs must be local")
        return Path(unquote(parts.path))
    # A one-letter "scheme" is a Windows drive letter, not a scheme.
    if scheme and len(scheme) > 1:
        raise ConfigError(
            f"NEWSARC_STORE_URI {store_uri!r} is not a local directory: unsupported scheme "
            f"{scheme!r} (use a local path or file://)"
        )
    if not store_uri:
        raise ConfigError("NEWSARC_STORE_URI is empty")
    return Path(store_uri)


class LocalStore:
    """A store over the directory ``root`` (created on the first ``put``)."""

    #: Files put here are on this machine: written in place, no spool (crawler.store registry).
    remote = False

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.uri = str(self.root)

    @classmethod
    def from_uri(cls, uri: str, settings: Mapping[str, Any] | None = None) -> Self:
        """The store for a plain path or ``file://`` URI (``settings`` is not needed)."""
        store = cls(local_store_root(uri))
        store.uri = uri
        return store

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, local_path: Path, key: str) -> None:
        target = self._path(key)
        local_path = Path(local_path)
        try:
            if local_path.resolve() == target.resolve():
                if not target.is_file():
                    raise StoreError(f"cannot store {key!r}: {target} is not a file")
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            try:
                with local_path.open("rb") as src, tmp.open("xb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK_SIZE)
                    dst.flush()
                    os.fsync(dst.fileno())
                tmp.replace(target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                raise
            fsync_dir(target.parent)
        except OSError as exc:
            raise StoreError(
                f"cannot store {local_path} as {key!r} in {self.root}: "
                f"{exc.strerror or exc} ({getattr(exc, 'filename', None) or target})"
            ) from exc

    def open(self, key: str) -> BinaryIO:
        """Open a key's file; a key that is not a regular file (a FIFO, a device, a directory:
        an archive unpacked from someone else may hold anything) is a StoreError, before a
        byte is read: a FIFO would block the reader forever, ``/dev/zero`` never end."""
        path = self._path(key)
        if path.name.endswith(IN_PROGRESS_SUFFIXES):
            raise FileNotFoundError(f"no such key in {self.uri}: {key!r}")
        try:
            # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            raise FileNotFoundError(f"no such key in {self.uri}: {key!r}") from None
        except OSError as exc:
            raise StoreError(f"cannot open {key!r} in {self.root}: {exc.strerror or exc}") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreError(f"cannot open {key!r} in {self.root}: not a regular file")
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys: list[str] = []
        try:
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(dirpath).relative_to(self.root).as_posix()
                for name in filenames:
                    if name.endswith(IN_PROGRESS_SUFFIXES) or name.startswith("."):
                        continue  # in progress, or bookkeeping (locks, ledgers)
                    key = name if rel == "." else f"{rel}/{name}"
                    if key.startswith(prefix):
                        keys.append(key)
        except OSError as exc:
            raise StoreError(f"cannot list {self.root}: {exc.strerror or exc}") from exc
        return sorted(keys)

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return not path.name.endswith(IN_PROGRESS_SUFFIXES) and path.is_file()


class SpoolStore(LocalStore):
    """A remote store's spool, as seen by the components that write crawl files into it.

    A closed file already is where the spool uploader (:mod:`crawler.spool`) looks for
    it; from that moment the uploader owns it and may upload and delete it at any time, so
    ``put`` only checks the key and touches nothing.
    """

    def put(self, local_path: Path, key: str) -> None:
        check_key(key)


def work_store(root: Path, *, remote: bool) -> LocalStore:
    """The store crawl components put closed files into: the local store, or the spool."""
    return SpoolStore(root) if remote else LocalStore(root)
