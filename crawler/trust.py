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
* :func:`check_frontier_uri` refuses a network frontier (``redis://``) on a host that is not a
  loopback address and given no password: anyone who can reach that Redis can read the crawl's
  URLs and queue requests into it. ``FRONTIER_ALLOW_NO_PASSWORD`` true accepts it, for a Redis
  only the crawlers can reach (a private network, a container's own network).

Both raise :class:`~crawler.exceptions.ConfigError` (exit 2, one line, before anything is
written): refusing is what an operator expects of a check whose whole point is that the crawl
may be misused without anyone noticing, and the settings that accept it say so explicitly.

Settings: ``NEWSARC_ALLOW_SHARED_DIRS``, ``FRONTIER_ALLOW_NO_PASSWORD``.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.exceptions import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["check_frontier_uri", "check_private_dir", "is_loopback_host"]

#: Frontier URI schemes that name a server on the network.
_NETWORK_SCHEMES = frozenset({"redis"})


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
    writers = [
        who
        for who, bit in (("its group", stat.S_IWGRP), ("others", stat.S_IWOTH))
        if info.st_mode & bit
    ]
    if writers:
        problem = f"is writable by {' and '.join(writers)} (mode {stat.S_IMODE(info.st_mode):04o})"
    elif info.st_uid not in {os.geteuid(), 0}:
        problem = f"belongs to another user (uid {info.st_uid})"
    if problem:
        raise ConfigError(
            f"{what} {path} {problem}: another user could change the crawl's state (queue "
            "requests, plant files to upload); make it yours alone (chmod go-w), or accept it "
            "with -s NEWSARC_ALLOW_SHARED_DIRS=True for a group you trust"
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
