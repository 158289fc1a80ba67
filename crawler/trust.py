"""Refuse crawl state that other users could write (RELIABILITY.md B12, "pickle trust").

A crawl trusts what it reads back from its state: the frontier ledger (the requests it will
send, with their meta), the spool (files it uploads to the archive as its own) and, for
``newsarc run``, the job's state directory (incremental state, reports, locks). newsarc never
unpickles any of it (requests are versioned JSON), so a writable state directory does not run
code as Scrapy's ``JOBDIR`` would; it still lets another local user queue requests into a crawl,
plant files that the spool uploads into the archive, or replace a ledger. So:

* :func:`check_private_dir` refuses a directory that exists and is writable by its group or by
  others, or owned by another user (root excepted): a crawl's directory, the store or spool
  directory holding it, a job's state directory. ``NEWSARC_ALLOW_SHARED_DIRS`` true accepts
  it, for a group whose members are trusted. Directories newsarc creates follow the umask.
* :func:`check_parents` refuses a directory above one of those (and any directory a symlink on
  the way to it is looked up in) that another user could rename entries of: writable by its
  group or others without the sticky bit, or sticky but owned by another user, or owned by
  another user at all (root excepted), and a symlink on the way that belongs to another user.
  Whoever can rename an entry above the store can swap the store for a directory of their own
  between two runs, or under a running one. ``/tmp`` (sticky, root's) and a home directory pass.
* :func:`check_crawl_tree` refuses, before a crawl is resumed, a crawl directory holding an
  entry another user could have written: owned by another user (root excepted), a file or
  directory writable by its group or others, a symlink, or anything that is neither a file
  nor a directory (a FIFO would block the recovery that reads it). The spool uploader
  quarantines such a file (:func:`untrusted_entry`) instead of uploading it as the crawl's.
* :func:`check_frontier_uri` refuses a network frontier (``redis://``) on a host that is not a
  loopback address and given no password: anyone who can reach that Redis can read the crawl's
  URLs and queue requests into it. ``FRONTIER_ALLOW_NO_PASSWORD`` true accepts it, for a Redis
  only the crawlers can reach (a private network, a container's own network).

All raise :class:`~crawler.exceptions.ConfigError` (exit 2, one line, before anything is
written): refusing is what an operator expects of a check whose whole point is that the crawl
may be misused without anyone noticing, and the settings that accept it say so explicitly.

Settings: ``NEWSARC_ALLOW_SHARED_DIRS``, ``FRONTIER_ALLOW_NO_PASSWORD``.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from crawler.exceptions import ConfigError

__all__ = [
    "check_crawl_tree",
    "check_frontier_uri",
    "check_parents",
    "check_private_dir",
    "is_loopback_host",
    "untrusted_entry",
]

#: Frontier URI schemes that name a server on the network.
_NETWORK_SCHEMES = frozenset({"redis"})
#: Symlinks followed on the way to a directory before the path is refused as a loop (Linux's).
_MAX_SYMLINKS = 40
_OPT_OUT = (
    "make it yours alone (chmod go-w), or accept it with -s NEWSARC_ALLOW_SHARED_DIRS=True "
    "for a group you trust"
)


def _trusted_owner(uid: int) -> bool:
    return uid in {os.geteuid(), 0}


def _writers(mode: int) -> list[str]:
    return [
        who for who, bit in (("its group", stat.S_IWGRP), ("others", stat.S_IWOTH)) if mode & bit
    ]


def check_private_dir(path: Path, *, what: str, allow: bool = False) -> None:
    """Raise :class:`ConfigError` when ``path`` exists and another user could write into it.

    ``what`` names the directory in the message ("the crawl's store directory"). A path that
    does not exist yet passes: newsarc creates it (with the umask's mode).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot check {what} {path}: {exc.strerror or exc}") from exc
    if allow or not stat.S_ISDIR(info.st_mode):
        return  # not a directory: the caller's own check says so
    problem = ""
    writers = _writers(info.st_mode)
    if writers:
        problem = f"is writable by {' and '.join(writers)} (mode {stat.S_IMODE(info.st_mode):04o})"
    elif not _trusted_owner(info.st_uid):
        problem = f"belongs to another user (uid {info.st_uid})"
    if problem:
        raise ConfigError(
            f"{what} {path} {problem}: another user could change the crawl's state (queue "
            f"requests, plant files to upload); {_OPT_OUT}"
        )


def _looked_up_in(path: Path) -> tuple[list[Path], list[tuple[Path, int]]]:
    """The directories a name is looked up in on the way to ``path`` (symlinks followed as
    the kernel follows them, root first), and the symlinks met with their owners. Stops at the
    first name that does not exist: newsarc creates the rest."""
    directories: list[Path] = []
    links: list[tuple[Path, int]] = []
    names = list(path.parts[1:]) if path.is_absolute() else [*Path.cwd().parts[1:], *path.parts]
    current = Path("/")
    hops = 0
    while names:
        name = names.pop(0)
        if name in ("", "."):
            continue
        if name == "..":
            current = current.parent
            continue
        if current not in directories:
            directories.append(current)
        candidate = current / name
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            break
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        hops += 1
        if hops > _MAX_SYMLINKS:
            raise ConfigError(f"{path}: too many levels of symbolic links")
        links.append((candidate, info.st_uid))
        target = Path(os.readlink(candidate))
        if target.is_absolute():
            current = Path("/")
            names = [*target.parts[1:], *names]
        else:
            names = [*target.parts, *names]
    return directories, links


def check_parents(path: Path, *, what: str, allow: bool = False) -> None:
    """Raise :class:`ConfigError` when another user could swap ``path`` (or a directory on
    the way to it) for one of their own: a directory a name on the way is looked up in that
    they may rename entries of (writable by group or others and not sticky; sticky or not,
    owned by another user than this one or root), or a symlink on the way that is theirs."""
    if allow:
        return
    try:
        directories, links = _looked_up_in(path)
        infos = [(directory, os.stat(directory)) for directory in directories]
    except OSError as exc:
        raise ConfigError(f"cannot check the directories above {what} {path}: {exc}") from exc
    for directory, info in infos:
        mode = stat.S_IMODE(info.st_mode)
        writers = _writers(info.st_mode)
        if not _trusted_owner(info.st_uid):
            problem = f"belongs to another user (uid {info.st_uid})"
        elif writers and not info.st_mode & stat.S_ISVTX:
            problem = f"is writable by {' and '.join(writers)} and not sticky (mode {mode:04o})"
        else:
            continue
        raise ConfigError(
            f"{what} {path}: the directory {directory} above it {problem}: another user could "
            f"put a directory of their own in its place; {_OPT_OUT}"
        )
    for link, uid in links:
        if not _trusted_owner(uid):
            raise ConfigError(
                f"{what} {path}: the symlink {link} on the way to it belongs to another user "
                f"(uid {uid}), who could point it elsewhere; {_OPT_OUT}"
            )


def untrusted_entry(path: Path) -> str | None:
    """Why another user could have written the crawl file or directory ``path`` (not
    followed if a symlink), or None: a symlink (newsarc makes none), neither a file nor a
    directory, another user's (root excepted), writable by its group or others."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink (newsarc makes none)"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return "is neither a file nor a directory"
    if not _trusted_owner(info.st_uid):
        return f"belongs to another user (uid {info.st_uid})"
    if writers := _writers(info.st_mode):
        return f"is writable by {' and '.join(writers)} (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def check_crawl_tree(crawl_dir: Path, *, allow: bool = False) -> None:
    """Raise :class:`ConfigError` when an entry of ``crawl_dir`` (the directory included, and
    the directories above it) could have been written by another user; before a resume reads
    the crawl's ledger, recovers its files and uploads them as its own."""
    if allow:
        return
    check_private_dir(crawl_dir, what="the crawl's directory")
    check_parents(crawl_dir, what="the crawl's directory")
    for dirpath, dirnames, filenames in os.walk(crawl_dir):
        for name in sorted([*dirnames, *filenames]):
            entry = os.path.join(dirpath, name)
            try:
                problem = untrusted_entry(Path(entry))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ConfigError(f"cannot check {entry} in the crawl's directory: {exc}") from exc
            if problem:
                raise ConfigError(
                    f"the crawl's directory {crawl_dir}: {entry} {problem}: another user could "
                    f"have changed what the resume reads and archives; {_OPT_OUT}"
                )


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_frontier_uri(uri: str, *, allow: bool = False) -> None:
    """Raise :class:`ConfigError` for a network frontier off this machine with no password."""
    parts = urlsplit(uri)
    if allow or parts.scheme.lower() not in _NETWORK_SCHEMES or not parts.hostname:
        return
    if parts.password or is_loopback_host(parts.hostname):
        return
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    raise ConfigError(
        f"FRONTIER_URI {shown}: a Redis on another machine with no password: anyone who can "
        "reach it could read the crawl's URLs and queue requests into it; give its password "
        f"({parts.scheme}://:PASSWORD@{parts.netloc.rpartition('@')[2]}/…), or accept it with "
        "-s FRONTIER_ALLOW_NO_PASSWORD=True for a Redis only your crawlers can reach"
    )
